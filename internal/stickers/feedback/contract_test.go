package feedback

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// storeContract is what every Store must do; it runs against MemStore and
// against DynamoStore on DynamoDB Local.
func storeContract(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

	t.Run("usage counts every search, concurrently", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if err := s.RecordSearch(ctx, "cat park", "Cat in a park", at.Add(time.Duration(i)*time.Hour)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		u, ok, err := s.Usage(ctx, "cat park")
		if err != nil || !ok || u.Usage != 20 || u.Display != "Cat in a park" {
			t.Fatalf("Usage = %+v %v %v", u, ok, err)
		}
		if _, ok, err := s.Usage(ctx, "never"); ok || err != nil {
			t.Fatalf("unknown query: ok %v err %v", ok, err)
		}
		if err := s.RecordSearch(ctx, "dog", "dog", at); err != nil {
			t.Fatal(err)
		}
		qs, err := s.Queries(ctx)
		if err != nil || len(qs) != 2 {
			t.Fatalf("Queries = %+v %v", qs, err)
		}
		days, err := s.SearchesPerDay(ctx, at, at.Add(24*time.Hour))
		if err != nil || days["2026-11-23"] != 15 || days["2026-11-24"] != 6 {
			t.Fatalf("SearchesPerDay = %v %v", days, err)
		}
	})
	t.Run("one vote per client and pair", func(t *testing.T) {
		s := newStore(t)
		vote := func(client, sticker string, positive bool) bool {
			ok, err := s.Vote(ctx, Vote{Query: "cat", Sticker: sticker, Client: client, Positive: positive}, at)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !vote("a", "1F408", true) || vote("a", "1F408", true) || vote("a", "1F408", false) {
			t.Fatal("a client's repeated vote counted")
		}
		if !vote("b", "1F408", true) || !vote("c", "1F408", false) || !vote("a", "1F431", false) {
			t.Fatal("distinct votes refused")
		}
		got := map[string]Counts{}
		cs, err := s.Feedback(ctx, "cat")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			got[c.Sticker] = c
		}
		if c := got["1F408"]; c.Positives != 2 || c.Negatives != 1 {
			t.Fatalf("1F408 counts %+v", c)
		}
		if c := got["1F431"]; c.Positives != 0 || c.Negatives != 1 {
			t.Fatalf("1F431 counts %+v", c)
		}
		if cs, _ := s.Feedback(ctx, "dog"); len(cs) != 0 {
			t.Fatalf("feedback leaked across queries: %v", cs)
		}
		// Concurrent votes of distinct clients on one pair all count.
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				ok, err := s.Vote(ctx, Vote{Query: "busy", Sticker: "1F408", Client: fmt.Sprint("c", i), Positive: true}, at)
				if err != nil || !ok {
					t.Errorf("concurrent vote %d: %v %v", i, ok, err)
				}
			})
		}
		wg.Wait()
		if cs, _ := s.Feedback(ctx, "busy"); len(cs) != 1 || cs[0].Positives != 12 {
			t.Fatalf("concurrent votes: %+v", cs)
		}
	})
	t.Run("rate limit per client and window", func(t *testing.T) {
		s := newStore(t)
		allow := func(client string, n int, at time.Time) bool {
			ok, err := s.Allow(ctx, client, n, 10, time.Minute, at)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !allow("a", 6, at) || !allow("a", 4, at.Add(time.Second)) {
			t.Fatal("budget refused too early")
		}
		if allow("a", 1, at.Add(2*time.Second)) {
			t.Fatal("budget exceeded")
		}
		if !allow("b", 10, at) || allow("c", 11, at) {
			t.Fatal("clients are not independent, or an oversized request passed")
		}
		if !allow("a", 10, at.Add(time.Minute)) {
			t.Fatal("next window refused")
		}
	})
}

func TestMemStoreContract(t *testing.T) {
	storeContract(t, func(*testing.T) Store { return NewMemStore() })
}
