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
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
)

// Attribute names and states of an idempotency record.
const (
	attrKey         = "pk"
	attrState       = "state"
	attrToken       = "token"
	attrResult      = "result"
	attrExpires     = "expires_at"
	stateInProgress = "in_progress"
	stateDone       = "done"
)

// record is an idempotency record as stored.
type record struct {
	Key         string `dynamodbav:"pk"`
	State       string `dynamodbav:"state"`
	Token       string `dynamodbav:"token,omitempty"`
	Fingerprint string `dynamodbav:"fingerprint,omitempty"`
	Result      []byte `dynamodbav:"result,omitempty"`
	Expires     int64  `dynamodbav:"expires_at"`
}

// DynamoStore is a Store in a DynamoDB table of the shape above.
type DynamoStore struct {
	Now func() time.Time // the clock; nil is time.Now

	api   dynamo.API
	table string
}

// NewDynamoStore returns a store in table; client is typically a *dynamodb.Client.
func NewDynamoStore(client dynamo.API, table string) *DynamoStore {
	return &DynamoStore{api: client, table: table}
}

func (s *DynamoStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func keyOf(key string) dynamo.Item { return dynamo.Values(map[string]any{attrKey: key}) }

// Claim takes key for lease unless it is held or done; see Store.
func (s *DynamoStore) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (Claim, error) {
	// A record can expire between a failed put and the read of it: then try again.
	for range 3 {
		now := s.now()
		tok := rand.Text()
		item, err := dynamo.Marshal(record{Key: key, State: stateInProgress, Token: tok, Fingerprint: fingerprint, Expires: expiresAt(now, lease)})
		if err != nil {
			return Claim{}, err
		}
		_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           aws.String(s.table),
			Item:                                item,
			ConditionExpression:                 aws.String("attribute_not_exists(#pk) OR #exp < :now"),
			ExpressionAttributeNames:            map[string]string{"#pk": attrKey, "#exp": attrExpires},
			ExpressionAttributeValues:           dynamo.Values(map[string]any{":now": now.Unix()}),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return Claim{Key: key, Token: tok}, nil
		}
		old, err := s.oldRecord(ctx, key, err)
		if err != nil {
			return Claim{}, err
		}
		if old == nil || old.Expires < s.now().Unix() {
			continue
		}
		return replay(key, old.State == stateDone, old.Fingerprint, fingerprint, old.Result)
	}
	return Claim{}, fmt.Errorf("queue: claim %q: the record keeps changing: %w", key, ErrInProgress)
}

// oldRecord returns the record that failed a put's condition (read again when
// the endpoint did not return it; nil when gone), or err when the put failed otherwise.
func (s *DynamoStore) oldRecord(ctx context.Context, key string, err error) (*record, error) {
	if !dynamo.IsConditionFailed(err) {
		return nil, fmt.Errorf("queue: claim %q: %w", key, err)
	}
	item := dynamo.OldItem(err)
	if item == nil { // an endpoint that does not return the old item
		out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(s.table), Key: keyOf(key), ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return nil, fmt.Errorf("queue: read idempotency record %q: %w", key, err)
		}
		if item = out.Item; item == nil {
			return nil, nil
		}
	}
	var r record
	if err := dynamo.Unmarshal(item, &r); err != nil {
		return nil, fmt.Errorf("queue: read idempotency record %q: %w", key, err)
	}
	return &r, nil
}

// Complete records the result of a held claim; see Store.
func (s *DynamoStore) Complete(ctx context.Context, c Claim, result []byte, retention time.Duration) error {
	if len(result) > MaxResultSize {
		return fmt.Errorf("queue: result of %d bytes is over %d", len(result), MaxResultSize)
	}
	values := map[string]any{
		":done": stateDone, ":held": stateInProgress, ":tok": c.Token, ":exp": expiresAt(s.now(), retention),
	}
	update := "SET #state = :done, #exp = :exp REMOVE #result"
	if len(result) > 0 {
		update = "SET #state = :done, #exp = :exp, #result = :res"
		values[":res"] = result
	}
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 keyOf(c.Key),
		UpdateExpression:    aws.String(update),
		ConditionExpression: aws.String("#state = :held AND #token = :tok"),
		ExpressionAttributeNames: map[string]string{
			"#state": attrState, "#exp": attrExpires, "#result": attrResult, "#token": attrToken,
		},
		ExpressionAttributeValues: dynamo.Values(values),
	})
	switch {
	case dynamo.IsConditionFailed(err):
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
		Key:                       keyOf(c.Key),
		ConditionExpression:       aws.String("#state = :held AND #token = :tok"),
		ExpressionAttributeNames:  map[string]string{"#state": attrState, "#token": attrToken},
		ExpressionAttributeValues: dynamo.Values(map[string]any{":held": stateInProgress, ":tok": c.Token}),
	})
	if err != nil && !dynamo.IsConditionFailed(err) { // a claim no longer held has nothing to release
		return fmt.Errorf("queue: release %q: %w", c.Key, err)
	}
	return nil
}

// replay answers a claim on a key whose record is live.
func replay(key string, done bool, stored, given string, result []byte) (Claim, error) {
	if stored != given {
		return Claim{}, fmt.Errorf("claim %q: %w", key, ErrKeyReused)
	}
	if !done {
		return Claim{}, fmt.Errorf("claim %q: %w", key, ErrInProgress)
	}
	if result == nil {
		result = []byte{}
	}
	return Claim{Key: key, Replay: true, Result: slices.Clone(result)}, nil
}

// expiresAt is now+d in epoch seconds, rounded up: DynamoDB TTL's unit.
func expiresAt(now time.Time, d time.Duration) int64 {
	return now.Add(d + time.Second - 1).Unix()
}
