// Package refclient talks to the transit reference server (GET /cities,
// GET /cities/{id}/stats?date=) with time-outs, bounded retries with
// exponential backoff and full jitter, and a limit on calls in flight.
package refclient

import (
	"context"
	"encoding/json"
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

// WithHTTPClient replaces the HTTP client (its Timeout bounds a whole call).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

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

// Cities lists the cities.
func (c *Client) Cities(ctx context.Context) ([]City, error) {
	var cities []City
	err := c.Do(ctx, "/cities", func(body io.Reader) error {
		cities = nil
		if err := json.NewDecoder(body).Decode(&cities); err != nil {
			if isCut(err) {
				return &TransientError{Err: fmt.Errorf("read cities: %w", err)}
			}
			return fmt.Errorf("decode cities: %w", err)
		}
		return nil
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

// Do GETs path and hands a 200 body to read, retrying transient failures with
// exponential backoff and full jitter.
func (c *Client) Do(ctx context.Context, path string, read func(io.Reader) error) error {
	var err error
	for attempt := range c.attempts {
		if attempt > 0 {
			wait := min(c.backoff<<(attempt-1), c.maxWait)
			select {
			case <-time.After(rand.N(wait) + 1):
			case <-ctx.Done():
				return fmt.Errorf("%w (after: %w)", ctx.Err(), err)
			}
		}
		if err = c.once(ctx, path, read); err == nil || !IsTransient(err) || ctx.Err() != nil {
			return err
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
		err := fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(snippet)))
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return &TransientError{Err: err}
		}
		return err
	}
	return read(resp.Body)
}
