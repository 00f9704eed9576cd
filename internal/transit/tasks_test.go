package transit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// storeContract is what every Store must do.
func storeContract(t *testing.T, ctx context.Context, s TaskStore) {
	created := time.Now().UTC().Truncate(time.Second) // relative to now: the task TTL (30 days) never overtakes it
	if err := s.Create(ctx, Task{ID: "A", Date: "2024-05-01", CreatedAt: created, CitiesTotal: -1}); err != nil {
		t.Fatal(err)
	}
	task, cities, err := s.Get(ctx, "A")
	if err != nil || task.Date != "2024-05-01" || task.CitiesTotal != -1 || !task.CreatedAt.Equal(created) || len(cities) != 0 {
		t.Fatalf("new task: %+v %+v %v", task, cities, err)
	}
	if _, _, err := s.Get(ctx, "B"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown task: %v", err)
	}
	if err := s.SetCitiesTotal(ctx, "B", 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetCitiesTotal on unknown task: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SetCitiesTotal(ctx, "A", 3))
	must(s.RecordCity(ctx, "A", City{City: 2, Name: "Port Jessica", Country: "Côte d'Ivoire", Status: CityRetrying, Error: "503", Attempts: 1}))
	must(s.RecordCity(ctx, "A", City{City: 2, Name: "Port Jessica", Country: "Côte d'Ivoire", Status: CitySucceeded, Unchanged: true, Attempts: 2}))
	must(s.RecordCity(ctx, "A", City{City: 2, Status: CityFailed, Error: "late", Attempts: 1})) // ignored
	must(s.RecordCity(ctx, "A", City{City: 10, Status: CityFailed, Error: "malformed", Attempts: 1}))
	task, cities, err = s.Get(ctx, "A")
	must(err)
	if task.CitiesTotal != 3 || len(cities) != 2 {
		t.Fatalf("task %+v cities %+v", task, cities)
	}
	if c := cities[0]; c.City != 2 || c.Status != CitySucceeded || !c.Unchanged || c.Attempts != 2 || c.Country != "Côte d'Ivoire" {
		t.Fatalf("city 2: %+v", c)
	}
	if c := cities[1]; c.City != 10 || c.Status != CityFailed || c.Error != "malformed" {
		t.Fatalf("city 10: %+v", c)
	}
	must(s.FailFanOut(ctx, "A", "list cities: 503"))
	task, _, _ = s.Get(ctx, "A")
	if task.FanOutError != "list cities: 503" {
		t.Fatalf("fan-out error: %+v", task)
	}

	// Dead letters: recorded once, never over a final outcome.
	giveUp := func(c City, want bool) {
		t.Helper()
		wrote, err := s.GiveUpCity(ctx, "A", c)
		if err != nil || wrote != want {
			t.Fatalf("GiveUpCity(%+v) = %v, %v; want %v", c, wrote, err, want)
		}
	}
	giveUp(City{City: 2, Error: "gave up"}, false)  // succeeded
	giveUp(City{City: 10, Error: "gave up"}, false) // failed with its own error
	must(s.RecordCity(ctx, "A", City{City: 11, Status: CityRetrying, Error: "503", Attempts: 2}))
	giveUp(City{City: 11, Name: "Eleven", Error: "gave up after 3 deliveries", Attempts: 3}, true)
	giveUp(City{City: 11, Error: "again"}, false) // a redelivered dead letter
	giveUp(City{City: 12, Error: "gave up after 3 deliveries", Attempts: 3}, true)
	_, cities, err = s.Get(ctx, "A")
	must(err)
	if len(cities) != 4 || cities[0].Status != CitySucceeded || cities[1].Error != "malformed" ||
		cities[2] != (City{City: 11, Name: "Eleven", Status: CityFailed, Error: "gave up after 3 deliveries", Attempts: 3}) ||
		cities[3].Status != CityFailed {
		t.Fatalf("cities after dead letters: %+v", cities)
	}
	must(s.RecordCity(ctx, "A", City{City: 11, Status: CitySucceeded, Attempts: 4})) // success still wins
	if _, cities, _ = s.Get(ctx, "A"); cities[2].Status != CitySucceeded {
		t.Fatalf("a late success was not recorded: %+v", cities[2])
	}
	if _, err := s.GiveUpCity(ctx, "B", City{City: 1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GiveUpCity on unknown task: %v", err)
	}
	if wrote, err := s.GiveUpFanOut(ctx, "A", "gave up"); wrote || err != nil {
		t.Fatalf("GiveUpFanOut over a recorded error = %v, %v", wrote, err)
	}
	must(s.Create(ctx, Task{ID: "F", Date: "2024-05-01", CreatedAt: created}))
	for i, want := range []bool{true, false} {
		if wrote, err := s.GiveUpFanOut(ctx, "F", fmt.Sprint("gave up ", i)); wrote != want || err != nil {
			t.Fatalf("GiveUpFanOut #%d = %v, %v", i, wrote, err)
		}
	}
	if task, _, _ = s.Get(ctx, "F"); task.FanOutError != "gave up 0" {
		t.Fatalf("fan-out error: %+v", task)
	}
	if _, err := s.GiveUpFanOut(ctx, "B", "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GiveUpFanOut on unknown task: %v", err)
	}
}

// The contract runs on the embedded emulator always, and on the stack's
// DynamoDB Local (AWS's own emulator), with the outbox's transaction too.
func TestTaskTable(t *testing.T) {
	db, table := emutest.EmbeddedTable(t, "TransitTable")
	storeContract(t, context.Background(), NewTaskTable(db, table, nil))
}

func TestTaskTableOnTheStack(t *testing.T) {
	env := startStack(t)
	ob := outbox.NewTable(env.DB, emutest.CreateTable(t, env.DB, "OutboxTable", false))
	storeContract(t, env.Ctx, NewTaskTable(env.DB, env.Table, ob))
	// Each task's fan-out work was recorded with it.
	due, err := ob.Due(env.Ctx, time.Now().Add(time.Hour), 10)
	var ids []string
	for _, m := range due {
		ids = append(ids, m.ID)
	}
	if slices.Sort(ids); err != nil || strings.Join(ids, " ") != "transit-fan-out/A transit-fan-out/F" {
		t.Fatalf("outbox: %v, %v", ids, err)
	}
}
