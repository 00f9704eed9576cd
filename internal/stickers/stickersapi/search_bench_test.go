package stickersapi

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// benchQueries are common searches, English and other languages.
var benchQueries = []string{
	"query=thumbs+up", "query=love", "query=pizza", "query=angry", "query=cat+in+a+park", "query=happy+birthday",
	"query=fire+engine", "query=crying+laughing", "query=katze&lang=de", "query=coraz%C3%B3n&lang=es", "query=" + url.QueryEscape("誕生日") + "&lang=ja",
}

// BenchmarkSearchInProcess times the search handler in process, usage
// batched in memory (as in production) and feedback on the embedded DynamoDB: p50 and
// p99 of one search in ms.
//
//	go test -run '^$' -bench SearchInProcess ./internal/stickers/stickersapi/
func BenchmarkSearchInProcess(b *testing.B) {
	f := newFixture(b)
	batcher := stickers.NewBatcher(f.store, stickers.BatcherOptions{Interval: time.Second})
	defer batcher.Close(context.Background())
	f.svc.usage = batcher
	ctx := context.Background()
	req := func(q string) events.APIGatewayV2HTTPRequest {
		r := events.APIGatewayV2HTTPRequest{RouteKey: "GET /api/search", RawPath: "/api/search/", RawQueryString: q}
		r.RequestContext.HTTP.Method = "GET"
		return r
	}
	for _, q := range benchQueries { // index every language first: the first search of a language builds its index
		if resp, err := f.svc.search(ctx, req(q)); err != nil || resp.StatusCode != 200 {
			b.Fatalf("%s: %v %v", q, resp.StatusCode, err)
		}
	}
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := f.svc.search(ctx, req(benchQueries[i%len(benchQueries)])); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	q := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

// BenchmarkIndexBuild times building one language's index, the cost of the
// first search in that language after a cold start.
//
//	go test -run '^$' -bench IndexBuild ./internal/stickers/stickersapi/
func BenchmarkIndexBuild(b *testing.B) {
	for _, lang := range []string{"en", "de", "ja"} {
		b.Run(lang, func(b *testing.B) {
			for b.Loop() {
				shipped, err := stickers.Localized(lang)
				if err != nil {
					b.Fatal(err)
				}
				stickers.NewIndex(shipped, stickers.RankingFor(lang))
			}
		})
	}
}
