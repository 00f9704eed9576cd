package classify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/secret"
)

// fakeModel is a Hugging Face compatible server whose answers the test scripts.
type fakeModel struct {
	calls   atomic.Int32
	answers func(call int) (status int, body string)
	hold    chan struct{} // when set, every request waits for it to close
	active  atomic.Int32
	peak    atomic.Int32
}

const koalaAnswer = `[[{"label":"V","score":0.92},{"label":"OK","score":0.05},{"label":"H","score":0.02},{"label":"S3","score":0.001}]]`

func (f *fakeModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.active.Add(1)
	defer f.active.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if r.Header.Get("Authorization") != "Bearer test-token" {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if f.hold != nil {
		<-f.hold
	}
	status, body := f.answers(int(f.calls.Add(1)))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// recorder stands in for time: it records every sleep and returns at once.
type recorder struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (r *recorder) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sleeps = append(r.sleeps, d)
	return nil
}

func newFake(t *testing.T, f *fakeModel, cfg HuggingFaceConfig) (*HuggingFace, *recorder) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	rec := &recorder{}
	cfg.URL = srv.URL + "/models/KoalaAI/Text-Moderation"
	cfg.Token = secret.Static("HF_TOKEN", "test-token")
	cfg.Sleep = rec.sleep
	h, err := NewHuggingFace(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, rec
}

func TestHuggingFaceWarmUp(t *testing.T) {
	warmThenOK := func(call int) (int, string) {
		if call == 1 {
			return 503, `{"error":"Model KoalaAI/Text-Moderation is currently loading","estimated_time":19.2}`
		}
		return 200, koalaAnswer
	}
	t.Run("API callers get WarmingUpError, then scores", func(t *testing.T) {
		f := &fakeModel{answers: warmThenOK}
		h, _ := newFake(t, f, HuggingFaceConfig{})
		_, err := h.Score(context.Background(), []string{"x"})
		var warm *WarmingUpError
		if !errors.As(err, &warm) || warm.RetryAfter != 20*time.Second {
			t.Fatalf("err = %v, want WarmingUpError of 20s", err)
		}
		s, err := h.Score(context.Background(), []string{"x"})
		if err != nil || s[0][Violence] != 0.92 || s[0][Hate] != 0.02 || s[0][SexualMinors] != 0.001 || s[0][Profanity] != 0 {
			t.Fatalf("scores = %v, %v", s, err)
		}
		if h.Model() != "huggingface:KoalaAI/Text-Moderation" {
			t.Errorf("model = %q", h.Model())
		}
	})
	t.Run("workers wait the estimated time, bounded", func(t *testing.T) {
		f := &fakeModel{answers: warmThenOK}
		h, rec := newFake(t, f, HuggingFaceConfig{WarmUpWait: time.Minute})
		s, err := h.Score(context.Background(), []string{"x"})
		if err != nil || s[0][Violence] != 0.92 {
			t.Fatalf("scores = %v, %v", s, err)
		}
		if len(rec.sleeps) != 1 || rec.sleeps[0] != 20*time.Second {
			t.Fatalf("sleeps = %v, want [20s]", rec.sleeps)
		}
	})
}

func TestHuggingFaceRetriesWithJitteredBackoff(t *testing.T) {
	f := &fakeModel{answers: func(call int) (int, string) {
		switch call {
		case 1, 2:
			return 500, `{"error":"internal"}`
		case 3:
			return 429, `{"error":"rate limited"}`
		}
		return 200, koalaAnswer
	}}
	draws := []float64{0.5, 0.9, 0.3}
	var mu sync.Mutex
	h, rec := newFake(t, f, HuggingFaceConfig{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, Rand: func() float64 {
		mu.Lock()
		defer mu.Unlock()
		d := draws[0]
		draws = draws[1:]
		return d
	}})
	if _, err := h.Score(context.Background(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	// Ceilings double (100ms, 200ms, 400ms); each delay is a random share of its ceiling.
	want := []time.Duration{50 * time.Millisecond, 180 * time.Millisecond, 120 * time.Millisecond}
	if fmt.Sprint(rec.sleeps) != fmt.Sprint(want) || f.calls.Load() != 4 {
		t.Fatalf("sleeps = %v (calls %d), want %v", rec.sleeps, f.calls.Load(), want)
	}
}

func TestHuggingFaceBackoffBounds(t *testing.T) {
	h, err := NewHuggingFace(HuggingFaceConfig{URL: "http://127.0.0.1:1", BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, Rand: func() float64 { return 0.999999 }})
	if err != nil {
		t.Fatal(err)
	}
	prev := time.Duration(0)
	for n := 1; n <= 6; n++ {
		d := h.Backoff(n)
		if d < prev && d < 999*time.Millisecond || d >= time.Second {
			t.Fatalf("backoff(%d) = %v after %v", n, d, prev)
		}
		prev = d
	}
}

func TestHuggingFaceGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		calls  int32
	}{
		{"5xx until the attempts run out", 502, 3},
		{"a 400 is not retried", 400, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeModel{answers: func(int) (int, string) { return tc.status, `{"error":"no"}` }}
			h, _ := newFake(t, f, HuggingFaceConfig{MaxAttempts: 3, Rand: func() float64 { return 0.5 }})
			if _, err := h.Score(context.Background(), []string{"x"}); err == nil {
				t.Fatal("want an error")
			}
			if f.calls.Load() != tc.calls {
				t.Fatalf("calls = %d, want %d", f.calls.Load(), tc.calls)
			}
		})
	}
}

