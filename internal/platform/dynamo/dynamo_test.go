package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

// newTable creates a table keyed by id with a KEYS_ONLY index by-time (part, at).
func newTable(t *testing.T) *dynamodb.Client {
	t.Helper()
	db := emutest.EmbeddedDynamoDB(t)
	s := types.ScalarAttributeTypeS
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String("t"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: s},
			{AttributeName: aws.String("part"), AttributeType: s},
			{AttributeName: aws.String("at"), AttributeType: s},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("by-time"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("part"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("at"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

type row struct {
	ID   string `dynamodbav:"id"`
	Part string `dynamodbav:"part,omitempty"`
	At   string `dynamodbav:"at,omitempty"`
	N    int    `dynamodbav:"n,omitempty"`
}

func TestIsConditionFailed(t *testing.T) {
	db, ctx := newTable(t), context.Background()
	put := func() error {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("t"), Item: dynamo.Values(map[string]any{"id": "a"}),
			ConditionExpression: aws.String("attribute_not_exists(id)"),
		})
		return err
	}
	if err := put(); err != nil || dynamo.IsConditionFailed(err) {
		t.Fatalf("first put: %v", err)
	}
	if err := put(); !dynamo.IsConditionFailed(err) {
		t.Fatalf("second put: %v, want a failed condition", err)
	}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: dynamo.Values(map[string]any{"id": "b"})}},
		{Put: &types.Put{TableName: aws.String("t"), Item: dynamo.Values(map[string]any{"id": "a"}),
			ConditionExpression: aws.String("attribute_not_exists(id)")}},
	}})
	if !dynamo.IsConditionFailed(err) || dynamo.IsContended(err) || !dynamo.IsCancelled(err) {
		t.Fatalf("transaction: %v, want a cancellation for a failed condition", err)
	}
	if err := put(); dynamo.IsCancelled(err) {
		t.Fatalf("a failed PutItem counted as a cancelled transaction: %v", err)
	}
	if dynamo.IsConditionFailed(errors.New("other")) || dynamo.IsConditionFailed(nil) {
		t.Fatal("an unrelated error counted as a failed condition")
	}
	if !dynamo.IsContended(&types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{
		{Code: aws.String("None")}, {Code: aws.String("TransactionConflict")}}}) {
		t.Fatal("a transaction conflict did not count as contended")
	}
}

func TestBatchPutThenGet(t *testing.T) {
	db, ctx := newTable(t), context.Background()
	var items, keys []dynamo.Item
	for i := range 130 { // more than one call of each: 25 writes, 100 reads
		it, err := dynamo.Marshal(row{ID: fmt.Sprint(i), N: i})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
		keys = append(keys, dynamo.Values(map[string]any{"id": fmt.Sprint(i)}))
	}
	if err := dynamo.BatchPut(ctx, db, "t", items, 8); err != nil {
		t.Fatal(err)
	}
	keys = append(keys, dynamo.Values(map[string]any{"id": "missing"}))
	got, err := dynamo.BatchGet(ctx, db, "t", keys, true, 8)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, it := range got {
		var r row
		if err := dynamo.Unmarshal(it, &r); err != nil {
			t.Fatal(err)
		}
		sum += r.N
	}
	if len(got) != 130 || sum != 129*130/2 {
		t.Fatalf("read %d items summing to %d, want 130 summing to %d", len(got), sum, 129*130/2)
	}
}

func TestNewestMergesShards(t *testing.T) {
	db, ctx := newTable(t), context.Background()
	parts := []string{"p0", "p1", "p2"}
	var want []string
	for i := range 40 {
		at := fmt.Sprintf("t%03d", i)
		it, _ := dynamo.Marshal(row{ID: fmt.Sprint(i), Part: parts[i*7%3], At: at})
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: it}); err != nil {
			t.Fatal(err)
		}
		want = append(want, at)
	}
	slices.Reverse(want)
	s := dynamo.Shards{Table: "t", Index: "by-time", PartitionAttr: "part", SortAttr: "at", Partitions: parts}
	decode := func(it dynamo.Item) (row, error) {
		var r row
		return r, dynamo.Unmarshal(it, &r)
	}
	at := func(r row) string { return r.At }
	page := func(before string, n int, enough func([]row) bool) []string {
		rows, err := dynamo.Newest(ctx, db, s, before, n, decode, at, enough)
		if err != nil {
			t.Fatal(err)
		}
		var ats []string
		for _, r := range rows {
			ats = append(ats, r.At)
		}
		return ats
	}
	got := page("", 5, nil)
	if len(got) < 5 || !slices.Equal(got[:5], want[:5]) {
		t.Fatalf("first page %v, want it to start %v", got, want[:5])
	}
	if !slices.IsSortedFunc(got, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Fatalf("not newest first: %v", got)
	}
	if got := page(want[4], 5, nil); !slices.Equal(got[:5], want[5:10]) {
		t.Fatalf("page after %s: %v, want it to start %v", want[4], got, want[5:10])
	}
	if got := page("", 100, nil); !slices.Equal(got, want) {
		t.Fatalf("everything: %v, want %v", got, want)
	}
}

// throttled is a DynamoDB that leaves the last key of every BatchGetItem
// unprocessed, as DynamoDB does when it throttles part of a batch.
type throttled struct {
	dynamo.API
	calls int
}

func (d *throttled) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	d.calls++
	ka := in.RequestItems["t"]
	last := len(ka.Keys) - 1
	out, err := d.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"t": {Keys: ka.Keys[:last], ConsistentRead: ka.ConsistentRead}}}, opts...)
	if err != nil {
		return nil, err
	}
	out.UnprocessedKeys = map[string]types.KeysAndAttributes{"t": {Keys: ka.Keys[last:], ConsistentRead: ka.ConsistentRead}}
	return out, nil
}

func TestBatchGetStopsAfterItsAttempts(t *testing.T) {
	db, ctx := newTable(t), context.Background()
	var keys []dynamo.Item
	for i := range 3 {
		it, _ := dynamo.Marshal(row{ID: fmt.Sprint(i)})
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: it}); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, dynamo.Values(map[string]any{"id": fmt.Sprint(i)}))
	}
	api := &throttled{API: db}
	// The first call reads all but the last key; each later one asks for that
	// key alone and leaves it unprocessed again.
	got, err := dynamo.BatchGet(ctx, api, "t", keys, true, 3)
	if !errors.Is(err, dynamo.ErrUnprocessed) || api.calls != 3 || len(got) != 2 {
		t.Fatalf("%d calls read %d items: %v; want 3 calls, the 2 items read and ErrUnprocessed", api.calls, len(got), err)
	}
}
