package classify

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
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

// testDynamoCache runs the contract on a DynamoCache in table, then the
// batches: more entries than one BatchWriteItem takes, and the item layout.
func testDynamoCache(t *testing.T, db *dynamodb.Client, table string) {
	ctx := context.Background()
	c := NewDynamoCache(db, table, time.Hour)
	now := time.Now()
	c.now = func() time.Time { return now }
	testCache(t, c, func(d time.Duration) { now = now.Add(d) })

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
	if err != nil || len(got) != 32 || got[keys[7]][Hate] != 0.07 {
		t.Fatalf("got %d of 32: %v", len(got), err)
	}
	// The item layout of the table's design: key S, scores M of N, expires_at N.
	items, err := dynamo.BatchGet(ctx, db, table, []dynamo.Item{dynamo.Values(map[string]any{"key": keys[7]})}, true, 1)
	if err != nil || len(items) != 1 {
		t.Fatalf("%d items: %v", len(items), err)
	}
	want := dynamo.Values(map[string]any{"key": keys[7], "scores": map[string]any{"hate": 0.07}, "expires_at": now.Add(time.Hour).Unix()})
	if !reflect.DeepEqual(items[0], want) {
		t.Fatalf("item %#v, want %#v", items[0], want)
	}
}

func TestDynamoCacheEmbedded(t *testing.T) {
	db, table := emutest.EmbeddedTable(t, "ClassifyCacheTable")
	testDynamoCache(t, db, table)
}

// embeddedCache is a DynamoCache on a fresh embedded table, for the engine's tests.
func embeddedCache(t *testing.T) *DynamoCache {
	db, table := emutest.EmbeddedTable(t, "ClassifyCacheTable")
	return NewDynamoCache(db, table, time.Hour)
}

// throttledReads leaves the last key of every BatchGetItem unprocessed.
type throttledReads struct{ dynamo.API }

func (d throttledReads) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	for table, ka := range in.RequestItems {
		last := len(ka.Keys) - 1
		out, err := d.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			table: {Keys: ka.Keys[:last], ConsistentRead: ka.ConsistentRead}}}, opts...)
		if err != nil {
			return nil, err
		}
		out.UnprocessedKeys = map[string]types.KeysAndAttributes{table: {Keys: ka.Keys[last:], ConsistentRead: ka.ConsistentRead}}
		return out, nil
	}
	return &dynamodb.BatchGetItemOutput{}, nil
}

// TestDynamoCacheThrottledReadIsAMiss: a key DynamoDB keeps leaving
// unprocessed is a miss, and the keys it did read are hits, not an error.
func TestDynamoCacheThrottledReadIsAMiss(t *testing.T) {
	ctx := context.Background()
	db, table := emutest.EmbeddedTable(t, "ClassifyCacheTable")
	a, b := CacheKey("m", "first text"), CacheKey("m", "second text")
	if err := NewDynamoCache(db, table, time.Hour).Put(ctx, map[string]Scores{a: {Hate: 0.1}, b: {Hate: 0.2}}); err != nil {
		t.Fatal(err)
	}
	got, err := NewDynamoCache(throttledReads{db}, table, time.Hour).Get(ctx, []string{a, b})
	if err != nil || len(got) != 1 || got[a][Hate] != 0.1 {
		t.Fatalf("throttled get = %v, %v; want the first key's scores only", got, err)
	}
}
