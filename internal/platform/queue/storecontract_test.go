package queue_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/clocktest"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// storeContract runs the Store contract on stores made by newStore, which must
// make the store read its time from now. Each case uses its own keys, so one
// table may serve every case.
func storeContract(t *testing.T, newStore func(t *testing.T, now func() time.Time) queue.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) (queue.Store, *clocktest.Clock, string) {
		// From the real time on: DynamoDB's TTL deletes items whose expires_at
		// has passed by the real clock, so a fake clock must not run behind it.
		clock := clocktest.New(time.Now())
		return newStore(t, clock.Now), clock, "contract/" + t.Name()
	}
	claim := func(t *testing.T, s queue.Store, key, fp string) queue.Claim {
		t.Helper()
		c, err := s.Claim(ctx, key, fp, time.Minute)
		if err != nil {
			t.Fatalf("Claim(%q): %v", key, err)
		}
		if c.Replay || c.Token == "" || c.Key != key {
			t.Fatalf("Claim(%q) = %+v, want a held claim", key, c)
		}
		return c
	}
	wantErr := func(t *testing.T, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
	}

	t.Run("claim, complete, replay", func(t *testing.T) {
		s, _, key := setup(t)
		c := claim(t, s, key, "fp")
		if _, err := s.Claim(ctx, key, "fp", time.Minute); !errors.Is(err, queue.ErrInProgress) {
			t.Fatalf("second claim while held: %v, want ErrInProgress", err)
		}
		if err := s.Complete(ctx, c, []byte(`{"status":201}`), time.Hour); err != nil {
			t.Fatal(err)
		}
		r, err := s.Claim(ctx, key, "fp", time.Minute)
		if err != nil || !r.Replay || string(r.Result) != `{"status":201}` || r.Token != "" {
			t.Fatalf("claim after complete = %+v, %v; want the replayed result", r, err)
		}
	})
	t.Run("empty result replays as empty", func(t *testing.T) {
		s, _, key := setup(t)
		if err := s.Complete(ctx, claim(t, s, key, ""), nil, time.Hour); err != nil {
			t.Fatal(err)
		}
		r, err := s.Claim(ctx, key, "", time.Minute)
		if err != nil || !r.Replay || r.Result == nil || len(r.Result) != 0 {
			t.Fatalf("claim = %+v, %v; want a replay of an empty, non-nil result", r, err)
		}
	})
	t.Run("fingerprint mismatch", func(t *testing.T) {
		s, _, key := setup(t)
		c := claim(t, s, key, "body-1")
		_, err := s.Claim(ctx, key, "body-2", time.Minute)
		wantErr(t, err, queue.ErrKeyReused)
		if err := s.Complete(ctx, c, []byte("x"), time.Hour); err != nil {
			t.Fatal(err)
		}
		_, err = s.Claim(ctx, key, "", time.Minute)
		wantErr(t, err, queue.ErrKeyReused)
	})
	t.Run("release lets a retry run", func(t *testing.T) {
		s, _, key := setup(t)
		c := claim(t, s, key, "")
		if err := s.Release(ctx, c); err != nil {
			t.Fatal(err)
		}
		if again := claim(t, s, key, ""); again.Token == c.Token {
			t.Fatal("a new claim has the released claim's token")
		}
	})
	t.Run("expired lease is taken over", func(t *testing.T) {
		s, clock, key := setup(t)
		old := claim(t, s, key, "")
		clock.Advance(2 * time.Minute)
		taken := claim(t, s, key, "")
		wantErr(t, s.Complete(ctx, old, []byte("late"), time.Hour), queue.ErrClaimLost)
		if err := s.Release(ctx, old); err != nil {
			t.Fatalf("releasing a lost claim: %v", err)
		}
		if err := s.Complete(ctx, taken, []byte("new"), time.Hour); err != nil {
			t.Fatalf("the new holder lost its claim to the old one's release: %v", err)
		}
	})
	t.Run("result expires after retention", func(t *testing.T) {
		s, clock, key := setup(t)
		if err := s.Complete(ctx, claim(t, s, key, ""), []byte("x"), time.Hour); err != nil {
			t.Fatal(err)
		}
		clock.Advance(59 * time.Minute)
		if r, err := s.Claim(ctx, key, "", time.Minute); err != nil || !r.Replay {
			t.Fatalf("within retention: %+v, %v", r, err)
		}
		clock.Advance(2 * time.Minute)
		claim(t, s, key, "")
	})
	t.Run("complete needs the holder's token", func(t *testing.T) {
		s, _, key := setup(t)
		c := claim(t, s, key, "")
		forged := c
		forged.Token = "not-the-token"
		wantErr(t, s.Complete(ctx, forged, []byte("x"), time.Hour), queue.ErrClaimLost)
		if err := s.Complete(ctx, c, []byte("x"), time.Hour); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.Complete(ctx, c, []byte("y"), time.Hour), queue.ErrClaimLost)
	})
	t.Run("one of concurrent claims wins", func(t *testing.T) {
		s, _, key := setup(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		held, busy := 0, 0
		for range 8 {
			wg.Go(func() {
				c, err := s.Claim(ctx, key, "", time.Minute)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && !c.Replay:
					held++
				case errors.Is(err, queue.ErrInProgress):
					busy++
				default:
					t.Errorf("claim: %+v, %v", c, err)
				}
			})
		}
		wg.Wait()
		if held != 1 || busy != 7 {
			t.Fatalf("%d held, %d in progress; want 1 and 7", held, busy)
		}
	})
}
