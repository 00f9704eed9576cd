package obs

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// ParseLevel reads a LOG_LEVEL value: debug, info, warn (or warning), error,
// in any case; empty is info.
func ParseLevel(s string) (slog.Level, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		return slog.LevelInfo, nil
	case "warning":
		return slog.LevelWarn, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo, fmt.Errorf("log level %q is not one of debug, info, warn, error", s)
	}
	return l, nil
}

// NewLogger returns a JSON logger writing to w at level (info when nil); every
// line carries the function's name and the invocation's ids found in its context.
func NewLogger(w io.Writer, function string, level slog.Leveler) *slog.Logger {
	if level == nil {
		level = slog.LevelInfo
	}
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	if function != "" {
		h = h.WithAttrs([]slog.Attr{slog.String("function", function)})
	}
	return slog.New(&contextHandler{next: h})
}

type loggerKey struct{}

// WithLogger returns ctx carrying l, which Logger then returns.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// Logger returns the invocation's logger bound to ctx, so that its lines carry
// ctx's ids even when logged without a context; without one, a JSON logger on stdout.
func Logger(ctx context.Context) *slog.Logger {
	l, ok := ctx.Value(loggerKey{}).(*slog.Logger)
	if !ok || l == nil {
		l = NewLogger(os.Stdout, lambdacontext.FunctionName, slog.LevelInfo)
	}
	if h, ok := l.Handler().(*contextHandler); ok {
		return slog.New(&contextHandler{next: h.next, bound: ctx})
	}
	return l
}

// contextHandler adds the invocation's ids to every record. The ids come from
// the record's context, then from the context the logger was bound to.
type contextHandler struct {
	next  slog.Handler
	bound context.Context // nil unless made by Logger
}

func (h *contextHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *contextHandler) Handle(ctx context.Context, r slog.Record) error {
	ids := idsFrom(ctx)
	if h.bound != nil {
		ids = ids.or(idsFrom(h.bound))
	}
	attrs := ids.attrs()
	if len(attrs) == 0 {
		return h.next.Handle(ctx, r)
	}
	// The ids go first, so that they stand at the same place in every line.
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(attrs...)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(a)
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &contextHandler{next: h.next.WithAttrs(as), bound: h.bound}
}

func (h *contextHandler) WithGroup(name string) slog.Handler {
	return &contextHandler{next: h.next.WithGroup(name), bound: h.bound}
}

// ids are what a log line says about the invocation it belongs to.
type ids struct {
	requestID       string
	lambdaRequestID string
	traceID         string
	coldStart       *bool
}

func idsFrom(ctx context.Context) ids {
	if ctx == nil {
		return ids{}
	}
	var v ids
	v.requestID = RequestID(ctx)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		v.lambdaRequestID = lc.AwsRequestID
	}
	if tc, ok := traceFrom(ctx); ok {
		v.traceID = tc.root
	}
	if inv := invocationFrom(ctx); inv != nil {
		v.coldStart = &inv.coldStart
	}
	return v
}

// or fills what v lacks from w.
func (v ids) or(w ids) ids {
	return ids{
		requestID:       cmp.Or(v.requestID, w.requestID),
		lambdaRequestID: cmp.Or(v.lambdaRequestID, w.lambdaRequestID),
		traceID:         cmp.Or(v.traceID, w.traceID),
		coldStart:       cmp.Or(v.coldStart, w.coldStart),
	}
}

func (v ids) attrs() []slog.Attr {
	var as []slog.Attr
	if v.requestID != "" {
		as = append(as, slog.String("request_id", v.requestID))
	}
	if v.lambdaRequestID != "" {
		as = append(as, slog.String("lambda_request_id", v.lambdaRequestID))
	}
	if v.coldStart != nil {
		as = append(as, slog.Bool("cold_start", *v.coldStart))
	}
	if v.traceID != "" {
		as = append(as, slog.String("trace_id", v.traceID))
	}
	return as
}
