package classify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Cache table (CLASSIFY_CACHE_TABLE), one item per (model, normalized text):
//
//	key         S  partition key: hex SHA-256 of model, NUL, normalized text
//	model       S  the model that produced the scores
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

// MemoryCache is an in-process Cache with TTL, for tests and local runs.
type MemoryCache struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]memoryEntry
}

type memoryEntry struct {
	scores  Scores
	expires time.Time
}

// NewMemoryCache returns an empty MemoryCache whose entries live for ttl.
func NewMemoryCache(ttl time.Duration) *MemoryCache {
	return &MemoryCache{ttl: ttl, now: time.Now, m: map[string]memoryEntry{}}
}

// Get returns the unexpired entries among keys.
func (c *MemoryCache) Get(_ context.Context, keys []string) (map[string]Scores, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]Scores{}
	for _, k := range keys {
		if e, ok := c.m[k]; ok && c.now().Before(e.expires) {
			out[k] = e.scores
		}
	}
	return out, nil
}

// Put stores entries for the cache's TTL.
func (c *MemoryCache) Put(_ context.Context, entries map[string]Scores) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range entries {
		c.m[k] = memoryEntry{scores: s, expires: c.now().Add(c.ttl)}
	}
	return nil
}

// DynamoCache is the Cache in a DynamoDB table (design above).
type DynamoCache struct {
	db    *dynamodb.Client
	table string
	ttl   time.Duration
	now   func() time.Time
}

// NewDynamoCache returns a Cache in table whose entries expire after ttl.
func NewDynamoCache(db *dynamodb.Client, table string, ttl time.Duration) *DynamoCache {
	return &DynamoCache{db: db, table: table, ttl: ttl, now: time.Now}
}

// Get reads keys (at most 100) in one BatchGetItem, retrying unprocessed keys once.
func (c *DynamoCache) Get(ctx context.Context, keys []string) (map[string]Scores, error) {
	out := map[string]Scores{}
	if len(keys) == 0 {
		return out, nil
	}
	req := make([]map[string]types.AttributeValue, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			req = append(req, map[string]types.AttributeValue{"key": &types.AttributeValueMemberS{Value: k}})
		}
	}
	items := map[string]types.KeysAndAttributes{c.table: {Keys: req, ConsistentRead: aws.Bool(false)}}
	now := c.now().Unix()
	for attempt := 0; attempt < 2 && len(items) > 0; attempt++ {
		resp, err := c.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: items})
		if err != nil {
			return nil, fmt.Errorf("classify cache: read %s: %w", c.table, err)
		}
		for _, item := range resp.Responses[c.table] {
			key, scores, expires, ok := decodeCacheItem(item)
			if ok && expires > now {
				out[key] = scores
			}
		}
		items = resp.UnprocessedKeys
	}
	return out, nil
}

// Put writes entries in BatchWriteItem calls of 25, retrying unprocessed items once.
func (c *DynamoCache) Put(ctx context.Context, entries map[string]Scores) error {
	expires := strconv.FormatInt(c.now().Add(c.ttl).Unix(), 10)
	var batch []types.WriteRequest
	flush := func() error {
		items := map[string][]types.WriteRequest{c.table: batch}
		for attempt := 0; attempt < 2 && len(items) > 0; attempt++ {
			resp, err := c.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: items})
			if err != nil {
				return fmt.Errorf("classify cache: write %s: %w", c.table, err)
			}
			items = resp.UnprocessedItems
		}
		batch = nil
		return nil
	}
	for k, s := range entries {
		m := make(map[string]types.AttributeValue, len(s))
		for l, v := range s {
			m[string(l)] = &types.AttributeValueMemberN{Value: strconv.FormatFloat(v, 'g', -1, 64)}
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"key":        &types.AttributeValueMemberS{Value: k},
			"scores":     &types.AttributeValueMemberM{Value: m},
			"expires_at": &types.AttributeValueMemberN{Value: expires},
		}}})
		if len(batch) == 25 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		return flush()
	}
	return nil
}

func decodeCacheItem(item map[string]types.AttributeValue) (string, Scores, int64, bool) {
	key, ok1 := item["key"].(*types.AttributeValueMemberS)
	scores, ok2 := item["scores"].(*types.AttributeValueMemberM)
	exp, ok3 := item["expires_at"].(*types.AttributeValueMemberN)
	if !ok1 || !ok2 || !ok3 {
		return "", nil, 0, false
	}
	expires, err := strconv.ParseInt(exp.Value, 10, 64)
	if err != nil {
		return "", nil, 0, false
	}
	out := make(Scores, len(scores.Value))
	for l, v := range scores.Value {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok || labelIndex(Label(l)) < 0 {
			continue
		}
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return "", nil, 0, false
		}
		out[Label(l)] = f
	}
	return key.Value, out, expires, true
}
