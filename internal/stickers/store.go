package stickers

// DynamoStore keeps the added stickers, usage, feedback, vote markers and
// rate-limit windows in the sticker table:
//
//	partition key  pk  S    sort key  sk  S    TTL attribute  expires_at  N
//
//	item            pk                      sk              attributes
//	added sticker   CATALOG                 <sticker id>    doc S (the sticker as JSON), updated_at S
//	query usage     USAGE#<shard>           <query>         usage N, display S, last_used_at S
//	searches a day  DAY#<shard>             <YYYY-MM-DD>    searches N
//	feedback        Q#<query>               <sticker id>    positives N, negatives N
//	vote marker     VOTE#<hash>             VOTE            positive BOOL, expires_at (a client's latest vote on a pair)
//	rate window     RATE#<client>           <window start>  units N, expires_at
//	flush marker    FLUSH#<hash>            FLUSH           expires_at (a usage batch's chunk, written once)
//
// The catalog is small and read whole (a search function loads it on first
// use and refreshes it periodically), so one partition holds it: a Query of
// pk = CATALOG returns every added sticker. PutSticker is an unconditional
// PutItem: the last write of an id wins, which is what "add or replace" means.
// <query> is the normalized query; <shard> spreads the usage and day counters
// over usageShards partitions so that popular days and the all-queries listing
// never sit on one hot partition (usage by query hash, days at random).
//
// Access patterns: searches are counted in batches (AddUsage below), and a
// search Queries Q#<query> for re-ranking. A vote is a strongly consistent
// GetItem of its marker, then at most one TransactWriteItems: for a first
// vote, put the marker (attribute_not_exists, or expired) and ADD 1 to the
// feedback item's side; for a reversal, SET the marker's positive conditioned
// on its old value and ADD +1 to the new side and -1 to the old one; a repeat
// of the same direction writes nothing. A failed condition (the same client
// voting concurrently) or a TransactionConflict starts the vote over from the
// read, so a client's count sits on exactly one side and a counter is
// decremented only for a marker that had counted on it (it never goes
// negative). A marker written before markers kept their direction (no
// positive) cannot be reversed: it stands, unchanged, until it expires. The
// rate limit is an UpdateItem ADD conditioned on the window's total; analytics
// Query every USAGE# shard (sorted in memory) and Q#<query>.
//
// A batch of aggregated searches (UsageBatch) is written in chunks of at most
// flushChunk counters, each one TransactWriteItems: a Put of the chunk's
// marker conditioned on attribute_not_exists, plus one UpdateItem ADD per
// query usage item and per day (the days ride in the first chunk). A retried
// chunk finds its marker and is skipped, so a batch counts at most once
// whatever the retries; markers expire after flushMarkerTTL.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
)

const (
	usageShards      = 16
	catalogPartition = "CATALOG"
	flushChunk       = 48
	flushMarkerTTL   = 24 * time.Hour
	// VoteRetention is how long a client's vote marker is kept after its
	// first vote or latest reversal (a repeat does not extend it): after it
	// the same client may count again for the same pair.
	VoteRetention = 180 * 24 * time.Hour
)

// Store keeps the stickers admins added, search usage and feedback counters;
// implementations make every counter update atomic (concurrent searches and
// votes never lose a count).
type Store interface {
	// PutSticker adds s to the catalog, or replaces the sticker with its id.
	PutSticker(ctx context.Context, s Sticker, at time.Time) error
	// AddedStickers returns every sticker put so far.
	AddedStickers(ctx context.Context) ([]Sticker, error)
	// AddUsage adds a batch of aggregated searches (a Batcher's flush), at
	// most once per batch id, whatever the retries.
	UsageSink
	// Feedback returns the counts of every sticker voted on for query.
	Feedback(ctx context.Context, query string) ([]Counts, error)
	// Vote makes v the vote of v.Client on (v.Query, v.Sticker): a first vote
	// counts; a vote in the other direction than the client's previous one
	// moves its count from one side to the other, atomically; a repeat of the
	// same direction changes nothing. A client thus counts at most once per
	// pair, on the side of its latest vote, whatever the interleaving of its
	// concurrent votes. A marker older than VoteRetention is forgotten (the
	// vote counts anew, the old count stays).
	Vote(ctx context.Context, v Vote, at time.Time) (VoteOutcome, error)
	// Allow takes n units of client's budget in the window that contains at;
	// it returns false, taking nothing, when the budget would be exceeded.
	Allow(ctx context.Context, client string, n, limit int, window time.Duration, at time.Time) (bool, error)
	// Usage returns the usage of one normalized query, with ok false when it was never searched.
	Usage(ctx context.Context, query string) (u Usage, ok bool, err error)
	// Queries returns the usage of every query ever searched, in no particular order.
	Queries(ctx context.Context) ([]Usage, error)
	// SearchesPerDay returns the number of searches on each day (YYYY-MM-DD, UTC) from..to inclusive that had any.
	SearchesPerDay(ctx context.Context, from, to time.Time) (map[string]int64, error)
}

