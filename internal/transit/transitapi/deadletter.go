package transitapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/access"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/transit"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// DeadLetterWorkerAccess is what NewDeadLetterWorker's handler calls on AWS;
// template.yaml grants exactly this (infra/iamcheck).
var DeadLetterWorkerAccess = access.List{access.On("TransitTable", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem")}

// NewDeadLetterWorker builds the SQS worker on the transit dead-letter queues.
func NewDeadLetterWorker(_ context.Context, d function.Deps) (any, error) {
	e := newEnv(d)
	dl := &deadLetters{maxReceive: e.maxReceive(), cityQueueARN: e.String("CITY_DEAD_LETTER_QUEUE_ARN")}
	if err := e.Err(); err != nil {
		return nil, err
	}
	dl.tasks = e.tasks(nil)
	return queue.Worker(dl.handle), nil
}

// deadLetters consumes the fan-out and city dead-letter queues and records in
// the task what the queues gave up on. The workers record a failure
// themselves when their last delivery returns an error, but a delivery that
// never returns (Lambda timeout, out of memory, crash) leaves the city
// "retrying", or the task "queued", for ever: the dead letter is then the only
// trace, and this consumer turns it into the task's failure report.
//
// It is idempotent: a city that already has a final outcome (succeeded, or
// failed with its own error) and a fan-out whose failure is recorded are left
// as they are, so a redelivered dead letter changes nothing and a late
// success is never downgraded. A message is deleted only once it is recorded:
// a store error leaves it in the dead-letter queue for another try
// (ReportBatchItemFailures), and one that cannot be recorded (an unreadable
// body, an unknown task) fails too, so that the dead-letter queue's own
// redrive policy moves it to TransitUnrecordedDeadLetterQueue, which alarms.
type deadLetters struct {
	tasks transit.TaskStore
	// maxReceive is the source queues' maxReceiveCount: how many deliveries
	// a message had when it was dead-lettered by the redrive policy.
	maxReceive int
	// cityQueueARN is the city dead-letter queue's ARN: the DeadLetters
	// metric counts its messages under Queue=city, any other under
	// Queue=fan-out (by the body's shape when it is empty).
	cityQueueARN string
}

// deadLetter is either a CityMessage (City set) or a transit.FanOutMessage.
type deadLetter struct {
	TaskID string          `json:"task_id"`
	Date   string          `json:"date"`
	City   *refclient.City `json:"city"`
}

// handle records one dead-lettered message. Every message received counts
// once in the DeadLetters metric (dimension Queue: city or fan-out), which
// the dead-letter alarms watch: the queues themselves are emptied by this
// consumer, so their depth no longer says that something was dead-lettered.
func (d *deadLetters) handle(ctx context.Context, m events.SQSMessage) error {
	log := obs.Logger(ctx)
	var msg deadLetter
	err := json.Unmarshal([]byte(m.Body), &msg)
	kind := "fan-out"
	if (d.cityQueueARN != "" && m.EventSourceARN == d.cityQueueARN) || (d.cityQueueARN == "" && msg.City != nil) {
		kind = "city"
	}
	obs.Count(ctx, "DeadLetters", 1, obs.Dimension{Name: "Queue", Value: kind})
	if err != nil || msg.TaskID == "" {
		log.ErrorContext(ctx, "dead letter is no transit message: nothing to record it in",
			"body", truncateBody(m.Body), "queue", m.EventSourceARN)
		return queue.Permanent(fmt.Errorf("dead letter is no transit message: %v", err))
	}
	task, cities, err := d.tasks.Get(ctx, msg.TaskID)
	if errors.Is(err, transit.ErrNotFound) {
		return queue.Permanent(fmt.Errorf("dead letter of task %s, which does not exist: %w", msg.TaskID, err))
	}
	if err != nil {
		return err
	}
	if msg.City != nil {
		return d.recordCity(ctx, m, msg, cities)
	}
	return d.recordFanOut(ctx, m, msg, task, cities)
}

func (d *deadLetters) recordCity(ctx context.Context, m events.SQSMessage, msg deadLetter, cities []transit.City) error {
	var prev transit.City
	for _, c := range cities {
		if c.City == msg.City.ID {
			prev = c
		}
	}
	c := transit.City{City: msg.City.ID, Name: msg.City.Name, Country: msg.City.Country,
		Error: d.reason(m, prev.Attempts, prev.Error), Attempts: max(prev.Attempts, d.maxReceive)}
	if attribute(m, "dead_letter_reason") != "" {
		c.Attempts = max(prev.Attempts, 1) // dead-lettered by the worker itself, at once
	}
	wrote, err := d.tasks.GiveUpCity(ctx, msg.TaskID, c)
	if err != nil {
		return err
	}
	d.logOutcome(ctx, wrote, "task_id", msg.TaskID, "city", msg.City.ID, "error", c.Error)
	return nil
}

func (d *deadLetters) recordFanOut(ctx context.Context, m events.SQSMessage, msg deadLetter, task transit.Task, cities []transit.City) error {
	if task.FanOutError != "" {
		d.logOutcome(ctx, false, "task_id", msg.TaskID)
		return nil
	}
	switch transit.NewReport(task, cities).Status {
	case transit.StatusSucceeded, transit.StatusPartial, transit.StatusFailed:
		d.logOutcome(ctx, false, "task_id", msg.TaskID) // finished: every city has its outcome
		return nil
	}
	step := "list cities: "
	if task.CitiesTotal >= 0 {
		step = "queue cities: " // listed, but the cities may not all have been queued
	}
	reason := step + d.reason(m, 0, "")
	wrote, err := d.tasks.GiveUpFanOut(ctx, msg.TaskID, reason)
	if err != nil {
		return err
	}
	d.logOutcome(ctx, wrote, "task_id", msg.TaskID, "error", reason)
	return nil
}

// reason explains why the message was given up on. A worker that sends a
// message to the dead-letter queue itself says why in the dead_letter_reason
// attribute; otherwise the redrive policy moved it after MaxReceive
// deliveries, the last of which never reported (the worker records the
// failure of a delivery that returns).
func (d *deadLetters) reason(m events.SQSMessage, lastAttempt int, lastError string) string {
	if r := attribute(m, "dead_letter_reason"); r != "" {
		return "failed permanently: " + r
	}
	s := fmt.Sprintf("gave up after %d deliveries; the last one recorded no result (timeout, out of memory or crash)", d.maxReceive)
	if lastError != "" {
		s += fmt.Sprintf("; delivery %d failed with: %s", lastAttempt, lastError)
	}
	return s
}

func (d *deadLetters) logOutcome(ctx context.Context, wrote bool, attrs ...any) {
	if wrote {
		obs.Logger(ctx).WarnContext(ctx, "dead letter recorded as a failure in its task", attrs...)
		return
	}
	obs.Logger(ctx).InfoContext(ctx, "dead letter already has its outcome in the task; nothing to record", attrs...)
}

func attribute(m events.SQSMessage, name string) string {
	if a, ok := m.MessageAttributes[name]; ok && a.StringValue != nil {
		return *a.StringValue
	}
	return ""
}

func truncateBody(s string) string {
	const limit = 2048
	if len(s) <= limit {
		return s
	}
	return strings.ToValidUTF8(s[:limit], "") + "…"
}
