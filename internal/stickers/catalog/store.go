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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
)

// Store keeps the stickers added to the shipped catalog.
type Store interface {
	// Put adds s, or replaces the sticker with its id.
	Put(ctx context.Context, s Sticker, at time.Time) error
	// Added returns every sticker put so far.
	Added(ctx context.Context) ([]Sticker, error)
}

const catalogPartition = "CATALOG"

// stickerItem is an added sticker as the table holds it.
type stickerItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Doc       string `dynamodbav:"doc"` // the sticker as JSON
	UpdatedAt string `dynamodbav:"updated_at"`
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

// Put implements Store.
func (s *DynamoStore) Put(ctx context.Context, st Sticker, at time.Time) error {
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

// Added implements Store.
func (s *DynamoStore) Added(ctx context.Context) ([]Sticker, error) {
	var out []Sticker
	p := dynamodb.NewQueryPaginator(s.api, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: dynamo.Values(map[string]any{":pk": catalogPartition}),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read added stickers: %w", err)
		}
		for _, it := range page.Items {
			var item stickerItem
			if err := dynamo.Unmarshal(it, &item); err != nil || item.Doc == "" {
				continue
			}
			var st Sticker
			if err := json.Unmarshal([]byte(item.Doc), &st); err != nil {
				return nil, fmt.Errorf("decode added sticker: %w", err)
			}
			out = append(out, st)
		}
	}
	return out, nil
}