// DynamoStore is a Store in a DynamoDB table of the shape above.
type DynamoStore struct {
	api   dynamo.API
	table string
}

// NewDynamoStore returns a store in table; client is typically a *dynamodb.Client.
func NewDynamoStore(client dynamo.API, table string) *DynamoStore {
	return &DynamoStore{api: client, table: table}
}

// Items as the table holds them (the layout above), besides Counts and Usage.
type (
	stickerItem struct {
		PK        string `dynamodbav:"pk"`
		SK        string `dynamodbav:"sk"`
		Doc       string `dynamodbav:"doc"` // the sticker as JSON
		UpdatedAt string `dynamodbav:"updated_at"`
	}
	dayItem struct {
		Day      string `dynamodbav:"sk"`
		Searches int64  `dynamodbav:"searches"`
	}
	// markerItem is a client's latest vote on a pair; Positive is nil in a
	// marker written before markers kept the direction.
	markerItem struct {
		PK        string `dynamodbav:"pk"`
		SK        string `dynamodbav:"sk"`
		Positive  *bool  `dynamodbav:"positive,omitempty"`
		ExpiresAt int64  `dynamodbav:"expires_at"` // Unix seconds; the marker counts until then, inclusive
	}
)

func key(pk, sk string) dynamo.Item { return dynamo.Values(map[string]any{"pk": pk, "sk": sk}) }

func usageShard(query string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(query))
	return fmt.Sprintf("USAGE#%02d", h.Sum32()%usageShards)
}

// hashKey is a key that identifies its parts (joined by NULs) without storing them in the clear.
func hashKey(prefix string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + hex.EncodeToString(h[:16])
}

// queryAll reads every item whose pk is pk and, when from is set, whose sk
// lies in [from, to], decoding each into a T.
func queryAll[T any](ctx context.Context, s *DynamoStore, pk, from, to string) ([]T, error) {
	cond, values := "pk = :pk", map[string]any{":pk": pk}
	if from != "" {
		cond, values[":from"], values[":to"] = cond+" AND sk BETWEEN :from AND :to", from, to
	}
	p := dynamodb.NewQueryPaginator(s.api, &dynamodb.QueryInput{
		TableName: aws.String(s.table), KeyConditionExpression: aws.String(cond), ExpressionAttributeValues: dynamo.Values(values),
	})
	var out []T
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			var v T
			if err := dynamo.Unmarshal(it, &v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// withRetries runs try until it asks for no retry, at most attempts times,
// with a full-jitter backoff of up to base × 2^attempt between tries.
func withRetries(ctx context.Context, what string, attempts int, base time.Duration, try func() (retry bool, err error)) error {
	for attempt := 1; ; attempt++ {
		retry, err := try()
		if !retry {
			return err
		}
		if attempt == attempts {
			return fmt.Errorf("%s after %d attempts: %w", what, attempt, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(rand.Int64N(int64(base) << attempt))):
		}
	}
}

// PutSticker implements Store.
func (s *DynamoStore) PutSticker(ctx context.Context, st Sticker, at time.Time) error {
	doc, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode sticker %s: %w", st.ID, err)
	}
	item, err := dynamo.Marshal(stickerItem{PK: catalogPartition, SK: st.ID, Doc: string(doc), UpdatedAt: at.UTC().Format(time.RFC3339)})
	if err == nil {
		_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item})
	}
	if err != nil {
		return fmt.Errorf("put sticker %s: %w", st.ID, err)
	}
	return nil
}

