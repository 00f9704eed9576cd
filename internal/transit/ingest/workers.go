package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/transit/catalog"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
	"github.com/mosaic-platform/mosaic/internal/transit/tasks"
)

// CityMessage asks the city worker to ingest one city of a task.
type CityMessage struct {
	TaskID string         `json:"task_id"`
	Date   string         `json:"date"`
	City   refclient.City `json:"city"`
}

// BatchPublisher sends many messages at once; *queue.SQSPublisher is one.
type BatchPublisher interface {
	PublishBatch(ctx context.Context, msgs []queue.Message) error
}

// Countries records the country names the reference server lists.
type Countries interface {
	AddCountries(ctx context.Context, names []string) error
}

// FanOut lists a task's cities and queues one message per city.
type FanOut struct {
	Ref        *refclient.Client
	Tasks      tasks.Store
	Countries  Countries
	Cities     BatchPublisher
	MaxReceive int // the queue's maxReceiveCount: the last delivery records the failure
}

// Handle processes one fan-out message.
func (f *FanOut) Handle(ctx context.Context, m events.SQSMessage) error {
	var msg tasks.FanOutMessage
	if err := json.Unmarshal([]byte(m.Body), &msg); err != nil || msg.TaskID == "" {
		return queue.Permanent(fmt.Errorf("decode fan-out message: %v", err))
	}
	// A fan-out already failed (a refused city list, say) stays failed: a
	// redelivery of its message must not list the cities again.
	task, _, err := f.Tasks.Get(ctx, msg.TaskID)
	if errors.Is(err, tasks.ErrNotFound) {
		return queue.Permanent(err)
	}
	if err != nil {
		return err
	}
	if task.FanOutError != "" {
		return nil
	}
	cities, err := f.Ref.Cities(ctx)
	if err != nil {
		if !refclient.IsTransient(err) || receiveCount(m) >= f.MaxReceive {
			if ferr := f.Tasks.FailFanOut(ctx, msg.TaskID, "list cities: "+err.Error()); ferr != nil {
				return errors.Join(err, ferr)
			}
		}
		if !refclient.IsTransient(err) {
			return queue.Permanent(err)
		}
		return err
	}
	names := make([]string, 0, len(cities))
	batch := make([]queue.Message, 0, len(cities))
	for _, c := range cities {
		names = append(names, c.Country)
		batch = append(batch, queue.Message{Body: CityMessage{TaskID: msg.TaskID, Date: msg.Date, City: c}})
	}
	if err := f.Countries.AddCountries(ctx, names); err != nil {
		return err
	}
	if err := f.Tasks.SetCitiesTotal(ctx, msg.TaskID, len(cities)); err != nil {
		return err
	}
	// A redelivery queues the cities again; the city worker is idempotent.
	if err := f.Cities.PublishBatch(ctx, batch); err != nil {
		return fmt.Errorf("queue cities of task %s: %w", msg.TaskID, err)
	}
	obs.Count(ctx, "CitiesQueued", len(cities))
	return nil
}

// CityWorker ingests one city per message and records its outcome in the task.
type CityWorker struct {
	Ingester   *Ingester
	Tasks      tasks.Store
	MaxReceive int
	// Budget is the time one city may take, every attempt and retry
	// included, counted from the first delivery of its message: no attempt
	// runs past it, and a delivery that arrives after it fails the city at once.
	Budget time.Duration
	Now    func() time.Time
}

// recordMargin is kept from the function's own deadline to record the
// outcome (a quarter of the time left, when that is shorter).
const recordMargin = 15 * time.Second

