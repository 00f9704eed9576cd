package sqslocal

import (
	"context"
	"testing"
	"time"
)

// start is the fake clock's reading at the beginning of every test.
// testStart is when the test binary started: the tests' clock is relative to
// now, never a fixed date.
var testStart = time.Now().UTC().Truncate(time.Second)

// start is the queues' clock at the start of a test.
func start() time.Time { return testStart }

// newTestBroker opens a broker on a fresh directory with a manual clock and the given queues.
func newTestBroker(t *testing.T, queues ...QueueConfig) (*Broker, *manualClock, string) {
	t.Helper()
	clock := newManualClock(start())
	dir := t.TempDir()
	b, err := New(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	for _, q := range queues {
		if err := b.CreateQueue(q); err != nil {
			t.Fatal(err)
		}
	}
	return b, clock, dir
}

// sendBodies sends one message per body and returns their ids.
func sendBodies(t *testing.T, b *Broker, queue string, bodies ...string) []string {
	t.Helper()
	in := make([]sendInput, len(bodies))
	for i, body := range bodies {
		in[i] = sendInput{Body: body, SenderID: accountID}
	}
	results, errs, err := b.send(queue, in)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(bodies))
	for i := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		ids[i] = results[i].MessageID
	}
	return ids
}

// receiveNow receives without waiting.
func receiveNow(t *testing.T, b *Broker, queue string, max int) []delivery {
	t.Helper()
	got, err := b.receive(context.Background(), queue, receiveOptions{max: max})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func bodies(ds []delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.msg.Body
	}
	return out
}

// counts returns a queue's visible, in-flight and delayed message counts.
func counts(t *testing.T, b *Broker, queue string) [3]int {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	q, err := b.queue(queue)
	if err != nil {
		t.Fatal(err)
	}
	v, f, d := q.counts(b.clock.Now())
	return [3]int{v, f, d}
}

// eventually waits (on the wall clock, briefly) for cond, which other goroutines make true.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
