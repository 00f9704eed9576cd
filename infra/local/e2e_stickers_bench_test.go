package main

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"
)

// BenchmarkStickerSearchHTTP times GET /api/search/ over HTTP on make run's
// binary with 10,000 usage counters stored (10,000 distinct queries searched
// first, flushed), beside GET /health as the floor of the local gateway. It
// reports p50 and p99 in ms of each, and their ratio.
//
//	go test -run '^$' -bench StickerSearchHTTP -benchtime 2000x ./infra/local/
func BenchmarkStickerSearchHTTP(b *testing.B) {
	s := startServer(b, buildServer(b), b.TempDir(), "USAGE_FLUSH_INTERVAL=1s")
	const counters = 10_000
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range work {
				if r := call(b, "GET", s.url+"/api/search/?query="+url.QueryEscape(fmt.Sprintf("seed query %d", i)), "", nil); r.status != 200 {
					b.Errorf("seed search: %d %s", r.status, r.body)
				}
			}
		})
	}
	for i := range counters {
		work <- i
	}
	close(work)
	wg.Wait()
	waitForUsage(b, s.url, url.QueryEscape(fmt.Sprintf("seed query %d", counters-1)), 1)
	b.Logf("%d usage counters stored in %s", counters, time.Since(start).Round(time.Second))

	queries := []string{"thumbs up", "love", "pizza", "angry", "cat in a park", "katze", "party", "happy birthday"}
	var search, health latencies
	for i := 0; b.Loop(); i++ {
		d, _ := timedGet(b, s.url+"/api/search/?query="+url.QueryEscape(queries[i%len(queries)]), "")
		search = append(search, d)
		d, _ = timedGet(b, s.url+"/health", "")
		health = append(health, d)
	}
	b.ReportMetric(search.quantile(0.5), "search-p50-ms")
	b.ReportMetric(search.quantile(0.99), "search-p99-ms")
	b.ReportMetric(health.quantile(0.5), "health-p50-ms")
	b.ReportMetric(health.quantile(0.99), "health-p99-ms")
	b.ReportMetric(search.quantile(0.99)/health.quantile(0.99), "search/health-p99")
	b.ReportMetric(0, "ns/op")
}