// AddedStickers implements Store.
func (s *DynamoStore) AddedStickers(ctx context.Context) ([]Sticker, error) {
	items, err := queryAll[stickerItem](ctx, s, catalogPartition, "", "")
	if err != nil {
		return nil, fmt.Errorf("read added stickers: %w", err)
	}
	out := make([]Sticker, 0, len(items))
	for _, it := range items {
		var st Sticker
		if err := json.Unmarshal([]byte(it.Doc), &st); err != nil {
			return nil, fmt.Errorf("decode added sticker %s: %w", it.SK, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// AddUsage implements UsageSink: chunk by chunk, each written once (see above).
func (s *DynamoStore) AddUsage(ctx context.Context, b UsageBatch) error {
	for i := 0; i == 0 || i*flushChunk < len(b.Queries); i++ {
		var days map[string]int64
		if i == 0 {
			days = b.Days
		}
		part := b.Queries[i*flushChunk : min((i+1)*flushChunk, len(b.Queries))]
		if err := s.addChunk(ctx, hashKey("FLUSH#", b.ID+"/"+strconv.Itoa(i)), part, days); err != nil {
			return err
		}
	}
	return nil
}

func (s *DynamoStore) addChunk(ctx context.Context, marker string, counts []QueryCount, days map[string]int64) error {
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:           aws.String(s.table),
		Item:                dynamo.Values(map[string]any{"pk": marker, "sk": "FLUSH", "expires_at": time.Now().Add(flushMarkerTTL).Unix()}),
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
	// Another flush may hold one of these counters (TransactionConflict): try again.
	return withRetries(ctx, "flush usage", 5, 10*time.Millisecond, func() (bool, error) {
		_, err := s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		switch {
		case err == nil, dynamo.IsConditionFailed(err): // only the marker has a condition: an earlier try wrote this chunk
			return false, nil
		case dynamo.IsContended(err):
			return true, err
		}
		return false, fmt.Errorf("flush usage: %w", err)
	})
}

// Feedback implements Store.
func (s *DynamoStore) Feedback(ctx context.Context, query string) ([]Counts, error) {
	out, err := queryAll[Counts](ctx, s, "Q#"+query, "", "")
	if err != nil {
		return nil, fmt.Errorf("read feedback of %q: %w", query, err)
	}
	return out, nil
}

// Vote implements Store: it reads the client's marker, then writes the one
// transaction that its state calls for, conditioned on that state, and starts
// over (at most 6 times) when the condition fails or a concurrent transaction
// on the same items cancelled it.
func (s *DynamoStore) Vote(ctx context.Context, v Vote, at time.Time) (VoteOutcome, error) {
	outcome := VoteUnchanged
	err := withRetries(ctx, "record vote", 6, 5*time.Millisecond, func() (retry bool, err error) {
		outcome, retry, err = s.vote(ctx, v, at)
		return retry, err
	})
	if err != nil {
		return VoteUnchanged, err
	}
	return outcome, nil
}

// vote makes one attempt; retry reports a cancellation worth retrying.
func (s *DynamoStore) vote(ctx context.Context, v Vote, at time.Time) (outcome VoteOutcome, retry bool, err error) {
	marker := markerItem{PK: hashKey("VOTE#", v.Client, v.Query, v.Sticker), SK: "VOTE"}
	got, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(marker.PK, marker.SK), ConsistentRead: aws.Bool(true)})
	var prev markerItem
	if err == nil && got.Item != nil {
		err = dynamo.Unmarshal(got.Item, &prev)
	}
	if err != nil {
		return VoteUnchanged, false, fmt.Errorf("read vote marker: %w", err)
	}
	marker.Positive, marker.ExpiresAt = &v.Positive, at.Add(VoteRetention).Unix()
	field, other := "negatives", "positives"
	if v.Positive {
		field, other = other, field
	}
	var write, count types.TransactWriteItem
	count.Update = &types.Update{TableName: aws.String(s.table), Key: key("Q#"+v.Query, v.Sticker),
		UpdateExpression: aws.String("ADD #f :one"), ExpressionAttributeNames: map[string]string{"#f": field},
		ExpressionAttributeValues: dynamo.Values(map[string]any{":one": 1})}
	switch {
	case got.Item == nil || prev.ExpiresAt < at.Unix():
		// First vote (or the old marker expired): put the marker, count the vote.
		outcome = VoteCounted
		item, err := dynamo.Marshal(marker)
		if err != nil {
			return VoteUnchanged, false, err
		}
		write.Put = &types.Put{TableName: aws.String(s.table), Item: item,
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR expires_at < :now"),
			ExpressionAttributeValues: dynamo.Values(map[string]any{":now": at.Unix()})}
	case prev.Positive == nil || *prev.Positive == v.Positive:
		// A repeat; or a marker written before markers kept the direction,
		// whose count cannot be moved: it stands until it expires.
		return VoteUnchanged, false, nil
	default:
		// A reversal: flip the marker if it still holds the old direction,
		// and move the count from the old side to the new one.
		outcome = VoteReversed
		write.Update = &types.Update{TableName: aws.String(s.table), Key: key(marker.PK, marker.SK),
			UpdateExpression:          aws.String("SET #p = :new, #e = :exp"),
			ConditionExpression:       aws.String("#p = :old AND #e >= :now"),
			ExpressionAttributeNames:  map[string]string{"#p": "positive", "#e": "expires_at"},
			ExpressionAttributeValues: dynamo.Values(map[string]any{":new": v.Positive, ":old": !v.Positive, ":exp": marker.ExpiresAt, ":now": at.Unix()})}
		count.Update.UpdateExpression = aws.String("ADD #f :one, #o :minus")
		count.Update.ExpressionAttributeNames["#o"] = other
		count.Update.ExpressionAttributeValues = dynamo.Values(map[string]any{":one": 1, ":minus": -1})
	}
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{write, count}})
	if dynamo.IsConditionFailed(err) || dynamo.IsContended(err) {
		// The marker changed since it was read, or another transaction
		// holds these items: read it again.
		return VoteUnchanged, true, err
	}
	if err != nil {
		return VoteUnchanged, false, fmt.Errorf("record vote: %w", err)
	}
	return outcome, false, nil
}