// Handle processes one city message.
func (w *CityWorker) Handle(ctx context.Context, m events.SQSMessage) error {
	var msg CityMessage
	if err := json.Unmarshal([]byte(m.Body), &msg); err != nil || msg.TaskID == "" {
		return queue.Permanent(fmt.Errorf("decode city message: %v", err))
	}
	attempt := receiveCount(m)
	c := tasks.City{City: msg.City.ID, Name: msg.City.Name, Country: msg.City.Country, Attempts: attempt}
	budget := w.Budget
	if budget <= 0 {
		budget = DefaultCityBudget
	}
	budgetEnd := firstReceive(m, w.now()).Add(budget)
	if !w.now().Before(budgetEnd) {
		return w.fail(ctx, msg.TaskID, c, queue.Permanent(fmt.Errorf("the city's time budget of %v was spent before delivery %d could start", budget, attempt)))
	}
	// The attempt stops at the budget's end, or in time to record its outcome
	// before the function's own deadline, whichever comes first.
	end, budgetBinds := budgetEnd, true
	if d, ok := ctx.Deadline(); ok {
		stop := d.Add(-min(recordMargin, d.Sub(w.now())/4))
		if stop.Before(end) {
			end, budgetBinds = stop, false
		}
	}
	actx, cancel := context.WithDeadline(ctx, end)
	res, err := w.Ingester.City(actx, msg.Date, msg.City)
	cancel()
	if err == nil {
		c.Status, c.Unchanged = tasks.CitySucceeded, res.Unchanged
		if res.Unchanged {
			obs.Count(ctx, "CitiesUnchanged", 1)
		}
		return w.Tasks.RecordCity(ctx, msg.TaskID, c)
	}
	budgetSpent := budgetBinds && (errors.Is(err, refclient.ErrBudgetSpent) || !w.now().Before(end))
	switch {
	case errors.Is(err, ErrMalformed): // the same bytes would fail again
		return w.fail(ctx, msg.TaskID, c, queue.Permanent(err))
	case refclient.IsPermanent(err): // a 4xx: asking again gets the same answer
		return w.fail(ctx, msg.TaskID, c, queue.Permanent(err))
	case budgetSpent:
		return w.fail(ctx, msg.TaskID, c, queue.Permanent(fmt.Errorf("gave up when the city's time budget of %v was spent: %w", budget, err)))
	case !w.now().Before(end): // the function's own deadline: a later delivery may have time
		err = fmt.Errorf("stopped in time to record it before the function's timeout: %w", err)
	}
	if attempt >= w.MaxReceive {
		return w.fail(ctx, msg.TaskID, c, err)
	}
	c.Status, c.Error = tasks.CityRetrying, err.Error()
	if rerr := w.Tasks.RecordCity(ctx, msg.TaskID, c); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// fail records c as failed for good with err, and returns err (marked
// Permanent by the caller when the queue should dead-letter it at once).
func (w *CityWorker) fail(ctx context.Context, taskID string, c tasks.City, err error) error {
	c.Status, c.Error = tasks.CityFailed, err.Error()
	if rerr := w.Tasks.RecordCity(ctx, taskID, c); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

func (w *CityWorker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func receiveCount(m events.SQSMessage) int {
	n, err := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// firstReceive is when the queue first delivered m (SQS's
// ApproximateFirstReceiveTimestamp, in milliseconds), or now when it is unknown.
func firstReceive(m events.SQSMessage, now time.Time) time.Time {
	ms, err := strconv.ParseInt(m.Attributes["ApproximateFirstReceiveTimestamp"], 10, 64)
	if err != nil || ms <= 0 {
		return now
	}
	return time.UnixMilli(ms)
}

// workerConfig is what both workers read from the environment.
type workerConfig struct {
	table, refURL string
	maxReceive    int
}

func readWorkerConfig(l *config.Loader) workerConfig {
	return workerConfig{
		table:      l.String("TRANSIT_TABLE"),
		refURL:     l.String("REFERENCE_SERVER_URL"),
		maxReceive: l.IntOr("MAX_RECEIVE_COUNT", 3, 1, 1000),
	}
}

// DefaultCityBudget is CITY_TIME_BUDGET's default.
const DefaultCityBudget = 10 * time.Minute

// NewFanOutWorker builds the SQS worker that lists a task's cities.
func NewFanOutWorker(_ context.Context, d function.Deps) (any, error) {
	l := config.New(d.Env)
	wc := readWorkerConfig(l)
	cityQueue := l.String("CITY_QUEUE_URL")
	if err := l.Err(); err != nil {
		return nil, err
	}
	ref, err := refclient.New(wc.refURL)
	if err != nil {
		return nil, fmt.Errorf("REFERENCE_SERVER_URL: %w", err)
	}
	db := awsclients.DynamoDB(d.AWS)
	f := &FanOut{Ref: ref, Tasks: tasks.NewDynamoStore(db, wc.table), Countries: catalog.New(db, wc.table),
		Cities: queue.NewSQSPublisher(awsclients.SQS(d.AWS), cityQueue), MaxReceive: wc.maxReceive}
	return queue.Worker(f.Handle), nil
}

// NewCityWorker builds the SQS worker that ingests one city per message.
func NewCityWorker(_ context.Context, d function.Deps) (any, error) {
	l := config.New(d.Env)
	wc := readWorkerConfig(l)
	bucket, dlq := l.String("TRANSIT_BUCKET"), l.String("CITY_DEAD_LETTER_QUEUE_URL")
	tmp := l.StringOr("SPOOL_DIR", os.TempDir())
	budget := l.DurationOr("CITY_TIME_BUDGET", DefaultCityBudget)
	if err := l.Err(); err != nil {
		return nil, err
	}
	// Transient failures are retried within the delivery until the budget
	// is spent (the backoff caps at 10 s): the attempt count never binds first.
	ref, err := refclient.New(wc.refURL, refclient.WithRetries(1_000_000, 500*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("REFERENCE_SERVER_URL: %w", err)
	}
	db := awsclients.DynamoDB(d.AWS)
	w := &CityWorker{
		Ingester: &Ingester{Ref: ref, Objects: NewS3Objects(awsclients.S3(d.AWS), bucket),
			Days: catalog.New(db, wc.table), TempDir: tmp},
		Tasks: tasks.NewDynamoStore(db, wc.table), MaxReceive: wc.maxReceive, Budget: budget,
	}
	sqsClient := awsclients.SQS(d.AWS)
	return queue.Worker(w.Handle, queue.WithDeadLetter(queue.NewSQSPublisher(sqsClient, dlq))), nil
}
