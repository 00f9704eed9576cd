package classify

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoCache(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, table := emutest.Table(t, "ClassifyCacheTable")
	c := NewDynamoCache(db, table, time.Hour)
	now := time.Now()
	c.now = func() time.Time { return now }
	testCache(t, c, func(d time.Duration) { now = now.Add(d) })

	// More entries than one BatchWriteItem takes.
	many := map[string]Scores{}
	keys := make([]string, 32)
	for i := range keys {
		keys[i] = CacheKey("m", string(rune('a'+i%26))+string(rune('a'+i/26))+" text")
		many[keys[i]] = Scores{Hate: float64(i) / 100}
	}
	if err := c.Put(ctx, many); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, keys)
	if err != nil || len(got) != 32 {
		t.Fatalf("got %d of 32: %v", len(got), err)
	}
}
