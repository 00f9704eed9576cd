package feedback

import (
	"context"
	"sync"
	"time"
)

// MemStore is an in-memory Store for tests and tools.
type MemStore struct {
	mu      sync.Mutex
	usage   map[string]Usage
	days    map[string]int64
	counts  map[string]map[string]*Counts // query → sticker → counts
	votes   map[[3]string]memVote         // client, query, sticker → the client's latest vote
	rate    map[string]int                // client|window → units taken
	flushed map[string]bool               // usage batch ids applied
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{
		usage: map[string]Usage{}, days: map[string]int64{}, counts: map[string]map[string]*Counts{},
		votes: map[[3]string]memVote{}, rate: map[string]int{}, flushed: map[string]bool{},
	}
}

// RecordSearch implements Store.
func (m *MemStore) RecordSearch(_ context.Context, query, display string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.usage[query]
	u.Query, u.Display, u.LastUsedAt = query, display, at.UTC().Truncate(time.Second)
	u.Usage++
	m.usage[query] = u
	m.days[at.UTC().Format(time.DateOnly)]++
	return nil
}

// Feedback implements Store.
func (m *MemStore) Feedback(_ context.Context, query string) ([]Counts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Counts
	for _, c := range m.counts[query] {
		out = append(out, *c)
	}
	return out, nil
}

// memVote is a client's vote marker: its direction and when it is forgotten.
type memVote struct {
	positive bool
	expires  time.Time
}

// Vote implements Store.
func (m *MemStore) Vote(_ context.Context, v Vote, at time.Time) (VoteOutcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [3]string{v.Client, v.Query, v.Sticker}
	old, ok := m.votes[k]
	// Like DynamoStore, a marker counts until its expiry second has passed.
	live := ok && old.expires.Unix() >= at.Unix()
	if live && old.positive == v.Positive {
		return VoteUnchanged, nil
	}
	m.votes[k] = memVote{positive: v.Positive, expires: at.Add(VoteRetention)}
	if m.counts[v.Query] == nil {
		m.counts[v.Query] = map[string]*Counts{}
	}
	c := m.counts[v.Query][v.Sticker]
	if c == nil {
		c = &Counts{Sticker: v.Sticker}
		m.counts[v.Query][v.Sticker] = c
	}
	if v.Positive {
		c.Positives++
	} else {
		c.Negatives++
	}
	if !live {
		return VoteCounted, nil
	}
	if old.positive {
		c.Positives--
	} else {
		c.Negatives--
	}
	return VoteReversed, nil
}

// Allow implements Store.
func (m *MemStore) Allow(_ context.Context, client string, n, limit int, window time.Duration, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := client + "|" + at.Truncate(window).String()
	if m.rate[k]+n > limit {
		return false, nil
	}
	m.rate[k] += n
	return true, nil
}

// Usage implements Store.
func (m *MemStore) Usage(_ context.Context, query string) (Usage, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.usage[query]
	return u, ok, nil
}

// Queries implements Store.
func (m *MemStore) Queries(_ context.Context) ([]Usage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Usage, 0, len(m.usage))
	for _, u := range m.usage {
		out = append(out, u)
	}
	return out, nil
}

// SearchesPerDay implements Store.
func (m *MemStore) SearchesPerDay(_ context.Context, from, to time.Time) (map[string]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int64{}
	lo, hi := from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)
	for d, n := range m.days {
		if d >= lo && d <= hi {
			out[d] = n
		}
	}
	return out, nil
}
