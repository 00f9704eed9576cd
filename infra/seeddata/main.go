// Command seeddata loads test dialogs into Mosaic through its public API, like
// the original service's generate_data.py: -u users, -d dialogs of -m
// messages each, -c of them consented. It works against `make run` or a
// deployed stage (-url, -token), loads -concurrency dialogs at once, shows a
// progress bar and reports the throughput at the end.
//
// The API is -url, else MOSAIC_URL, else http://127.0.0.1:$PORT (8080), the
// address `make run` listens on. Nothing is loaded unless that API answers
// GET /health within 5 s.
//
//	go run ./infra/seeddata -u 100 -d 1000 -c 500          # or: make seed-data ARGS="..."
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "seeddata:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// defaultURL is where `make run` listens with the same environment.
func defaultURL() string {
	return envOr("MOSAIC_URL", "http://127.0.0.1:"+envOr("PORT", "8080"))
}

// reachTimeout bounds the check that the API answers before anything is loaded.
const reachTimeout = 5 * time.Second

// checkReachable fails with one line when nothing answers GET /health at base.
func checkReachable(ctx context.Context, client *http.Client, base string) error {
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	url := strings.TrimRight(base, "/") + "/health"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("-url %q: %w", base, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("nothing answers at %s (%s); start the stack with `make run` (this tool follows PORT), or point -url or MOSAIC_URL at it", base, cause(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s answered %d, not 200: is -url (or MOSAIC_URL) a Mosaic API?", url, resp.StatusCode)
	}
	return nil
}

// cause is the innermost message of a request error ("connection refused").
func cause(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s", reachTimeout)
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("seeddata", flag.ContinueOnError)
	fs.SetOutput(out)
	var p Plan
	fs.StringVar(&p.BaseURL, "url", defaultURL(), "the API's base URL (env MOSAIC_URL; default http://127.0.0.1:$PORT, as make run listens)")
	fs.StringVar(&p.Token, "token", envOr("MOSAIC_TOKEN", "dev-writer"), "a writer token (env MOSAIC_TOKEN)")
	fs.IntVar(&p.Users, "u", 100, "users (customers) the dialogs are spread over")
	fs.IntVar(&p.Dialogs, "d", 1000, "dialogs to create")
	fs.IntVar(&p.Consents, "c", 500, "dialogs that get consent (the others stay pending and expire)")
	fs.IntVar(&p.Messages, "m", 3, "messages per dialog")
	fs.IntVar(&p.Concurrency, "concurrency", 16, "dialogs loaded at once")
	fs.IntVar(&p.MaxAttempts, "attempts", 6, "attempts per request (retries on errors, 429 and 5xx)")
	fs.Uint64Var(&p.Seed, "seed", 1, "random seed of the texts and of which dialogs consent")
	fs.StringVar(&p.Prefix, "prefix", "", "prefix of the generated ids (default: random, so runs never collide)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if p.Prefix == "" {
		p.Prefix = "seed-" + strings.ToLower(rand.Text()[:6])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = p.Concurrency // keep-alive for every worker
	g := &Generator{Plan: p, Client: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
	if err := p.Check(); err != nil {
		return err
	}
	if err := checkReachable(ctx, g.Client, p.BaseURL); err != nil {
		return err
	}
	// A dialog that failed because the API stopped answering ends the run: the
	// others would only fail the same way, slowly.
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	var firstErr error
	errs := make(chan error, 1)
	g.Errors = func(err error) {
		select {
		case errs <- err:
		default:
		}
		if unreachable(err) {
			abort(fmt.Errorf("the API stopped answering: %w", err))
		}
	}
	fmt.Fprintf(out, "Loading %d dialogs of %d messages (%d consented) for %d users into %s, %d at a time; ids start with %s\n",
		p.Dialogs, p.Messages, p.Consents, p.Users, p.BaseURL, p.Concurrency, p.Prefix)
	start := time.Now()
	bar := newProgress(out, p.Dialogs, &g.Stats, start)
	done := make(chan struct{})
	go bar.loop(done)
	runErr := g.Run(ctx)
	close(done)
	bar.draw(true)
	elapsed := time.Since(start)
	select {
	case firstErr = <-errs:
	default:
	}

	s := &g.Stats
	secs := max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(out, "Loaded %d dialogs, %d messages, %d consents in %s: %.0f requests/s, %.0f dialogs/s (%d requests, %d retries, %d dialogs failed)\n",
		s.DialogsDone.Load()-s.Failed.Load(), s.Messages.Load(), s.Consents.Load(), elapsed.Round(time.Millisecond),
		float64(s.Requests.Load())/secs, float64(s.DialogsDone.Load()-s.Failed.Load())/secs,
		s.Requests.Load(), s.Retries.Load(), s.Failed.Load())
	switch {
	case context.Cause(ctx) != nil && context.Cause(ctx) != ctx.Err():
		return context.Cause(ctx)
	case runErr != nil:
		return runErr
	case s.Failed.Load() > 0:
		return fmt.Errorf("%d dialogs failed; the first: %w", s.Failed.Load(), firstErr)
	}
	return nil
}

// unreachable reports whether err comes from failing to reach the API at all
// (refused, reset, no route), as opposed to an answer the API gave.
func unreachable(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}
