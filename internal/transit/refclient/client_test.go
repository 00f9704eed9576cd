package refclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "localhost:8090", "ftp://x", "http://", "::"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		failFirst int
		status    int
		wantCalls int32
		wantErr   bool
		transient bool
	}{
		{"success", 0, 0, 1, false, false},
		{"two 503s then success", 2, 503, 3, false, false},
		{"429 then success", 1, 429, 2, false, false},
		{"always 500", 100, 500, 4, true, true},
		{"404 is not retried", 100, 404, 1, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n := calls.Add(1); int(n) <= tc.failFirst {
					w.WriteHeader(tc.status)
					return
				}
				_, _ = io.WriteString(w, `[{"id":0,"name":"Port Jessica","country":"Tuvalu"}]`)
			}))
			defer srv.Close()
			c, _ := New(srv.URL, WithRetries(4, time.Millisecond))
			cities, err := c.Cities(context.Background())
			if (err != nil) != tc.wantErr || IsTransient(err) != tc.transient || calls.Load() != tc.wantCalls {
				t.Fatalf("err %v (transient %v), %d calls", err, IsTransient(err), calls.Load())
			}
			if err == nil && (len(cities) != 1 || cities[0].Country != "Tuvalu") {
				t.Fatalf("cities %+v", cities)
			}
		})
	}
}

func TestCutBodyIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, "[") // then the connection closes: unexpected EOF
			return
		}
		_, _ = io.WriteString(w, "[]")
	}))
	defer srv.Close()
	c, _ := New(srv.URL, WithRetries(3, time.Millisecond))
	var got []byte
	err := c.Stats(context.Background(), 1, "2024-05-01", func(body io.Reader) (err error) {
		got, err = io.ReadAll(body)
		return err
	})
	if err != nil || string(got) != "[]" || calls.Load() != 2 {
		t.Fatalf("err %v, body %q, %d calls", err, got, calls.Load())
	}
	// A reader's own error that is not a cut is returned at once.
	calls.Store(1)
	bad := errors.New("malformed")
	if err := c.Stats(context.Background(), 1, "2024-05-01", func(io.Reader) error { return bad }); !errors.Is(err, bad) || calls.Load() != 2 {
		t.Fatalf("err %v, %d calls", err, calls.Load())
	}
}
