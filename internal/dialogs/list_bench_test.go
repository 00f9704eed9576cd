package dialogs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/dialogs/dialogsapi"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// BenchmarkListPages times GET /data's handler over DIALOGS_BENCH_N (default
// 100,000) consented dialogs in DynamoDB Local: the first page and the 50th
// (limit 20), alternately in one loop so both see the same conditions, for
// the unfiltered (sharded) listing and the per-language one. Reports ms/page
// of each and their ratio, which the design keeps near 1 (a cursor is a key
// condition, not an offset). Run: go test -run '^$' -bench ListPages ./internal/dialogs/
func BenchmarkListPages(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("DIALOGS_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	db, table := emutest.Table(b, "DialogsTable")
	start := time.Now()
	loadDialogs(b, db, table, n)
	b.Logf("loaded %d dialogs in %s", n, time.Since(start).Round(time.Millisecond))

	cfg, err := awsclients.Load(ctx, config.OS)
	if err != nil {
		b.Fatal(err)
	}
	h, err := dialogsapi.NewList(ctx, function.Deps{AWS: cfg, Env: config.Map(map[string]string{
		"DIALOGS_TABLE": table, "CURSOR_SECRET": strings.Repeat("s", 32),
	})})
	if err != nil {
		b.Fatal(err)
	}
	list := h.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	page := func(query string) (string, int) {
		resp, err := list(ctx, events.APIGatewayV2HTTPRequest{
			RawQueryString: query,
			RequestContext: events.APIGatewayV2HTTPRequestContext{Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				Lambda: map[string]any{"role": "reader"}}},
		})
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("GET /data?%s = %d %s", query, resp.StatusCode, resp.Body)
		}
		var p struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
			b.Fatal(err)
		}
		return p.NextCursor, len(p.Items)
	}
	type listing struct {
		name, filter, cursor50 string
		first, fiftieth        time.Duration
	}
	listings := []*listing{{name: "all"}, {name: "language", filter: "language=EN&"}}
	for _, l := range listings {
		cur := ""
		for range 49 {
			next, _ := page(l.filter + "limit=20&cursor=" + cur)
			if next == "" {
				b.Fatalf("%s: fewer than 50 pages", l.name)
			}
			cur = next
		}
		l.cursor50 = cur
	}
	rounds := 0
	for b.Loop() {
		for _, l := range listings {
			t0 := time.Now()
			if _, got := page(l.filter + "limit=20"); got != 20 {
				b.Fatalf("%s: first page has %d dialogs", l.name, got)
			}
			t1 := time.Now()
			if _, got := page(l.filter + "limit=20&cursor=" + l.cursor50); got != 20 {
				b.Fatalf("%s: page 50 has %d dialogs", l.name, got)
			}
			l.first += t1.Sub(t0)
			l.fiftieth += time.Since(t1)
		}
		rounds++
	}
	for _, l := range listings {
		p1 := float64(l.first.Microseconds()) / 1000 / float64(rounds)
		p50 := float64(l.fiftieth.Microseconds()) / 1000 / float64(rounds)
		b.ReportMetric(p1, "ms/page1-"+l.name)
		b.ReportMetric(p50, "ms/page50-"+l.name)
		b.ReportMetric(p50/p1, "page50/page1-"+l.name)
	}
}

// loadDialogs writes n consented dialogs of two messages, one second apart,
// with BatchWriteItem from 8 goroutines.
func loadDialogs(b *testing.B, db *dynamodb.Client, table string, n int) {
	langs := []string{"EN", "DE", "FR", "ES"}
	base := time.Now().UTC().Add(-time.Duration(n) * time.Second) // the newest is now: relative, never a fixed date
	jobs := make(chan []types.WriteRequest)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for reqs := range jobs {
				for len(reqs) > 0 {
					out, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{
						RequestItems: map[string][]types.WriteRequest{table: reqs},
					})
					if err != nil {
						b.Error(err)
						return
					}
					reqs = out.UnprocessedItems[table]
				}
			}
		})
	}
	batch := make([]types.WriteRequest, 0, 25)
	for i := range n {
		at := dialogs.FormatTime(base.Add(time.Duration(i) * time.Second))
		lang := langs[i%len(langs)]
		d := dialogs.Dialog{
			DialogID: fmt.Sprintf("bench-%06d", i), CustomerID: fmt.Sprintf("customer-%d", i%1000), Language: lang,
			CreatedAt: at, UpdatedAt: at,
			Messages: []dialogs.Message{
				{Text: "Hello, I would like to change the delivery address of my order.", Language: lang, CreatedAt: at},
				{Text: "Thanks, that is all.", Language: lang, CreatedAt: at},
			},
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: dialogs.ConsentedItem(d)}})
		if len(batch) == 25 || i == n-1 {
			jobs <- batch
			batch = make([]types.WriteRequest, 0, 25)
		}
	}
	close(jobs)
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}
