package sqslocal

import (
	"fmt"
	"strings"
	"time"
)

// SQS's limits and defaults for queue settings.
const (
	defaultVisibility = 30 * time.Second
	maxVisibility     = 12 * time.Hour
	defaultRetention  = 4 * 24 * time.Hour
	minRetention      = time.Minute
	maxRetention      = 14 * 24 * time.Hour
	maxDelay          = 15 * time.Minute
	maxWait           = 20 * time.Second
	minMessageSize    = 1024
	maxMessageSize    = 1 << 20
	maxReceiveLimit   = 1000
	dedupWindow       = 5 * time.Minute
)

// QueueConfig declares one queue the way template.yaml does; durations are whole seconds in SQS.
type QueueConfig struct {
	Name                      string        // queue name; a FIFO queue's ends in ".fifo"
	FIFO                      bool          // first-in-first-out delivery per message group, with deduplication
	ContentBasedDeduplication bool          // FIFO only: a body's SHA-256 stands in for a missing MessageDeduplicationId
	VisibilityTimeout         time.Duration // how long a received message stays hidden; 0 means 30s
	MessageRetention          time.Duration // how long a message is kept; 0 means 4 days
	Delay                     time.Duration // delay before a new message becomes visible, at most 15m
	ReceiveWaitTime           time.Duration // default long-poll wait of ReceiveMessage, at most 20s
	MaxMessageSize            int           // bytes of body and attributes; 0 means 1 MiB
	DeadLetterQueue           string        // name of the queue that takes messages received MaxReceiveCount times
	MaxReceiveCount           int           // receives before redrive to DeadLetterQueue, 1..1000
}

// withDefaults fills the zero fields a Go caller leaves out with SQS's defaults.
func (c QueueConfig) withDefaults() QueueConfig {
	if c.VisibilityTimeout == 0 {
		c.VisibilityTimeout = defaultVisibility
	}
	if c.MessageRetention == 0 {
		c.MessageRetention = defaultRetention
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = maxMessageSize
	}
	if strings.HasSuffix(c.Name, ".fifo") {
		c.FIFO = true
	}
	return c
}

// apiDefaults is the configuration CreateQueue starts from before its attributes apply.
func apiDefaults(name string) QueueConfig {
	return QueueConfig{Name: name, FIFO: strings.HasSuffix(name, ".fifo")}.withDefaults()
}

// validate checks the configuration against SQS's limits.
func (c QueueConfig) validate() error {
	if err := validateQueueName(c.Name, c.FIFO); err != nil {
		return err
	}
	checks := []struct {
		ok  bool
		msg string
	}{
		{c.VisibilityTimeout >= 0 && c.VisibilityTimeout <= maxVisibility, "VisibilityTimeout must be 0 to 43200 seconds"},
		{c.MessageRetention >= minRetention && c.MessageRetention <= maxRetention, "MessageRetentionPeriod must be 60 to 1209600 seconds"},
		{c.Delay >= 0 && c.Delay <= maxDelay, "DelaySeconds must be 0 to 900"},
		{c.ReceiveWaitTime >= 0 && c.ReceiveWaitTime <= maxWait, "ReceiveMessageWaitTimeSeconds must be 0 to 20"},
		{c.MaxMessageSize >= minMessageSize && c.MaxMessageSize <= maxMessageSize, "MaximumMessageSize must be 1024 to 1048576 bytes"},
		{c.FIFO || !c.ContentBasedDeduplication, "ContentBasedDeduplication is only for FIFO queues"},
		{(c.DeadLetterQueue == "") == (c.MaxReceiveCount == 0), "a redrive policy needs both a dead-letter queue and maxReceiveCount"},
		{c.MaxReceiveCount >= 0 && c.MaxReceiveCount <= maxReceiveLimit, "maxReceiveCount must be 1 to 1000"},
		{c.DeadLetterQueue != c.Name, "a queue cannot be its own dead-letter queue"},
	}
	for _, ch := range checks {
		if !ch.ok {
			return invalid("InvalidAttributeValue", "queue %s: %s.", c.Name, ch.msg)
		}
	}
	return nil
}

func validateQueueName(name string, fifo bool) error {
	base, isFIFO := strings.CutSuffix(name, ".fifo")
	if isFIFO != fifo {
		return errInvalidParam("Queue %q: a FIFO queue's name must end in .fifo, and only a FIFO queue's may.", name)
	}
	if base == "" || len(name) > 80 {
		return errInvalidParam("Queue name %q must be 1 to 80 characters.", name)
	}
	if !plainChars(base, "_-") {
		return errInvalidParam("Queue name %q may only contain letters, digits, '-' and '_'.", name)
	}
	return nil
}

// queue is one queue's state in memory; the broker's mutex guards it.
type queue struct {
	cfg      QueueConfig
	created  time.Time
	modified time.Time
	tags     map[string]string

	msgs    []*message          // in send order (ascending Seq), with removed ones until compaction
	byID    map[string]*message // live messages
	removed int                 // removed entries still in msgs
	dedup   map[string]dedupEntry
	wake    chan struct{} // closed and replaced whenever a message may have become receivable
}

// dedupEntry remembers a FIFO send for the five-minute deduplication window.
type dedupEntry struct {
	MessageID string    `json:"id"`
	Seq       uint64    `json:"seq"`
	At        time.Time `json:"at"`
}

func newQueue(rec queueRecord) *queue {
	return &queue{
		cfg:      rec.Config,
		created:  rec.Created,
		modified: rec.Modified,
		tags:     rec.Tags,
		byID:     make(map[string]*message),
		dedup:    make(map[string]dedupEntry),
		wake:     make(chan struct{}),
	}
}

func (q *queue) record() queueRecord {
	return queueRecord{Config: q.cfg, Created: q.created, Modified: q.modified, Tags: q.tags}
}

// signal wakes every long poll waiting on the queue.
func (q *queue) signal() {
	close(q.wake)
	q.wake = make(chan struct{})
}

func (q *queue) add(m *message) {
	q.msgs = append(q.msgs, m)
	q.byID[m.ID] = m
}

func (q *queue) remove(m *message) {
	m.removed = true
	delete(q.byID, m.ID)
	q.removed++
	// Compact lazily so a delete stays O(1) and receives skip few dead entries.
	if q.removed > 64 && q.removed > len(q.msgs)/2 {
		live := q.msgs[:0]
		for _, m := range q.msgs {
			if !m.removed {
				live = append(live, m)
			}
		}
		clear(q.msgs[len(live):])
		q.msgs = live
		q.removed = 0
	}
}

func (q *queue) expired(m *message, now time.Time) bool {
	return !now.Before(m.SentAt.Add(q.cfg.MessageRetention))
}

// counts returns the visible, in-flight and delayed message counts.
func (q *queue) counts(now time.Time) (visible, inFlight, delayed int) {
	for _, m := range q.msgs {
		switch {
		case m.removed || q.expired(m, now):
		case m.inFlight(now):
			inFlight++
		case m.VisibleAt.After(now):
			delayed++
		default:
			visible++
		}
	}
	return visible, inFlight, delayed
}

func seconds(d time.Duration) string { return fmt.Sprint(int64(d / time.Second)) }