func TestHuggingFaceTimeoutIsRetried(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	f := &fakeModel{answers: func(call int) (int, string) {
		if call == 1 {
			<-release
		}
		return 200, koalaAnswer
	}}
	h, rec := newFake(t, f, HuggingFaceConfig{MaxAttempts: 2, Timeout: 50 * time.Millisecond, Rand: func() float64 { return 0.5 }})
	if _, err := h.Score(context.Background(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if len(rec.sleeps) != 1 {
		t.Fatalf("sleeps = %v, want one retry", rec.sleeps)
	}
}

func TestHuggingFaceInFlightLimit(t *testing.T) {
	f := &fakeModel{answers: func(int) (int, string) { return 200, koalaAnswer }, hold: make(chan struct{})}
	h, _ := newFake(t, f, HuggingFaceConfig{MaxInFlight: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := h.Score(context.Background(), []string{"x"})
			errs <- err
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.active.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a third request, were it let through, would arrive now
	if got := f.active.Load(); got != 2 {
		t.Errorf("%d requests in flight, want 2", got)
	}
	close(f.hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if f.peak.Load() != 2 || f.calls.Load() != 8 {
		t.Fatalf("peak %d, calls %d; want 2 and 8", f.peak.Load(), f.calls.Load())
	}
}

func TestEngineCachesRemoteScores(t *testing.T) {
	f := &fakeModel{answers: func(int) (int, string) { return 200, koalaAnswer }}
	h, _ := newFake(t, f, HuggingFaceConfig{})
	e := NewEngine(h, DefaultThresholds(), embeddedCache(t))
	first, err := e.Classify(context.Background(), []string{"I will hurt you"})
	if err != nil || first[0].Cached || !first[0].Flagged || first[0].TopLabel != Violence {
		t.Fatalf("first = %+v, %v", first, err)
	}
	// The same text normalized the same way is a hit: no second request.
	again, err := e.Classify(context.Background(), []string{"I  WILL hurt   you!"})
	if err != nil || !again[0].Cached || again[0].TopLabel != Violence || f.calls.Load() != 1 {
		t.Fatalf("again = %+v, %v (calls %d)", again, err, f.calls.Load())
	}
}

func TestHuggingFaceKeepsConnectionsAlive(t *testing.T) {
	f := &fakeModel{answers: func(int) (int, string) { return 200, koalaAnswer }}
	srv := httptest.NewUnstartedServer(f)
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	h, err := NewHuggingFace(HuggingFaceConfig{URL: srv.URL, Token: secret.Static("HF_TOKEN", "test-token")})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := h.Score(context.Background(), []string{"x"}); err != nil {
			t.Fatal(err)
		}
	}
	if conns.Load() != 1 {
		t.Fatalf("%d connections for 5 sequential calls, want 1", conns.Load())
	}
}
