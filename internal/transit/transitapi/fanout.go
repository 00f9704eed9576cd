package transitapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/access"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/transit"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// FanOutWorkerAccess is what NewFanOutWorker's handler calls on AWS: the
// task (Query), its cities_total or a refused list's reason (UpdateItem); the
// country list (BatchWriteItem); one message per city. template.yaml grants
// exactly this (infra/iamcheck).
var FanOutWorkerAccess = access.List{
	access.On("TransitTable", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"),
	access.On("TransitCityQueue", "sqs:SendMessage"),
}

// NewFanOutWorker builds the SQS worker that lists a task's cities.
func NewFanOutWorker(_ context.Context, d function.Deps) (any, error) {
	e := newEnv(d)
	maxReceive, cityQueue := e.maxReceive(), e.String("CITY_QUEUE_URL")
	ref, err := e.refClient()
	if err != nil {
		return nil, err
	}
	f := &fanOut{ref: ref, tasks: e.tasks(nil), catalog: e.catalog(),
		cities: queue.NewSQSPublisher(awsclients.SQS(d.AWS), cityQueue), maxReceive: maxReceive}
	return queue.Worker(f.handle), nil
}

// CityMessage asks the city worker to ingest one city of a task.
type CityMessage struct {
	TaskID string         `json:"task_id"`
	Date   string         `json:"date"`
	City   refclient.City `json:"city"`
}

// batchPublisher sends many messages at once; *queue.SQSPublisher is one.
type batchPublisher interface {
	PublishBatch(ctx context.Context, msgs []queue.Message) error
}

// fanOut lists a task's cities and queues one message per city.
type fanOut struct {
	ref        *refclient.Client
	tasks      transit.TaskStore
	catalog    *transit.Catalog // where the countries listed are recorded
	cities     batchPublisher
	maxReceive int // the queue's maxReceiveCount: the last delivery records the failure
}

// handle processes one fan-out message.
func (f *fanOut) handle(ctx context.Context, m events.SQSMessage) error {
	var msg transit.FanOutMessage
	if err := json.Unmarshal([]byte(m.Body), &msg); err != nil || msg.TaskID == "" {
		return queue.Permanent(fmt.Errorf("decode fan-out message: %v", err))
	}
	// A fan-out already failed (a refused city list, say) stays failed: a
	// redelivery of its message must not list the cities again.
	task, _, err := f.tasks.Get(ctx, msg.TaskID)
	if errors.Is(err, transit.ErrNotFound) {
		return queue.Permanent(err)
	}
	if err != nil {
		return err
	}
	if task.FanOutError != "" {
		return nil
	}
	cities, err := f.ref.Cities(ctx)
	if err != nil {
		if !refclient.IsTransient(err) || receiveCount(m) >= f.maxReceive {
			if ferr := f.tasks.FailFanOut(ctx, msg.TaskID, "list cities: "+err.Error()); ferr != nil {
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
	if err := f.catalog.AddCountries(ctx, names); err != nil {
		return err
	}
	if err := f.tasks.SetCitiesTotal(ctx, msg.TaskID, len(cities)); err != nil {
		return err
	}
	// A redelivery queues the cities again; the city worker is idempotent.
	if err := f.cities.PublishBatch(ctx, batch); err != nil {
		return fmt.Errorf("queue cities of task %s: %w", msg.TaskID, err)
	}
	obs.Count(ctx, "CitiesQueued", len(cities))
	return nil
}
