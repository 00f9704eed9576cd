package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
)

// entry is a Message as stored (see the package documentation).
type entry struct {
	ID        string `dynamodbav:"id"`
	Queue     string `dynamodbav:"queue"`
	Body      string `dynamodbav:"body"`
	DueAt     string `dynamodbav:"due_at"` // dueLayout
	CreatedAt string `dynamodbav:"created_at"`
	RequestID string `dynamodbav:"request_id,omitempty"`
}

// dueLayout has a fixed width, so that due_at compares as a string in every
// emulator (minidyn compares numbers as strings).
const dueLayout = "2006-01-02T15:04:05.000000000Z"

// Table is the outbox table in DynamoDB.
type Table struct {
	db   dynamo.API
	name string
}

var _ Store = (*Table)(nil)

// NewTable returns the outbox table called name.
func NewTable(db dynamo.API, name string) *Table { return &Table{db: db, name: name} }

// Name is the table's name.
func (t *Table) Name() string { return t.name }

// Put is the write that records m: add it to the TransactWriteItems of the
// state change that m belongs to.
func (t *Table) Put(m Message) types.TransactWriteItem {
	item, err := dynamo.Marshal(entry{
		ID: m.ID, Queue: m.Queue, Body: string(m.Body), RequestID: m.RequestID,
		DueAt: m.DueAt.UTC().Format(dueLayout), CreatedAt: m.CreatedAt.UTC().Format(time.RFC3339Nano),
	})
	if err != nil { // strings only: never
		panic(err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(t.name), Item: item,
		// An id is random: a clash would replace other pending work, so refuse it.
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": "id"},
	}}
}

// Ack implements Store.
func (t *Table) Ack(ctx context.Context, id string) error {
	_, err := t.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(t.name),
		Key:       dynamo.Values(map[string]any{"id": id}),
	})
	if err != nil {
		return fmt.Errorf("outbox: delete entry %s: %w", id, err)
	}
	return nil
}

// Due implements Store: a consistent scan filtered on due_at.
func (t *Table) Due(ctx context.Context, now time.Time, limit int) ([]Message, error) {
	var (
		out   []Message
		start dynamo.Item
	)
	for {
		page, err := t.db.Scan(ctx, &dynamodb.ScanInput{
			TableName:                 aws.String(t.name),
			ConsistentRead:            aws.Bool(true),
			FilterExpression:          aws.String("#due <= :now"),
			ExpressionAttributeNames:  map[string]string{"#due": "due_at"},
			ExpressionAttributeValues: dynamo.Values(map[string]any{":now": now.UTC().Format(dueLayout)}),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("outbox: scan %s: %w", t.name, err)
		}
		for _, item := range page.Items {
			m, err := decode(item)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
			if len(out) == limit {
				return out, nil
			}
		}
		if start = page.LastEvaluatedKey; len(start) == 0 {
			return out, nil
		}
	}
}

func decode(item dynamo.Item) (Message, error) {
	var e entry
	if err := dynamo.Unmarshal(item, &e); err != nil {
		return Message{}, fmt.Errorf("outbox: entry: %w", err)
	}
	m := Message{ID: e.ID, Queue: e.Queue, Body: []byte(e.Body), RequestID: e.RequestID}
	var err error
	if m.DueAt, err = time.Parse(time.RFC3339Nano, e.DueAt); err != nil {
		return Message{}, fmt.Errorf("outbox: entry %s: due_at: %w", m.ID, err)
	}
	if m.CreatedAt, err = time.Parse(time.RFC3339Nano, e.CreatedAt); err != nil {
		return Message{}, fmt.Errorf("outbox: entry %s: created_at: %w", m.ID, err)
	}
	return m, nil
}
