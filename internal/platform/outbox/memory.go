package outbox

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Memory is an outbox kept in memory, for the in-memory stores of the services.
// Callers add entries under the same lock as the change they belong to.
type Memory struct {
	mu      sync.Mutex
	entries []Message
}

var _ Store = (*Memory)(nil)

// Add records m.
func (o *Memory) Add(m Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.entries = append(o.entries, m)
}

// Pending returns every entry not yet acknowledged, oldest first.
func (o *Memory) Pending() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.entries)
}

// Due implements Store.
func (o *Memory) Due(_ context.Context, now time.Time, limit int) ([]Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Message
	for _, m := range o.entries {
		if !m.DueAt.After(now) && len(out) < limit {
			out = append(out, m)
		}
	}
	return out, nil
}

// Ack implements Store.
func (o *Memory) Ack(_ context.Context, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.entries = slices.DeleteFunc(o.entries, func(m Message) bool { return m.ID == id })
	return nil
}
