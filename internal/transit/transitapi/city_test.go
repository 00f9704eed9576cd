package transitapi

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/transit"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

func TestCityWorkerReportsFailures(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.Faults.MalformedEvery = 100
	f := setup(t, c)
	store := f.tasks
	if err := store.Create(f.Ctx, transit.Task{ID: "t1", Date: "2024-05-01"}); err != nil {
		t.Fatal(err)
	}
	w := &cityWorker{ingester: f.in, tasks: store, maxReceive: 3}
	msg := func(id, receive int) events.SQSMessage {
		body, _ := json.Marshal(CityMessage{TaskID: "t1", Date: "2024-05-01", City: f.city(t, id)})
		return events.SQSMessage{MessageId: "m" + strconv.Itoa(id), Body: string(body),
			Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(receive)}}
	}
	err := w.handle(f.Ctx, msg(3, 1))
	if !queue.IsPermanent(err) {
		t.Fatalf("malformed city: %v, want a permanent error (dead-lettered at once)", err)
	}
	// A transient failure is "retrying" until the last delivery, then "failed".
	f.in.Ref, _ = refclient.New("http://127.0.0.1:1", refclient.WithRetries(1, time.Millisecond))
	if err := w.handle(f.Ctx, msg(4, 1)); err == nil || queue.IsPermanent(err) {
		t.Fatalf("unreachable server, first delivery: %v", err)
	}
	_, cities, _ := store.Get(f.Ctx, "t1")
	if len(cities) != 2 || cities[0].Status != transit.CityFailed || cities[1].Status != transit.CityRetrying {
		t.Fatalf("cities after first deliveries: %+v", cities)
	}
	if err := w.handle(f.Ctx, msg(4, 3)); err == nil {
		t.Fatal("last delivery succeeded")
	}
	if err := store.SetCitiesTotal(f.Ctx, "t1", 2); err != nil {
		t.Fatal(err)
	}
	task, cities, _ := store.Get(f.Ctx, "t1")
	r := transit.NewReport(task, cities)
	if r.Status != transit.StatusFailed || len(r.CitiesFailed) != 2 || r.CitiesFailed[1].City != 4 ||
		!strings.Contains(r.CitiesFailed[0].Error, "malformed") {
		t.Fatalf("report %+v", r)
	}
}

// TestCityWorkerLastDeliveryReportsTransientFaults: a city that keeps
// answering 5xx or cutting the connection is retried inside the worker, then
// by the queue, and on the last delivery the task reports it; nothing is stored.
func TestCityWorkerLastDeliveryReportsTransientFaults(t *testing.T) {
	t.Parallel()
	for name, faults := range map[string]refserver.Faults{
		"5xx": {ErrorRate: 1},
		"cut": {CutAfter: 20_000},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := refserver.DefaultConfig()
			c.Faults = faults
			f := setup(t, c)
			store := f.tasks
			_ = store.Create(f.Ctx, transit.Task{ID: "t", Date: "2024-05-01"})
			_ = store.SetCitiesTotal(f.Ctx, "t", 1)
			w := &cityWorker{ingester: f.in, tasks: store, maxReceive: 3}
			body, _ := json.Marshal(CityMessage{TaskID: "t", Date: "2024-05-01", City: f.city(t, 0)})
			for receive := 1; receive <= 3; receive++ {
				before := f.sim.Requests()
				err := w.handle(f.Ctx, events.SQSMessage{Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(receive)}})
				if err == nil || queue.IsPermanent(err) {
					t.Fatalf("delivery %d: %v, want a retryable error", receive, err)
				}
				if n := f.sim.Requests() - before; n != 3 {
					t.Fatalf("delivery %d made %d requests, want 3 (retries inside the worker)", receive, n)
				}
				task, cities, _ := store.Get(f.Ctx, "t")
				r := transit.NewReport(task, cities)
				want := transit.StatusRunning
				if receive == 3 {
					want = transit.StatusFailed
				}
				if r.Status != want || cities[0].Attempts != receive {
					t.Fatalf("delivery %d: report %+v", receive, r)
				}
			}
			if keys := f.keys(t); len(keys) != 0 {
				t.Fatalf("objects left: %v", keys)
			}
		})
	}
}

// TestCityWorkerFailsAPermanent404AtOnce: a city the reference server answers
// 404 for fails on the first answer, named with the status in the task.
func TestCityWorkerFailsAPermanent404AtOnce(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.Faults.MissingCities = []int{2}
	f := setup(t, c)
	store := f.tasks
	_ = store.Create(f.Ctx, transit.Task{ID: "t", Date: "2024-05-01"})
	_ = store.SetCitiesTotal(f.Ctx, "t", 1)
	w := &cityWorker{ingester: f.in, tasks: store, maxReceive: 3, budget: time.Hour}
	body, _ := json.Marshal(CityMessage{TaskID: "t", Date: "2024-05-01", City: f.city(t, 2)})
	before := f.sim.Requests()
	err := w.handle(f.Ctx, events.SQSMessage{Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": "1"}})
	if !queue.IsPermanent(err) {
		t.Fatalf("404: %v, want a permanent error", err)
	}
	if n := f.sim.Requests() - before; n != 1 {
		t.Errorf("%d requests for a 404, want 1", n)
	}
	task, cities, _ := store.Get(f.Ctx, "t")
	r := transit.NewReport(task, cities)
	if r.Status != transit.StatusFailed || len(r.CitiesFailed) != 1 || !strings.Contains(r.CitiesFailed[0].Error, "404 Not Found") {
		t.Fatalf("report %+v", r)
	}
}

// TestCityWorkerTimeBudget: a city that keeps answering 5xx is retried within
// its delivery until its time budget is spent, then fails for good; a
// delivery that arrives after the budget fails at once, asking nothing.
func TestCityWorkerTimeBudget(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.Faults.ErrorRate = 1
	f := setup(t, c)
	f.in.Ref, _ = refclient.New(f.url, refclient.WithRetries(1_000_000, time.Millisecond))
	store := f.tasks
	_ = store.Create(f.Ctx, transit.Task{ID: "t", Date: "2024-05-01"})
	_ = store.SetCitiesTotal(f.Ctx, "t", 2)
	const budget = 300 * time.Millisecond
	w := &cityWorker{ingester: f.in, tasks: store, maxReceive: 3, budget: budget}
	msg := func(id int, first time.Time) events.SQSMessage {
		body, _ := json.Marshal(CityMessage{TaskID: "t", Date: "2024-05-01", City: f.city(t, id)})
		return events.SQSMessage{Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": "1",
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(first.UnixMilli(), 10)}}
	}
	before := f.sim.Requests()
	err := w.handle(f.Ctx, msg(0, time.Now()))
	if !queue.IsPermanent(err) || !strings.Contains(err.Error(), "time budget") {
		t.Fatalf("5xx for the whole budget: %v, want a permanent budget error", err)
	}
	if n := f.sim.Requests() - before; n < 3 {
		t.Errorf("%d requests within the budget: transient failures should be retried", n)
	}
	before = f.sim.Requests()
	err = w.handle(f.Ctx, msg(1, time.Now().Add(-time.Hour)))
	if !queue.IsPermanent(err) || f.sim.Requests() != before {
		t.Fatalf("late delivery: %v after %d requests, want a permanent error and none", err, f.sim.Requests()-before)
	}
	task, cities, _ := store.Get(f.Ctx, "t")
	if r := transit.NewReport(task, cities); r.Status != transit.StatusFailed || len(r.CitiesFailed) != 2 {
		t.Fatalf("report %+v", r)
	}
}
