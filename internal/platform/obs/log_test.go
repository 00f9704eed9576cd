package obs

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

const testTraceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"

// lambdaContext returns ctx as aws-lambda-go builds it for an invocation.
func lambdaContext(ctx context.Context, requestID, traceHeader string) context.Context {
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: requestID})
	//lint:ignore SA1029 aws-lambda-go's own key is this plain string
	return context.WithValue(ctx, lambdaTraceKey, traceHeader)
}

// lines decodes each JSON line of b.
func lines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestLoggerCarriesInvocationAttributes(t *testing.T) {
	var buf bytes.Buffer
	logger := NewLogger(&buf, "classify", slog.LevelInfo)
	ctx := lambdaContext(context.Background(), "lambda-1", testTraceHeader)
	ctx = context.WithValue(ctx, invocationKey{}, &invocation{coldStart: true})
	ctx = WithRequestID(ctx, "req-1")

	logger.InfoContext(ctx, "hello", "k", "v")

	got := lines(t, &buf)
	if len(got) != 1 {
		t.Fatalf("got %d lines, want 1", len(got))
	}
	want := map[string]any{
		"level": "INFO", "msg": "hello", "function": "classify", "request_id": "req-1",
		"lambda_request_id": "lambda-1", "cold_start": true,
		"trace_id": "1-5759e988-bd862e3fe1be46a994272793", "k": "v",
	}
	for k, v := range want {
		if got[0][k] != v {
			t.Errorf("%s = %v, want %v", k, got[0][k], v)
		}
	}
}

func TestLoggerWithoutInvocation(t *testing.T) {
	var buf bytes.Buffer
	NewLogger(&buf, "f", nil).Info("plain")
	got := lines(t, &buf)[0]
	for _, k := range []string{"request_id", "lambda_request_id", "cold_start", "trace_id"} {
		if _, ok := got[k]; ok {
			t.Errorf("line has %s without an invocation: %v", k, got)
		}
	}
	if got["function"] != "f" {
		t.Errorf("function = %v", got["function"])
	}
}

func TestLoggerFromContextIsBound(t *testing.T) {
	var buf bytes.Buffer
	ctx := WithLogger(context.Background(), NewLogger(&buf, "f", slog.LevelInfo))
	ctx = WithRequestID(ctx, "req-2")

	l := Logger(ctx)
	l.Info("no context given")                                      // bound ctx supplies the id
	l.InfoContext(WithRequestID(ctx, "req-3"), "a newer context")   // the record's ctx wins
	l.With("message_id", "m-1").InfoContext(ctx, "with attributes") // no duplicate keys

	got := lines(t, &buf)
	for i, want := range []string{"req-2", "req-3", "req-2"} {
		if got[i]["request_id"] != want {
			t.Errorf("line %d request_id = %v, want %s", i, got[i]["request_id"], want)
		}
	}
	if n := strings.Count(buf.String(), `"request_id"`); n != 3 {
		t.Errorf("request_id appears %d times in 3 lines:\n%s", n, buf.String())
	}
	if got[2]["message_id"] != "m-1" {
		t.Errorf("message_id = %v", got[2]["message_id"])
	}
}

func TestLoggerFallback(t *testing.T) {
	if l := Logger(context.Background()); l == nil {
		t.Fatal("Logger without a logger in ctx returned nil")
	}
}

func TestLoggerLevel(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(&buf, "f", slog.LevelWarn)
	l.Info("dropped")
	l.Warn("kept")
	if got := lines(t, &buf); len(got) != 1 || got[0]["msg"] != "kept" {
		t.Fatalf("got %v", got)
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    slog.Level
		wantErr bool
	}{
		{"", slog.LevelInfo, false},
		{"debug", slog.LevelDebug, false},
		{"INFO", slog.LevelInfo, false},
		{" Warn ", slog.LevelWarn, false},
		{"warning", slog.LevelWarn, false},
		{"error", slog.LevelError, false},
		{"verbose", slog.LevelInfo, true},
	}
	for _, tt := range tests {
		got, err := ParseLevel(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
