package sqslocal

import (
	"sync"
	"time"
)

// manualClock is a Clock that moves only when Advance is called; for tests.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters map[*clockWaiter]struct{}
}

type clockWaiter struct {
	at time.Time
	ch chan struct{}
}

// newManualClock returns a manualClock reading start.
func newManualClock(start time.Time) *manualClock {
	return &manualClock{now: start, waiters: make(map[*clockWaiter]struct{})}
}

// Now returns the clock's current reading.
func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Until returns a channel closed once Advance has moved the clock to t or later.
func (c *manualClock) Until(t time.Time) (<-chan struct{}, func()) {
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
func (c *manualClock) Advance(d time.Duration) {
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
func (c *manualClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}
