package queue

// DynamoStore keeps idempotency records in a DynamoDB table of this shape:
//
//	partition key  pk           S  the idempotency key, as the caller scoped it
//	(no sort key)
//	attributes     state        S  "in_progress" | "done"
//	               token        S  the holder of an in_progress claim
//	               fingerprint  S  the request's fingerprint (absent if none)
//	               result       B  the stored result of a done key (absent if empty)
//	               expires_at   N  epoch seconds: the lease, then the retention
//	TTL attribute  expires_at
//
// Access patterns, all on the key: Claim is a conditional PutItem (the key is
// absent or expired) that returns the old item when the condition fails;
// Complete is an UpdateItem conditioned on the claim's token; Release is a
// DeleteItem conditioned on the same. DynamoDB's TTL deletes expired items
// only eventually, so every condition compares expires_at with the clock
// itself. In SAM:
//
//	IdempotencyTable:
//	  Type: AWS::DynamoDB::Table
//	  Properties:
//	    BillingMode: PAY_PER_REQUEST
//	    AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
//	    KeySchema: [{AttributeName: pk, KeyType: HASH}]
//	    TimeToLiveSpecification: {AttributeName: expires_at, Enabled: true}

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamoitem"
)

// Attribute names and states of an idempotency record.
const (
	attrKey         = "pk"
	attrState       = "state"
	attrToken       = "token"
	attrFingerprint = "fingerprint"
	attrResult      = "result"
	attrExpires     = "expires_at"
	stateInProgress = "in_progress"
	stateDone       = "done"
)

// DynamoDBAPI is the part of the DynamoDB client a DynamoStore uses; *dynamodb.Client has it.
type DynamoDBAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// DynamoStore is a Store in a DynamoDB table of the shape above.
type DynamoStore struct {
	Now func() time.Time // the clock; nil is time.Now

	api   DynamoDBAPI
	table string
}

// NewDynamoStore returns a store in table; client is typically a *dynamodb.Client.
func NewDynamoStore(client DynamoDBAPI, table string) *DynamoStore {
	return &DynamoStore{api: client, table: table}
}

func (s *DynamoStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// Claim takes key for lease unless it is held or done; see Store.
func (s *DynamoStore) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (Claim, error) {
	// A record can expire between a failed put and the read of it: then try again.
	for range 3 {
		now := s.now()
		tok := rand.Text()
		item := map[string]types.AttributeValue{
			attrKey:     str(key),
			attrState:   str(stateInProgress),
			attrToken:   str(tok),
			attrExpires: num(expiresAt(now, lease)),
		}
		if fingerprint != "" {
			item[attrFingerprint] = str(fingerprint)
		}
		_, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           aws.String(s.table),
			Item:                                item,
			ConditionExpression:                 aws.String("attribute_not_exists(#pk) OR #exp < :now"),
			ExpressionAttributeNames:            map[string]string{"#pk": attrKey, "#exp": attrExpires},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":now": num(now.Unix())},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return Claim{Key: key, Token: tok}, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return Claim{}, fmt.Errorf("queue: claim %q: %w", key, err)
		}
		item = ccf.Item
		if item == nil { // an endpoint that does not return the old item
			if item, err = s.get(ctx, key); err != nil {
				return Claim{}, err
			}
		}
		if item == nil || expired(item, s.now()) {
			continue
		}
		res, _ := item[attrResult].(*types.AttributeValueMemberB)
		var result []byte
		if res != nil {
			result = res.Value
		}
		return replay(key, dynamoitem.String(item, attrState) == stateDone, dynamoitem.String(item, attrFingerprint), fingerprint, result)
	}
	return Claim{}, fmt.Errorf("queue: claim %q: the record keeps changing: %w", key, ErrInProgress)
}

// get reads key's record with a strongly consistent read; nil if there is none.
func (s *DynamoStore) get(ctx context.Context, key string) (map[string]types.AttributeValue, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{attrKey: str(key)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("queue: read idempotency record %q: %w", key, err)
	}
	return out.Item, nil
}

func expired(item map[string]types.AttributeValue, now time.Time) bool {
	v, ok := item[attrExpires].(*types.AttributeValueMemberN)
	if !ok {
		return false
	}
	exp, err := strconv.ParseInt(v.Value, 10, 64)
	return err == nil && exp < now.Unix()
}

// Complete records the result of a held claim; see Store.
func (s *DynamoStore) Complete(ctx context.Context, c Claim, result []byte, retention time.Duration) error {
	if len(result) > MaxResultSize {
		return fmt.Errorf("queue: result of %d bytes is over %d", len(result), MaxResultSize)
	}
	values := map[string]types.AttributeValue{
		":done": str(stateDone), ":held": str(stateInProgress), ":tok": str(c.Token),
		":exp": num(expiresAt(s.now(), retention)),
	}
	update := "SET #state = :done, #exp = :exp REMOVE #result"
	if len(result) > 0 {
		update = "SET #state = :done, #exp = :exp, #result = :res"
		values[":res"] = &types.AttributeValueMemberB{Value: result}
	}
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 map[string]types.AttributeValue{attrKey: str(c.Key)},
		UpdateExpression:    aws.String(update),
		ConditionExpression: aws.String("#state = :held AND #token = :tok"),
		ExpressionAttributeNames: map[string]string{
			"#state": attrState, "#exp": attrExpires, "#result": attrResult, "#token": attrToken,
		},
		ExpressionAttributeValues: values,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return fmt.Errorf("queue: complete %q: %w", c.Key, ErrClaimLost)
	case err != nil:
		return fmt.Errorf("queue: complete %q: %w", c.Key, err)
	}
	return nil
}

// Release gives a held claim up; see Store.
func (s *DynamoStore) Release(ctx context.Context, c Claim) error {
	_, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{attrKey: str(c.Key)},
		ConditionExpression:       aws.String("#state = :held AND #token = :tok"),
		ExpressionAttributeNames:  map[string]string{"#state": attrState, "#token": attrToken},
		ExpressionAttributeValues: map[string]types.AttributeValue{":held": str(stateInProgress), ":tok": str(c.Token)},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) { // a claim no longer held has nothing to release
		return fmt.Errorf("queue: release %q: %w", c.Key, err)
	}
	return nil
}
