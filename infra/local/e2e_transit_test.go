package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
)

// TestTransitEndToEnd drives the transit routes over HTTP through make run's
// binary, with the reference-server simulator it starts itself.
func TestTransitEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	s := startServer(t, buildServer(t), t.TempDir(), "REFERENCE_SERVER_URL=", "MOSAIC_REFSERVER_CITIES=6", "MOSAIC_REFSERVER_COUNTRIES=3")

	process := func(t *testing.T, date string) map[string]any {
		t.Helper()
		r := call(t, "POST", s.url+"/process-request?date="+date, "Bearer dev-writer", nil)
		if r.status != 202 || r.decoded["status"] != "queued" || r.decoded["task_id"] == "" {
			t.Fatalf("POST /process-request = %d %s", r.status, r.body)
		}
		return waitTask(t, s, r.decoded["task_id"].(string))
	}

	t.Run("ingest a date, then again: nothing uploaded the second time", func(t *testing.T) {
		first := process(t, "2024-05-01")
		if first["status"] != "succeeded" || first["cities_total"] != float64(6) || first["cities_done"] != float64(6) {
			t.Fatalf("first task: %v", first)
		}
		second := process(t, "2024-05-01")
		if second["status"] != "succeeded" {
			t.Fatalf("second task: %v", second)
		}
		for _, c := range second["cities"].([]any) {
			if c.(map[string]any)["unchanged"] != true {
				t.Fatalf("second ingest uploaded city %v", c)
			}
		}
	})
	t.Run("country stats", func(t *testing.T) {
		r := call(t, "GET", s.url+"/country-stats?from=2024-05-01&to2024-05-02", "Bearer dev-reader", nil)
		if r.status != 200 {
			t.Fatalf("GET /country-stats = %d %s", r.status, r.body)
		}
		countries := r.decoded["countries"].(map[string]any)
		if len(countries) != 3 {
			t.Fatalf("countries: %v", countries)
		}
		var buses float64
		for name, days := range countries {
			d1 := days.(map[string]any)["2024-05-01"].(map[string]any)
			d2 := days.(map[string]any)["2024-05-02"].(map[string]any)
			if d1["buses_started"].(float64) < 1000 || d1["average_delay_seconds"] == nil || d2["buses_started"] != float64(0) || d2["average_delay_seconds"] != nil {
				t.Errorf("%s: %v / %v", name, d1, d2)
			}
			buses += d1["buses_started"].(float64)
		}
		if buses < 6000 || buses > 18000 {
			t.Errorf("%v buses for 6 cities of 1000..3000", buses)
		}
		for _, q := range []string{"from=2024-05-02&to=2024-05-01", "from=2024-02-30&to=2024-03-01", "from=2023-01-01&to=2024-12-31"} {
			if r := call(t, "GET", s.url+"/country-stats?"+q, "Bearer dev-reader", nil); r.status != 400 {
				t.Errorf("%s: %d", q, r.status)
			}
		}
	})
	t.Run("roles and validation", func(t *testing.T) {
		if r := call(t, "POST", s.url+"/process-request?date=2024-05-01", "Bearer dev-reader", nil); r.status != 403 {
			t.Errorf("reader may not process: %d", r.status)
		}
		if r := call(t, "POST", s.url+"/process-request?date=2024-02-30", "Bearer dev-writer", nil); r.status != 400 {
			t.Errorf("bad date: %d", r.status)
		}
		if r := call(t, "GET", s.url+"/process-request/NOPE", "Bearer dev-reader", nil); r.status != 404 {
			t.Errorf("unknown task: %d", r.status)
		}
	})
	s.stop(t)
}

