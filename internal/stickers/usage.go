package stickers

// Search usage is counted off the request path. A Batcher adds
// each search to counters in memory (one execution environment's share) and
// flushes them to a UsageSink in the background: every Interval while the
// environment runs, sooner when many distinct queries wait, and on shutdown.
// A flush is a UsageBatch with an id; the sink applies a batch at most once, so a
// flush retried after an ambiguous failure never counts twice, and the
// counters are exact once every batch is flushed.
//
// What a crash loses: the searches recorded since the last flush of that
// environment (at most Interval's worth while it serves requests; an
// environment idle since then flushes on its next request or at shutdown).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// QueryCount is how often one normalized query was searched in a batch.
type QueryCount struct {
	Query      string    // normalized
	Display    string    // the latest raw query that normalized to it
	N          int64     // searches
	LastUsedAt time.Time // of the latest of them
}

// UsageBatch is one flush: the searches of each query and of each day (YYYY-MM-DD, UTC).
type UsageBatch struct {
	ID      string // unique per flush; a retry of the same flush carries the same id
	Queries []QueryCount
	Days    map[string]int64
}

// Searches is the number of searches in the batch.
func (b UsageBatch) Searches() int64 {
	var n int64
	for _, d := range b.Days {
		n += d
	}
	return n
}

// UsageSink stores batches; it must apply a batch id at most once.
type UsageSink interface {
	AddUsage(ctx context.Context, b UsageBatch) error
}

// BatcherOptions configure a Batcher.
type BatcherOptions struct {
	Interval   time.Duration // longest wait of a search before its flush starts (default 1s)
	MaxQueries int           // distinct queries that start a flush before Interval (default 1000)
	// MaxPending bounds memory while the sink fails: beyond this many distinct
	// waiting queries a new query is dropped, and logged (default 100,000).
	MaxPending int
	Log        *slog.Logger
}

// Batcher aggregates searches and flushes them; safe for concurrent use.
type Batcher struct {
	sink UsageSink
	o    BatcherOptions
	env  string // random id of this execution environment, prefix of batch ids

	mu      sync.Mutex
	pending map[string]*QueryCount
	days    map[string]int64
	oldest  time.Time // of the oldest search waiting, zero when none
	dropped int64

	flushMu  sync.Mutex  // one flush at a time
	inflight *UsageBatch // a batch being flushed, kept until the sink took it
	seq      int

	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
}

// NewBatcher returns a Batcher over sink and starts its background flusher; Close stops it.
func NewBatcher(sink UsageSink, o BatcherOptions) *Batcher {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.MaxQueries <= 0 {
		o.MaxQueries = 1000
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 100_000
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	b := &Batcher{sink: sink, o: o, env: hex.EncodeToString(id[:]), pending: map[string]*QueryCount{}, days: map[string]int64{},
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop()
	return b
}

// RecordSearch counts one search of query (normalized) in memory; it never blocks on the sink.
func (b *Batcher) RecordSearch(_ context.Context, query, display string, at time.Time) error {
	b.mu.Lock()
	c := b.pending[query]
	if c == nil {
		if len(b.pending) >= b.o.MaxPending {
			b.dropped++
			b.mu.Unlock()
			return fmt.Errorf("usage of %q not counted: %d queries already wait for a flush", query, b.o.MaxPending)
		}
		c = &QueryCount{Query: query}
		b.pending[query] = c
	}
	c.N++
	c.Display = display
	if at.After(c.LastUsedAt) {
		c.LastUsedAt = at
	}
	b.days[at.UTC().Format(time.DateOnly)]++
	if b.oldest.IsZero() {
		b.oldest = time.Now()
	}
	due := len(b.pending) >= b.o.MaxQueries || time.Since(b.oldest) >= b.o.Interval
	b.mu.Unlock()
	if due {
		b.wake()
	}
	return nil
}

// wake asks the flusher to flush now (it may already be flushing).
func (b *Batcher) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Pending returns how many searches wait for a flush (in memory or in a failed flush).
func (b *Batcher) Pending() int64 {
	b.mu.Lock()
	var n int64
	for _, d := range b.days {
		n += d
	}
	b.mu.Unlock()
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	if b.inflight != nil {
		n += b.inflight.Searches()
	}
	return n
}

// Flush writes every search recorded so far. A batch the sink refused stays
// and is retried, with its id, by the next flush before anything newer.
func (b *Batcher) Flush(ctx context.Context) error {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	for range 2 { // a batch left by a failed flush, then what waits now
		if b.inflight == nil {
			b.inflight = b.take()
			if b.inflight == nil {
				return nil
			}
		}
		if err := b.sink.AddUsage(ctx, *b.inflight); err != nil {
			return fmt.Errorf("flush %d searches (batch %s): %w", b.inflight.Searches(), b.inflight.ID, err)
		}
		b.inflight = nil
	}
	return nil
}

// Dropped returns how many searches were not counted because MaxPending queries waited.
func (b *Batcher) Dropped() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// take moves the waiting counters into a new batch, or returns nil when none wait.
func (b *Batcher) take() *UsageBatch {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) == 0 && len(b.days) == 0 {
		return nil
	}
	b.seq++
	batch := &UsageBatch{ID: fmt.Sprintf("%s-%d", b.env, b.seq), Queries: make([]QueryCount, 0, len(b.pending)), Days: b.days}
	for _, c := range b.pending {
		batch.Queries = append(batch.Queries, *c)
	}
	b.pending, b.days, b.oldest = map[string]*QueryCount{}, map[string]int64{}, time.Time{}
	return batch
}

func (b *Batcher) loop() {
	defer close(b.done)
	t := time.NewTicker(b.o.Interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		case <-b.kick:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*b.o.Interval)
		if err := b.Flush(ctx); err != nil {
			b.o.Log.Warn("search usage not flushed; kept for the next flush", "error", err)
		}
		cancel()
	}
}

// Close stops the background flusher and flushes what waits, within ctx.
func (b *Batcher) Close(ctx context.Context) error {
	b.closed.Do(func() { close(b.stop) })
	<-b.done
	err := b.Flush(ctx)
	if err != nil {
		b.o.Log.Error("search usage lost at shutdown", "error", err, "searches", b.Pending())
	}
	return err
}