// Allow implements Store.
func (s *DynamoStore) Allow(ctx context.Context, client string, n, limit int, window time.Duration, at time.Time) (bool, error) {
	if n > limit {
		return false, nil
	}
	start := at.Truncate(window)
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key("RATE#"+client, strconv.FormatInt(start.Unix(), 10)),
		UpdateExpression:          aws.String("ADD #u :n SET expires_at = :exp"),
		ConditionExpression:       aws.String("attribute_not_exists(#u) OR #u <= :room"),
		ExpressionAttributeNames:  map[string]string{"#u": "units"},
		ExpressionAttributeValues: dynamo.Values(map[string]any{":n": n, ":room": limit - n, ":exp": start.Add(2 * window).Unix()}),
	})
	if dynamo.IsConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("rate limit: %w", err)
	}
	return true, nil
}

// Usage implements Store.
func (s *DynamoStore) Usage(ctx context.Context, query string) (Usage, bool, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(usageShard(query), query)})
	var u Usage
	if err == nil && out.Item != nil {
		err = dynamo.Unmarshal(out.Item, &u)
	}
	if err != nil {
		return Usage{}, false, fmt.Errorf("read usage of %q: %w", query, err)
	}
	return u, out.Item != nil, nil
}

// Queries implements Store.
func (s *DynamoStore) Queries(ctx context.Context) ([]Usage, error) {
	var out []Usage
	for i := range usageShards {
		items, err := queryAll[Usage](ctx, s, fmt.Sprintf("USAGE#%02d", i), "", "")
		if err != nil {
			return nil, fmt.Errorf("list queries: %w", err)
		}
		out = append(out, items...)
	}
	return out, nil
}

// SearchesPerDay implements Store.
func (s *DynamoStore) SearchesPerDay(ctx context.Context, from, to time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	for i := range usageShards {
		items, err := queryAll[dayItem](ctx, s, fmt.Sprintf("DAY#%02d", i), from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly))
		if err != nil {
			return nil, fmt.Errorf("searches per day: %w", err)
		}
		for _, it := range items {
			out[it.Day] += it.Searches
		}
	}
	return out, nil
}
