package sqslocal

import (
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
