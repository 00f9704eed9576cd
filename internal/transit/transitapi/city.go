package transitapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/access"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/transit"
	"github.com/mosaic-platform/mosaic/internal/transit/records"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// CityWorkerAccess is what NewCityWorker's handler calls on AWS. Tasks: a
// city's outcome (PutItem). Catalog: a city-day and its month's sums
// (GetItem), then a transaction putting both (PutItem). HeadObject and the
// (multipart) upload of the raw file, aborted when it fails; without
// s3:ListBucket a HEAD of a file not stored yet answers 403, not 404. A city
// out of time dead-letters itself. template.yaml grants exactly this
// (infra/iamcheck).
var CityWorkerAccess = access.List{
	access.On("TransitTable", "dynamodb:GetItem", "dynamodb:PutItem"),
	access.On("TransitBucket/raw/*", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"),
	access.On("TransitBucket", "s3:ListBucket"),
	access.On("TransitCityDeadLetterQueue", "sqs:SendMessage"),
}

// DefaultCityBudget is CITY_TIME_BUDGET's default.
const DefaultCityBudget = 10 * time.Minute

// NewCityWorker builds the SQS worker that ingests one city per message.
func NewCityWorker(_ context.Context, d function.Deps) (any, error) {
	e := newEnv(d)
	maxReceive := e.maxReceive()
	bucket, dlq := e.String("TRANSIT_BUCKET"), e.String("CITY_DEAD_LETTER_QUEUE_URL")
	tmp := e.StringOr("SPOOL_DIR", os.TempDir())
	budget := e.DurationOr("CITY_TIME_BUDGET", DefaultCityBudget)
	// Transient failures are retried within the delivery until the budget
	// is spent (the backoff caps at 10 s): the attempt count never binds first.
	ref, err := e.refClient(refclient.WithRetries(1_000_000, 500*time.Millisecond))
	if err != nil {
		return nil, err
	}
	w := &cityWorker{
		ingester: &transit.Ingester{Ref: ref, Bucket: transit.NewBucket(awsclients.S3(d.AWS), bucket),
			Catalog: e.catalog(), TempDir: tmp},
		tasks: e.tasks(nil), maxReceive: maxReceive, budget: budget,
	}
	return queue.Worker(w.handle, queue.WithDeadLetter(queue.NewSQSPublisher(awsclients.SQS(d.AWS), dlq))), nil
}

// cityWorker ingests one city per message and records its outcome in the task.
type cityWorker struct {
	ingester   *transit.Ingester
	tasks      transit.TaskStore
	maxReceive int
	// budget is the time one city may take, every attempt and retry
	// included, counted from the first delivery of its message: no attempt
	// runs past it, and a delivery that arrives after it fails the city at once.
	budget time.Duration // DefaultCityBudget when 0
}

// recordMargin is kept from the function's own deadline to record the
// outcome (a quarter of the time left, when that is shorter).
const recordMargin = 15 * time.Second

// handle processes one city message.
func (w *cityWorker) handle(ctx context.Context, m events.SQSMessage) error {
	var msg CityMessage
	if err := json.Unmarshal([]byte(m.Body), &msg); err != nil || msg.TaskID == "" {
		return queue.Permanent(fmt.Errorf("decode city message: %v", err))
	}
	attempt := receiveCount(m)
	c := transit.City{City: msg.City.ID, Name: msg.City.Name, Country: msg.City.Country, Attempts: attempt}
	budget := w.budget
	if budget <= 0 {
		budget = DefaultCityBudget
	}
	budgetEnd := firstReceive(m, time.Now()).Add(budget)
	if !time.Now().Before(budgetEnd) {
		return w.fail(ctx, msg.TaskID, c, queue.Permanent(fmt.Errorf("the city's time budget of %v was spent before delivery %d could start", budget, attempt)))
	}
	// The attempt stops at the budget's end, or in time to record its outcome
	// before the function's own deadline, whichever comes first.
	end, budgetBinds := budgetEnd, true
	if d, ok := ctx.Deadline(); ok {
		stop := d.Add(-min(recordMargin, time.Until(d)/4))
		if stop.Before(end) {
			end, budgetBinds = stop, false
		}
	}
	actx, cancel := context.WithDeadline(ctx, end)
	res, err := w.ingester.City(actx, msg.Date, msg.City)
	cancel()
	if err == nil {
		c.Status, c.Unchanged = transit.CitySucceeded, res.Unchanged
		if res.Unchanged {
			obs.Count(ctx, "CitiesUnchanged", 1)
		}
		return w.tasks.RecordCity(ctx, msg.TaskID, c)
	}
	budgetSpent := budgetBinds && (errors.Is(err, refclient.ErrBudgetSpent) || !time.Now().Before(end))
	switch {
	case errors.Is(err, records.ErrMalformed): // the same bytes would fail again
		return w.fail(ctx, msg.TaskID, c, queue.Permanent(err))
	case refclient.IsPermanent(err): // a 4xx: asking again gets the same answer
		return w.fail(ctx, msg.TaskID, c, queue.Permanent(err))
	case budgetSpent:
		return w.fail(ctx, msg.TaskID, c, queue.Permanent(fmt.Errorf("gave up when the city's time budget of %v was spent: %w", budget, err)))
	case !time.Now().Before(end): // the function's own deadline: a later delivery may have time
		err = fmt.Errorf("stopped in time to record it before the function's timeout: %w", err)
	}
	if attempt >= w.maxReceive {
		return w.fail(ctx, msg.TaskID, c, err)
	}
	c.Status, c.Error = transit.CityRetrying, err.Error()
	if rerr := w.tasks.RecordCity(ctx, msg.TaskID, c); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// fail records c as failed for good with err, and returns err (marked
// Permanent by the caller when the queue should dead-letter it at once).
func (w *cityWorker) fail(ctx context.Context, taskID string, c transit.City, err error) error {
	c.Status, c.Error = transit.CityFailed, err.Error()
	if rerr := w.tasks.RecordCity(ctx, taskID, c); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
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
