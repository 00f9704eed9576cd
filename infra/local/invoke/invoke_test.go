package invoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type echo struct {
	N int `json:"n"`
}

func TestConcurrentInvocationsKeepTheirOutputs(t *testing.T) {
	var envs atomic.Int32
	fn := New("Echo", "arn", time.Second, 4, func() lambda.Handler {
		envs.Add(1)
		return lambda.NewHandler(func(_ context.Context, e echo) (echo, error) {
			time.Sleep(time.Millisecond)
			return e, nil
		})
	})
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := fn.Invoke(context.Background(), []byte(fmt.Sprintf(`{"n":%d}`, i)))
			var got echo
			if err != nil || json.Unmarshal(out, &got) != nil || got.N != i {
				t.Errorf("invocation %d got %s (%v)", i, out, err)
			}
		}()
	}
	wg.Wait()
	if n := envs.Load(); n < 1 || n > 4 {
		t.Errorf("%d environments started, want 1..4", n)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	var running, peak atomic.Int32
	release := make(chan struct{})
	fn := New("Slow", "arn", 5*time.Second, 2, func() lambda.Handler {
		return lambda.NewHandler(func(context.Context) error {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			<-release
			running.Add(-1)
			return nil
		})
	})
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = fn.Invoke(context.Background(), []byte(`{}`)) }()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if p := peak.Load(); p != 2 {
		t.Errorf("peak concurrency = %d, want the limit 2", p)
	}
}

func TestTimeoutPanicAndContext(t *testing.T) {
	tests := []struct {
		name    string
		handler any
		wantErr string
	}{
		{"ignores its deadline", func(context.Context) error { time.Sleep(300 * time.Millisecond); return nil }, "timed out"},
		{"honours its deadline", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, "timed out"},
		{"panics", func(context.Context) error { panic("boom") }, "panic"},
		{"reads the Lambda context", func(ctx context.Context) (string, error) {
			lc, ok := lambdacontext.FromContext(ctx)
			if !ok || lc.AwsRequestID == "" || lc.InvokedFunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:F" {
				return "", fmt.Errorf("lambda context = %+v", lc)
			}
			return "ok", nil
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn := Single("F", 100*time.Millisecond, lambda.NewHandler(tc.handler))
			_, err := fn.Invoke(context.Background(), []byte(`{}`))
			if tc.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestPayloadLimits(t *testing.T) {
	// The timeout only bounds a stuck handler: building 6 MB under -race on a
	// loaded machine takes over a second, and must not time out instead.
	fn := Single("Big", 30*time.Second, lambda.NewHandler(func(_ context.Context, n int) (string, error) {
		return strings.Repeat("x", n), nil
	}))
	if _, err := fn.Invoke(context.Background(), []byte(fmt.Sprint(MaxResponse-2))); err != nil {
		t.Errorf("a response under 6 MB failed: %v", err)
	}
	if _, err := fn.Invoke(context.Background(), []byte(fmt.Sprint(MaxResponse))); err == nil || !strings.Contains(err.Error(), "over Lambda's") {
		t.Errorf("a response over 6 MB: %v, want Lambda's limit", err)
	}
	big := append(append([]byte(`"`), bytes.Repeat([]byte("x"), MaxEvent)...), '"')
	if _, err := fn.Invoke(context.Background(), big); err == nil || !strings.Contains(err.Error(), "event is") {
		t.Errorf("an event over 6 MB: %v, want Lambda's limit", err)
	}
}
