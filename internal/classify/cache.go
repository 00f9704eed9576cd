package classify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
)

// Cache table (CLASSIFY_CACHE_TABLE), one item per (model, normalized text):
//
//	key         S  partition key: hex SHA-256 of model, NUL, normalized text
//	scores      M  label -> N
//	expires_at  N  Unix seconds; the table's TTL attribute
//
// Access patterns: BatchGetItem of a request's keys; BatchWriteItem of the
// misses once scored. DynamoDB deletes expired items lazily, so reads also
// ignore an item past expires_at. Scores are cached, not results, so a
// threshold change applies at once.

// Cache stores scores by key (see CacheKey); a miss is simply absent.
type Cache interface {
	Get(ctx context.Context, keys []string) (map[string]Scores, error)
	Put(ctx context.Context, entries map[string]Scores) error
}

// CacheKey is the cache key of text scored by model: a hash of the
// normalized text, so "F U C K" and "fuck" share an entry.
func CacheKey(model, text string) string {
	h := sha256.New()
	h.Write([]byte(model))
	h.Write([]byte{0})
	h.Write([]byte(normalize(text).text))
	return hex.EncodeToString(h.Sum(nil))
}

// cacheItem is one item of the cache table (layout above).
type cacheItem struct {
	Key       string `dynamodbav:"key"`
	Scores    Scores `dynamodbav:"scores"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

// DynamoCache is the Cache in a DynamoDB table (design above).
type DynamoCache struct {
	db    dynamo.API
	table string
	ttl   time.Duration
	now   func() time.Time
}

// NewDynamoCache returns a Cache in table whose entries expire after ttl.
func NewDynamoCache(db dynamo.API, table string, ttl time.Duration) *DynamoCache {
	return &DynamoCache{db: db, table: table, ttl: ttl, now: time.Now}
}

// Get reads the unexpired entries among keys; an item that does not decode
// (or a label Mosaic does not know) is a miss, not an error.
func (c *DynamoCache) Get(ctx context.Context, keys []string) (map[string]Scores, error) {
	var req []dynamo.Item
	seen := map[string]bool{} // BatchGetItem refuses a key asked twice
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			req = append(req, dynamo.Values(map[string]any{"key": k}))
		}
	}
	// Two calls at most: a cache is read on every request, and a key DynamoDB
	// still leaves unprocessed is only a miss.
	items, err := dynamo.BatchGet(ctx, c.db, c.table, req, false, 2)
	if err != nil && !errors.Is(err, dynamo.ErrUnprocessed) {
		return nil, fmt.Errorf("classify cache: %w", err)
	}
	out := map[string]Scores{}
	now := c.now().Unix()
	for _, item := range items {
		var it cacheItem
		if dynamo.Unmarshal(item, &it) != nil || it.ExpiresAt <= now {
			continue
		}
		for l := range it.Scores {
			if labelIndex(l) < 0 {
				delete(it.Scores, l)
			}
		}
		out[it.Key] = it.Scores
	}
	return out, nil
}

// Put writes entries, which expire after the cache's TTL.
func (c *DynamoCache) Put(ctx context.Context, entries map[string]Scores) error {
	expires := c.now().Add(c.ttl).Unix()
	items := make([]dynamo.Item, 0, len(entries))
	for k, s := range entries {
		item, err := dynamo.Marshal(cacheItem{Key: k, Scores: s, ExpiresAt: expires})
		if err != nil {
			return fmt.Errorf("classify cache: %w", err)
		}
		items = append(items, item)
	}
	// Two calls at most, as for Get: an entry left unwritten is a later miss.
	if err := dynamo.BatchPut(ctx, c.db, c.table, items, 2); err != nil && !errors.Is(err, dynamo.ErrUnprocessed) {
		return fmt.Errorf("classify cache: %w", err)
	}
	return nil
}
