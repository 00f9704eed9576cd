package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkMixedTraffic drives make run's binary open-loop: requests leave
// at a fixed rate whatever the answers take (a slow answer does not hold
// the next one back), for a fixed time, in a mix of sticker searches (40%),
// digit counts (20%), classifications (20%) and dialog pushes (20%). A
// latency runs from the moment its request was due, so time spent waiting
// for the client's own scheduler counts against the server, not for it. It
// reports the error count (any answer but 2xx, or no answer), p50 and p99 in
// ms overall and per kind, and the rate reached; it fails on any error. The
// first seconds, at the same rate, start each function's execution
// environments (as many as the rate needs): they count for errors, not for
// latency.
//
//	MOSAIC_BENCH_MIXED_RPS      requests per second (500)
//	MOSAIC_BENCH_MIXED_SECONDS  how long, after the warm-up (60)
//	MOSAIC_BENCH_MIXED_WARMUP   seconds of warm-up (2)
//
//	go test -run '^$' -bench MixedTraffic -benchtime 1x -timeout 10m ./infra/local/
func BenchmarkMixedTraffic(b *testing.B) {
	rps, seconds := envInt("MOSAIC_BENCH_MIXED_RPS", 500), envInt("MOSAIC_BENCH_MIXED_SECONDS", 60)
	warmup := rps * envInt("MOSAIC_BENCH_MIXED_WARMUP", 2)
	s := startServer(b, buildServer(b), b.TempDir())
	defer s.stop(b)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512}}

	searches := []string{"thumbs up", "love", "pizza", "angry", "cat", "party", "happy birthday", "rocket", "sun", "coffee"}
	texts := []string{"have a nice day", "you idiot", "I will find where you live", "the match was a massacre, 5-0", "see you tomorrow"}
	request := func(i int) (kind string, req *http.Request) {
		var err error
		switch i % 10 {
		case 0, 1, 2, 3:
			kind = "search"
			req, err = http.NewRequest("GET", s.url+"/api/search/?query="+url.QueryEscape(searches[i%len(searches)]), nil)
		case 4, 5:
			kind = "counter"
			req, err = http.NewRequest("GET", fmt.Sprintf("%s/api/counter/?digit=%d&n=%d", s.url, i%10, 1000+i%500), nil)
		case 6, 7:
			kind = "classify"
			req, err = http.NewRequest("POST", s.url+"/classify", strings.NewReader(fmt.Sprintf(`{"texts": [%q]}`, texts[i%len(texts)])))
		default:
			kind = "push"
			dialog := i / 10 % 2000 // each dialog gets a few messages
			req, err = http.NewRequest("POST", fmt.Sprintf("%s/data/customer-%d/dialog-%d", s.url, dialog%100, dialog),
				strings.NewReader(fmt.Sprintf(`{"text": "Message %d: where is my parcel?", "language": "en"}`, i)))
		}
		if err != nil {
			b.Fatal(err)
		}
		if req.Method == "POST" {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer dev-writer")
		}
		return kind, req
	}

	type result struct {
		kind string
		took time.Duration
		err  string
	}
	total := warmup + rps*seconds
	results := make([]result, total)
	interval := time.Second / time.Duration(rps)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	var measured time.Time
	for i := range total {
		if i == warmup {
			measured = time.Now()
		}
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		kind, req := request(i)
		wg.Go(func() {
			r := result{kind: kind}
			resp, err := client.Do(req)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					r.err = fmt.Sprintf("%s %s = %d %.200s", req.Method, req.URL.Path, resp.StatusCode, body)
				}
			} else {
				r.err = err.Error()
			}
			r.took = time.Since(due)
			results[i] = r
		})
	}
	wg.Wait()
	elapsed := time.Since(measured)
	b.StopTimer()

	all, byKind := latencies{}, map[string]latencies{}
	var errs []string
	for i, r := range results {
		if r.err != "" {
			errs = append(errs, r.err)
		}
		if i >= warmup {
			all = append(all, r.took)
			byKind[r.kind] = append(byKind[r.kind], r.took)
		}
	}
	b.ReportMetric(float64(len(errs)), "errors")
	b.ReportMetric(all.quantile(0.5), "p50-ms")
	b.ReportMetric(all.quantile(0.99), "p99-ms")
	for kind, l := range byKind {
		b.ReportMetric(l.quantile(0.99), kind+"-p99-ms")
	}
	b.ReportMetric(float64(total-warmup)/elapsed.Seconds(), "req/s")
	b.ReportMetric(0, "ns/op")
	if len(errs) > 0 {
		b.Fatalf("%d of %d requests failed; the first: %s", len(errs), total, strings.Join(errs[:min(5, len(errs))], "; "))
	}
}