// TestTransitEndToEndFaults points make run at a simulator that sends a
// malformed record: the city fails, no object is stored, the task says so.
func TestTransitEndToEndFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	c := refserver.DefaultConfig()
	c.Cities, c.Countries = 2, 1
	c.Faults.MalformedEvery = 700
	sim, err := refserver.New(c)
	if err != nil {
		t.Fatal(err)
	}
	ref := httptest.NewServer(sim)
	defer ref.Close()
	s := startServer(t, buildServer(t), t.TempDir(), "REFERENCE_SERVER_URL="+ref.URL)
	r := call(t, "POST", s.url+"/process-request?date=2024-05-01", "Bearer dev-writer", nil)
	if r.status != 202 {
		t.Fatalf("POST /process-request = %d %s", r.status, r.body)
	}
	task := waitTask(t, s, r.decoded["task_id"].(string))
	failed, _ := task["cities_failed"].([]any)
	if task["status"] != "failed" || len(failed) != 2 || !strings.Contains(fmt.Sprint(failed[0]), "malformed") {
		t.Fatalf("task: %v", task)
	}
	stats := call(t, "GET", s.url+"/country-stats?from=2024-05-01&to=2024-05-01", "Bearer dev-reader", nil)
	for _, days := range stats.decoded["countries"].(map[string]any) {
		if d := days.(map[string]any)["2024-05-01"].(map[string]any); d["buses_started"] != float64(0) {
			t.Fatalf("a failed city left data: %v", d)
		}
	}
	s.stop(t)
}

// waitTask polls a task until it is finished.
func waitTask(t *testing.T, s *localServer, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := call(t, "GET", s.url+"/process-request/"+id, "Bearer dev-reader", nil)
		if r.status != 200 {
			t.Fatalf("GET /process-request/%s = %d %s", id, r.status, r.body)
		}
		switch r.decoded["status"] {
		case "succeeded", "partial", "failed":
			return r.decoded
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s not finished after 60s: %s", id, r.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestTransitEndToEndStalledCity: a city whose reference server never answers
// within the worker's timeout (as a stalled upstream would) does not hold its
// task: each delivery stops in time to record itself before the function's
// timeout, the queue delivers it again, and the last delivery fails it, so the
// task finishes. The template is the real one with the city worker's timeout
// (and its queue's visibility) lowered to seconds. (A delivery that dies
// without returning is recorded by TransitDeadLetterFunction:
// internal/transit/transitapi/deadletter_test.go.)
func TestTransitEndToEndStalledCity(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	src, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl := string(src)
	for old, repl := range map[string]string{
		"      Timeout: 900\n":            "      Timeout: 2\n",
		"      VisibilityTimeout: 1200 #": "      VisibilityTimeout: 3 #",
	} {
		if strings.Count(tpl, old) != 1 {
			t.Fatalf("template.yaml no longer has exactly one %q", old)
		}
		tpl = strings.Replace(tpl, old, repl, 1)
	}
	tplPath := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(tplPath, []byte(tpl), 0o600); err != nil {
		t.Fatal(err)
	}

	c := refserver.DefaultConfig()
	c.Cities, c.Countries = 2, 1
	sim, err := refserver.New(c)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	ref := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/cities/1/") { // never answers within the timeout
			select {
			case <-r.Context().Done():
			case <-done:
			}
			return
		}
		sim.ServeHTTP(w, r)
	}))
	defer ref.Close()
	defer close(done)
	s := startServerArgs(t, buildServer(t), t.TempDir(), []string{"-template", tplPath}, "REFERENCE_SERVER_URL="+ref.URL)
	r := call(t, "POST", s.url+"/process-request?date=2024-05-01", "Bearer dev-writer", nil)
	if r.status != 202 {
		t.Fatalf("POST /process-request = %d %s", r.status, r.body)
	}
	task := waitTask(t, s, r.decoded["task_id"].(string))
	failed, _ := task["cities_failed"].([]any)
	if task["status"] != "partial" || task["cities_done"] != float64(1) || len(failed) != 1 ||
		failed[0].(map[string]any)["city"] != float64(1) ||
		!strings.Contains(fmt.Sprint(failed[0]), "before the function's timeout") {
		t.Fatalf("task: %v", task)
	}
	for _, city := range task["cities"].([]any) {
		if city := city.(map[string]any); city["city"] == float64(1) && city["attempts"] != float64(3) {
			t.Errorf("the stalled city ended after %v deliveries, want 3", city["attempts"])
		}
	}
	s.stop(t)
}

