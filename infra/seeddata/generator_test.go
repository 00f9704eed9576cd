package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAPI answers like Mosaic's Dialogs routes, failing every third first
// attempt with a 503 to exercise the retries, and records what it got.
type fakeAPI struct {
	mu       sync.Mutex
	messages map[string][]string // dialog -> idempotency keys, in order
	owners   map[string]string
	consents map[string]int
	seen     map[string]bool // keys already failed once
	calls    atomic.Int64
	bad      atomic.Int64 // requests that broke the contract
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.calls.Add(1)
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
		f.bad.Add(1)
	}
	time.Sleep(time.Millisecond) // let workers overlap
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 3 && parts[0] == "data":
		key := r.Header.Get("Idempotency-Key")
		if n%3 == 0 && !f.seen[key] {
			f.seen[key] = true
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var body struct{ Text, Language string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Text == "" || len(body.Language) != 2 || key == "" {
			f.bad.Add(1)
		}
		if o, ok := f.owners[parts[2]]; ok && o != parts[1] {
			f.bad.Add(1)
		}
		f.owners[parts[2]] = parts[1]
		f.messages[parts[2]] = append(f.messages[parts[2]], key)
		w.WriteHeader(http.StatusCreated)
	case len(parts) == 2 && parts[0] == "consents":
		if len(f.messages[parts[1]]) == 0 {
			f.bad.Add(1) // consent before the dialog exists
		}
		f.consents[parts[1]]++
		w.WriteHeader(http.StatusNoContent)
	default:
		f.bad.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}
}

func TestGeneratorLoadsThePlan(t *testing.T) {
	api := &fakeAPI{messages: map[string][]string{}, owners: map[string]string{}, consents: map[string]int{}, seen: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	g := &Generator{
		Plan:   Plan{BaseURL: srv.URL, Token: "tok", Users: 7, Dialogs: 60, Consents: 25, Messages: 3, Concurrency: 4, Prefix: "t", Seed: 9, MaxAttempts: 4},
		Client: srv.Client(),
		sleep:  func(context.Context, time.Duration) error { return nil },
	}
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	users := map[string]bool{}
	for d, keys := range api.messages {
		if len(keys) != 3 || keys[0] != d+"-0" || keys[2] != d+"-2" {
			t.Errorf("dialog %s got keys %v", d, keys)
		}
		users[api.owners[d]] = true
	}
	consented := 0
	for _, n := range api.consents {
		consented += n
	}
	switch {
	case api.bad.Load() > 0:
		t.Errorf("%d requests broke the API's contract", api.bad.Load())
	case len(api.messages) != 60 || len(users) != 7 || consented != 25 || len(api.consents) != 25:
		t.Errorf("loaded %d dialogs of %d users, %d consents on %d dialogs; want 60, 7, 25, 25", len(api.messages), len(users), consented, len(api.consents))
	case g.Stats.Retries.Load() == 0 || g.Stats.Failed.Load() != 0:
		t.Errorf("retries %d, failed %d", g.Stats.Retries.Load(), g.Stats.Failed.Load())
	case g.Stats.MaxInFlight.Load() > 4:
		t.Errorf("%d requests in flight at once, want at most 4", g.Stats.MaxInFlight.Load())
	case g.Stats.Requests.Load() != api.calls.Load():
		t.Errorf("counted %d requests, the server got %d", g.Stats.Requests.Load(), api.calls.Load())
	}
}

func TestGeneratorReportsRefusals(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }))
	defer srv.Close()
	var errs []error
	g := &Generator{
		Plan:   Plan{BaseURL: srv.URL, Token: "tok", Users: 1, Dialogs: 3, Consents: 1, Messages: 1, Concurrency: 1, MaxAttempts: 3},
		Client: srv.Client(),
		Errors: func(err error) { errs = append(errs, err) },
	}
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g.Stats.Failed.Load() != 3 || len(errs) != 3 || g.Stats.Retries.Load() != 0 || !strings.Contains(errs[0].Error(), "status 403") {
		t.Fatalf("failed %d, retries %d, errors %v", g.Stats.Failed.Load(), g.Stats.Retries.Load(), errs)
	}
}

func TestPlanCheck(t *testing.T) {
	good := Plan{BaseURL: "http://x", Users: 1, Dialogs: 2, Consents: 2, Messages: 1, Concurrency: 1, MaxAttempts: 1}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func(*Plan){
		func(p *Plan) { p.Users = 0 },
		func(p *Plan) { p.Consents = 3 },
		func(p *Plan) { p.Consents = -1 },
		func(p *Plan) { p.Messages = 0 },
		func(p *Plan) { p.Concurrency = 0 },
		func(p *Plan) { p.BaseURL = "localhost:8080" },
	} {
		p := good
		bad(&p)
		if p.Check() == nil {
			t.Errorf("Check accepted %+v", p)
		}
	}
}
