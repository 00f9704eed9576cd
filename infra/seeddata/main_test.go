package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRunFailsFastWhenNothingListens: with no API at the URL, the run ends at
// once with one line that names the URL and how to fix it, and loads nothing.
func TestRunFailsFastWhenNothingListens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close() // nothing listens there now

	start := time.Now()
	err = run([]string{"-url", url, "-d", "10", "-c", "5"}, io.Discard)
	if err == nil {
		t.Fatal("run succeeded with nothing listening")
	}
	if took := time.Since(start); took > reachTimeout {
		t.Errorf("took %s to fail, over %s", took, reachTimeout)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "nothing answers at "+url) || !strings.Contains(msg, "make run") {
		t.Errorf("error %q: want one line naming %s and make run", msg, url)
	}
}

// TestDefaultURLFollowsPort: without -url or MOSAIC_URL, the tool talks to
// the port `make run` listens on with the same environment.
func TestDefaultURLFollowsPort(t *testing.T) {
	t.Setenv("MOSAIC_URL", "")
	t.Setenv("PORT", "8123")
	if got := defaultURL(); got != "http://127.0.0.1:8123" {
		t.Errorf("PORT=8123: default URL %q", got)
	}
	t.Setenv("MOSAIC_URL", "https://api.example.com/prod")
	if got := defaultURL(); got != "https://api.example.com/prod" {
		t.Errorf("MOSAIC_URL set: default URL %q", got)
	}
}

// TestRunRefusesAnotherService: something that is not Mosaic at the URL is
// named as such rather than loaded into.
func TestRunRefusesAnotherService(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	err := run([]string{"-url", srv.URL, "-d", "1", "-c", "0"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "answered 404") {
		t.Fatalf("run against a non-Mosaic server: %v", err)
	}
}
