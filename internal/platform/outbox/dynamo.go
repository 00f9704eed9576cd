package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamoitem"
)

// Attribute names of an entry (see the package documentation).
const (
	attrID        = "id"
	attrQueue     = "queue"
	attrBody      = "body"
	attrDueAt     = "due_at"
	attrCreatedAt = "created_at"
	attrRequestID = "request_id"
)

// dueLayout has a fixed width, so that due_at compares as a string in every
// emulator (minidyn compares numbers as strings).
const dueLayout = "2006-01-02T15:04:05.000000000Z"

// DynamoDBAPI is the part of the DynamoDB client a Table uses; *dynamodb.Client has it.
type DynamoDBAPI interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// Table is the outbox table in DynamoDB.
type Table struct {
	db   DynamoDBAPI
	name string
}

var _ Store = (*Table)(nil)

// NewTable returns the outbox table called name.
func NewTable(db DynamoDBAPI, name string) *Table { return &Table{db: db, name: name} }

// Name is the table's name.
func (t *Table) Name() string { return t.name }

// Put is the write that records m: add it to the TransactWriteItems of the
// state change that m belongs to.
func (t *Table) Put(m Message) types.TransactWriteItem {
	item := map[string]types.AttributeValue{
		attrID:        &types.AttributeValueMemberS{Value: m.ID},
		attrQueue:     &types.AttributeValueMemberS{Value: m.Queue},
		attrBody:      &types.AttributeValueMemberS{Value: string(m.Body)},
		attrDueAt:     &types.AttributeValueMemberS{Value: m.DueAt.UTC().Format(dueLayout)},
		attrCreatedAt: &types.AttributeValueMemberS{Value: m.CreatedAt.UTC().Format(time.RFC3339Nano)},
	}
	if m.RequestID != "" {
		item[attrRequestID] = &types.AttributeValueMemberS{Value: m.RequestID}
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(t.name), Item: item,
		// An id is random: a clash would replace other pending work, so refuse it.
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": attrID},
	}}
}

// Ack implements Store.
func (t *Table) Ack(ctx context.Context, id string) error {
	_, err := t.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(t.name),
		Key:       map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id}},
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
		start map[string]types.AttributeValue
	)
	for {
		page, err := t.db.Scan(ctx, &dynamodb.ScanInput{
			TableName:                 aws.String(t.name),
			ConsistentRead:            aws.Bool(true),
			FilterExpression:          aws.String("#due <= :now"),
			ExpressionAttributeNames:  map[string]string{"#due": attrDueAt},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberS{Value: now.UTC().Format(dueLayout)}},
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

func decode(item map[string]types.AttributeValue) (Message, error) {
	str := func(name string) string { return dynamoitem.String(item, name) }
	m := Message{ID: str(attrID), Queue: str(attrQueue), Body: []byte(str(attrBody)), RequestID: str(attrRequestID)}
	var err error
	if m.DueAt, err = time.Parse(time.RFC3339Nano, str(attrDueAt)); err != nil {
		return Message{}, fmt.Errorf("outbox: entry %s: due_at: %w", m.ID, err)
	}
	if m.CreatedAt, err = time.Parse(time.RFC3339Nano, str(attrCreatedAt)); err != nil {
		return Message{}, fmt.Errorf("outbox: entry %s: created_at: %w", m.ID, err)
	}
	return m, nil
}
