// Package transit is the Transit service's domain: process-request tasks (one
// task gathers every city of one date from the reference server) and their
// store, the ingester that streams a city-day's file into the bucket while
// computing its statistics, the catalog of those statistics, and the
// country-stats query over it. The HTTP routes and the queue workers are in
// transitapi; the reference server's client and the records parser are the
// subpackages refclient and records.
package transit

import (
	"context"
	"errors"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// Task statuses, as GET /process-request/{task_id} reports them.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusPartial   = "partial"
	StatusFailed    = "failed"
)

// City outcomes recorded by the city worker.
const (
	CitySucceeded = "succeeded" // stored (or already stored with the same checksum)
	CityRetrying  = "retrying"  // an attempt failed; the queue will deliver it again
	CityFailed    = "failed"    // the last attempt failed; the message went to the DLQ
)

// ErrNotFound is returned for an unknown task id.
var ErrNotFound = errors.New("task not found")

// Task is one process request.
type Task struct {
	ID          string
	Date        string // YYYY-MM-DD
	CreatedAt   time.Time
	CitiesTotal int    // -1 until the fan-out worker has listed the cities
	FanOutError string // why listing the cities failed for good
}

// City is the outcome of one city of a task, as its report shows it.
type City struct {
	City      int    `json:"city"`
	Name      string `json:"name,omitempty"`
	Country   string `json:"country,omitempty"`
	Status    string `json:"status"` // CitySucceeded, CityRetrying or CityFailed
	Attempts  int    `json:"attempts"`
	Unchanged bool   `json:"unchanged"` // the stored object already had this checksum: nothing was uploaded
	Error     string `json:"error,omitempty"`
}

// TaskStore keeps tasks and their per-city outcomes.
type TaskStore interface {
	// Create stores a new task, with its fan-out work (FanOutWork) when the
	// store has an outbox.
	Create(ctx context.Context, t Task) error
	// Get returns a task and the outcome of each city recorded so far.
	Get(ctx context.Context, id string) (Task, []City, error)
	// SetCitiesTotal records how many cities the task covers.
	SetCitiesTotal(ctx context.Context, id string, total int) error
	// FailFanOut records that the task's cities could not be listed.
	FailFanOut(ctx context.Context, id, reason string) error
	// RecordCity records one city's outcome; a succeeded city is never
	// downgraded by a late failure report of an earlier attempt.
	RecordCity(ctx context.Context, id string, c City) error
	// GiveUpCity records c (status CityFailed) for a city whose message the
	// queue dead-lettered, unless the city already has a final outcome
	// (succeeded, or failed with its own error); it reports whether it wrote.
	// A redelivered dead letter therefore changes nothing.
	GiveUpCity(ctx context.Context, id string, c City) (bool, error)
	// GiveUpFanOut records reason as the fan-out's failure unless one is
	// recorded already; it reports whether it wrote.
	GiveUpFanOut(ctx context.Context, id, reason string) (bool, error)
}

// Report is the body of GET /process-request/{task_id}.
type Report struct {
	TaskID       string      `json:"task_id"`
	Date         string      `json:"date"`
	Status       string      `json:"status"`
	CreatedAt    time.Time   `json:"created_at"`
	CitiesTotal  int         `json:"cities_total"`
	CitiesDone   int         `json:"cities_done"`
	CitiesFailed []CityError `json:"cities_failed"`
	Cities       []City      `json:"cities"`
	Error        string      `json:"error,omitempty"`
}

// CityError names a city that failed and why (SPEC field cities_failed).
type CityError struct {
	City  int    `json:"city"`
	Name  string `json:"name,omitempty"`
	Error string `json:"error"`
}

// NewReport summarises a task and its cities. cities_done counts the cities
// stored; a task is finished when every city succeeded or failed for good.
func NewReport(t Task, cities []City) Report {
	r := Report{TaskID: t.ID, Date: t.Date, CreatedAt: t.CreatedAt, CitiesTotal: max(t.CitiesTotal, 0),
		CitiesFailed: []CityError{}, Cities: append([]City{}, cities...), Error: t.FanOutError}
	for _, c := range cities {
		switch c.Status {
		case CitySucceeded:
			r.CitiesDone++
		case CityFailed:
			r.CitiesFailed = append(r.CitiesFailed, CityError{City: c.City, Name: c.Name, Error: c.Error})
		}
	}
	failed := len(r.CitiesFailed)
	switch {
	case t.FanOutError != "":
		r.Status = StatusFailed
	case t.CitiesTotal < 0:
		r.Status = StatusQueued
	case r.CitiesDone+failed < t.CitiesTotal:
		r.Status = StatusRunning
	case failed == 0:
		r.Status = StatusSucceeded
	case r.CitiesDone == 0:
		r.Status = StatusFailed
	default:
		r.Status = StatusPartial
	}
	return r
}

// FanOutMessage asks the fan-out worker to list the cities of a task's date.
type FanOutMessage struct {
	TaskID string `json:"task_id"`
	Date   string `json:"date"`
}

// FanOutWork is the outbox entry that queues t's fan-out; its id is derived
// from the task, so the store that records it and the route that delivers it
// name the same entry.
func FanOutWork(ctx context.Context, t Task) (outbox.Message, error) {
	m, err := outbox.New(ctx, outbox.QueueTransitFanOut, FanOutMessage{TaskID: t.ID, Date: t.Date}, t.CreatedAt)
	m.ID = "transit-fan-out/" + t.ID
	return m, err
}
