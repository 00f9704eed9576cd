package stickersapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
	"github.com/mosaic-platform/mosaic/internal/stickers"
)

type fixture struct {
	svc   *service
	store *stickers.DynamoStore
	clock *time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	codec, err := cursor.NewCodec([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(24 * time.Hour).Add(34 * time.Hour) // tomorrow 10:00 UTC, relative to now
	f := &fixture{store: stickers.NewDynamoStore(emutest.EmbeddedTable(t, "StickersTable")), clock: &now}
	cfg := Config{Table: "t", CatalogRefresh: time.Minute, FeedbackPerMin: 20, FeedbackPerIP: 40, FeedbackMaxIDs: 500, SearchPageLimit: 10}
	f.svc = newService(cfg, f.store, func() time.Time { return *f.clock }, nil)
	f.svc.cursors = codec
	countAtOnce(t, f.svc)
	return f
}

// countAtOnce has svc count each search through a Batcher, as in production,
// flushed at once so that a test reads the usage of what it just searched.
func countAtOnce(t testing.TB, svc *service) {
	b := stickers.NewBatcher(svc.store, stickers.BatcherOptions{Interval: time.Hour})
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	svc.usage = flushedAtOnce{b}
}

type flushedAtOnce struct{ *stickers.Batcher }

func (b flushedAtOnce) RecordSearch(ctx context.Context, query, display string, at time.Time) error {
	if err := b.Batcher.RecordSearch(ctx, query, display, at); err != nil {
		return err
	}
	return b.Flush(ctx)
}

// do runs handler h (wrapped like in Lambda) and validates the answer against the OpenAPI document.
func do(t *testing.T, h apigw.HandlerFunc, method, route, path, rawQuery, body, role string, headers map[string]string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{RouteKey: method + " " + route, RawPath: path, RawQueryString: rawQuery, Body: body, Headers: map[string]string{}}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.SourceIP = "203.0.113.9"
	for k, v := range headers {
		req.Headers[k] = v
	}
	if body != "" {
		req.Headers["content-type"] = "application/json"
	}
	if strings.Contains(route, "{id}") {
		req.PathParameters = map[string]string{"id": strings.TrimPrefix(path, "/api/stickers/")}
	}
	if role != "" {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{auth.ContextRole: role}}
	}
	resp, err := apigw.Handle(h)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	openapitest.ValidateResponse(t, method, route, resp)
	return resp
}

func searchIDs(t *testing.T, f *fixture, query string) []string {
	t.Helper()
	resp := do(t, f.svc.search, "GET", "/api/search/", "/api/search/", "query="+url.QueryEscape(query), "", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("search %q: %d %s", query, resp.StatusCode, resp.Body)
	}
	var r SearchResponse
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil {
		t.Fatal(err)
	}
	return r.Stickers
}

func TestSearch(t *testing.T) {
	f := newFixture(t)
	for _, route := range []string{"/api/search/", "/api/search"} {
		resp := do(t, f.svc.search, "GET", route, route, "query=cat+in+a+park&limit=3", "", "", nil)
		var r SearchResponse
		if err := json.Unmarshal([]byte(resp.Body), &r); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", route, resp.StatusCode, resp.Body)
		}
		if r.Query != "cat in a park" || len(r.Stickers) != 3 || len(r.Results) != 3 || r.Results[0].ID != r.Stickers[0] {
			t.Fatalf("%s: %+v", route, r)
		}
		if !strings.HasPrefix(r.Results[0].ImageURL, "data:image/svg+xml,") {
			t.Fatalf("image_url %q", r.Results[0].ImageURL)
		}
	}
	if ids := searchIDs(t, f, "feline"); len(ids) == 0 || !contains(ids, "1F408") {
		t.Fatalf("feline did not find the cat: %v", ids)
	}
	u, ok, _ := f.store.Usage(context.Background(), "cat park")
	if !ok || u.Usage != 2 {
		t.Fatalf("usage of cat park = %+v", u)
	}
	for _, tc := range []struct{ name, query, field string }{
		{"missing", "", "query"},
		{"empty", "query=", "query"},
		{"blank", "query=+++", "query"},
		{"too long", "query=" + strings.Repeat("a", 256), "query"},
		{"bad limit", "query=cat&limit=0", "limit"},
		{"twice", "query=a&query=b", "query"},
	} {
		resp := do(t, f.svc.search, "GET", "/api/search/", "/api/search/", tc.query, "", "", nil)
		if resp.StatusCode != 400 || !strings.Contains(resp.Body, `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, resp.Body)
		}
	}
	if resp := do(t, f.svc.search, "GET", "/api/search/", "/api/search/", "query="+strings.Repeat("é", 255), "", "", nil); resp.StatusCode != 200 {
		t.Errorf("255 characters refused: %d", resp.StatusCode)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func postFeedback(t *testing.T, f *fixture, client, body string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	h := map[string]string{}
	if client != "" {
		h["x-client-id"] = client
	}
	return do(t, f.svc.feedback, "POST", "/api/feedback/", "/api/feedback/", "", body, "", h)
}

func TestFeedbackReranksAndResistsFlooding(t *testing.T) {
	f := newFixture(t)
	before := searchIDs(t, f, "cat in a park")
	target := before[len(before)-1] // the 10th result
	// One client voting many times counts once.
	for range 5 {
		resp := postFeedback(t, f, "flooder", fmt.Sprintf(`{"feedback":[{"query":"Cats in the park","positive":[%q],"negative":[]}]}`, target))
		if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"accepted":1`) {
			t.Fatalf("feedback: %d %s", resp.StatusCode, resp.Body)
		}
	}
	counts, _ := f.store.Feedback(context.Background(), "cat park")
	if len(counts) != 1 || counts[0].Positives != 1 {
		t.Fatalf("counts after flooding: %+v", counts)
	}
	// Thirty distinct clients agree: the sticker rises to the top, for a similar query too.
	for i := range 30 {
		postFeedback(t, f, fmt.Sprintf("client-%d", i), fmt.Sprintf(`{"feedback":[{"query":"cat in a park","positive":[%q]}]}`, target))
	}
	after := searchIDs(t, f, "park cat")
	if after[0] != target {
		t.Fatalf("after 31 votes %s is not first: %v", target, after)
	}
	// Unknown ids are reported, known ones counted.
	resp := postFeedback(t, f, "x", `{"feedback":[{"query":"dog","positive":["1F415","nope","nope"],"negative":["nada","1F408"]}]}`)
	var r FeedbackResponse
	_ = json.Unmarshal([]byte(resp.Body), &r)
	if resp.StatusCode != 200 || r.Accepted != 2 || strings.Join(r.Failed, ",") != "nope,nada" {
		t.Fatalf("mixed ids: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestFeedbackValidation(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ name, body, field string }{
		{"empty list", `{"feedback":[]}`, "feedback"},
		{"no query", `{"feedback":[{"query":" ","positive":["1F408"]}]}`, "feedback[0].query"},
		{"both ways", `{"feedback":[{"query":"cat","positive":["1F408"],"negative":["1F408"]}]}`, "feedback[0].negative[0]"},
		{"unknown field", `{"feedback":[{"query":"cat","liked":["1F408"]}]}`, ""},
		{"not json", `nope`, ""},
	} {
		resp := postFeedback(t, f, "c", tc.body)
		if resp.StatusCode != 400 || (tc.field != "" && !strings.Contains(resp.Body, `"field":"`+tc.field+`"`)) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, resp.Body)
		}
	}
	if cs, _ := f.store.Feedback(context.Background(), "cat"); len(cs) != 0 {
		t.Fatalf("a refused request wrote %v", cs)
	}
	if resp := postFeedback(t, f, strings.Repeat("x", 129), `{"feedback":[{"query":"cat","positive":["1F408"]}]}`); resp.StatusCode != 400 {
		t.Errorf("long client id: %d", resp.StatusCode)
	}
}

