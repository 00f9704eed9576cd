package tasks

// Table design (TransitTable, string keys pk/sk, TTL on expires_at):
//
//	pk = TASK#<id>  sk = TASK          the task: date, created_at, cities_total, fan_out_error
//	pk = TASK#<id>  sk = CITY#<000042> one city's outcome: status, error, attempts, unchanged
//
// Access patterns: create a task (conditional put); read a task with all its
// cities (one Query on pk, paged); set cities_total once (conditional update);
// record a city (conditional put that never downgrades a succeeded city).
// Counts are derived from the city items when reading, not kept as counters,
// so that a redelivered message can never count a city twice.
// Tasks expire after 30 days.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamoitem"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// taskTTL is how long a task stays readable.
const taskTTL = 30 * 24 * time.Hour

// DynamoStore is the Store on a DynamoDB table.
type DynamoStore struct {
	db     *dynamodb.Client
	table  string
	now    func() time.Time
	outbox *outbox.Table // where Create records the task's fan-out (see WithOutbox)
}

// WithOutbox makes Create record each task's fan-out work (FanOutWork) in ob,
// in the same transaction as the task. The route that creates tasks needs it;
// the workers, which never create one, do not.
func (s *DynamoStore) WithOutbox(ob *outbox.Table) *DynamoStore {
	s.outbox = ob
	return s
}

// NewDynamoStore returns a Store on table.
func NewDynamoStore(db *dynamodb.Client, table string) *DynamoStore {
	return &DynamoStore{db: db, table: table, now: time.Now}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func taskKey(id string) string { return "TASK#" + id }
func cityKey(c int) string     { return fmt.Sprintf("CITY#%06d", c) }

// Create stores a new task, with its fan-out work when the store has an outbox.
func (s *DynamoStore) Create(ctx context.Context, t Task) error {
	put := &types.Put{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk": str(taskKey(t.ID)), "sk": str("TASK"), "date": str(t.Date),
			"created_at": str(t.CreatedAt.UTC().Format(time.RFC3339Nano)),
			"expires_at": num(t.CreatedAt.Add(taskTTL).Unix()),
		},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}
	var err error
	if s.outbox == nil {
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression})
	} else {
		var work outbox.Message
		if work, err = FanOutWork(ctx, t); err != nil {
			return err
		}
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{{Put: put}, s.outbox.Put(work)},
		})
	}
	if err != nil {
		return fmt.Errorf("create task %s: %w", t.ID, err)
	}
	return nil
}

// Get returns a task and its cities.
func (s *DynamoStore) Get(ctx context.Context, id string) (Task, []City, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(taskKey(id))},
		ConsistentRead:            aws.Bool(true),
	})
	var (
		t      Task
		found  bool
		cities []City
	)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return Task{}, nil, fmt.Errorf("read task %s: %w", id, err)
		}
		for _, it := range page.Items {
			if sk := dynamoitem.String(it, "sk"); sk == "TASK" {
				found = true
				t = Task{ID: id, Date: dynamoitem.String(it, "date"), CitiesTotal: -1,
					FanOutError: dynamoitem.String(it, "fan_out_error")}
				t.CreatedAt, _ = time.Parse(time.RFC3339Nano, dynamoitem.String(it, "created_at"))
				if _, ok := it["cities_total"]; ok {
					t.CitiesTotal = int(dynamoitem.Int(it, "cities_total"))
				}
			} else if strings.HasPrefix(sk, "CITY#") {
				cities = append(cities, City{
					City: int(dynamoitem.Int(it, "city")), Name: dynamoitem.String(it, "name"),
					Country: dynamoitem.String(it, "country"), Status: dynamoitem.String(it, "status"),
					Error: dynamoitem.String(it, "error"), Attempts: int(dynamoitem.Int(it, "attempts")),
					Unchanged: dynamoitem.String(it, "unchanged") == "true",
				})
			}
		}
	}
	if !found {
		return Task{}, nil, ErrNotFound
	}
	return t, cities, nil
}

// SetCitiesTotal records the number of cities; a redelivered fan-out sets it again to the same value.
func (s *DynamoStore) SetCitiesTotal(ctx context.Context, id string, total int) error {
	return s.update(ctx, id, "SET cities_total = :n", map[string]types.AttributeValue{":n": num(int64(total))}, "")
}

// FailFanOut records why the cities could not be listed.
func (s *DynamoStore) FailFanOut(ctx context.Context, id, reason string) error {
	return s.update(ctx, id, "SET fan_out_error = :e", map[string]types.AttributeValue{":e": str(reason)}, "")
}

// update applies expr to the task item if it exists (and extra holds, when
// set); ErrNotFound when the condition fails.
func (s *DynamoStore) update(ctx context.Context, id, expr string, vals map[string]types.AttributeValue, extra string) error {
	cond := "attribute_exists(pk)"
	if extra != "" {
		cond += " AND " + extra
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{"pk": str(taskKey(id)), "sk": str("TASK")},
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: vals,
	})
	var cf *types.ConditionalCheckFailedException
	if errors.As(err, &cf) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("update task %s: %w", id, err)
	}
	return nil
}

// RecordCity stores one city's outcome unless the city already succeeded.
func (s *DynamoStore) RecordCity(ctx context.Context, id string, c City) error {
	_, err := s.putCity(ctx, id, c, "attribute_not_exists(pk) OR #s <> :ok", nil)
	return err
}

// GiveUpCity stores a failed city unless it already succeeded or failed.
func (s *DynamoStore) GiveUpCity(ctx context.Context, id string, c City) (bool, error) {
	if _, _, err := s.Get(ctx, id); err != nil {
		return false, err
	}
	c.Status = CityFailed
	return s.putCity(ctx, id, c, "attribute_not_exists(pk) OR (#s <> :ok AND #s <> :failed)",
		map[string]types.AttributeValue{":failed": str(CityFailed)})
}

// GiveUpFanOut records the fan-out's failure unless one is recorded already.
func (s *DynamoStore) GiveUpFanOut(ctx context.Context, id, reason string) (bool, error) {
	if _, _, err := s.Get(ctx, id); err != nil {
		return false, err
	}
	err := s.update(ctx, id, "SET fan_out_error = :e", map[string]types.AttributeValue{":e": str(reason)},
		"attribute_not_exists(fan_out_error)")
	if errors.Is(err, ErrNotFound) {
		return false, nil // recorded already (the task exists: read above)
	}
	return err == nil, err
}

// putCity writes a city item if cond holds; a failed condition is no error.
func (s *DynamoStore) putCity(ctx context.Context, id string, c City, cond string, vals map[string]types.AttributeValue) (bool, error) {
	item := map[string]types.AttributeValue{
		"pk": str(taskKey(id)), "sk": str(cityKey(c.City)), "city": num(int64(c.City)),
		"name": str(c.Name), "country": str(c.Country), "status": str(c.Status),
		"attempts": num(int64(c.Attempts)), "unchanged": str(strconv.FormatBool(c.Unchanged)),
		"expires_at": num(s.now().Add(taskTTL).Unix()),
	}
	if c.Error != "" {
		item["error"] = str(c.Error)
	}
	values := map[string]types.AttributeValue{":ok": str(CitySucceeded)}
	for k, v := range vals {
		values[k] = v
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: values,
	})
	var cf *types.ConditionalCheckFailedException
	if errors.As(err, &cf) {
		return false, nil // already final: a late or repeated report changes nothing
	}
	if err != nil {
		return false, fmt.Errorf("record city %d of task %s: %w", c.City, id, err)
	}
	return true, nil
}
