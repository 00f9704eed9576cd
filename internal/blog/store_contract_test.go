package blog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// storeContract is what every Store must do; each implementation's test runs it.
func storeContract(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	base := time.Now().UTC().Truncate(time.Second) // relative to now, never a fixed date
	newPost := func(i int) Post {
		id := fmt.Sprintf("%016x", 0xabc000+i)
		at := base.Add(time.Duration(i) * time.Minute)
		return Post{ID: id, Slug: Slug("Post", id), Title: fmt.Sprintf("Post %d", i), Paragraphs: []string{"one", "two"},
			Status: Pending, Version: 1, CreatedAt: at, UpdatedAt: at}
	}
	flagged := Moderation{HasFoulLanguage: true, Model: "test", ModeratedAt: base, Version: 1,
		Offending: []Offense{{Index: 1, TopLabel: classify.Profanity, Labels: []classify.Score{{Label: classify.Profanity, Score: 0.9}}}}}

	t.Run("create, get, duplicate id", func(t *testing.T) {
		st := newStore(t)
		p := newPost(1)
		p.Author = "ann"
		if err := st.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := st.Create(ctx, p); !errors.Is(err, ErrExists) {
			t.Errorf("second Create = %v, want ErrExists", err)
		}
		got, err := st.Get(ctx, p.ID)
		if err != nil || got.Title != p.Title || got.Author != "ann" || got.Status != Pending || got.Version != 1 ||
			len(got.Paragraphs) != 2 || !got.CreatedAt.Equal(p.CreatedAt) || got.Moderation != nil {
			t.Errorf("Get = %+v, %v", got, err)
		}
		if _, err := st.Get(ctx, "ffffffffffffffff"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get unknown = %v", err)
		}
	})
	t.Run("moderation is conditional on version and pending", func(t *testing.T) {
		st := newStore(t)
		p := newPost(2)
		must(t, st.Create(ctx, p))
		if err := st.Moderate(ctx, p.ID, 2, Published, Moderation{}, base); !errors.Is(err, ErrStale) {
			t.Errorf("wrong version: %v", err)
		}
		must(t, st.Moderate(ctx, p.ID, 1, Flagged, flagged, base))
		if err := st.Moderate(ctx, p.ID, 1, Published, Moderation{}, base); !errors.Is(err, ErrStale) {
			t.Errorf("second moderation of the same version: %v", err)
		}
		got, _ := st.Get(ctx, p.ID)
		if got.Status != Flagged || got.Moderation == nil || !got.Moderation.HasFoulLanguage || got.Moderation.Offending[0].Labels[0].Score != 0.9 {
			t.Errorf("after moderation: %+v %+v", got, got.Moderation)
		}
		if err := st.Moderate(ctx, "ffffffffffffffff", 1, Published, Moderation{}, base); !errors.Is(err, ErrStale) {
			t.Errorf("unknown post: %v", err)
		}
	})
	t.Run("the edit of a published post waits as a draft beside it", func(t *testing.T) {
		st := newStore(t)
		p := newPost(3)
		must(t, st.Create(ctx, p))
		must(t, st.Moderate(ctx, p.ID, 1, Published, Moderation{Offending: []Offense{}}, base))
		author := "bob"
		got, prev, err := st.Edit(ctx, p.ID, Content{Title: "New", Paragraphs: []string{"x"}, Author: &author}, base.Add(time.Hour))
		if err != nil || prev.Version != 1 || prev.Status != Published || got.Version != 2 || got.Status != Published || got.Title != p.Title ||
			got.Draft == nil || got.Draft.Title != "New" || got.Draft.Author != "bob" || got.Draft.Version != 2 ||
			got.Moderation == nil || !got.UpdatedAt.Equal(base.Add(time.Hour)) || got.Slug != p.Slug {
			t.Fatalf("Edit = %+v (draft %+v), %v", got, got.Draft, err)
		}
		if ps, _, _ := st.List(ctx, Published, "", 10); len(ps) != 1 || ps[0].Title != p.Title {
			t.Errorf("the published version left the listing during the edit's moderation: %+v", ps)
		}
		if err := st.Moderate(ctx, p.ID, 1, Published, Moderation{}, base); !errors.Is(err, ErrStale) {
			t.Errorf("verdict on the old version: %v", err)
		}
		// An admin's decision meanwhile applies to the published version; the draft waits on.
		if _, err := st.Review(ctx, p.ID, 2, []Status{Published}, Rejected, Review{Decision: "reject", ReviewedAt: base}, base); err != nil {
			t.Fatal(err)
		}
		if ps, _, _ := st.List(ctx, Published, "", 10); len(ps) != 0 {
			t.Errorf("a rejected post is listed: %+v", ps)
		}
		// The draft's clean verdict puts it in place, but after a rejection only an admin publishes.
		must(t, st.Moderate(ctx, p.ID, 2, Published, Moderation{Offending: []Offense{}, Version: 2}, base))
		got, err = st.Get(ctx, p.ID)
		if err != nil || got.Draft != nil || got.Title != "New" || got.Author != "bob" || got.Status != Flagged || got.PriorRejection == nil {
			t.Fatalf("after the draft's verdict: %+v, %v", got, err)
		}
		if _, _, err := st.Edit(ctx, "ffffffffffffffff", Content{Title: "x", Paragraphs: []string{"x"}}, base); !errors.Is(err, ErrNotFound) {
			t.Errorf("edit unknown: %v", err)
		}
	})
	t.Run("review is conditional and bumps the version", func(t *testing.T) {
		st := newStore(t)
		p := newPost(4)
		must(t, st.Create(ctx, p))
		must(t, st.Moderate(ctx, p.ID, 1, Flagged, flagged, base))
		r := Review{Decision: "approve", ReviewedAt: base}
		if _, err := st.Review(ctx, p.ID, 2, []Status{Flagged}, Published, r, base); !errors.Is(err, ErrStale) {
			t.Errorf("review of a version not read: %v", err)
		}
		if _, err := st.Review(ctx, p.ID, 1, []Status{Pending}, Published, r, base); !errors.Is(err, ErrStale) {
			t.Errorf("review from a status not allowed: %v", err)
		}
		got, err := st.Review(ctx, p.ID, 1, []Status{Flagged}, Published, r, base)
		if err != nil || got.Status != Published || got.Version != 2 || got.Moderation.Review.Decision != "approve" || !got.Moderation.HasFoulLanguage {
			t.Fatalf("Review = %+v, %v", got, err)
		}
		if ps, _, _ := st.List(ctx, Published, "", 10); len(ps) != 1 || ps[0].ID != p.ID {
			t.Errorf("approved post not listed: %+v", ps)
		}
		if ps, _, _ := st.List(ctx, Flagged, "", 10); len(ps) != 0 {
			t.Errorf("approved post still in the review queue: %+v", ps)
		}
		got, err = st.Review(ctx, p.ID, 2, []Status{Published}, Rejected, Review{Decision: "reject", ReviewedAt: base}, base)
		if err != nil || got.Status != Rejected || got.Version != 3 {
			t.Fatalf("reject = %+v, %v", got, err)
		}
		if ps, _, _ := st.List(ctx, Published, "", 10); len(ps) != 0 {
			t.Errorf("rejected post listed: %+v", ps)
		}
	})
	t.Run("list pages newest first without gaps or repeats", func(t *testing.T) {
		st := newStore(t)
		const total = 23
		for i := range total {
			p := newPost(100 + i)
			must(t, st.Create(ctx, p))
			to := Published
			if i%5 == 0 {
				to = Flagged
			}
			must(t, st.Moderate(ctx, p.ID, 1, to, Moderation{Offending: []Offense{}}, base))
		}
		must(t, st.Create(ctx, newPost(200))) // pending: never listed
		var seen []Post
		before := ""
		for pages := 0; ; pages++ {
			ps, next, err := st.List(ctx, Published, before, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) > 4 || pages > 10 {
				t.Fatalf("page of %d posts, %d pages", len(ps), pages)
			}
			seen = append(seen, ps...)
			if next == "" {
				break
			}
			before = next
		}
		if len(seen) != total-5 {
			t.Fatalf("listed %d published posts, want %d", len(seen), total-5)
		}
		for i := 1; i < len(seen); i++ {
			if !seen[i-1].CreatedAt.After(seen[i].CreatedAt) {
				t.Fatalf("not newest first at %d: %v then %v", i, seen[i-1].CreatedAt, seen[i].CreatedAt)
			}
		}
		fl, next, err := st.List(ctx, Flagged, "", 100)
		if err != nil || len(fl) != 5 || next != "" {
			t.Errorf("flagged = %d posts, next %q, %v", len(fl), next, err)
		}
	})
	t.Run("a page of large posts ends where its text fills a page", func(t *testing.T) {
		st := newStore(t)
		const total = 24 // 240 KiB each: 5.6 MB in all, more than one page holds
		big := strings.Repeat("x", 240<<10)
		for i := range total {
			p := newPost(300 + i)
			p.Paragraphs = []string{big}
			must(t, st.Create(ctx, p))
			must(t, st.Moderate(ctx, p.ID, 1, Published, Moderation{Offending: []Offense{}}, base))
		}
		var seen []string
		before, pages := "", 0
		for ; ; pages++ {
			ps, next, err := st.List(ctx, Published, before, 100)
			if err != nil {
				t.Fatal(err)
			}
			text := 0
			for _, p := range ps {
				seen = append(seen, p.ID)
				text += textBytes(p)
			}
			if text > MaxPageBytes+(240<<10) {
				t.Fatalf("a page of %d bytes of text, more than a page and one post", text)
			}
			if next == "" || pages > total {
				break
			}
			before = next
		}
		if pages == 0 || len(seen) != total || len(slices.Compact(slices.Clone(seen))) != total {
			t.Fatalf("%d pages listed %d posts (%d distinct), want %d over more than one page", pages+1, len(seen), len(slices.Compact(slices.Clone(seen))), total)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i-1] <= seen[i] { // ids grow with creation time
				t.Fatalf("not newest first at %d", i)
			}
		}
	})

	t.Run("an edit racing the verdict always wins", func(t *testing.T) {
		st := newStore(t)
		for i := range 8 {
			p := newPost(300 + i)
			must(t, st.Create(ctx, p))
			done := make(chan error, 1)
			go func() { done <- st.Moderate(ctx, p.ID, 1, Flagged, flagged, base) }()
			edited, _, err := st.Edit(ctx, p.ID, Content{Title: "t", Paragraphs: []string{"clean"}}, base)
			if merr := <-done; merr != nil && !errors.Is(merr, ErrStale) {
				t.Fatalf("Moderate: %v", merr)
			}
			got, gerr := st.Get(ctx, p.ID)
			if err != nil || gerr != nil || edited.Version != 2 || got.Version != 2 || got.Status != Pending || got.Moderation != nil {
				t.Fatalf("after the race: edit %+v (%v), stored %+v (%v)", edited, err, got, gerr)
			}
			if ps, _, _ := st.List(ctx, Flagged, "", 100); len(ps) != 0 {
				t.Fatalf("the edited post is still in the review queue: %+v", ps)
			}
		}
	})
	t.Run("an edit of a rejected post is never published by a verdict", func(t *testing.T) {
		st := newStore(t)
		p := newPost(6)
		must(t, st.Create(ctx, p))
		must(t, st.Moderate(ctx, p.ID, 1, Flagged, flagged, base))
		rejectedAt := base.Add(time.Minute)
		if _, err := st.Review(ctx, p.ID, 1, []Status{Flagged}, Rejected, Review{Decision: "reject", ReviewedAt: rejectedAt}, rejectedAt); err != nil {
			t.Fatal(err)
		}
		got, prev, err := st.Edit(ctx, p.ID, Content{Title: "Cleaned up", Paragraphs: []string{"clean"}}, base.Add(time.Hour))
		if err != nil || prev.Status != Rejected || got.Status != Pending || got.Version != 3 ||
			got.PriorRejection == nil || got.PriorRejection.Decision != "reject" || !got.PriorRejection.ReviewedAt.Equal(rejectedAt) {
			t.Fatalf("Edit = %+v (prior %+v), %v", got, got.PriorRejection, err)
		}
		// A second edit before the verdict keeps the rejection.
		got, _, err = st.Edit(ctx, p.ID, Content{Title: "Cleaned up", Paragraphs: []string{"cleaner"}}, base.Add(2*time.Hour))
		if err != nil || got.Version != 4 || got.PriorRejection == nil {
			t.Fatalf("second Edit = %+v, %v", got, err)
		}
		// A clean verdict: back in the review queue, not published.
		must(t, st.Moderate(ctx, p.ID, 4, Published, Moderation{Offending: []Offense{}, Version: 4}, base))
		got, err = st.Get(ctx, p.ID)
		if err != nil || got.Status != Flagged || got.PriorRejection == nil || got.Moderation == nil || got.Moderation.HasFoulLanguage {
			t.Fatalf("after a clean verdict: %+v (prior %+v), %v", got, got.PriorRejection, err)
		}
		if ps, _, _ := st.List(ctx, Published, "", 10); len(ps) != 0 {
			t.Errorf("an edit of a rejected post was published without an admin: %+v", ps)
		}
		if ps, _, _ := st.List(ctx, Flagged, "", 10); len(ps) != 1 || ps[0].PriorRejection == nil {
			t.Errorf("review queue = %+v", ps)
		}
		// The admin's approval publishes it and supersedes the old rejection.
		got, err = st.Review(ctx, p.ID, 4, []Status{Flagged}, Published, Review{Decision: "approve", ReviewedAt: base}, base)
		if err != nil || got.Status != Published || got.PriorRejection != nil {
			t.Fatalf("approve = %+v, %v", got, err)
		}
		if got, err = st.Get(ctx, p.ID); err != nil || got.PriorRejection != nil {
			t.Fatalf("stored after approval: %+v, %v", got, err)
		}
		// Edits of a post that was not rejected are moderated as usual.
		got, _, err = st.Edit(ctx, p.ID, Content{Title: "t", Paragraphs: []string{"x"}}, base)
		must(t, err)
		if got.PriorRejection != nil {
			t.Errorf("an edit of an approved post carries a rejection: %+v", got.PriorRejection)
		}
		must(t, st.Moderate(ctx, p.ID, got.Version, Published, Moderation{Offending: []Offense{}}, base))
		if got, _ = st.Get(ctx, p.ID); got.Status != Published {
			t.Errorf("clean edit of an approved post: %s", got.Status)
		}
	})
	t.Run("delete", func(t *testing.T) {
		st := newStore(t)
		p := newPost(5)
		must(t, st.Create(ctx, p))
		must(t, st.Delete(ctx, p.ID))
		if err := st.Delete(ctx, p.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if err := st.Moderate(ctx, p.ID, 1, Published, Moderation{}, base); !errors.Is(err, ErrStale) {
			t.Errorf("moderating a deleted post: %v", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDynamoStoreContractOnTheEmbeddedEmulator runs the store contract
// against the DynamoDB emulator `make run` uses (internal/emulators/dynamolocal),
// which differs from DynamoDB Local: its GSI bookkeeping goes wrong when
// UpdateItem adds or removes index keys, which is one more reason why
// DynamoStore writes whole items.
func TestDynamoStoreContractOnTheEmbeddedEmulator(t *testing.T) {
	storeContract(t, func(t *testing.T) Store {
		db, posts := emutest.EmbeddedTable(t, "PostsTable")
		return NewDynamoStore(db, posts, outbox.NewTable(db, emutest.CreateTable(t, db, "OutboxTable", true)))
	})
}
