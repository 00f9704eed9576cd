package ingest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/infra/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/transit/ingest"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
	"github.com/mosaic-platform/mosaic/internal/transit/tasks"
	"github.com/mosaic-platform/mosaic/internal/transit/transittest"
)

type batchRecorder struct{ msgs []queue.Message }

func (b *batchRecorder) PublishBatch(_ context.Context, m []queue.Message) error {
	b.msgs = append(b.msgs, m...)
	return nil
}

type countryRecorder map[string]string

func (c countryRecorder) AddCountries(_ context.Context, names map[string]string) error {
	for k, v := range names {
		c[k] = v
	}
	return nil
}

func TestFanOut(t *testing.T) {
	cfg := refserver.DefaultConfig()
	cfg.Cities, cfg.Countries = 25, 5
	sim, url := transittest.Simulator(t, cfg)
	ref, _ := refclient.New(url, refclient.WithRetries(2, time.Millisecond))
	ctx := context.Background()
	store := tasks.NewMemStore()
	_ = store.Create(ctx, tasks.Task{ID: "T", Date: "2024-05-01"})
	pub, countries := &batchRecorder{}, countryRecorder{}
	f := &ingest.FanOut{Ref: ref, Tasks: store, Countries: countries, Cities: pub, MaxReceive: 3}
	body, _ := json.Marshal(tasks.FanOutMessage{TaskID: "T", Date: "2024-05-01"})
	if err := f.Handle(ctx, events.SQSMessage{Body: string(body)}); err != nil {
		t.Fatal(err)
	}
	task, _, _ := store.Get(ctx, "T")
	if task.CitiesTotal != 25 || len(pub.msgs) != 25 || len(countries) != 5 {
		t.Fatalf("total %d, %d messages, %d countries", task.CitiesTotal, len(pub.msgs), len(countries))
	}
	for i, m := range pub.msgs {
		c := m.Body.(ingest.CityMessage)
		if c.TaskID != "T" || c.Date != "2024-05-01" || c.City.ID != i || c.City.Name != sim.Cities()[i].Name {
			t.Fatalf("message %d: %+v", i, c)
		}
	}

	// A reference server that stays down fails the task on the last delivery.
	down, _ := refclient.New("http://127.0.0.1:1", refclient.WithRetries(1, time.Millisecond))
	_ = store.Create(ctx, tasks.Task{ID: "D", Date: "2024-05-01"})
	f.Ref = down
	body, _ = json.Marshal(tasks.FanOutMessage{TaskID: "D", Date: "2024-05-01"})
	for _, tc := range []struct {
		receive    string
		wantFailed bool
	}{{"1", false}, {"3", true}} {
		receive, wantFailed := tc.receive, tc.wantFailed
		err := f.Handle(ctx, events.SQSMessage{Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": receive}})
		task, _, _ := store.Get(ctx, "D")
		if err == nil || (task.FanOutError != "") != wantFailed {
			t.Fatalf("receive %s: err %v, task %+v", receive, err, task)
		}
	}
	if err := f.Handle(ctx, events.SQSMessage{Body: "{"}); !queue.IsPermanent(err) {
		t.Fatalf("bad body: %v", err)
	}
}
