package obs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Option configures Instrument.
type Option func(*instrumented)

// WithFunctionName sets the FunctionName metric dimension (default: the Lambda
// function's name, AWS_LAMBDA_FUNCTION_NAME).
func WithFunctionName(name string) Option {
	return func(in *instrumented) { in.function = name }
}

// MetricsEnv turns the EMF documents on or off outside Lambda: on, 1 or true
// writes them, off, 0 or false drops them.
const MetricsEnv = "MOSAIC_METRICS"

// MetricsOutput is where an instrumented function writes its EMF documents by
// default. On Lambda (AWS_LAMBDA_RUNTIME_API set) it is stdout, always:
// CloudWatch Logs turns the documents into metrics. Elsewhere, as under
// `make run`, they would drown the one log line per request, so they go to
// stdout only when MOSAIC_METRICS says so or, unset, when logger is at DEBUG.
func MetricsOutput(logger *slog.Logger, getenv func(string) string, stdout io.Writer) io.Writer {
	if getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		return stdout
	}
	switch strings.ToLower(strings.TrimSpace(getenv(MetricsEnv))) {
	case "on", "1", "true":
		return stdout
	case "off", "0", "false":
		return io.Discard
	}
	if logger != nil && logger.Enabled(context.Background(), slog.LevelDebug) {
		return stdout
	}
	return io.Discard
}

// Instrument wraps h so that each invocation has logger and a fresh metrics
// collector in its context, is logged when it fails, and has its metrics
// written when it ends. The first invocation is the cold start.
func Instrument(logger *slog.Logger, h lambda.Handler, opts ...Option) lambda.Handler {
	in := &instrumented{
		next:       h,
		logger:     logger,
		function:   lambdacontext.FunctionName,
		metricsOut: MetricsOutput(logger, os.Getenv, os.Stdout),
	}
	for _, o := range opts {
		o(in)
	}
	return in
}

type instrumented struct {
	next       lambda.Handler
	logger     *slog.Logger
	function   string
	metricsOut io.Writer
	invoked    atomic.Bool // set by the first invocation of this instance
}

// invocation is what obs knows about the invocation running in a context.
type invocation struct {
	coldStart bool
}

type invocationKey struct{}

func invocationFrom(ctx context.Context) *invocation {
	inv, _ := ctx.Value(invocationKey{}).(*invocation)
	return inv
}

// Invoke runs one invocation; a panic is logged, the metrics are written, and
// the panic goes on to the Lambda runtime, which reports it.
func (in *instrumented) Invoke(ctx context.Context, payload []byte) (out []byte, err error) {
	start := time.Now()
	inv := &invocation{coldStart: !in.invoked.Swap(true)}
	m := NewMetrics(in.function)
	ctx = context.WithValue(ctx, invocationKey{}, inv)
	ctx = WithLogger(ctx, in.logger)
	ctx = WithMetrics(ctx, m)
	m.setContext(ctx)

	defer func() {
		v := recover()
		ms := float64(time.Since(start).Microseconds()) / 1000
		switch {
		case v != nil:
			in.logger.ErrorContext(ctx, "invocation panicked", "duration_ms", ms,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		case err != nil:
			in.logger.ErrorContext(ctx, "invocation failed", "duration_ms", ms, "error", err.Error())
		default:
			in.logger.DebugContext(ctx, "invocation done", "duration_ms", ms)
		}
		if ferr := m.Flush(in.metricsOut); ferr != nil {
			in.logger.WarnContext(ctx, "metrics not written", "error", ferr.Error())
		}
		if v != nil {
			panic(v)
		}
	}()
	return in.next.Invoke(ctx, payload)
}
