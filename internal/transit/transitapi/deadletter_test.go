package transitapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/transit"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

func cityLetter(t *testing.T, id, task string, city int) events.SQSMessage {
	t.Helper()
	b, err := json.Marshal(CityMessage{TaskID: task, Date: "2024-05-01",
		City: refclient.City{ID: city, Name: "City " + string(rune('A'+city)), Country: "Tuvalu"}})
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{MessageId: id, Body: string(b), Attributes: map[string]string{"ApproximateReceiveCount": "1"}}
}

func fanOutLetter(t *testing.T, id, task string) events.SQSMessage {
	t.Helper()
	b, _ := json.Marshal(transit.FanOutMessage{TaskID: task, Date: "2024-05-01"})
	return events.SQSMessage{MessageId: id, Body: string(b)}
}

func report(t *testing.T, s transit.TaskStore, id string) transit.Report {
	t.Helper()
	task, cities, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return transit.NewReport(task, cities)
}

func cityOf(r transit.Report, id int) transit.City {
	for _, c := range r.Cities {
		if c.City == id {
			return c
		}
	}
	return transit.City{}
}

// TestDeadLetterFinishesATaskWhoseLastDeliveryDied: a city whose last
// delivery never returned (timeout, out of memory) is left "retrying" and its
// task "running" until the dead-letter consumer records it.
func TestDeadLetterFinishesATaskWhoseLastDeliveryDied(t *testing.T) {
	ctx := context.Background()
	store := embeddedTasks(t)
	_ = store.Create(ctx, transit.Task{ID: "T", Date: "2024-05-01"})
	_ = store.SetCitiesTotal(ctx, "T", 5)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// 0 succeeded; 1 failed twice with a 503, then its third delivery timed out;
	// 2 timed out every time (no record); 3 was malformed (recorded, and
	// dead-lettered by the worker itself); 4 succeeded after its message was
	// dead-lettered by an earlier copy (at-least-once delivery).
	must(store.RecordCity(ctx, "T", transit.City{City: 0, Status: transit.CitySucceeded, Attempts: 1}))
	must(store.RecordCity(ctx, "T", transit.City{City: 1, Status: transit.CityRetrying, Error: "HTTP 503", Attempts: 2}))
	must(store.RecordCity(ctx, "T", transit.City{City: 3, Status: transit.CityFailed, Error: "malformed record 7", Attempts: 1}))
	must(store.RecordCity(ctx, "T", transit.City{City: 4, Status: transit.CitySucceeded, Attempts: 4}))
	if r := report(t, store, "T"); r.Status != transit.StatusRunning {
		t.Fatalf("before the dead letters: %s", r.Status)
	}

	malformed := cityLetter(t, "m3", "T", 3)
	reason := "city 3 on 2024-05-01: malformed record 7"
	malformed.MessageAttributes = map[string]events.SQSMessageAttribute{"dead_letter_reason": {StringValue: &reason, DataType: "String"}}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		cityLetter(t, "m0", "T", 0), cityLetter(t, "m1", "T", 1), cityLetter(t, "m2", "T", 2), malformed, cityLetter(t, "m4", "T", 4),
	}}
	worker := queue.Worker((&deadLetters{tasks: store, maxReceive: 3}).handle)
	for round := range 2 { // a redelivered batch changes nothing
		resp, err := worker(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("round %d: %v %+v", round, err, resp)
		}
		r := report(t, store, "T")
		if r.Status != transit.StatusPartial || r.CitiesDone != 2 || len(r.CitiesFailed) != 3 {
			t.Fatalf("round %d: %+v", round, r)
		}
		c1, c2, c3 := cityOf(r, 1), cityOf(r, 2), cityOf(r, 3)
		if c1.Status != transit.CityFailed || c1.Attempts != 3 || c1.Name != "City B" ||
			!strings.HasPrefix(c1.Error, "gave up after 3 deliveries; the last one recorded no result") ||
			!strings.HasSuffix(c1.Error, "delivery 2 failed with: HTTP 503") {
			t.Errorf("round %d: city 1 %+v", round, c1)
		}
		if c2.Status != transit.CityFailed || c2.Attempts != 3 || c2.Country != "Tuvalu" ||
			c2.Error != "gave up after 3 deliveries; the last one recorded no result (timeout, out of memory or crash)" {
			t.Errorf("round %d: city 2 %+v", round, c2)
		}
		if c3.Error != "malformed record 7" || cityOf(r, 0).Status != transit.CitySucceeded || cityOf(r, 4).Status != transit.CitySucceeded {
			t.Errorf("round %d: a final outcome changed: %+v", round, r.Cities)
		}
	}
}

