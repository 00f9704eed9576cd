package classify

import (
	"context"
	"testing"
	"time"
)

// testCache is the contract every Cache passes; advance moves its clock.
func testCache(t *testing.T, c Cache, advance func(time.Duration)) {
	ctx := context.Background()
	a, b := CacheKey("m", "Hello there"), CacheKey("m", "h e l l o")
	if a != CacheKey("m", "HELLO   there!") || a == CacheKey("other-model", "hello there") {
		t.Fatal("keys must follow the normalized text and the model")
	}
	if got, err := c.Get(ctx, []string{a, b}); err != nil || len(got) != 0 {
		t.Fatalf("empty cache: %v, %v", got, err)
	}
	in := map[string]Scores{a: {Violence: 0.9, Sexual: 0}, b: {Profanity: 0.25}}
	if err := c.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, []string{a, b, CacheKey("m", "absent"), a})
	if err != nil || len(got) != 2 || got[a][Violence] != 0.9 || got[b][Profanity] != 0.25 {
		t.Fatalf("get = %v, %v", got, err)
	}
	advance(2 * time.Hour)
	if got, err := c.Get(ctx, []string{a}); err != nil || len(got) != 0 {
		t.Fatalf("expired entries returned: %v, %v", got, err)
	}
}

func TestMemoryCache(t *testing.T) {
	c := NewMemoryCache(time.Hour)
	now := time.Now()
	c.now = func() time.Time { return now }
	testCache(t, c, func(d time.Duration) { now = now.Add(d) })
}
