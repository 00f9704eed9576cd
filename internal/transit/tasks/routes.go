package tasks

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// FanOutMessage asks the fan-out worker to list the cities of a task's date.
type FanOutMessage struct {
	TaskID string `json:"task_id"`
	Date   string `json:"date"`
}

// Accepted is the 202 body of POST /process-request.
type Accepted struct {
	TaskID string `json:"task_id"`
	Status string `json:"status"`
	Date   string `json:"date"`
}

// earliestDate bounds the dates a task may ask for; the reference server has
// nothing older and a typo such as 0024 should be caught.
var earliestDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// ParseDate checks a YYYY-MM-DD query parameter: a real calendar date, not in
// the future beyond tomorrow (time zones), not before 1970.
func ParseDate(field, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, apigw.Invalid(field, "is required, as YYYY-MM-DD")
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, apigw.Invalid(field, fmt.Sprintf("%q is not a real date in the form YYYY-MM-DD", v))
	}
	if d.Before(earliestDate) || d.After(now.UTC().AddDate(0, 0, 1)) {
		return time.Time{}, apigw.Invalid(field, fmt.Sprintf("%s is outside 1970-01-01..tomorrow", v))
	}
	return d, nil
}

// Routes holds what both task routes need.
type Routes struct {
	Store  Store
	Outbox *outbox.Outbox // delivers the fan-out work Store.Create records
	Now    func() time.Time
}

// FanOutWork is the outbox entry that queues t's fan-out; its id is derived
// from the task, so the store that records it and the route that delivers it
// name the same entry.
func FanOutWork(ctx context.Context, t Task) (outbox.Message, error) {
	m, err := outbox.New(ctx, outbox.QueueTransitFanOut, FanOutMessage{TaskID: t.ID, Date: t.Date}, t.CreatedAt)
	m.ID = "transit-fan-out/" + t.ID
	return m, err
}

// NewProcessRequest builds POST /process-request?date= (writer).
func NewProcessRequest(_ context.Context, d function.Deps) (any, error) {
	l := config.New(d.Env)
	table := l.String("TRANSIT_TABLE")
	if err := l.Err(); err != nil {
		return nil, err
	}
	ob, obTable, err := outbox.FromEnv(d, outbox.QueueTransitFanOut)
	if err != nil {
		return nil, err
	}
	r := Routes{Store: NewDynamoStore(awsclients.DynamoDB(d.AWS), table).WithOutbox(obTable), Outbox: ob, Now: time.Now}
	return apigw.Handle(r.Create, apigw.Accepts{Query: []string{"date"}}), nil
}

// NewProcessRequestStatus builds GET /process-request/{task_id} (reader).
func NewProcessRequestStatus(_ context.Context, d function.Deps) (any, error) {
	l := config.New(d.Env)
	table := l.String("TRANSIT_TABLE")
	if err := l.Err(); err != nil {
		return nil, err
	}
	r := Routes{Store: NewDynamoStore(awsclients.DynamoDB(d.AWS), table), Now: time.Now}
	return apigw.Handle(r.Status, apigw.Accepts{}), nil
}

// Create validates the date, stores a queued task and enqueues its fan-out.
func (r Routes) Create(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if _, err := auth.Require(req, auth.Writer); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	q, err := apigw.QueryValues(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	date := q.Get("date")
	if _, err := ParseDate("date", date, r.Now()); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	t := Task{ID: rand.Text(), Date: date, CreatedAt: r.Now().UTC(), CitiesTotal: -1}
	// The task and its fan-out work are stored together: send the work now,
	// or leave it to the outbox relay if the queue does not take it.
	if err := r.Store.Create(ctx, t); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	work, err := FanOutWork(ctx, t)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	r.Outbox.Deliver(ctx, work)
	resp, err := apigw.JSON(http.StatusAccepted, Accepted{TaskID: t.ID, Status: StatusQueued, Date: date})
	if err == nil {
		resp.Headers["Location"] = "/process-request/" + t.ID
	}
	return resp, err
}

// Status reports a task's progress.
func (r Routes) Status(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if _, err := auth.Require(req, auth.Reader); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	id, err := apigw.PathParam(req, "task_id")
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	t, cities, err := r.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return events.APIGatewayV2HTTPResponse{}, apigw.NotFound("no task " + id)
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusOK, NewReport(t, cities))
}
