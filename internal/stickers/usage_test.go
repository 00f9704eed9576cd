package stickers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// sink applies each batch id once, like the stores, and can fail on demand.
type sink struct {
	mu      sync.Mutex
	applied map[string]bool
	counts  map[string]int64
	days    map[string]int64
	calls   []string // batch ids, in call order
	fail    int      // fail this many next calls
	got     chan struct{}
}

func newSink() *sink {
	return &sink{applied: map[string]bool{}, counts: map[string]int64{}, days: map[string]int64{}, got: make(chan struct{}, 100)}
}

func (s *sink) AddUsage(_ context.Context, b UsageBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, b.ID)
	if s.fail > 0 {
		s.fail--
		return errors.New("injected: DynamoDB unreachable")
	}
	if !s.applied[b.ID] {
		s.applied[b.ID] = true
		for _, c := range b.Queries {
			s.counts[c.Query] += c.N
		}
		for d, n := range b.Days {
			s.days[d] += n
		}
	}
	s.got <- struct{}{}
	return nil
}

func (s *sink) count(q string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[q]
}

var at = time.Now().UTC()

func TestFlushIsExact(t *testing.T) {
	s := newSink()
	b := NewBatcher(s, BatcherOptions{Interval: time.Hour}) // only explicit flushes
	defer b.Close(context.Background())
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				_ = b.RecordSearch(context.Background(), fmt.Sprintf("q%d", i%10), "Q", at)
				if g == 0 && i%100 == 0 {
					if err := b.Flush(context.Background()); err != nil { // flushes race with searches
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if n := s.count(fmt.Sprintf("q%d", i)); n != 400 {
			t.Errorf("q%d counted %d, want 400", i, n)
		}
	}
	if s.days[at.Format(time.DateOnly)] != 4000 || b.Pending() != 0 {
		t.Fatalf("days %v, pending %d", s.days, b.Pending())
	}
}

func TestFailedFlushIsRetriedWithItsID(t *testing.T) {
	s := newSink()
	s.fail = 1
	b := NewBatcher(s, BatcherOptions{Interval: time.Hour})
	defer b.Close(context.Background())
	_ = b.RecordSearch(context.Background(), "cat", "cat", at)
	if err := b.Flush(context.Background()); err == nil {
		t.Fatal("the injected failure did not surface")
	}
	if b.Pending() != 1 {
		t.Fatalf("pending after a failed flush: %d", b.Pending())
	}
	_ = b.RecordSearch(context.Background(), "cat", "cat", at)
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(s.calls) != 3 || s.calls[0] != s.calls[1] || s.calls[1] == s.calls[2] {
		t.Fatalf("calls %v: want the failed batch retried with its id, then a new one", s.calls)
	}
	if s.count("cat") != 2 || b.Pending() != 0 {
		t.Fatalf("cat counted %d, pending %d", s.count("cat"), b.Pending())
	}
}

func TestBackgroundFlushAndClose(t *testing.T) {
	s := newSink()
	b := NewBatcher(s, BatcherOptions{Interval: 10 * time.Millisecond})
	_ = b.RecordSearch(context.Background(), "dog", "dog", at)
	select {
	case <-s.got: // the ticker flushed without being asked
	case <-time.After(10 * time.Second):
		t.Fatal("no background flush")
	}
	_ = b.RecordSearch(context.Background(), "dog", "dog", at)
	if err := b.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.count("dog") != 2 || b.Pending() != 0 {
		t.Fatalf("after Close: dog %d, pending %d", s.count("dog"), b.Pending())
	}
}

func TestManyQueriesStartAFlush(t *testing.T) {
	s := newSink()
	b := NewBatcher(s, BatcherOptions{Interval: time.Hour, MaxQueries: 5})
	defer b.Close(context.Background())
	for i := range 5 {
		_ = b.RecordSearch(context.Background(), fmt.Sprint(i), "", at)
	}
	select {
	case <-s.got:
	case <-time.After(10 * time.Second):
		t.Fatal("5 distinct queries did not start a flush")
	}
}

func TestPendingIsBounded(t *testing.T) {
	s := newSink()
	b := NewBatcher(s, BatcherOptions{Interval: time.Hour, MaxQueries: 100, MaxPending: 3})
	defer b.Close(context.Background())
	for i := range 4 {
		err := b.RecordSearch(context.Background(), fmt.Sprint(i), "", at)
		if (err != nil) != (i == 3) {
			t.Fatalf("search %d: %v", i, err)
		}
	}
	if b.Dropped() != 1 {
		t.Fatalf("dropped %d", b.Dropped())
	}
}
