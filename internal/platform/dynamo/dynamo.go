// Package dynamo is the DynamoDB plumbing every store shares: the client
// interface, condition-failed detection, attribute values from Go values
// (attributevalue with `dynamodbav` struct tags), batch reads and writes that
// retry unprocessed keys, and the newest-first merge of a write-sharded index.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// API is the part of the DynamoDB client the stores call; *dynamodb.Client implements it.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Item is a DynamoDB item (or key) as the SDK carries it.
type Item = map[string]types.AttributeValue

// IsConditionFailed reports whether err is a write refused by its condition:
// a ConditionalCheckFailedException, or a cancelled transaction one of whose
// items failed its condition.
func IsConditionFailed(err error) bool {
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return true
	}
	return cancelledFor(err, "ConditionalCheckFailed")
}

// OldItem returns the item a write's failed condition saw, when the write
// asked for it (ReturnValuesOnConditionCheckFailure) and the endpoint sent it;
// nil otherwise.
func OldItem(err error) Item {
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return failed.Item
	}
	return nil
}

// IsContended reports whether err is a transaction cancelled because another
// transaction held one of its items: retrying soon is expected to succeed.
func IsContended(err error) bool {
	var conflict *types.TransactionConflictException
	return errors.As(err, &conflict) || cancelledFor(err, "TransactionConflict")
}

// IsCancelled reports whether err is a cancelled transaction, for whatever reason
// (a failed condition, a conflict, throttling): none of its writes was made.
func IsCancelled(err error) bool {
	var cancelled *types.TransactionCanceledException
	return errors.As(err, &cancelled)
}

func cancelledFor(err error, code string) bool {
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		return false
	}
	for _, r := range cancelled.CancellationReasons {
		if aws.ToString(r.Code) == code {
			return true
		}
	}
	return false
}

// Values maps names to attribute values with attributevalue's rules, for keys,
// expression values and small items: Values(map[string]any{":pk": p, ":n": 1}).
// It panics on a value attributevalue cannot encode (a channel, a func), which
// is a programming error, never input.
func Values(m map[string]any) Item {
	item, err := attributevalue.MarshalMap(m)
	if err != nil {
		panic(fmt.Sprintf("dynamo: %v", err))
	}
	return item
}

// Value is one attribute value, as Values encodes it.
func Value(v any) types.AttributeValue {
	av, err := attributevalue.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("dynamo: %v", err))
	}
	return av
}

// Marshal encodes a struct by its `dynamodbav` tags.
func Marshal(v any) (Item, error) { return attributevalue.MarshalMap(v) }

// Unmarshal decodes item into the struct out points to, by its `dynamodbav` tags.
func Unmarshal(item Item, out any) error { return attributevalue.UnmarshalMap(item, out) }

// ErrUnprocessed is what BatchGet and BatchPut return when DynamoDB still
// left keys or items unprocessed (it throttled part of a batch) after every
// attempt. BatchGet returns the items it did read with it, so a best-effort
// reader (a cache) can count the rest as misses.
var ErrUnprocessed = errors.New("still unprocessed")

func backOff(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(rand.N(int64(20*time.Millisecond)<<attempt)) + time.Millisecond):
		return nil
	}
}

// BatchGet reads the items of keys from table, 100 keys per call, making up
// to attempts calls for each 100 while DynamoDB leaves keys unprocessed, backing
// off with jitter in between. Items come in no particular order; a missing key
// is absent.
func BatchGet(ctx context.Context, api API, table string, keys []Item, consistent bool, attempts int) ([]Item, error) {
	var items []Item
	for len(keys) > 0 {
		n := min(len(keys), 100) // BatchGetItem's limit
		pending := map[string]types.KeysAndAttributes{table: {Keys: keys[:n], ConsistentRead: aws.Bool(consistent)}}
		keys = keys[n:]
		for attempt := 0; len(pending[table].Keys) > 0; attempt++ {
			if attempt == attempts {
				return items, fmt.Errorf("read %s: %d keys %w after %d attempts", table, len(pending[table].Keys)+len(keys), ErrUnprocessed, attempt)
			}
			if err := backOff(ctx, attempt); err != nil {
				return nil, err
			}
			out, err := api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", table, err)
			}
			items = append(items, out.Responses[table]...)
			pending = out.UnprocessedKeys
		}
	}
	return items, nil
}

// BatchPut writes items to table, 25 per call, making up to attempts calls
// for each 25 while DynamoDB leaves items unprocessed, as BatchGet does.
func BatchPut(ctx context.Context, api API, table string, items []Item, attempts int) error {
	for len(items) > 0 {
		n := min(len(items), 25) // BatchWriteItem's limit
		batch := make([]types.WriteRequest, n)
		for i, it := range items[:n] {
			batch[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
		}
		items = items[n:]
		pending := map[string][]types.WriteRequest{table: batch}
		for attempt := 0; len(pending[table]) > 0; attempt++ {
			if attempt == attempts {
				return fmt.Errorf("write %s: %d items %w after %d attempts", table, len(pending[table])+len(items), ErrUnprocessed, attempt)
			}
			if err := backOff(ctx, attempt); err != nil {
				return err
			}
			out, err := api.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("write %s: %w", table, err)
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}