// TestTransitEndToEndDistrustsTheReferenceServer points make run at a
// simulator that misbehaves as real upstreams do, switched between tasks
// through its X-Fault headers: bad city lists fail the task at once with the
// reason; a city answering 404 fails on its first answer while the others
// are stored; names in any script, or differing only by case or accents, stay
// distinct countries; and country-stats tells days never ingested from days
// without buses.
func TestTransitEndToEndDistrustsTheReferenceServer(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	c := refserver.DefaultConfig()
	c.Names, c.Cities, c.Countries = refserver.NamesAnyScript, 6, 6 // one city per country
	c.MinRecords, c.MaxRecords = 100, 300
	sim, err := refserver.New(c)
	if err != nil {
		t.Fatal(err)
	}
	var faults atomic.Value
	faults.Store(http.Header{})
	ref := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range faults.Load().(http.Header) {
			r.Header[k] = v
		}
		sim.ServeHTTP(w, r)
	}))
	defer ref.Close()
	s := startServer(t, buildServer(t), t.TempDir(), "REFERENCE_SERVER_URL="+ref.URL)
	process := func(date string, fault ...string) map[string]any {
		t.Helper()
		h := http.Header{}
		for i := 0; i+1 < len(fault); i += 2 {
			h.Set(fault[i], fault[i+1])
		}
		faults.Store(h)
		r := call(t, "POST", s.url+"/process-request?date="+date, "Bearer dev-writer", nil)
		if r.status != 202 {
			t.Fatalf("POST /process-request = %d %s", r.status, r.body)
		}
		return waitTask(t, s, r.decoded["task_id"].(string))
	}

	for fault, reason := range map[string]string{"empty": "empty", "null": "null instead of an array",
		"duplicate-ids": "is listed twice", "bad-entry": "no name"} {
		task := process("2024-05-01", "X-Fault-City-List", fault)
		if task["status"] != "failed" || !strings.Contains(fmt.Sprint(task["error"]), reason) || task["cities_total"] != float64(0) {
			t.Errorf("city list %s: task %v", fault, task)
		}
	}

	missing := sim.Cities()[1]
	task := process("2024-05-01", "X-Fault-Missing-Cities", "1")
	failed, _ := task["cities_failed"].([]any)
	if task["status"] != "partial" || task["cities_done"] != float64(5) || len(failed) != 1 ||
		failed[0].(map[string]any)["city"] != float64(1) || !strings.Contains(fmt.Sprint(failed[0]), "404 Not Found") {
		t.Fatalf("a city answering 404: task %v", task)
	}
	for _, city := range task["cities"].([]any) {
		if city := city.(map[string]any); city["city"] == float64(1) && city["attempts"] != float64(1) {
			t.Errorf("the 404 city was tried %v times, want once", city["attempts"])
		}
	}

	r := call(t, "GET", s.url+"/country-stats?from=2024-05-01&to=2024-05-02", "Bearer dev-reader", nil)
	if r.status != 200 {
		t.Fatalf("GET /country-stats = %d %s", r.status, r.body)
	}
	countries := r.decoded["countries"].(map[string]any)
	if len(countries) != 6 {
		t.Fatalf("%d countries: %v", len(countries), countries)
	}
	for _, city := range sim.Cities() {
		days, ok := countries[city.Country].(map[string]any)
		if !ok {
			t.Fatalf("no country named exactly %q in %v", city.Country, countries)
		}
		d1, d2 := days["2024-05-01"].(map[string]any), days["2024-05-02"].(map[string]any)
		wantBuses := city.ID != missing.ID
		if d1["ingested"] != true || (d1["buses_started"].(float64) > 0) != wantBuses || d1["cities_ingested"] != map[bool]any{true: float64(1), false: float64(0)}[wantBuses] {
			t.Errorf("%s on an ingested day: %v", city.Country, d1)
		}
		if d2["ingested"] != false || d2["buses_started"] != float64(0) || d2["average_delay_seconds"] != nil {
			t.Errorf("%s on a day never ingested: %v", city.Country, d2)
		}
	}
	s.stop(t)
}
