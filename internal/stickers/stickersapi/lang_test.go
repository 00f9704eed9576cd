package stickersapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/stickers"
)

func TestSearchInOtherLanguages(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ query, want, title string }{
		{"query=katze&lang=de", "1F408", "Katze"},
		{"query=chat&lang=FR", "1F408", "chat"},
		{"query=%E3%81%AD%E3%81%93&lang=ja", "1F408", "ネコ"}, // ねこ
	} {
		resp := do(t, f.svc.search, "GET", "/api/search/", "/api/search/", tc.query, "", "", nil)
		var r SearchResponse
		if err := json.Unmarshal([]byte(resp.Body), &r); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tc.query, resp.StatusCode, resp.Body)
		}
		found := false
		for _, res := range r.Results[:min(3, len(r.Results))] {
			found = found || (res.ID == tc.want && res.Title == tc.title)
		}
		if !found {
			t.Errorf("%s: top 3 %v lacks %s titled %q", tc.query, r.Results[:min(3, len(r.Results))], tc.want, tc.title)
		}
	}
	// Usage is kept per language: French "chat" is not English "chat".
	if _, ok, _ := f.store.Usage(context.Background(), "fr:chat"); !ok {
		t.Error("usage of fr:chat not recorded")
	}
	if _, ok, _ := f.store.Usage(context.Background(), "chat"); ok {
		t.Error("a French search counted as the English query")
	}
}

func TestSearchRejectsUnknownLanguage(t *testing.T) {
	f := newFixture(t)
	resp := do(t, f.svc.search, "GET", "/api/search/", "/api/search/", "query=cat&lang=xx", "", "", nil)
	if resp.StatusCode != 400 || !strings.Contains(resp.Body, "supported: en, de, es, fr, it, ja") {
		t.Fatalf("lang=xx: %d %s", resp.StatusCode, resp.Body)
	}
	if qs, _ := f.store.Queries(context.Background()); len(qs) != 0 {
		t.Fatalf("a refused search counted usage: %v", qs)
	}
}

// failingCatalog is a store whose reads of the added stickers fail, like DynamoDB down.
type failingCatalog struct{ stickers.Store }

func (failingCatalog) AddedStickers(context.Context) ([]stickers.Sticker, error) {
	return nil, errors.New("dial tcp: connection refused")
}

// TestSearchDegradesWithoutTheAddedStickers: with the sticker table
// unreadable, search still answers from the shipped catalog and says so;
// feedback on shipped ids works, and an id it cannot check is a 503.
func TestSearchDegradesWithoutTheAddedStickers(t *testing.T) {
	now := time.Now()
	store := stickers.NewDynamoStore(emutest.EmbeddedTable(t, "StickersTable"))
	svc := newService(Config{CatalogRefresh: time.Minute, FeedbackPerMin: 20, FeedbackPerIP: 40, FeedbackMaxIDs: 500, SearchPageLimit: 10},
		failingCatalog{store}, func() time.Time { return now }, nil)
	countAtOnce(t, svc)
	resp := do(t, svc.search, "GET", "/api/search/", "/api/search/", "query=cat", "", "", nil)
	if resp.StatusCode != 200 || resp.Headers[CatalogHeader] != "shipped-only" || !strings.Contains(resp.Body, `"1F408"`) {
		t.Fatalf("degraded search: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	f := &fixture{svc: svc, store: store, clock: &now}
	if resp := postFeedback(t, f, "c", `{"feedback":[{"query":"cat","positive":["1F408"]}]}`); resp.StatusCode != 200 {
		t.Fatalf("feedback on a shipped id: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := postFeedback(t, f, "c", `{"feedback":[{"query":"cat","positive":["my-added-sticker"]}]}`); resp.StatusCode != 503 || resp.Headers["Retry-After"] == "" {
		t.Fatalf("feedback on an id it cannot check: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
}

// TestFeedbackOnAQueryNobodySearched: the votes count, and the answer says
// that nobody searched the query (yet).
func TestFeedbackOnAQueryNobodySearched(t *testing.T) {
	f := newFixture(t)
	searchIDs(t, f, "cat")
	resp := postFeedback(t, f, "c", `{"feedback":[{"query":"cat","positive":["1F408"]},{"query":"Never Searched","positive":["1F408"]}]}`)
	var r FeedbackResponse
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if r.Accepted != 2 || len(r.Unsearched) != 1 || r.Unsearched[0] != "Never Searched" {
		t.Fatalf("answer %+v", r)
	}
	if cs, _ := f.store.Feedback(context.Background(), stickers.QueryKey(stickers.English, "never searched")); len(cs) != 1 || cs[0].Positives != 1 {
		t.Fatalf("the vote on the unsearched query was not recorded: %v", cs)
	}
	if strings.Contains(postFeedback(t, f, "c", `{"feedback":[{"query":"cat","positive":["1F408"]}]}`).Body, "unsearched") {
		t.Fatal("unsearched listed for a searched query")
	}
}

func TestFeedbackPerLanguage(t *testing.T) {
	f := newFixture(t)
	resp := postFeedback(t, f, "c", `{"feedback":[{"query":"chat","lang":"fr","positive":["1F408"]}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if cs, _ := f.store.Feedback(context.Background(), "fr:chat"); len(cs) != 1 {
		t.Fatalf("French vote not kept under fr:chat: %v", cs)
	}
	if cs, _ := f.store.Feedback(context.Background(), "chat"); len(cs) != 0 {
		t.Fatalf("French vote counted for English chat: %v", cs)
	}
	resp = postFeedback(t, f, "c", `{"feedback":[{"query":"chat","lang":"xx","positive":["1F408"]}]}`)
	if resp.StatusCode != 400 || !strings.Contains(resp.Body, "supported: en, de") {
		t.Fatalf("lang xx: %d %s", resp.StatusCode, resp.Body)
	}
}
