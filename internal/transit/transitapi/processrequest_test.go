package transitapi

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/platform/queue/queuetest"
	"github.com/mosaic-platform/mosaic/internal/transit"
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

// withOutbox is a task store recording each task's fan-out in an outbox
// table, both on one embedded emulator, and the outbox delivering to pub.
func withOutbox(t *testing.T, pub queue.Publisher) (*transit.TaskTable, *outbox.Table, *outbox.Outbox) {
	db := emutest.EmbeddedDynamoDB(t)
	ob := outbox.NewTable(db, emutest.CreateTable(t, db, "OutboxTable", true))
	store := transit.NewTaskTable(db, emutest.CreateTable(t, db, "TransitTable", true), ob)
	return store, ob, &outbox.Outbox{Store: ob, Queues: map[string]queue.Publisher{outbox.QueueTransitFanOut: pub}}
}

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
			pub := &queuetest.Publisher{}
			store, _, ob := withOutbox(t, pub)
			resp, _ := apigw.Handle(processRequest(store, ob, now))(context.Background(), request("POST", "/process-request", tc.role, tc.query, nil))
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
			var a accepted
			if err := json.Unmarshal([]byte(resp.Body), &a); err != nil || a.Status != "queued" || a.TaskID == "" {
				t.Fatalf("body %s", resp.Body)
			}
			var m transit.FanOutMessage
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
	pub := &queuetest.Publisher{}
	pub.Fail(errors.New("queue down"))
	store, table, ob := withOutbox(t, pub)
	resp, err := processRequest(store, ob, now)(context.Background(), request("POST", "/process-request", "writer", "date=2024-05-01", nil))
	pending, perr := table.Due(context.Background(), now().Add(time.Hour), 10)
	if err != nil || resp.StatusCode != 202 || perr != nil || len(pending) != 1 {
		t.Fatalf("Create = %d, %v; outbox %+v, %v", resp.StatusCode, err, pending, perr)
	}
	pub.Fail(nil)
	if rep, err := ob.Relay(context.Background(), now().Add(outbox.Grace)); err != nil || rep.Sent != 1 || len(pub.Messages()) != 1 {
		t.Fatalf("relay = %+v, %v", rep, err)
	}
}

func TestStatus(t *testing.T) {
	ctx := context.Background()
	store := embeddedTasks(t)
	_ = store.Create(ctx, transit.Task{ID: "T1", Date: "2024-05-01", CreatedAt: now()})
	get := func(role, id string) (events.APIGatewayV2HTTPResponse, transit.Report) {
		t.Helper()
		resp, _ := apigw.Handle(processRequestStatus(store))(ctx, request("GET", "/process-request/{task_id}", role, "", map[string]string{"task_id": id}))
		openapitest.ValidateResponse(t, "GET", "/process-request/{task_id}", resp)
		var rep transit.Report
		_ = json.Unmarshal([]byte(resp.Body), &rep)
		return resp, rep
	}
	if resp, rep := get("reader", "T1"); resp.StatusCode != 200 || rep.Status != transit.StatusQueued {
		t.Fatalf("queued: %d %s", resp.StatusCode, resp.Body)
	}
	if resp, _ := get("reader", "nope"); resp.StatusCode != 404 {
		t.Fatalf("unknown task: %d", resp.StatusCode)
	}
	if resp, _ := get("", "T1"); resp.StatusCode != 401 {
		t.Fatalf("no role: %d", resp.StatusCode)
	}
	_ = store.SetCitiesTotal(ctx, "T1", 3)
	_ = store.RecordCity(ctx, "T1", transit.City{City: 0, Status: transit.CitySucceeded, Attempts: 1})
	_ = store.RecordCity(ctx, "T1", transit.City{City: 1, Status: transit.CityRetrying, Error: "503", Attempts: 1})
	if _, rep := get("writer", "T1"); rep.Status != transit.StatusRunning || rep.CitiesDone != 1 || rep.CitiesTotal != 3 {
		t.Fatalf("running: %+v", rep)
	}
	_ = store.RecordCity(ctx, "T1", transit.City{City: 1, Status: transit.CityFailed, Error: "503", Attempts: 3})
	_ = store.RecordCity(ctx, "T1", transit.City{City: 2, Status: transit.CitySucceeded, Unchanged: true, Attempts: 1})
	_ = store.RecordCity(ctx, "T1", transit.City{City: 0, Status: transit.CityFailed, Error: "late", Attempts: 2}) // never downgrades
	if _, rep := get("reader", "T1"); rep.Status != transit.StatusPartial || rep.CitiesDone != 2 ||
		len(rep.CitiesFailed) != 1 || rep.CitiesFailed[0].City != 1 {
		t.Fatalf("partial: %+v", rep)
	}
}
