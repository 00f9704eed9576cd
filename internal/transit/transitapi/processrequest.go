package transitapi

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/access"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
	"github.com/mosaic-platform/mosaic/internal/transit"
)

// ProcessRequestAccess is what NewProcessRequest's handler calls on AWS;
// template.yaml grants exactly this (infra/iamcheck).
var ProcessRequestAccess = access.List{
	access.On("TransitTable", "dynamodb:PutItem"),
	access.On("OutboxTable", "dynamodb:PutItem", "dynamodb:DeleteItem"),
	access.On("TransitFanOutQueue", "sqs:SendMessage"),
}

// NewProcessRequest builds POST /process-request?date= (writer).
func NewProcessRequest(_ context.Context, d function.Deps) (any, error) {
	e := newEnv(d)
	if err := e.Err(); err != nil {
		return nil, err
	}
	ob, obTable, err := outbox.FromEnv(d, outbox.QueueTransitFanOut)
	if err != nil {
		return nil, err
	}
	return apigw.Handle(processRequest(e.tasks(obTable), ob, time.Now), apigw.Accepts{Query: []string{"date"}}), nil
}

// accepted is the 202 body of POST /process-request.
type accepted struct {
	TaskID string `json:"task_id"`
	Status string `json:"status"`
	Date   string `json:"date"`
}

// processRequest validates the date, stores a queued task and enqueues its
// fan-out through ob, which delivers the work the store records with the task.
func processRequest(store transit.TaskStore, ob *outbox.Outbox, now func() time.Time) apigw.HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if _, err := auth.Require(req, auth.Writer); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		q, err := apigw.QueryValues(req)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		date := q.Get("date")
		if err := checkDate("date", date, now()); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		t := transit.Task{ID: rand.Text(), Date: date, CreatedAt: now().UTC(), CitiesTotal: -1}
		// The task and its fan-out work are stored together: send the work now,
		// or leave it to the outbox relay if the queue does not take it.
		if err := store.Create(ctx, t); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		work, err := transit.FanOutWork(ctx, t)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		ob.Deliver(ctx, work)
		resp, err := apigw.JSON(http.StatusAccepted, accepted{TaskID: t.ID, Status: transit.StatusQueued, Date: date})
		if err == nil {
			resp.Headers["Location"] = "/process-request/" + t.ID
		}
		return resp, err
	}
}

// earliestDate bounds the dates a task may ask for; the reference server has
// nothing older and a typo such as 0024 should be caught.
var earliestDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// checkDate checks a YYYY-MM-DD query parameter: a real calendar date, not in
// the future beyond tomorrow (time zones), not before 1970.
func checkDate(field, v string, now time.Time) error {
	if v == "" {
		return apigw.Invalid(field, "is required, as YYYY-MM-DD")
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return apigw.Invalid(field, fmt.Sprintf("%q is not a real date in the form YYYY-MM-DD", v))
	}
	if d.Before(earliestDate) || d.After(now.UTC().AddDate(0, 0, 1)) {
		return apigw.Invalid(field, fmt.Sprintf("%s is outside 1970-01-01..tomorrow", v))
	}
	return nil
}
