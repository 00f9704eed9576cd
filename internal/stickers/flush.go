package stickers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
)

// Flushed batches, in the sticker table:
//
//	item          pk                       sk     attributes
//	flush marker  FLUSH#<hash of batch id, chunk>  FLUSH  expires_at N
//
// A batch of aggregated searches (UsageBatch) is written in chunks of at
// most flushChunk counters, each one TransactWriteItems: a Put of the
// chunk's marker conditioned on attribute_not_exists, plus one UpdateItem ADD
// per query usage item and per day (the days ride in the first chunk). A
// retried chunk finds its marker and is skipped, so a batch counts at most
// once whatever the retries; markers expire after flushMarkerTTL.
const (
	flushChunk     = 48
	flushAttempts  = 5
	flushMarkerTTL = 24 * time.Hour
)

// AddUsage implements UsageSink.
func (s *DynamoStore) AddUsage(ctx context.Context, b UsageBatch) error {
	chunks := (len(b.Queries) + flushChunk - 1) / flushChunk
	chunks = max(chunks, 1)
	for i := range chunks {
		part := b.Queries[min(i*flushChunk, len(b.Queries)):min((i+1)*flushChunk, len(b.Queries))]
		var days map[string]int64
		if i == 0 {
			days = b.Days
		}
		if err := s.addChunk(ctx, b.ID, i, part, days); err != nil {
			return err
		}
	}
	return nil
}

func flushMarker(batch string, chunk int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", batch, chunk))
	return "FLUSH#" + hex.EncodeToString(h[:16])
}

func (s *DynamoStore) addChunk(ctx context.Context, batch string, chunk int, counts []QueryCount, days map[string]int64) error {
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:           aws.String(s.table),
		Item:                dynamo.Values(map[string]any{"pk": flushMarker(batch, chunk), "sk": "FLUSH", "expires_at": time.Now().Add(flushMarkerTTL).Unix()}),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}}
	for _, c := range counts {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       key(usageShard(c.Query), c.Query),
			UpdateExpression:          aws.String("ADD #u :n SET #d = :d, #l = :l"),
			ExpressionAttributeNames:  map[string]string{"#u": "usage", "#d": "display", "#l": "last_used_at"},
			ExpressionAttributeValues: dynamo.Values(map[string]any{":n": c.N, ":d": c.Display, ":l": c.LastUsedAt.UTC().Format(time.RFC3339)}),
		}})
	}
	for day, n := range days {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       key(fmt.Sprintf("DAY#%02d", rand.IntN(usageShards)), day),
			UpdateExpression:          aws.String("ADD searches :n"),
			ExpressionAttributeValues: dynamo.Values(map[string]any{":n": n}),
		}})
	}
	for attempt := 1; ; attempt++ {
		_, err := s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		switch {
		case err == nil:
			return nil
		case dynamo.IsConditionFailed(err):
			return nil // only the marker has a condition: this chunk was written by an earlier try
		case !dynamo.IsContended(err):
			return fmt.Errorf("flush usage: %w", err)
		case attempt == flushAttempts:
			return fmt.Errorf("flush usage after %d attempts: %w", attempt, err)
		}
		// Another flush holds one of these counters (TransactionConflict): full jitter, then again.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(rand.Int64N(int64(10*time.Millisecond) << attempt))):
		}
	}
}