func TestDeadLetterFanOut(t *testing.T) {
	ctx := context.Background()
	store := embeddedTasks(t)
	for _, id := range []string{"Q", "L", "E", "D"} {
		_ = store.Create(ctx, transit.Task{ID: id, Date: "2024-05-01"})
	}
	_ = store.SetCitiesTotal(ctx, "L", 2) // listed, then died queueing the cities
	_ = store.FailFanOut(ctx, "E", "list cities: HTTP 404")
	_ = store.SetCitiesTotal(ctx, "D", 1) // finished: a duplicate copy dead-lettered
	_ = store.RecordCity(ctx, "D", transit.City{City: 0, Status: transit.CitySucceeded, Attempts: 1})
	dl := &deadLetters{tasks: store, maxReceive: 3}
	for round := range 2 {
		for _, id := range []string{"Q", "L", "E", "D"} {
			if err := dl.handle(ctx, fanOutLetter(t, id, id)); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string][2]string{
			"Q": {transit.StatusFailed, "list cities: gave up after 3 deliveries; the last one recorded no result (timeout, out of memory or crash)"},
			"L": {transit.StatusFailed, "queue cities: gave up after 3 deliveries; the last one recorded no result (timeout, out of memory or crash)"},
			"E": {transit.StatusFailed, "list cities: HTTP 404"},
			"D": {transit.StatusSucceeded, ""},
		}
		for id, w := range want {
			if r := report(t, store, id); r.Status != w[0] || r.Error != w[1] {
				t.Errorf("round %d, task %s: %s %q, want %s %q", round, id, r.Status, r.Error, w[0], w[1])
			}
		}
	}
}

// failingStore fails every city write, as DynamoDB throttling would.
type failingStore struct{ transit.TaskStore }

func (failingStore) GiveUpCity(context.Context, string, transit.City) (bool, error) {
	return false, errors.New("throttled")
}

func TestDeadLetterKeepsWhatItCouldNotRecord(t *testing.T) {
	ctx := context.Background()
	store := failingStore{embeddedTasks(t)}
	_ = store.Create(ctx, transit.Task{ID: "T", Date: "2024-05-01"})
	worker := queue.Worker((&deadLetters{tasks: store, maxReceive: 3}).handle)
	ev := events.SQSEvent{Records: []events.SQSMessage{
		cityLetter(t, "kept", "T", 1),
		{MessageId: "garbage", Body: "{not json"}, // nothing to record it in: kept
		cityLetter(t, "unknown", "GONE", 1),       // no such task: kept
		fanOutLetter(t, "fan-out", "T"),           // recorded
	}}
	resp, err := worker(ctx, ev)
	var kept []string
	for _, f := range resp.BatchItemFailures {
		kept = append(kept, f.ItemIdentifier)
	}
	if err != nil || strings.Join(kept, " ") != "kept garbage unknown" {
		t.Fatalf("%v, kept %v; want every message but the recorded one kept", err, kept)
	}
	if r := report(t, store, "T"); r.Status != transit.StatusFailed || !strings.Contains(r.Error, "gave up after 3 deliveries") {
		t.Fatalf("fan-out dead letter: %+v", r)
	}
}

// TestDeadLetterMetric: the alarms watch DeadLetters by queue; every message
// received counts, recorded or not, readable or not.
func TestDeadLetterMetric(t *testing.T) {
	const cityDLQ = "arn:aws:sqs:eu-west-1:123456789012:TransitCityDeadLetterQueue"
	m := obs.NewMetrics("TransitDeadLetterFunction")
	ctx := obs.WithMetrics(context.Background(), m)
	store := embeddedTasks(t)
	_ = store.Create(ctx, transit.Task{ID: "T", Date: "2024-05-01"})
	dl := &deadLetters{tasks: store, maxReceive: 3, cityQueueARN: cityDLQ}
	city, garbage, fan := cityLetter(t, "c", "T", 1), events.SQSMessage{MessageId: "g", Body: "?"}, fanOutLetter(t, "f", "T")
	city.EventSourceARN, garbage.EventSourceARN = cityDLQ, cityDLQ
	fan.EventSourceARN = "arn:aws:sqs:eu-west-1:123456789012:TransitFanOutDeadLetterQueue"
	for _, msg := range []events.SQSMessage{city, garbage, fan} {
		_ = dl.handle(ctx, msg)
	}
	if c, f := m.Values("DeadLetters", obs.Dim("Queue", "city")), m.Values("DeadLetters", obs.Dim("Queue", "fan-out")); len(c) != 2 || len(f) != 1 {
		t.Fatalf("city %v, fan-out %v", c, f)
	}
}