func TestFeedbackRateLimit(t *testing.T) {
	f := newFixture(t) // 20 votes a minute
	ids := make([]string, 0, 15)
	emoji, err := stickers.Emoji()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range emoji[:15] {
		ids = append(ids, `"`+s.ID+`"`)
	}
	body := `{"feedback":[{"query":"q","positive":[` + strings.Join(ids, ",") + `]}]}`
	if resp := postFeedback(t, f, "c", body); resp.StatusCode != 200 {
		t.Fatalf("first: %d %s", resp.StatusCode, resp.Body)
	}
	resp := postFeedback(t, f, "c", body)
	if resp.StatusCode != 429 || resp.Headers["Retry-After"] == "" {
		t.Fatalf("second: %d %v", resp.StatusCode, resp.Headers)
	}
	if resp := postFeedback(t, f, "other", body); resp.StatusCode != 200 {
		t.Fatalf("other client limited: %d", resp.StatusCode)
	}
	*f.clock = f.clock.Add(time.Minute)
	if resp := postFeedback(t, f, "c", body); resp.StatusCode != 200 {
		t.Fatalf("next minute: %d", resp.StatusCode)
	}
}

// TestFeedbackRateLimitPerAddress: a sender that rotates X-Client-Id gets a
// fresh per-client allowance each time, but not past its address's limit.
func TestFeedbackRateLimitPerAddress(t *testing.T) {
	f := newFixture(t) // 20 votes a minute per client, 40 per address
	ids := make([]string, 0, 15)
	emoji, err := stickers.Emoji()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range emoji[:15] {
		ids = append(ids, `"`+s.ID+`"`)
	}
	body := `{"feedback":[{"query":"q","positive":[` + strings.Join(ids, ",") + `]}]}`
	for i, want := range []int{200, 200, 429} { // 15 + 15 votes fit in 40, 45 do not
		if resp := postFeedback(t, f, fmt.Sprint("rotated-", i), body); resp.StatusCode != want {
			t.Fatalf("request %d with a new client id: %d, want %d (%s)", i, resp.StatusCode, want, resp.Body)
		}
	}
	*f.clock = f.clock.Add(time.Minute)
	if resp := postFeedback(t, f, "rotated-3", body); resp.StatusCode != 200 {
		t.Fatalf("next minute: %d", resp.StatusCode)
	}
}

