// Package refclient talks to the transit reference server (GET /cities,
// GET /cities/{id}/stats?date=) with time-outs, bounded retries with
// exponential backoff and full jitter, and a limit on calls in flight, and
// validates what it answers before it is trusted.
//
// It is a package of its own, apart from transit, because it is self-contained:
// it knows HTTP and the reference server's formats and nothing of tasks,
// storage or queues, and its tests run against the simulator alone.
package refclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// City is one city as the reference server lists it.
type City struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`
}

// Client calls one reference server.
type Client struct {
	base     string
	http     *http.Client
	attempts int
	backoff  time.Duration // first backoff; doubles per attempt, capped at maxWait
	maxWait  time.Duration
	slots    chan struct{}
}

// Option configures a Client.
type Option func(*Client)

// WithRetries sets the number of attempts per call and the first backoff.
func WithRetries(attempts int, first time.Duration) Option {
	return func(c *Client) { c.attempts, c.backoff = max(attempts, 1), first }
}

// New returns a client for the server at base (e.g. http://127.0.0.1:8090).
func New(base string, opts ...Option) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("reference server URL %q: want http(s)://host[:port]", base)
	}
	c := &Client{
		base: strings.TrimRight(base, "/"),
		// No overall timeout: a city file of several GB takes minutes. The
		// transport bounds connecting and waiting for the headers instead.
		http: &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   8,
		}},
		attempts: 4, backoff: 500 * time.Millisecond, maxWait: 10 * time.Second,
		slots: make(chan struct{}, 8),
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// TransientError is a failure worth retrying: a 5xx or 429, a network error,
// a body cut mid-stream.
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return e.Err.Error() }
func (e *TransientError) Unwrap() error { return e.Err }

// IsTransient reports whether err, or an error it wraps, is a TransientError.
func IsTransient(err error) bool {
	var t *TransientError
	return errors.As(err, &t)
}

// StatusError is an answer other than 200 OK.
type StatusError struct {
	Path   string
	Code   int
	Status string // "404 Not Found"
	Body   string // the start of the body
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: reference server answered %s: %s", e.Path, e.Status, e.Body)
}

// IsPermanent reports an answer that asking again would not change: a 4xx
// other than 408 (timeout) and 429 (throttled).
func IsPermanent(err error) bool {
	var s *StatusError
	return errors.As(err, &s) && !IsTransient(err) && s.Code >= 400 && s.Code < 500
}

// maxCityList bounds the body of GET /cities (a million cities take ~60 MB).
const maxCityList = 128 << 20

// Cities lists the cities, validated (see ParseCities): an invalid list is a
// *ListError, which asking again would not change.
func (c *Client) Cities(ctx context.Context) ([]City, error) {
	var cities []City
	err := c.Do(ctx, "/cities", func(body io.Reader) error {
		b, err := io.ReadAll(io.LimitReader(body, maxCityList+1))
		if err != nil {
			if isCut(err) {
				return &TransientError{Err: fmt.Errorf("read cities: %w", err)}
			}
			return fmt.Errorf("read cities: %w", err)
		}
		if len(b) > maxCityList {
			return &ListError{Problems: []string{fmt.Sprintf("longer than %d bytes", maxCityList)}}
		}
		cities, err = ParseCities(b)
		return err
	})
	return cities, err
}

// Stats streams one city-day's records to read, retrying transient failures
// (read is called again from the start for each attempt). read must wrap the
// body's read errors (%w) so that a body cut mid-stream is recognised and retried.
func (c *Client) Stats(ctx context.Context, city int, date string, read func(body io.Reader) error) error {
	path := "/cities/" + strconv.Itoa(city) + "/stats?date=" + url.QueryEscape(date)
	return c.Do(ctx, path, func(body io.Reader) error {
		err := read(body)
		if err != nil && isCut(err) {
			return &TransientError{Err: err}
		}
		return err
	})
}

// isCut reports a body that ended early or a connection that failed mid-read.
func isCut(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne interface{ Timeout() bool }
	return (errors.As(err, &ne) && ne.Timeout()) || strings.Contains(err.Error(), "connection reset")
}

// ErrBudgetSpent marks a call whose context's deadline left no time for
// another attempt: its transient failures were retried for as long as allowed.
var ErrBudgetSpent = errors.New("no time left to try again")

// Do GETs path and hands a 200 body to read, retrying transient failures with
// exponential backoff and full jitter, at most the configured number of
// attempts and never past ctx's deadline: when the next attempt could not
// start before it, Do gives up with an error matching ErrBudgetSpent.
func (c *Client) Do(ctx context.Context, path string, read func(io.Reader) error) error {
	var err error
	for attempt := range c.attempts {
		if attempt > 0 {
			wait := rand.N(min(c.backoff<<min(attempt-1, 30), c.maxWait)) + 1
			if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) {
				return fmt.Errorf("%w after %d attempts: %w", ErrBudgetSpent, attempt, err)
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return fmt.Errorf("%w after %d attempts: %w (last: %w)", ErrBudgetSpent, attempt, ctx.Err(), err)
			}
		}
		if err = c.once(ctx, path, read); err == nil || !IsTransient(err) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w after %d attempts: %w", ErrBudgetSpent, attempt+1, err)
		}
	}
	return fmt.Errorf("after %d attempts: %w", c.attempts, err)
}

func (c *Client) once(ctx context.Context, path string, read func(io.Reader) error) error {
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return ctx.Err()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &TransientError{Err: fmt.Errorf("GET %s: %w", path, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		err := &StatusError{Path: path, Code: resp.StatusCode, Status: resp.Status,
			Body: strings.ToValidUTF8(strings.TrimSpace(string(snippet)), "?")}
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout {
			return &TransientError{Err: err}
		}
		return err
	}
	return read(resp.Body)
}
