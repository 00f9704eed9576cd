package obs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

type handlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f handlerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

var _ lambda.Handler = handlerFunc(nil)

func TestInstrumentColdStartFlipsOnce(t *testing.T) {
	var logs, metrics bytes.Buffer
	h := Instrument(NewLogger(&logs, "f", slog.LevelDebug), handlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		Logger(ctx).Info("working")
		return nil, nil
	}), WithFunctionName("f"), WithMetricsOutput(&metrics))

	for range 3 {
		if _, err := h.Invoke(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	var cold []any
	for _, l := range lines(t, &logs) {
		if l["msg"] == "working" {
			cold = append(cold, l["cold_start"])
		}
	}
	if len(cold) != 3 || cold[0] != true || cold[1] != false || cold[2] != false {
		t.Fatalf("cold_start over 3 invocations = %v, want [true false false]", cold)
	}
	if metrics.Len() != 0 {
		t.Errorf("metrics written although none recorded: %s", metrics.String())
	}
}

func TestInstrumentLogsFailureAndFlushesMetrics(t *testing.T) {
	var logs, metrics bytes.Buffer
	h := Instrument(NewLogger(&logs, "f", slog.LevelInfo), handlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		Count(ctx, "Things", 2)
		return nil, errors.New("boom")
	}), WithFunctionName("f"), WithMetricsOutput(&metrics))

	ctx := lambdaContext(context.Background(), "lambda-9", testTraceHeader)
	if _, err := h.Invoke(ctx, nil); err == nil || err.Error() != "boom" {
		t.Fatalf("err = %v, want boom", err)
	}
	got := lines(t, &logs)
	if len(got) != 1 || got[0]["msg"] != "invocation failed" || got[0]["error"] != "boom" ||
		got[0]["level"] != "ERROR" || got[0]["lambda_request_id"] != "lambda-9" {
		t.Fatalf("logs = %v", got)
	}
	if _, ok := got[0]["duration_ms"].(float64); !ok {
		t.Errorf("no duration_ms in %v", got[0])
	}
	docs := lines(t, &metrics)
	if len(docs) != 1 || docs[0]["Things"] != 2.0 || docs[0]["lambda_request_id"] != "lambda-9" {
		t.Fatalf("metrics = %v", docs)
	}
}

func TestInstrumentDebugLinePerInvocation(t *testing.T) {
	var logs bytes.Buffer
	h := Instrument(NewLogger(&logs, "f", slog.LevelDebug), handlerFunc(func(context.Context, []byte) ([]byte, error) {
		return []byte(`"ok"`), nil
	}), WithMetricsOutput(&bytes.Buffer{}))
	if _, err := h.Invoke(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got := lines(t, &logs)
	if len(got) != 1 || got[0]["msg"] != "invocation done" || got[0]["level"] != "DEBUG" {
		t.Fatalf("logs = %v", got)
	}
}

func TestInstrumentPanicIsLoggedFlushedAndRaised(t *testing.T) {
	var logs, metrics bytes.Buffer
	h := Instrument(NewLogger(&logs, "f", slog.LevelInfo), handlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		Count(ctx, "BeforePanic", 1)
		panic("kaboom")
	}), WithMetricsOutput(&metrics))

	func() {
		defer func() {
			if v := recover(); v != "kaboom" {
				t.Errorf("recovered %v, want the handler's panic", v)
			}
		}()
		_, _ = h.Invoke(context.Background(), nil)
	}()
	got := lines(t, &logs)
	if len(got) != 1 || got[0]["msg"] != "invocation panicked" || got[0]["panic"] != "kaboom" {
		t.Fatalf("logs = %v", got)
	}
	if len(lines(t, &metrics)) != 1 {
		t.Errorf("metrics not flushed on panic: %q", metrics.String())
	}
}

// TestMetricsOutput: on Lambda the EMF documents always reach stdout, for
// CloudWatch; elsewhere only at DEBUG or when MOSAIC_METRICS asks.
func TestMetricsOutput(t *testing.T) {
	var stdout bytes.Buffer
	info, debug := NewLogger(&bytes.Buffer{}, "f", slog.LevelInfo), NewLogger(&bytes.Buffer{}, "f", slog.LevelDebug)
	tests := []struct {
		name   string
		logger *slog.Logger
		env    map[string]string
		want   bool
	}{
		{"on Lambda at INFO", info, map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, true},
		{"on Lambda, MOSAIC_METRICS=off ignored", info, map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", MetricsEnv: "off"}, true},
		{"locally at INFO", info, nil, false},
		{"locally at DEBUG", debug, nil, true},
		{"locally, MOSAIC_METRICS=on", info, map[string]string{MetricsEnv: "on"}, true},
		{"locally at DEBUG, MOSAIC_METRICS=off", debug, map[string]string{MetricsEnv: "off"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MetricsOutput(tt.logger, func(k string) string { return tt.env[k] }, &stdout)
			if (got == &stdout) != tt.want {
				t.Errorf("metrics to stdout = %v, want %v", got == &stdout, tt.want)
			}
		})
	}
}

// WithMetricsOutput sets where the EMF lines go, always (default: see
// MetricsOutput).
func WithMetricsOutput(w io.Writer) Option {
	return func(in *instrumented) { in.metricsOut = w }
}
