package catalog

// DynamoStore keeps the stickers admins add or replace in the sticker table
// (shared with feedback.DynamoStore, which documents the whole table):
//
//	item       pk        sk            attributes
//	sticker    CATALOG   <sticker id>  doc S (the sticker as JSON), updated_at S
//
// The catalog is small and read whole (a search function loads it at cold
// start and refreshes it periodically), so one partition holds it: a Query of
// pk = CATALOG returns every added sticker. Put is an unconditional PutItem:
// the last write of an id wins, which is what "add or replace" means.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Store keeps the stickers added to the shipped catalog.
type Store interface {
	// Put adds s, or replaces the sticker with its id.
	Put(ctx context.Context, s Sticker, at time.Time) error
	// Added returns every sticker put so far.
	Added(ctx context.Context) ([]Sticker, error)
}

// DynamoDBAPI is the part of the DynamoDB client a DynamoStore uses; *dynamodb.Client has it.
type DynamoDBAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

const catalogPartition = "CATALOG"

// DynamoStore is a Store in a DynamoDB table of the shape above.
type DynamoStore struct {
	api   DynamoDBAPI
	table string
}

// NewDynamoStore returns a store in table; client is typically a *dynamodb.Client.
func NewDynamoStore(client DynamoDBAPI, table string) *DynamoStore {
	return &DynamoStore{api: client, table: table}
}

// Put implements Store.
func (s *DynamoStore) Put(ctx context.Context, st Sticker, at time.Time) error {
	doc, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode sticker %s: %w", st.ID, err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk":         &types.AttributeValueMemberS{Value: catalogPartition},
			"sk":         &types.AttributeValueMemberS{Value: st.ID},
			"doc":        &types.AttributeValueMemberS{Value: string(doc)},
			"updated_at": &types.AttributeValueMemberS{Value: at.UTC().Format(time.RFC3339)},
		},
	})
	if err != nil {
		return fmt.Errorf("put sticker %s: %w", st.ID, err)
	}
	return nil
}

// Added implements Store.
func (s *DynamoStore) Added(ctx context.Context) ([]Sticker, error) {
	var out []Sticker
	p := dynamodb.NewQueryPaginator(s.api, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: catalogPartition}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read added stickers: %w", err)
		}
		for _, it := range page.Items {
			doc, ok := it["doc"].(*types.AttributeValueMemberS)
			if !ok {
				continue
			}
			var st Sticker
			if err := json.Unmarshal([]byte(doc.Value), &st); err != nil {
				return nil, fmt.Errorf("decode added sticker: %w", err)
			}
			out = append(out, st)
		}
	}
	return out, nil
}

// MemStore is an in-memory Store for tests and tools.
type MemStore struct {
	mu       sync.Mutex
	stickers map[string]Sticker
	order    []string
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{stickers: map[string]Sticker{}} }

// Put implements Store.
func (m *MemStore) Put(_ context.Context, s Sticker, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stickers[s.ID]; !ok {
		m.order = append(m.order, s.ID)
	}
	m.stickers[s.ID] = s
	return nil
}

// Added implements Store.
func (m *MemStore) Added(_ context.Context) ([]Sticker, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Sticker, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, m.stickers[id])
	}
	return out, nil
}
