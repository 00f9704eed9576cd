package transitapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/transit"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

type batchRecorder struct{ msgs []queue.Message }

func (b *batchRecorder) PublishBatch(_ context.Context, m []queue.Message) error {
	b.msgs = append(b.msgs, m...)
	return nil
}

// embeddedStores are a task store and a catalog on one fresh TransitTable of
// the embedded emulator.
func embeddedStores(t *testing.T) (*transit.TaskTable, *transit.Catalog) {
	db, table := emutest.EmbeddedTable(t, "TransitTable")
	return transit.NewTaskTable(db, table, nil), transit.NewCatalog(db, table)
}

func TestFanOut(t *testing.T) {
	cfg := refserver.DefaultConfig()
	cfg.Cities, cfg.Countries = 25, 5
	sim, url := emutest.Simulator(t, cfg)
	ref, _ := refclient.New(url, refclient.WithRetries(2, time.Millisecond))
	ctx := context.Background()
	store, catalog := embeddedStores(t)
	_ = store.Create(ctx, transit.Task{ID: "T", Date: "2024-05-01"})
	pub := &batchRecorder{}
	f := &fanOut{ref: ref, tasks: store, catalog: catalog, cities: pub, maxReceive: 3}
	body, _ := json.Marshal(transit.FanOutMessage{TaskID: "T", Date: "2024-05-01"})
	if err := f.handle(ctx, events.SQSMessage{Body: string(body)}); err != nil {
		t.Fatal(err)
	}
	task, _, _ := store.Get(ctx, "T")
	countries, err := catalog.Countries(ctx)
	if err != nil || task.CitiesTotal != 25 || len(pub.msgs) != 25 || len(countries) != 5 {
		t.Fatalf("total %d, %d messages, %d countries", task.CitiesTotal, len(pub.msgs), len(countries))
	}
	for i, m := range pub.msgs {
		c := m.Body.(CityMessage)
		if c.TaskID != "T" || c.Date != "2024-05-01" || c.City.ID != i || c.City.Name != sim.Cities()[i].Name {
			t.Fatalf("message %d: %+v", i, c)
		}
	}

	// A reference server that stays down fails the task on the last delivery.
	down, _ := refclient.New("http://127.0.0.1:1", refclient.WithRetries(1, time.Millisecond))
	_ = store.Create(ctx, transit.Task{ID: "D", Date: "2024-05-01"})
	f.ref = down
	body, _ = json.Marshal(transit.FanOutMessage{TaskID: "D", Date: "2024-05-01"})
	for _, tc := range []struct {
		receive    string
		wantFailed bool
	}{{"1", false}, {"3", true}} {
		receive, wantFailed := tc.receive, tc.wantFailed
		err := f.handle(ctx, events.SQSMessage{Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": receive}})
		task, _, _ := store.Get(ctx, "D")
		if err == nil || (task.FanOutError != "") != wantFailed {
			t.Fatalf("receive %s: err %v, task %+v", receive, err, task)
		}
	}
	if err := f.handle(ctx, events.SQSMessage{Body: "{"}); !queue.IsPermanent(err) {
		t.Fatalf("bad body: %v", err)
	}
}

// TestFanOutRefusesBadCityLists: a city list that cannot be trusted fails the
// task at once, with the reason, on the first delivery; an identical city
// listed twice is kept once.
func TestFanOutRefusesBadCityLists(t *testing.T) {
	ctx := context.Background()
	for fault, want := range map[string]string{
		"empty":           "empty",
		"null":            "null instead of an array",
		"object":          "not a JSON array",
		"duplicate-ids":   "id 0 is listed twice",
		"bad-entry":       "no name",
		"identical-twice": "",
	} {
		t.Run(fault, func(t *testing.T) {
			cfg := refserver.DefaultConfig()
			cfg.Cities, cfg.Faults.CityList = 4, fault
			sim, url := emutest.Simulator(t, cfg)
			ref, _ := refclient.New(url, refclient.WithRetries(3, time.Millisecond))
			store, catalog := embeddedStores(t)
			_ = store.Create(ctx, transit.Task{ID: "T", Date: "2024-05-01"})
			pub := &batchRecorder{}
			f := &fanOut{ref: ref, tasks: store, catalog: catalog, cities: pub, maxReceive: 3}
			body, _ := json.Marshal(transit.FanOutMessage{TaskID: "T", Date: "2024-05-01"})
			err := f.handle(ctx, events.SQSMessage{Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": "1"}})
			task, cities, _ := store.Get(ctx, "T")
			r := transit.NewReport(task, cities)
			if want == "" {
				if err != nil || task.CitiesTotal != 4 || len(pub.msgs) != 4 {
					t.Fatalf("identical duplicate: err %v, total %d, %d messages", err, task.CitiesTotal, len(pub.msgs))
				}
				return
			}
			if !queue.IsPermanent(err) || r.Status != transit.StatusFailed || !strings.Contains(r.Error, want) || len(pub.msgs) != 0 {
				t.Fatalf("err %v; report %+v; %d messages; want failed with %q", err, r, len(pub.msgs), want)
			}
			if n := sim.Requests(); n != 1 {
				t.Errorf("%d requests: an invalid list is not asked for again", n)
			}
		})
	}
}

// TestFanOutOfAFailedTaskDoesNothing: a redelivered fan-out of a task whose
// city list was refused lists nothing and queues nothing.
func TestFanOutOfAFailedTaskDoesNothing(t *testing.T) {
	ctx := context.Background()
	sim, url := emutest.Simulator(t, refserver.DefaultConfig())
	ref, _ := refclient.New(url, refclient.WithRetries(1, time.Millisecond))
	store, catalog := embeddedStores(t)
	_ = store.Create(ctx, transit.Task{ID: "T", Date: "2024-05-01"})
	_ = store.FailFanOut(ctx, "T", "list cities: the reference server's city list is invalid: empty")
	pub := &batchRecorder{}
	f := &fanOut{ref: ref, tasks: store, catalog: catalog, cities: pub, maxReceive: 3}
	body, _ := json.Marshal(transit.FanOutMessage{TaskID: "T", Date: "2024-05-01"})
	if err := f.handle(ctx, events.SQSMessage{Body: string(body)}); err != nil || len(pub.msgs) != 0 || sim.Requests() != 0 {
		t.Fatalf("err %v, %d messages, %d requests", err, len(pub.msgs), sim.Requests())
	}
	body, _ = json.Marshal(transit.FanOutMessage{TaskID: "nope", Date: "2024-05-01"})
	if err := f.handle(ctx, events.SQSMessage{Body: string(body)}); !queue.IsPermanent(err) {
		t.Fatalf("unknown task: %v", err)
	}
}
