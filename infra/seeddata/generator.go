package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Plan is what one run loads.
type Plan struct {
	BaseURL     string // the API, e.g. http://127.0.0.1:8080
	Token       string // a writer (or admin) token
	Users       int    // customers the dialogs are spread over
	Dialogs     int
	Consents    int // dialogs that get consent (the others stay pending and expire)
	Messages    int // messages per dialog
	Concurrency int // dialogs loaded at once
	Prefix      string
	Seed        uint64
	MaxAttempts int // per request, retries included
}

// Check reports every invalid field of p.
func (p Plan) Check() error {
	var errs []string
	if p.Users < 1 {
		errs = append(errs, "-u must be at least 1")
	}
	if p.Dialogs < 0 {
		errs = append(errs, "-d must not be negative")
	}
	if p.Consents < 0 || p.Consents > p.Dialogs {
		errs = append(errs, "-c must be from 0 to -d")
	}
	if p.Messages < 1 {
		errs = append(errs, "-m must be at least 1")
	}
	if p.Concurrency < 1 {
		errs = append(errs, "-concurrency must be at least 1")
	}
	if p.MaxAttempts < 1 {
		errs = append(errs, "-attempts must be at least 1")
	}
	if !strings.HasPrefix(p.BaseURL, "http://") && !strings.HasPrefix(p.BaseURL, "https://") {
		errs = append(errs, "-url must be an http:// or https:// URL")
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// Stats counts what a run did; safe for concurrent use.
type Stats struct {
	DialogsDone atomic.Int64
	Messages    atomic.Int64
	Consents    atomic.Int64
	Requests    atomic.Int64 // every HTTP request, retries included
	Retries     atomic.Int64
	Failed      atomic.Int64 // dialogs that could not be loaded
	InFlight    atomic.Int64
	MaxInFlight atomic.Int64
}

// Generator loads a Plan through the public API.
type Generator struct {
	Plan   Plan
	Client *http.Client
	Stats  Stats
	Errors func(error) // told of each failed dialog; may be nil

	sleep func(context.Context, time.Duration) error
}

var words = strings.Fields(`hello thanks order delivery parcel refund invoice account password
	address change cancel late broken help please today tomorrow where when status question
	payment card support agent wait problem great fine address shipping return size colour`)

var languages = []string{"EN", "DE", "FR", "ES", "IT", "NL", "PT", "PL"}

// Run loads every dialog, at most Concurrency at a time, until done or ctx ends.
func (g *Generator) Run(ctx context.Context) error {
	if err := g.Plan.Check(); err != nil {
		return err
	}
	if g.sleep == nil {
		g.sleep = sleepCtx
	}
	rng := rand.New(rand.NewPCG(g.Plan.Seed, 0x5eed))
	consent := rng.Perm(g.Plan.Dialogs)[:g.Plan.Consents] // which dialogs consent
	consents := make(map[int]bool, len(consent))
	for _, i := range consent {
		consents[i] = true
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := range g.Plan.Concurrency {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(g.Plan.Seed, uint64(w)+1))
			for i := range jobs {
				if err := g.loadDialog(ctx, r, i, consents[i]); err != nil {
					g.Stats.Failed.Add(1)
					if g.Errors != nil {
						g.Errors(err)
					}
				}
				g.Stats.DialogsDone.Add(1)
			}
		})
	}
	for i := range g.Plan.Dialogs {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	return ctx.Err()
}

// loadDialog pushes one dialog's messages in order, then its consent.
func (g *Generator) loadDialog(ctx context.Context, r *rand.Rand, i int, consent bool) error {
	customer := fmt.Sprintf("%s-user-%d", g.Plan.Prefix, i%g.Plan.Users)
	dialog := fmt.Sprintf("%s-dialog-%d", g.Plan.Prefix, i)
	lang := languages[r.IntN(len(languages))]
	for m := range g.Plan.Messages {
		n := 3 + r.IntN(12)
		ws := make([]string, n)
		for k := range ws {
			ws[k] = words[r.IntN(len(words))]
		}
		body, _ := json.Marshal(map[string]string{"text": strings.Join(ws, " "), "language": lang})
		key := fmt.Sprintf("%s-%d", dialog, m) // a retried push is stored once
		if err := g.do(ctx, "/data/"+customer+"/"+dialog, body, key, http.StatusCreated); err != nil {
			return fmt.Errorf("dialog %s message %d: %w", dialog, m, err)
		}
		g.Stats.Messages.Add(1)
	}
	if consent {
		if err := g.do(ctx, "/consents/"+dialog, []byte("true"), "", http.StatusNoContent); err != nil {
			return fmt.Errorf("dialog %s consent: %w", dialog, err)
		}
		g.Stats.Consents.Add(1)
	}
	return nil
}

// do POSTs body, retrying network errors, 429 and 5xx with exponential
// backoff and full jitter (or the Retry-After the server asks for).
func (g *Generator) do(ctx context.Context, path string, body []byte, key string, want int) error {
	var last error
	for attempt := range g.Plan.MaxAttempts {
		if attempt > 0 {
			g.Stats.Retries.Add(1)
			wait := time.Duration(rand.Int64N(int64(100*time.Millisecond) << min(attempt, 6)))
			var ra *retryAfter
			if asRetryAfter(last, &ra) {
				wait = ra.d
			}
			if err := g.sleep(ctx, wait); err != nil {
				return err
			}
		}
		status, retry, err := g.post(ctx, path, body, key)
		switch {
		case err == nil && status == want:
			return nil
		case err != nil:
			last = err
		case status == http.StatusTooManyRequests || status >= 500:
			last = &retryAfter{status: status, d: retry}
		default:
			return fmt.Errorf("POST %s: status %d, want %d", path, status, want)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return fmt.Errorf("POST %s: gave up after %d attempts: %w", path, g.Plan.MaxAttempts, last)
}

// post makes one request and returns its status and Retry-After.
func (g *Generator) post(ctx context.Context, path string, body []byte, key string) (int, time.Duration, error) {
	n := g.Stats.InFlight.Add(1)
	defer g.Stats.InFlight.Add(-1)
	for m := g.Stats.MaxInFlight.Load(); n > m && !g.Stats.MaxInFlight.CompareAndSwap(m, n); m = g.Stats.MaxInFlight.Load() {
	}
	g.Stats.Requests.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(g.Plan.BaseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+g.Plan.Token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := g.Client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body) // keep the connection reusable
	var retry time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		retry = time.Duration(s) * time.Second
	}
	return resp.StatusCode, retry, nil
}

// retryAfter is a retryable answer and how long the server asked to wait (0: not said).
type retryAfter struct {
	status int
	d      time.Duration
}

func (r *retryAfter) Error() string { return "status " + strconv.Itoa(r.status) }

func asRetryAfter(err error, out **retryAfter) bool {
	ra, ok := err.(*retryAfter)
	if ok && ra.d > 0 {
		*out = ra
		return true
	}
	return false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
