package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/platform/queue/queuetest"
)

func request(method, route, role, query string, path map[string]string) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{RouteKey: method + " " + route, RawQueryString: query, PathParameters: path}
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		Lambda: map[string]any{auth.ContextRole: role}}
	return req
}

// fixedNow is the tests' clock: relative to when they run, never a date that
// the task TTL (30 days) would one day overtake.
var fixedNow = time.Now().UTC().Truncate(time.Second)

var now = func() time.Time { return fixedNow }

func TestCreate(t *testing.T) {
	tests := []struct {
		name, role, query string
		status            int
	}{
		{"writer", "writer", "date=2024-05-01", 202},
		{"admin", "admin", "date=2024-02-29", 202},
		{"reader is too low", "reader", "date=2024-05-01", 403},
		{"no date", "writer", "", 400},
		{"not a date", "writer", "date=yesterday", 400},
		{"not a real date", "writer", "date=2023-02-29", 400},
		{"far future", "writer", "date=2030-01-01", 400},
		{"before 1970", "writer", "date=1969-12-31", 400},
		{"malformed query", "writer", "date=%zz", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store, pub := NewMemStore(), &queuetest.Publisher{}
			r := Routes{Store: store, Outbox: &outbox.Outbox{Store: &store.Outbox, Queues: map[string]queue.Publisher{outbox.QueueTransitFanOut: pub}}, Now: now}
			resp, _ := apigw.Handle(r.Create)(context.Background(), request("POST", "/process-request", tc.role, tc.query, nil))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			openapitest.ValidateResponse(t, "POST", "/process-request", resp)
			if tc.status != 202 {
				if len(pub.Messages()) != 0 {
					t.Fatal("a refused request queued a task")
				}
				return
			}
			var a Accepted
			if err := json.Unmarshal([]byte(resp.Body), &a); err != nil || a.Status != "queued" || a.TaskID == "" {
				t.Fatalf("body %s", resp.Body)
			}
			var m FanOutMessage
			if err := json.Unmarshal(pub.Messages()[0].Body.(json.RawMessage), &m); err != nil || m.TaskID != a.TaskID || m.Date != a.Date {
				t.Fatalf("queued %+v for %+v", m, a)
			}
			task, _, err := store.Get(context.Background(), a.TaskID)
			if err != nil || task.Date != a.Date {
				t.Fatalf("stored %+v, %v", task, err)
			}
		})
	}
}

// TestCreateWhenQueueIsDownLeavesTheFanOutToTheRelay: the task and its
// fan-out are stored together; the relay sends what the route could not.
func TestCreateWhenQueueIsDownLeavesTheFanOutToTheRelay(t *testing.T) {
	store, pub := NewMemStore(), &queuetest.Publisher{}
	pub.Fail(errors.New("queue down"))
	r := Routes{Store: store, Outbox: &outbox.Outbox{Store: &store.Outbox, Queues: map[string]queue.Publisher{outbox.QueueTransitFanOut: pub}}, Now: now}
	resp, err := r.Create(context.Background(), request("POST", "/process-request", "writer", "date=2024-05-01", nil))
	if err != nil || resp.StatusCode != 202 || len(store.Outbox.Pending()) != 1 {
		t.Fatalf("Create = %d, %v; outbox %+v", resp.StatusCode, err, store.Outbox.Pending())
	}
	pub.Fail(nil)
	if rep, err := r.Outbox.Relay(context.Background(), now().Add(outbox.Grace)); err != nil || rep.Sent != 1 || len(pub.Messages()) != 1 {
		t.Fatalf("relay = %+v, %v", rep, err)
	}
}

func TestStatus(t *testing.T) {
	ctx := context.Background()
	store := NewMemStore()
	_ = store.Create(ctx, Task{ID: "T1", Date: "2024-05-01", CreatedAt: now()})
	r := Routes{Store: store, Now: now}
	get := func(role, id string) (events.APIGatewayV2HTTPResponse, Report) {
		t.Helper()
		resp, _ := apigw.Handle(r.Status)(ctx, request("GET", "/process-request/{task_id}", role, "", map[string]string{"task_id": id}))
		openapitest.ValidateResponse(t, "GET", "/process-request/{task_id}", resp)
		var rep Report
		_ = json.Unmarshal([]byte(resp.Body), &rep)
		return resp, rep
	}
	if resp, rep := get("reader", "T1"); resp.StatusCode != 200 || rep.Status != StatusQueued {
		t.Fatalf("queued: %d %s", resp.StatusCode, resp.Body)
	}
	if resp, _ := get("reader", "nope"); resp.StatusCode != 404 {
		t.Fatalf("unknown task: %d", resp.StatusCode)
	}
	if resp, _ := get("", "T1"); resp.StatusCode != 401 {
		t.Fatalf("no role: %d", resp.StatusCode)
	}
	_ = store.SetCitiesTotal(ctx, "T1", 3)
	_ = store.RecordCity(ctx, "T1", City{City: 0, Status: CitySucceeded, Attempts: 1})
	_ = store.RecordCity(ctx, "T1", City{City: 1, Status: CityRetrying, Error: "503", Attempts: 1})
	if _, rep := get("writer", "T1"); rep.Status != StatusRunning || rep.CitiesDone != 1 || rep.CitiesTotal != 3 {
		t.Fatalf("running: %+v", rep)
	}
	_ = store.RecordCity(ctx, "T1", City{City: 1, Status: CityFailed, Error: "503", Attempts: 3})
	_ = store.RecordCity(ctx, "T1", City{City: 2, Status: CitySucceeded, Unchanged: true, Attempts: 1})
	_ = store.RecordCity(ctx, "T1", City{City: 0, Status: CityFailed, Error: "late", Attempts: 2}) // never downgrades
	if _, rep := get("reader", "T1"); rep.Status != StatusPartial || rep.CitiesDone != 2 ||
		len(rep.CitiesFailed) != 1 || rep.CitiesFailed[0].City != 1 {
		t.Fatalf("partial: %+v", rep)
	}
}

func TestNewReportStatuses(t *testing.T) {
	for _, tc := range []struct {
		task   Task
		cities []City
		want   string
	}{
		{Task{CitiesTotal: -1}, nil, StatusQueued},
		{Task{CitiesTotal: 0}, nil, StatusSucceeded},
		{Task{CitiesTotal: -1, FanOutError: "down"}, nil, StatusFailed},
		{Task{CitiesTotal: 1}, []City{{Status: CityFailed}}, StatusFailed},
		{Task{CitiesTotal: 2}, []City{{City: 0, Status: CitySucceeded}, {City: 1, Status: CitySucceeded}}, StatusSucceeded},
	} {
		if got := NewReport(tc.task, tc.cities).Status; got != tc.want {
			t.Errorf("%+v %+v: %s, want %s", tc.task, tc.cities, got, tc.want)
		}
	}
}
