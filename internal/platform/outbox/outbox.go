// Package outbox makes a state change and the queue message it triggers one
// write: the message is recorded as an entry of the outbox table in the same
// DynamoDB transaction as the change, then sent at once (best effort) and
// deleted once SQS has it. A relay function, run on a schedule, sends again
// every entry still there after its grace period, until SQS takes it. A process
// killed between the two writes therefore loses nothing: the entry outlives it.
//
// Delivery is at least once: a process killed after SQS took a message but
// before the entry was deleted sends it twice, so consumers must be idempotent
// (every Mosaic worker is).
//
// The table (OutboxTable in template.yaml) has this shape:
//
//	partition key  id          S  the entry's id (random)
//	attributes     queue       S  the destination's name ("moderation", "transit-fan-out")
//	               body        S  the message body, JSON
//	               due_at      S  fixed-width RFC 3339 UTC: when the relay may send it
//	               created_at  S  RFC 3339 UTC
//	               request_id  S  the request that recorded it (absent when none)
//
// Access patterns: a writer adds an entry with a Put in its own
// TransactWriteItems; delivery deletes it by key; the relay scans for entries
// due (the table holds only undelivered work, so it stays small).
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// Grace is how long the writer has to deliver its own entries before the relay
// sends them too: long enough that the relay rarely duplicates a delivery,
// short enough that a lost one is sent within the next relay run or two.
const Grace = 30 * time.Second

// Message is one piece of pending work for a queue.
type Message struct {
	ID        string          // unique; the entry's key
	Queue     string          // the destination's name; the relay maps it to a queue URL
	Body      json.RawMessage // the message body
	DueAt     time.Time       // when the relay may send it
	CreatedAt time.Time
	RequestID string // the request that recorded it, sent as the request_id attribute
}

// New makes the entry that sends body to the queue named queueName.
func New(ctx context.Context, queueName string, body any, now time.Time) (Message, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return Message{}, fmt.Errorf("outbox: encode %T for %s: %w", body, queueName, err)
	}
	now = now.UTC()
	return Message{
		ID: rand.Text(), Queue: queueName, Body: b,
		DueAt: now.Add(Grace), CreatedAt: now, RequestID: obs.RequestID(ctx),
	}, nil
}

// Store is where entries wait: the part the relay and delivery use.
type Store interface {
	// Due returns up to limit entries whose DueAt is at or before now.
	Due(ctx context.Context, now time.Time, limit int) ([]Message, error)
	// Ack deletes the entry id: its message was sent. Deleting one that is gone is no error.
	Ack(ctx context.Context, id string) error
}

// Outbox delivers entries to their queues.
type Outbox struct {
	Store  Store
	Queues map[string]queue.Publisher // destination name -> queue
}

// ErrUnknownQueue means an entry names a destination the Outbox has no queue for.
var ErrUnknownQueue = errors.New("outbox: no queue configured for this destination")

// send publishes one entry and deletes it.
func (o *Outbox) send(ctx context.Context, m Message) error {
	q, ok := o.Queues[m.Queue]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownQueue, m.Queue)
	}
	var opts []queue.PublishOption
	if m.RequestID != "" {
		opts = append(opts, queue.WithAttribute(queue.RequestIDAttribute, m.RequestID))
	}
	if err := q.Publish(ctx, json.RawMessage(m.Body), opts...); err != nil {
		return fmt.Errorf("outbox: send entry %s to %s: %w", m.ID, m.Queue, err)
	}
	if err := o.Store.Ack(ctx, m.ID); err != nil {
		return fmt.Errorf("outbox: delete sent entry %s: %w", m.ID, err)
	}
	return nil
}

// Deliver sends entries just recorded, at once. It never fails the caller:
// the change is stored and its entries are safe in the table, so an entry that
// cannot be sent now is logged and left to the relay.
func (o *Outbox) Deliver(ctx context.Context, msgs ...Message) {
	ctx = context.WithoutCancel(ctx) // the answer is decided: finish what can be finished
	for _, m := range msgs {
		if err := o.send(ctx, m); err != nil {
			obs.Logger(ctx).WarnContext(ctx, "outbox entry left to the relay", "entry", m.ID, "queue", m.Queue, "error", err.Error())
			obs.Count(ctx, "OutboxDeferred", 1)
		}
	}
}

// Report is what one relay run did.
type Report struct {
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
}

// relayBatch is how many due entries one scan of a relay run asks for.
const relayBatch = 100

// Relay sends every entry due at now, a batch at a time, until none is left,
// ctx ends, or an entry failed (the next run tries it again).
func (o *Outbox) Relay(ctx context.Context, now time.Time) (Report, error) {
	var r Report
	for ctx.Err() == nil {
		due, err := o.Store.Due(ctx, now, relayBatch)
		if err != nil {
			return r, err
		}
		sent := 0
		for _, m := range due {
			if err := o.send(ctx, m); err != nil {
				r.Failed++
				obs.Logger(ctx).ErrorContext(ctx, "outbox relay could not send an entry", "entry", m.ID, "queue", m.Queue, "error", err.Error())
				continue
			}
			sent++
		}
		r.Sent += sent
		if len(due) < relayBatch || sent < len(due) {
			break
		}
	}
	obs.Count(ctx, "OutboxRelayed", r.Sent)
	obs.Count(ctx, "OutboxRelayFailures", r.Failed)
	return r, nil
}
