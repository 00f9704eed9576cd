// Package invoke runs a function's handler the way Lambda does: in execution
// environments that each take one invocation at a time, within the function's
// timeout, with a panic failing the invocation rather than the process.
package invoke

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Lambda's limits on a synchronous invocation's event and response (6 MiB,
// and 100 bytes more for a response): past them AWS fails the invocation, so
// the local runtime does too rather than hide what only breaks once deployed.
const (
	MaxEvent    = 6 << 20
	MaxResponse = 6<<20 + 100
)

// DefaultConcurrency is how many environments a function gets locally when
// the template reserves no concurrency for it.
const DefaultConcurrency = 8

// QueueWait is the longest a synchronous invocation waits for a busy function
// to free an environment. Lambda throttles at once; locally a short wait keeps
// one client's burst from being refused, without hiding a saturated function.
const QueueWait = time.Second

// ThrottledError is Lambda's TooManyRequestsException: every environment the
// function may have is busy.
type ThrottledError struct {
	Function    string
	Concurrency int
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s: throttled: all %d execution environments are busy", e.Function, e.Concurrency)
}

// Function is one template function with its pool of environments.
type Function struct {
	name    string
	arn     string
	timeout time.Duration
	idle    chan lambda.Handler // environments waiting for work
	slots   chan struct{}       // one token per environment that may exist
	newEnv  func() lambda.Handler

	concurrency int
}

// New returns a Function whose environments come from newEnv, at most
// concurrency at once. Each environment is its own lambda.Handler because one
// made by lambda.NewHandler returns its output in a buffer that its next
// invocation overwrites.
func New(name, arn string, timeout time.Duration, concurrency int, newEnv func() lambda.Handler) *Function {
	if concurrency < 1 {
		concurrency = DefaultConcurrency
	}
	return &Function{
		name: name, arn: arn, timeout: timeout, newEnv: newEnv, concurrency: concurrency,
		idle:  make(chan lambda.Handler, concurrency),
		slots: make(chan struct{}, concurrency),
	}
}

// Single wraps one handler as a Function with one environment (tests, tools).
func Single(name string, timeout time.Duration, h lambda.Handler) *Function {
	return New(name, "arn:aws:lambda:us-east-1:000000000000:function:"+name, timeout, 1, func() lambda.Handler { return h })
}

// Timeout is the function's configured timeout.
func (f *Function) Timeout() time.Duration { return f.timeout }

// Invoke runs the handler on payload and returns its output, as a synchronous
// invocation does: when every environment stays busy for QueueWait (or the
// function's timeout, if shorter), it fails with a *ThrottledError.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f.invoke(ctx, payload, min(QueueWait, f.timeout))
}

// InvokeQueued runs the handler like Invoke, waiting up to one timeout for an
// environment: event sources (queues, schedules) retry rather than drop work.
func (f *Function) InvokeQueued(ctx context.Context, payload []byte) ([]byte, error) {
	return f.invoke(ctx, payload, f.timeout)
}

func (f *Function) invoke(ctx context.Context, payload []byte, wait time.Duration) ([]byte, error) {
	if len(payload) > MaxEvent {
		return nil, fmt.Errorf("%s: the event is %d bytes, over Lambda's %d-byte limit", f.name, len(payload), MaxEvent)
	}
	env, err := f.acquire(ctx, wait)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       newRequestID(),
		InvokedFunctionArn: f.arn,
	})
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		// The environment goes back to the pool only when the handler returns,
		// even after the caller gave up at the timeout.
		defer func() { f.idle <- env }()
		var res result
		func() {
			defer func() {
				if p := recover(); p != nil {
					res = result{err: fmt.Errorf("function panicked: %v", p)}
				}
			}()
			out, err := env.Invoke(ctx, payload)
			res = result{bytes.Clone(out), err}
		}()
		done <- res
	}()
	select {
	case res := <-done:
		if res.err == nil && ctx.Err() != nil {
			res.err = fmt.Errorf("task timed out after %s", f.timeout)
		}
		if res.err == nil && len(res.out) > MaxResponse {
			res.err = fmt.Errorf("%s: the response is %d bytes, over Lambda's %d-byte limit", f.name, len(res.out), MaxResponse)
		}
		return res.out, res.err
	case <-ctx.Done():
		return nil, fmt.Errorf("task timed out after %s", f.timeout)
	}
}

// acquire takes an idle environment, starts a new one while the limit allows,
// or waits up to wait for one.
func (f *Function) acquire(ctx context.Context, wait time.Duration) (lambda.Handler, error) {
	select {
	case env := <-f.idle:
		return env, nil
	default:
	}
	select {
	case f.slots <- struct{}{}:
		return f.newEnv(), nil
	default:
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case env := <-f.idle:
		return env, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, &ThrottledError{Function: f.name, Concurrency: f.concurrency}
	}
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
