package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// Handler processes one message; an error leaves the message on the queue for a retry.
type Handler func(ctx context.Context, m events.SQSMessage) error

// ErrBatchFailed is returned by a Worker whose every message failed.
var ErrBatchFailed = errors.New("queue: every message of the batch failed")

// Worker returns a Lambda handler that runs each on every message of a batch
// and reports the failed ones. When every message failed it also returns
// ErrBatchFailed: the batch is then retried as a whole even by an event source
// that lacks ReportBatchItemFailures, and Lambda counts the invocation as an error.
func Worker(each Handler, opts ...BatchOption) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		resp := HandleBatch(ctx, ev, each, opts...)
		if n := len(ev.Records); n > 0 && len(resp.BatchItemFailures) == n {
			return resp, fmt.Errorf("%w (%d messages)", ErrBatchFailed, n)
		}
		return resp, nil
	}
}

// JSON returns a Handler that decodes each body into a T and calls fn; a body
// that does not decode fails with a Permanent error.
func JSON[T any](fn func(ctx context.Context, v T) error) Handler {
	return func(ctx context.Context, m events.SQSMessage) error {
		var v T
		if err := json.Unmarshal([]byte(m.Body), &v); err != nil {
			return Permanent(fmt.Errorf("decode message body: %w", err))
		}
		return fn(ctx, v)
	}
}

// BatchOption configures HandleBatch and Worker.
type BatchOption func(*batchConfig)

type batchConfig struct {
	concurrency int
	deadLetter  Publisher
}

// WithConcurrency processes up to n messages of a batch at once (default 1).
// FIFO batches are always processed one message at a time, in order.
func WithConcurrency(n int) BatchOption {
	return func(c *batchConfig) { c.concurrency = max(n, 1) }
}

// WithDeadLetter sends messages that fail with a Permanent error to p (the
// queue's dead-letter queue) at once, instead of retrying them.
func WithDeadLetter(p Publisher) BatchOption {
	return func(c *batchConfig) { c.deadLetter = p }
}

// HandleBatch runs each on every message of ev and returns the ids of those
// that failed, returned an error or panicked, so that only they are retried.
// A message is not started once ctx is done. In a FIFO batch, messages after
// the first failure are not processed but reported failed too, so that their
// group's order holds.
func HandleBatch(ctx context.Context, ev events.SQSEvent, each Handler, opts ...BatchOption) events.SQSEventResponse {
	b := batch{cfg: batchConfig{concurrency: 1}, each: each}
	for _, o := range opts {
		o(&b.cfg)
	}
	ok := make([]bool, len(ev.Records))
	if isFIFO(ev) {
		b.inOrder(ctx, ev.Records, ok)
	} else {
		b.concurrently(ctx, ev.Records, ok)
	}

	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for i, m := range ev.Records {
		if !ok[i] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	if n := len(resp.BatchItemFailures); n > 0 {
		obs.Count(ctx, "MessagesFailed", n)
	}
	return resp
}

type batch struct {
	cfg  batchConfig
	each Handler
}

func isFIFO(ev events.SQSEvent) bool {
	return len(ev.Records) > 0 && strings.HasSuffix(ev.Records[0].EventSourceARN, ".fifo")
}

func (b *batch) inOrder(ctx context.Context, ms []events.SQSMessage, ok []bool) {
	for i, m := range ms {
		if ok[i] = b.process(ctx, m); !ok[i] {
			if rest := len(ms) - i - 1; rest > 0 {
				obs.Logger(ctx).WarnContext(ctx, "FIFO batch stopped at a failed message; the rest will be retried",
					"message_id", m.MessageId, "not_processed", rest)
			}
			return
		}
	}
}

func (b *batch) concurrently(ctx context.Context, ms []events.SQSMessage, ok []bool) {
	sem := make(chan struct{}, b.cfg.concurrency)
	var wg sync.WaitGroup
	for i, m := range ms {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ok[i] = b.process(ctx, m)
		})
	}
	wg.Wait()
}

// process handles one message and reports whether it may be deleted.
func (b *batch) process(ctx context.Context, m events.SQSMessage) bool {
	ctx = messageContext(ctx, m)
	log := obs.Logger(ctx)
	attrs := []any{"receive_count", m.Attributes["ApproximateReceiveCount"], "queue", m.EventSourceARN}
	if err := ctx.Err(); err != nil {
		log.WarnContext(ctx, "message not processed: the invocation is ending", append(attrs, "error", err.Error())...)
		return false
	}
	err := call(ctx, b.each, m)
	if err == nil {
		return true
	}
	attrs = append(attrs, "error", err.Error())
	var p *panicError
	switch {
	case IsPermanent(err) && b.cfg.deadLetter != nil:
		if derr := b.toDeadLetter(ctx, m, err); derr != nil {
			log.ErrorContext(ctx, "message failed permanently and could not be dead-lettered; it will be retried",
				append(attrs, "dead_letter_error", derr.Error())...)
			return false
		}
		log.ErrorContext(ctx, "message failed permanently; sent to the dead-letter queue", attrs...)
		obs.Count(ctx, "MessagesDeadLettered", 1)
		return true
	case IsPermanent(err):
		log.ErrorContext(ctx, "message failed permanently; the queue's redrive policy will dead-letter it", attrs...)
	case errors.As(err, &p):
		log.ErrorContext(ctx, "message handler panicked; it will be retried", append(attrs, "stack", p.stack)...)
	default:
		log.WarnContext(ctx, "message failed; it will be retried", attrs...)
	}
	return false
}

// messageContext carries the message's request id (the publisher's, else the
// message id) and a logger that names the message.
func messageContext(ctx context.Context, m events.SQSMessage) context.Context {
	id := m.MessageId
	if a, ok := m.MessageAttributes[RequestIDAttribute]; ok && a.StringValue != nil && *a.StringValue != "" {
		id = *a.StringValue
	}
	ctx = obs.WithRequestID(ctx, id)
	return obs.WithLogger(ctx, obs.Logger(ctx).With("message_id", m.MessageId))
}

// toDeadLetter publishes m's body, as it is, to the dead-letter publisher.
func (b *batch) toDeadLetter(ctx context.Context, m events.SQSMessage, cause error) error {
	opts := []PublishOption{
		WithAttribute("dead_letter_reason", truncate(cause.Error(), 1024)),
		WithAttribute("source_message_id", m.MessageId),
	}
	if m.EventSourceARN != "" {
		opts = append(opts, WithAttribute("source_queue", m.EventSourceARN))
	}
	if g := m.Attributes["MessageGroupId"]; g != "" {
		opts = append(opts, WithGroupID(g), WithDeduplicationID(m.MessageId))
	}
	if err := b.cfg.deadLetter.Publish(ctx, json.RawMessage(m.Body), opts...); err != nil {
		return fmt.Errorf("dead-letter message %s: %w", m.MessageId, err)
	}
	return nil
}

// panicError is a handler's panic, turned into the failure of its message.
type panicError struct {
	value any
	stack string
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// call runs each, turning a panic into an error.
func call(ctx context.Context, each Handler, m events.SQSMessage) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: string(debug.Stack())}
		}
	}()
	return each(ctx, m)
}

// permanentError marks an error no retry can cure.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one no retry can cure, such as a body that is not
// valid JSON. With WithDeadLetter the message goes to the dead-letter queue
// at once; without, it is retried like any failure until the queue's redrive
// policy moves it there, so that it is never lost either way.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
