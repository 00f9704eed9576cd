package sqslocal

import (
	"sync"
	"time"
)

// Clock tells the broker the time, so tests can move it by hand.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Until returns a channel closed once the clock reaches t, and a func that releases it early.
	Until(t time.Time) (<-chan struct{}, func())
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Until closes the channel when the wall clock reaches t.
func (SystemClock) Until(t time.Time) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	timer := time.AfterFunc(time.Until(t), func() { close(ch) })
	return ch, func() { timer.Stop() }
}

// ManualClock is a Clock that moves only when Advance is called; for tests.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters map[*clockWaiter]struct{}
}

type clockWaiter struct {
	at time.Time
	ch chan struct{}
}

// NewManualClock returns a ManualClock reading start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, waiters: make(map[*clockWaiter]struct{})}
}

// Now returns the clock's current reading.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Until returns a channel closed once Advance has moved the clock to t or later.
func (c *ManualClock) Until(t time.Time) (<-chan struct{}, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &clockWaiter{at: t, ch: make(chan struct{})}
	// Deadlines are absolute, so a wait computed before an Advance still fires.
	if !t.After(c.now) {
		close(w.ch)
		return w.ch, func() {}
	}
	c.waiters[w] = struct{}{}
	return w.ch, func() {
		c.mu.Lock()
		delete(c.waiters, w)
		c.mu.Unlock()
	}
}

// Advance moves the clock forward by d and wakes every wait that is due.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for w := range c.waiters {
		if !w.at.After(c.now) {
			close(w.ch)
			delete(c.waiters, w)
		}
	}
}

// Waiters reports how many waits are pending, so a test can tell that a long poll waits.
func (c *ManualClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}
