package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// waitForUsage polls the analytics of query (URL-encoded) until its usage is
// want, and fails after 10 s: usage is flushed in the background.
func waitForUsage(t testing.TB, base, query string, want int) response {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := call(t, "GET", base+"/api/analytics?query="+query, "Bearer dev-admin", nil)
		q, _ := r.decoded["query"].(map[string]any)
		if r.status == 200 && q["usage"] == float64(want) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("usage of %s never reached %d: %d %s", query, want, r.status, r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStickerUsageIsExactAfterAFlushAndSurvivesShutdown searches concurrently
// over HTTP, checks the counters once flushed, then searches again and stops
// the stack at once (SIGTERM): the searches still in memory are flushed on
// shutdown and are there after a restart.
func TestStickerUsageIsExactAfterAFlushAndSurvivesShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	bin, dir := buildServer(t), t.TempDir()
	// A long interval: only the shutdown flushes the second round.
	s := startServer(t, bin, dir, "USAGE_FLUSH_INTERVAL=1h")
	const n = 40
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			call(t, "GET", s.url+"/api/search/?query="+url.QueryEscape(fmt.Sprintf("usage test %d", i%4)), "", nil)
		}()
	}
	for range n {
		<-done
	}
	s.stop(t)
	s = startServer(t, bin, dir, "USAGE_FLUSH_INTERVAL=50ms")
	for i := range 4 {
		waitForUsage(t, s.url, url.QueryEscape(fmt.Sprintf("usage test %d", i)), n/4)
	}
	for range 5 {
		call(t, "GET", s.url+"/api/search/?query=usage+test+0", "", nil)
	}
	waitForUsage(t, s.url, "usage+test+0", n/4+5)
}
