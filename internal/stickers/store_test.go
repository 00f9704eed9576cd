package stickers

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

// storeContract is what every Store must do; it runs against DynamoStore on
// the embedded emulator and on DynamoDB Local.
func storeContract(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	// Tomorrow 10:00 UTC: relative to now, and after it, so that no TTL sweep
	// (DynamoDB Local's is on) removes what the test writes while it runs.
	at := time.Now().UTC().Truncate(24 * time.Hour).Add(34 * time.Hour)
	day1, day2 := at.Format(time.DateOnly), at.AddDate(0, 0, 1).Format(time.DateOnly)

	t.Run("added stickers", func(t *testing.T) { catalogContract(t, newStore(t)) })
	search := func(s Store, id, query, display string, at time.Time) error {
		return s.AddUsage(ctx, UsageBatch{ID: id, Queries: []QueryCount{{Query: query, Display: display, N: 1, LastUsedAt: at}},
			Days: map[string]int64{at.Format(time.DateOnly): 1}})
	}
	t.Run("usage counts every flush, concurrently", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if err := search(s, fmt.Sprint("env-", i), "cat park", "Cat in a park", at.Add(time.Duration(i)*time.Hour)); err != nil {
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
		if err := search(s, "env-dog", "dog", "dog", at); err != nil {
			t.Fatal(err)
		}
		qs, err := s.Queries(ctx)
		if err != nil || len(qs) != 2 {
			t.Fatalf("Queries = %+v %v", qs, err)
		}
		days, err := s.SearchesPerDay(ctx, at, at.Add(24*time.Hour))
		if err != nil || days[day1] != 15 || days[day2] != 6 {
			t.Fatalf("SearchesPerDay = %v %v", days, err)
		}
	})
	t.Run("a flushed batch counts once, whatever the retries", func(t *testing.T) {
		s := newStore(t)
		day1, day2 := at.Format(time.DateOnly), at.Add(24*time.Hour).Format(time.DateOnly)
		b := UsageBatch{ID: "env-1", Days: map[string]int64{day1: 70, day2: 5}}
		for i := range 60 { // two transaction chunks in DynamoStore
			b.Queries = append(b.Queries, QueryCount{Query: fmt.Sprintf("q%02d", i), Display: fmt.Sprintf("Q%02d", i), N: 1, LastUsedAt: at})
		}
		b.Queries[0].N = 16
		for range 2 {
			if err := s.AddUsage(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddUsage(ctx, UsageBatch{ID: "env-2", Queries: []QueryCount{{Query: "q00", Display: "q 00", N: 2, LastUsedAt: at.Add(time.Hour)}},
			Days: map[string]int64{day2: 2}}); err != nil {
			t.Fatal(err)
		}
		u, ok, err := s.Usage(ctx, "q00")
		if err != nil || !ok || u.Usage != 18 || u.Display != "q 00" || !u.LastUsedAt.Equal(at.Add(time.Hour)) {
			t.Fatalf("Usage(q00) = %+v %v %v", u, ok, err)
		}
		if u, _, _ := s.Usage(ctx, "q59"); u.Usage != 1 {
			t.Fatalf("Usage(q59) = %+v: the second chunk is not exact", u)
		}
		days, err := s.SearchesPerDay(ctx, at, at.Add(24*time.Hour))
		if err != nil || days[day1] != 70 || days[day2] != 7 {
			t.Fatalf("SearchesPerDay = %v %v", days, err)
		}
	})

	t.Run("one vote per client and pair", func(t *testing.T) {
		s := newStore(t)
		vote := func(client, sticker string, positive bool) VoteOutcome {
			o, err := s.Vote(ctx, Vote{Query: "cat", Sticker: sticker, Client: client, Positive: positive}, at)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		if o := vote("a", "1F408", true); o != VoteCounted {
			t.Fatalf("first vote: %v", o)
		}
		if o := vote("a", "1F408", true); o != VoteUnchanged {
			t.Fatalf("a client's repeated vote: %v", o)
		}
		if vote("b", "1F408", true) != VoteCounted || vote("c", "1F408", false) != VoteCounted || vote("a", "1F431", false) != VoteCounted {
			t.Fatal("distinct votes refused")
		}
		wantCounts(t, s, "cat", map[string][2]int64{"1F408": {2, 1}, "1F431": {0, 1}})
		if cs, _ := s.Feedback(ctx, "dog"); len(cs) != 0 {
			t.Fatalf("feedback leaked across queries: %v", cs)
		}
		// Concurrent votes of distinct clients on one pair all count.
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				o, err := s.Vote(ctx, Vote{Query: "busy", Sticker: "1F408", Client: fmt.Sprint("c", i), Positive: true}, at)
				if err != nil || o != VoteCounted {
					t.Errorf("concurrent vote %d: %v %v", i, o, err)
				}
			})
		}
		wg.Wait()
		if cs, _ := s.Feedback(ctx, "busy"); len(cs) != 1 || cs[0].Positives != 12 {
			t.Fatalf("concurrent votes: %+v", cs)
		}
	})
	t.Run("a client's latest vote is the one that counts", func(t *testing.T) {
		s := newStore(t)
		vote := func(client string, positive bool, at time.Time) VoteOutcome {
			o, err := s.Vote(ctx, Vote{Query: "cat", Sticker: "1F408", Client: client, Positive: positive}, at)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		steps := []struct {
			client   string
			positive bool
			want     VoteOutcome
			pos, neg int64
		}{
			{"a", true, VoteCounted, 1, 0},
			{"a", false, VoteReversed, 0, 1},  // the reversal moves the count
			{"a", false, VoteUnchanged, 0, 1}, // a repeated reversal changes nothing
			{"a", true, VoteReversed, 1, 0},   // and back
			{"b", false, VoteCounted, 1, 1},   // another client counts on its own
			{"a", false, VoteReversed, 0, 2},  // a still counts once
			{"b", true, VoteReversed, 1, 1},   // so does b
			{"b", true, VoteUnchanged, 1, 1},  //
			{"a", false, VoteUnchanged, 1, 1}, //
		}
		for i, st := range steps {
			if o := vote(st.client, st.positive, at.Add(time.Duration(i)*time.Second)); o != st.want {
				t.Fatalf("step %d (%s positive=%v): %v, want %v", i, st.client, st.positive, o, st.want)
			}
			wantCounts(t, s, "cat", map[string][2]int64{"1F408": {st.pos, st.neg}})
		}
		// A marker counts for VoteRetention after the client's latest change
		// of mind (a repeat does not extend it); after that the client's vote
		// counts anew and its old count stays.
		t0 := at.Add(time.Hour)
		for i, st := range []struct {
			positive bool
			at       time.Time
			want     VoteOutcome
			pos, neg int64
		}{
			{true, t0, VoteCounted, 2, 1},
			{false, t0.Add(VoteRetention), VoteReversed, 1, 2},
			{false, t0.Add(2 * VoteRetention), VoteUnchanged, 1, 2},
			{true, t0.Add(2*VoteRetention + time.Second), VoteCounted, 2, 2},
		} {
			if o := vote("x", st.positive, st.at); o != st.want {
				t.Fatalf("retention step %d: %v, want %v", i, o, st.want)
			}
			wantCounts(t, s, "cat", map[string][2]int64{"1F408": {st.pos, st.neg}})
		}
	})
	t.Run("concurrent votes of one client count it once", func(t *testing.T) {
		s := newStore(t)
		if o, err := s.Vote(ctx, Vote{Query: "cat", Sticker: "1F408", Client: "a", Positive: true}, at); err != nil || o != VoteCounted {
			t.Fatalf("first vote: %v %v", o, err)
		}
		// The same reversal sent 8 times at once moves the count once.
		outcomes := make([]VoteOutcome, 8)
		var wg sync.WaitGroup
		for i := range outcomes {
			wg.Go(func() {
				o, err := s.Vote(ctx, Vote{Query: "cat", Sticker: "1F408", Client: "a", Positive: false}, at)
				if err != nil {
					t.Errorf("concurrent reversal %d: %v", i, err)
				}
				outcomes[i] = o
			})
		}
		wg.Wait()
		reversed := 0
		for _, o := range outcomes {
			if o == VoteReversed {
				reversed++
			} else if o != VoteUnchanged {
				t.Errorf("concurrent reversal: %v", o)
			}
		}
		if reversed != 1 {
			t.Fatalf("%d of the concurrent reversals reversed, want 1: %v", reversed, outcomes)
		}
		wantCounts(t, s, "cat", map[string][2]int64{"1F408": {0, 1}})
		// Votes in both directions at once (and a first vote on a new pair,
		// raced by its own reversal) leave the client counted once, on the
		// side of the vote that won, never negative.
		for round, sticker := range []string{"1F408", "1F431"} {
			wg = sync.WaitGroup{}
			for i := range 8 {
				wg.Go(func() {
					if _, err := s.Vote(ctx, Vote{Query: "cat", Sticker: sticker, Client: "a", Positive: i%2 == 0}, at); err != nil {
						t.Errorf("round %d, vote %d: %v", round, i, err)
					}
				})
			}
			wg.Wait()
			var c Counts
			cs, err := s.Feedback(ctx, "cat")
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range cs {
				if x.Sticker == sticker {
					c = x
				}
			}
			if c.Positives < 0 || c.Negatives < 0 || c.Positives+c.Negatives != 1 {
				t.Fatalf("round %d: counts %+v, want the client once", round, c)
			}
			// The side that holds the count is the client's recorded vote.
			side := c.Positives == 1
			if o, err := s.Vote(ctx, Vote{Query: "cat", Sticker: sticker, Client: "a", Positive: side}, at); err != nil || o != VoteUnchanged {
				t.Fatalf("round %d: repeating the counted side: %v %v", round, o, err)
			}
			if o, err := s.Vote(ctx, Vote{Query: "cat", Sticker: sticker, Client: "a", Positive: !side}, at); err != nil || o != VoteReversed {
				t.Fatalf("round %d: reversing the counted side: %v %v", round, o, err)
			}
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

// wantCounts checks the positives and negatives of every sticker voted on for query.
func wantCounts(t *testing.T, s Store, query string, want map[string][2]int64) {
	t.Helper()
	cs, err := s.Feedback(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int64{}
	for _, c := range cs {
		if c.Positives != 0 || c.Negatives != 0 {
			got[c.Sticker] = [2]int64{c.Positives, c.Negatives}
		}
		if c.Positives < 0 || c.Negatives < 0 {
			t.Fatalf("negative counter for %q: %+v", query, c)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("feedback of %q: %v, want %v (positives, negatives)", query, got, want)
	}
}

func TestStoreContractOnEmbeddedDynamoDB(t *testing.T) {
	storeContract(t, func(t *testing.T) Store { return NewDynamoStore(emutest.EmbeddedTable(t, "StickersTable")) })
}