func TestAnalytics(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		searchIDs(t, f, "cat in a park")
	}
	searchIDs(t, f, "dog")
	postFeedback(t, f, "a", `{"feedback":[{"query":"cat in a park","positive":["1F408"],"negative":["1F415"]}]}`)

	if resp := do(t, f.svc.analytics, "GET", "/api/analytics/", "/api/analytics/", "", "", "", nil); resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	if resp := do(t, f.svc.analytics, "GET", "/api/analytics/", "/api/analytics/", "", "", "writer", nil); resp.StatusCode != 403 {
		t.Fatalf("writer: %d", resp.StatusCode)
	}
	resp := do(t, f.svc.analytics, "GET", "/api/analytics/", "/api/analytics/", "query=Cats+in+a+park", "", "admin", nil)
	var one QueryAnalytics
	if err := json.Unmarshal([]byte(resp.Body), &one); err != nil || resp.StatusCode != 200 {
		t.Fatalf("one query: %d %s", resp.StatusCode, resp.Body)
	}
	if one.Query.Usage != 3 || len(one.Feedback) != 2 || one.Feedback[0].Sticker != "1F408" || one.Feedback[0].Score <= 0 || one.Feedback[1].Score >= 0 {
		t.Fatalf("one query: %+v", one)
	}
	resp = do(t, f.svc.analytics, "GET", "/api/analytics", "/api/analytics", "limit=1", "", "admin", nil)
	var page struct {
		Items      []QueryAnalytics `json:"items"`
		NextCursor string           `json:"next_cursor"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &page); err != nil || len(page.Items) != 1 || page.Items[0].Query.Normalized != "cat park" || page.NextCursor == "" {
		t.Fatalf("page 1: %s", resp.Body)
	}
	resp = do(t, f.svc.analytics, "GET", "/api/analytics/", "/api/analytics/", "limit=1&cursor="+page.NextCursor, "", "admin", nil)
	page.NextCursor = ""
	if err := json.Unmarshal([]byte(resp.Body), &page); err != nil || len(page.Items) != 1 || page.Items[0].Query.Normalized != "dog" || page.NextCursor != "" {
		t.Fatalf("page 2: %s", resp.Body)
	}
	if resp := do(t, f.svc.analytics, "GET", "/api/analytics/", "/api/analytics/", "cursor=forged", "", "admin", nil); resp.StatusCode != 400 {
		t.Fatalf("forged cursor: %d", resp.StatusCode)
	}
	resp = do(t, f.svc.analytics, "GET", "/api/analytics/", "/api/analytics/", "format=csv", "", "admin", nil)
	lines := strings.Split(strings.TrimSpace(resp.Body), "\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Headers["Content-Type"], "text/csv") || len(lines) != 4 ||
		lines[0] != "query,normalized,usage,sticker,positives,negatives,score" || !strings.HasPrefix(lines[1], "cat in a park,cat park,3,1F408,1,0,") {
		t.Fatalf("csv: %d %q", resp.StatusCode, lines)
	}
	if resp := do(t, f.svc.analytics, "GET", "/api/analytics/", "/api/analytics/", "format=xml", "", "admin", nil); resp.StatusCode != 400 {
		t.Fatalf("format=xml: %d", resp.StatusCode)
	}
}

func TestPutSticker(t *testing.T) {
	f := newFixture(t)
	put := func(id, role, body string) events.APIGatewayV2HTTPResponse {
		return do(t, f.svc.putSticker, "PUT", "/api/stickers/{id}", "/api/stickers/"+id, "", body, role, nil)
	}
	body := `{"title":"Acme rocket","tags":["launch","brand"],"image_url":"https://img.example/rocket.png"}`
	if resp := put("acme-rocket", "writer", body); resp.StatusCode != 403 {
		t.Fatalf("writer: %d", resp.StatusCode)
	}
	if resp := put("acme-rocket", "admin", body); resp.StatusCode != 200 || !strings.Contains(resp.Body, "https://img.example/rocket.png") {
		t.Fatalf("put: %d %s", resp.StatusCode, resp.Body)
	}
	for _, tc := range []struct{ id, body, field string }{
		{"bad id!", body, "id"},
		{"x", `{"title":"","image_url":"https://a.example/x.png"}`, "title"},
		{"x", `{"title":"x"}`, "image_url"},
		{"x", `{"title":"x","image_url":"javascript:alert(1)"}`, "image_url"},
		{"x", `{"title":"x","emoji":"🐈","tags":[""]}`, "tags[0]"},
	} {
		if resp := put(tc.id, "admin", tc.body); resp.StatusCode != 400 || !strings.Contains(resp.Body, `"field":"`+tc.field+`"`) {
			t.Errorf("%s %s: %d %s", tc.id, tc.body, resp.StatusCode, resp.Body)
		}
	}
	// The search function sees the sticker once its cache refreshes.
	searchIDs(t, f, "launch")
	*f.clock = f.clock.Add(2 * time.Minute)
	if ids := searchIDs(t, f, "launch"); len(ids) == 0 || ids[0] != "acme-rocket" {
		t.Fatalf("added sticker not found: %v", ids)
	}
}

// BenchmarkFeedbackRequest is the handler's own cost for one request of five
// votes (validation, client key, rate limit, vote fan-out) on the embedded DynamoDB,
// whose GetItem and TransactWriteItems per vote it includes.
func BenchmarkFeedbackRequest(b *testing.B) {
	f := newFixture(b)
	f.svc.cfg.FeedbackPerMin = 1 << 30
	f.svc.cfg.FeedbackPerIP = 1 << 30 // every request comes from one address
	h := apigw.Handle(f.svc.feedback)
	i := 0
	for b.Loop() {
		req := events.APIGatewayV2HTTPRequest{
			RouteKey: "POST /api/feedback/",
			Headers:  map[string]string{"content-type": "application/json", "x-client-id": fmt.Sprint("c", i)},
			Body:     `{"feedback":[{"query":"cat in a park","positive":["1F408","1F431","1F63A"],"negative":["1F415","1F436"]}]}`,
		}
		i++
		if resp, _ := h(context.Background(), req); resp.StatusCode != 200 {
			b.Fatalf("%d %s", resp.StatusCode, resp.Body)
		}
	}
}

// BenchmarkSearchRequest is a warm search request end to end in the handler, on the embedded DynamoDB.
func BenchmarkSearchRequest(b *testing.B) {
	f := newFixture(b)
	h := apigw.Handle(f.svc.search)
	req := events.APIGatewayV2HTTPRequest{RouteKey: "GET /api/search/", RawQueryString: "query=cat+in+a+park"}
	for b.Loop() {
		if resp, _ := h(context.Background(), req); resp.StatusCode != 200 {
			b.Fatalf("%d %s", resp.StatusCode, resp.Body)
		}
	}
}

func TestSummary(t *testing.T) {
	f := newFixture(t)
	searchIDs(t, f, "cat")
	searchIDs(t, f, "cat")
	*f.clock = f.clock.Add(-48 * time.Hour)
	searchIDs(t, f, "dog")
	*f.clock = f.clock.Add(48 * time.Hour)
	postFeedback(t, f, "a", `{"feedback":[{"query":"cat","positive":["1F408"]},{"query":"dog","positive":["1F408","1F415"]}]}`)
	postFeedback(t, f, "b", `{"feedback":[{"query":"cat","positive":["1F408"]}]}`)
	if resp := do(t, f.svc.summary, "GET", "/api/analytics/summary", "/api/analytics/summary", "", "", "reader", nil); resp.StatusCode != 403 {
		t.Fatalf("reader: %d", resp.StatusCode)
	}
	if resp := do(t, f.svc.summary, "GET", "/api/analytics/summary", "/api/analytics/summary", "days=0", "", "admin", nil); resp.StatusCode != 400 {
		t.Fatalf("days=0: %d", resp.StatusCode)
	}
	resp := do(t, f.svc.summary, "GET", "/api/analytics/summary", "/api/analytics/summary", "days=7", "", "admin", nil)
	var s Summary
	if err := json.Unmarshal([]byte(resp.Body), &s); err != nil || resp.StatusCode != 200 {
		t.Fatalf("summary: %d %s", resp.StatusCode, resp.Body)
	}
	if len(s.Days) != 7 || s.Days[6].Date != f.clock.Format(time.DateOnly) || s.Days[6].Searches != 2 || s.Days[4].Searches != 1 || s.Days[0].Searches != 0 {
		t.Fatalf("days: %+v", s.Days)
	}
	if len(s.TopQueries) != 2 || s.TopQueries[0].Query.Normalized != "cat" || len(s.TopStickers) != 2 ||
		s.TopStickers[0].Sticker != "1F408" || s.TopStickers[0].Positives != 3 || s.TopStickers[0].Title != "cat" {
		t.Fatalf("top: %+v %+v", s.TopQueries, s.TopStickers)
	}
}

// failingStore is a store whose usage and feedback calls fail.
type failingStore struct{ stickers.Store }

func (failingStore) AddUsage(context.Context, stickers.UsageBatch) error {
	return fmt.Errorf("table unavailable")
}

func (failingStore) Feedback(context.Context, string) ([]stickers.Counts, error) {
	return nil, fmt.Errorf("table unavailable")
}

func TestSearchSurvivesFeedbackStoreFailure(t *testing.T) {
	f := newFixture(t)
	f.svc.store = failingStore{f.store}
	countAtOnce(t, f.svc)
	if ids := searchIDs(t, f, "cat"); len(ids) == 0 || ids[0] != "1F408" {
		t.Fatalf("text-only ranking: %v", ids)
	}
}
