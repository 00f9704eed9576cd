package transit

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

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// taskTTL is how long a task stays readable.
const taskTTL = 30 * 24 * time.Hour

// TaskTable is the TaskStore on a DynamoDB table.
type TaskTable struct {
	db     dynamo.API
	table  string
	now    func() time.Time
	outbox *outbox.Table // where Create records the task's fan-out, when set
}

// NewTaskTable returns a TaskStore on table. With an outbox, Create records
// each task's fan-out work (FanOutWork) in it, in the same transaction as the
// task: the route that creates tasks needs it; the workers, which never
// create one, pass nil.
func NewTaskTable(db dynamo.API, table string, ob *outbox.Table) *TaskTable {
	return &TaskTable{db: db, table: table, now: time.Now, outbox: ob}
}

func taskKey(id string) dynamo.Item {
	return dynamo.Values(map[string]any{"pk": "TASK#" + id, "sk": "TASK"})
}

// Create stores a new task, with its fan-out work when the store has an outbox.
func (s *TaskTable) Create(ctx context.Context, t Task) error {
	put := &types.Put{
		TableName: aws.String(s.table),
		Item: dynamo.Values(map[string]any{
			"pk": "TASK#" + t.ID, "sk": "TASK", "date": t.Date,
			"created_at": t.CreatedAt.UTC().Format(time.RFC3339Nano),
			"expires_at": t.CreatedAt.Add(taskTTL).Unix(),
		}),
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

// storedItem reads either kind of item (see the table design).
type storedItem struct {
	SK          string `dynamodbav:"sk"`
	Date        string `dynamodbav:"date"`
	CreatedAt   string `dynamodbav:"created_at"`
	CitiesTotal *int   `dynamodbav:"cities_total"`
	FanOutError string `dynamodbav:"fan_out_error"`
	City        int    `dynamodbav:"city"`
	Name        string `dynamodbav:"name"`
	Country     string `dynamodbav:"country"`
	Status      string `dynamodbav:"status"`
	Error       string `dynamodbav:"error"`
	Attempts    int    `dynamodbav:"attempts"`
	Unchanged   string `dynamodbav:"unchanged"` // "true" or "false"
}

// Get returns a task and its cities.
func (s *TaskTable) Get(ctx context.Context, id string) (Task, []City, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: dynamo.Values(map[string]any{":pk": "TASK#" + id}),
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
			var r storedItem
			if err := dynamo.Unmarshal(it, &r); err != nil {
				return Task{}, nil, fmt.Errorf("read task %s: %w", id, err)
			}
			if r.SK == "TASK" {
				found = true
				t = Task{ID: id, Date: r.Date, CitiesTotal: -1, FanOutError: r.FanOutError}
				t.CreatedAt, _ = time.Parse(time.RFC3339Nano, r.CreatedAt)
				if r.CitiesTotal != nil {
					t.CitiesTotal = *r.CitiesTotal
				}
			} else if strings.HasPrefix(r.SK, "CITY#") {
				cities = append(cities, City{City: r.City, Name: r.Name, Country: r.Country, Status: r.Status,
					Error: r.Error, Attempts: r.Attempts, Unchanged: r.Unchanged == "true"})
			}
		}
	}
	if !found {
		return Task{}, nil, ErrNotFound
	}
	return t, cities, nil
}

// SetCitiesTotal records the number of cities; a redelivered fan-out sets it again to the same value.
func (s *TaskTable) SetCitiesTotal(ctx context.Context, id string, total int) error {
	return s.update(ctx, id, "SET cities_total = :n", map[string]any{":n": total}, "")
}

// FailFanOut records why the cities could not be listed.
func (s *TaskTable) FailFanOut(ctx context.Context, id, reason string) error {
	return s.update(ctx, id, "SET fan_out_error = :e", map[string]any{":e": reason}, "")
}

// update applies expr to the task item if it exists (and extra holds, when
// set); ErrNotFound when the condition fails.
func (s *TaskTable) update(ctx context.Context, id, expr string, vals map[string]any, extra string) error {
	cond := "attribute_exists(pk)"
	if extra != "" {
		cond += " AND " + extra
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       taskKey(id),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: dynamo.Values(vals),
	})
	if dynamo.IsConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("update task %s: %w", id, err)
	}
	return nil
}

// RecordCity stores one city's outcome unless the city already succeeded.
func (s *TaskTable) RecordCity(ctx context.Context, id string, c City) error {
	_, err := s.putCity(ctx, id, c, "attribute_not_exists(pk) OR #s <> :ok", nil)
	return err
}

// GiveUpCity stores a failed city unless it already succeeded or failed.
func (s *TaskTable) GiveUpCity(ctx context.Context, id string, c City) (bool, error) {
	if _, _, err := s.Get(ctx, id); err != nil {
		return false, err
	}
	c.Status = CityFailed
	return s.putCity(ctx, id, c, "attribute_not_exists(pk) OR (#s <> :ok AND #s <> :failed)", map[string]any{":failed": CityFailed})
}

// GiveUpFanOut records the fan-out's failure unless one is recorded already.
func (s *TaskTable) GiveUpFanOut(ctx context.Context, id, reason string) (bool, error) {
	if _, _, err := s.Get(ctx, id); err != nil {
		return false, err
	}
	err := s.update(ctx, id, "SET fan_out_error = :e", map[string]any{":e": reason}, "attribute_not_exists(fan_out_error)")
	if errors.Is(err, ErrNotFound) {
		return false, nil // recorded already (the task exists: read above)
	}
	return err == nil, err
}

// putCity writes a city item if cond holds; a failed condition is no error.
func (s *TaskTable) putCity(ctx context.Context, id string, c City, cond string, vals map[string]any) (bool, error) {
	item := map[string]any{
		"pk": "TASK#" + id, "sk": fmt.Sprintf("CITY#%06d", c.City), "city": c.City,
		"name": c.Name, "country": c.Country, "status": c.Status,
		"attempts": c.Attempts, "unchanged": strconv.FormatBool(c.Unchanged),
		"expires_at": s.now().Add(taskTTL).Unix(),
	}
	if c.Error != "" {
		item["error"] = c.Error
	}
	values := map[string]any{":ok": CitySucceeded}
	for k, v := range vals {
		values[k] = v
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      dynamo.Values(item),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: dynamo.Values(values),
	})
	if dynamo.IsConditionFailed(err) {
		return false, nil // already final: a late or repeated report changes nothing
	}
	if err != nil {
		return false, fmt.Errorf("record city %d of task %s: %w", c.City, id, err)
	}
	return true, nil
}
