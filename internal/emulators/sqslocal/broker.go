package sqslocal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The local SQS answers for one account in one region, as the template's ARNs expect.
const (
	accountID = "000000000000"
	region    = "us-east-1"
)

// Broker holds the queues of one data directory and serves them in process and over HTTP.
type Broker struct {
	clock Clock
	store *store
	done  chan struct{} // closed by Close; wakes every long poll

	mu     sync.Mutex // guards everything below and orders every write to the store
	closed bool
	queues map[string]*queue
	tasks  []moveTask
}

// New opens (or creates) the queues kept in dir; a nil clock means the wall clock.
func New(dir string, clock Clock) (*Broker, error) {
	if clock == nil {
		clock = SystemClock{}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sqslocal: create data directory: %w", err)
	}
	st, err := openStore(filepath.Join(dir, "sqs.db"))
	if err != nil {
		return nil, fmt.Errorf("sqslocal: %w", err)
	}
	stored, err := st.load()
	if err != nil {
		_ = st.close()
		return nil, fmt.Errorf("sqslocal: %w", err)
	}
	b := &Broker{
		clock:  clock,
		store:  st,
		done:   make(chan struct{}),
		queues: make(map[string]*queue),
	}
	for _, sq := range stored {
		q := newQueue(sq.record)
		for _, m := range sq.messages {
			// Whoever held an in-flight message went away with the old process.
			if m.ReceiveCount > 0 {
				m.VisibleAt = time.Time{}
			}
			q.add(m)
		}
		q.dedup = sq.dedup
		b.queues[q.cfg.Name] = q
	}
	return b, nil
}

// Close ends long polls and closes the data file.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	close(b.done)
	if err := b.store.close(); err != nil {
		return fmt.Errorf("sqslocal: close: %w", err)
	}
	return nil
}

// CreateQueue creates the queue cfg declares, or brings an existing one in line with
// it; create a dead-letter queue before the queues that name it.
func (b *Broker) CreateQueue(cfg QueueConfig) error {
	cfg = cfg.withDefaults()
	if err := b.putQueue(cfg, false); err != nil {
		return fmt.Errorf("sqslocal: create queue %s: %w", cfg.Name, err)
	}
	return nil
}

// putQueue creates or updates a queue; with strict, an existing queue must already match (SQS's CreateQueue).
func (b *Broker) putQueue(cfg QueueConfig, strict bool) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errClosed()
	}
	if err := b.checkRedriveTarget(cfg); err != nil {
		return err
	}
	now := b.clock.Now()
	q, ok := b.queues[cfg.Name]
	if ok && q.cfg == cfg {
		return nil
	}
	if ok && (strict || q.cfg.FIFO != cfg.FIFO) {
		return newAPIError("QueueNameExists", "QueueAlreadyExists", http.StatusBadRequest, "A queue named %q already exists with different attributes.", cfg.Name)
	}
	rec := queueRecord{Config: cfg, Created: now, Modified: now}
	if ok {
		rec = q.record()
		rec.Config, rec.Modified = cfg, now
	}
	if err := b.store.write(func(w writeTx) error { return w.putQueue(rec) }); err != nil {
		return err
	}
	if ok {
		q.cfg, q.modified = cfg, now
		q.signal() // a shorter delay or a new redrive policy may free messages now
		return nil
	}
	b.queues[cfg.Name] = newQueue(rec)
	return nil
}

func (b *Broker) checkRedriveTarget(cfg QueueConfig) error {
	if cfg.DeadLetterQueue == "" {
		return nil
	}
	dlq, ok := b.queues[cfg.DeadLetterQueue]
	switch {
	case !ok:
		return errInvalidParam("Dead-letter queue %s does not exist; create it first.", cfg.DeadLetterQueue)
	case dlq.cfg.FIFO != cfg.FIFO:
		return errInvalidParam("Dead-letter queue %s must be of the same type (FIFO or standard) as %s.", cfg.DeadLetterQueue, cfg.Name)
	}
	return nil
}

// errClosed is what every operation returns once Close has run.
func errClosed() *apiError {
	return newAPIError("ServiceUnavailable", "ServiceUnavailable", http.StatusServiceUnavailable, "The local SQS is shutting down.")
}

// queue returns the named queue; b.mu must be held.
func (b *Broker) queue(name string) (*queue, error) {
	if b.closed {
		return nil, errClosed()
	}
	q, ok := b.queues[name]
	if !ok {
		return nil, newAPIError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", http.StatusBadRequest, "The specified queue %q does not exist.", name)
	}
	return q, nil
}

// withQueue runs fn on the named queue with b.mu held.
func withQueue[T any](b *Broker, name string, fn func(q *queue) (T, error)) (T, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q, err := b.queue(name)
	if err != nil {
		var zero T
		return zero, err
	}
	return fn(q)
}

// changeQueue is withQueue for changes that return nothing but an error.
func (b *Broker) changeQueue(name string, fn func(q *queue) error) error {
	_, err := withQueue(b, name, func(q *queue) (struct{}, error) { return struct{}{}, fn(q) })
	return err
}

// deadLetterQueue returns q's redrive target, or nil when it has none (or it was deleted).
func (b *Broker) deadLetterQueue(q *queue) *queue {
	if q.cfg.DeadLetterQueue == "" {
		return nil
	}
	return b.queues[q.cfg.DeadLetterQueue]
}

// QueueURL returns the URL of queue name behind endpoint, e.g. http://127.0.0.1:4566/000000000000/posts.
func QueueURL(endpoint, name string) string {
	return strings.TrimRight(endpoint, "/") + "/" + accountID + "/" + name
}

// QueueARN returns the ARN the local SQS gives queue name.
func QueueARN(name string) string {
	return "arn:aws:sqs:" + region + ":" + accountID + ":" + name
}

func nameFromARN(arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[5] == "" {
		return "", errInvalidParam("%q is not an SQS queue ARN.", arn)
	}
	return parts[5], nil
}

// nameFromURL takes the queue name from a queue URL's last path segment, whatever its host.
func nameFromURL(queueURL string) (string, error) {
	if queueURL == "" {
		return "", errMissingParam("QueueUrl")
	}
	if u, err := url.Parse(queueURL); err == nil {
		if name := u.Path[strings.LastIndex(u.Path, "/")+1:]; name != "" {
			return name, nil
		}
	}
	return "", newAPIError("InvalidAddress", "InvalidAddress", http.StatusNotFound, "The address %s is not valid for this endpoint.", queueURL)
}

// isAPIError reports whether err is an SQS error a client caused, as opposed to a storage failure.
func isAPIError(err error) bool {
	var e *apiError
	return errors.As(err, &e)
}
