package tasks

import (
	"context"
	"sort"
	"sync"

	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// MemStore is an in-memory Store, for tests.
type MemStore struct {
	mu     sync.Mutex
	tasks  map[string]Task
	cities map[string]map[int]City
	// Outbox holds the fan-out work Create records with each task.
	Outbox outbox.Memory
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{tasks: map[string]Task{}, cities: map[string]map[int]City{}}
}

// Create stores a new task.
func (m *MemStore) Create(ctx context.Context, t Task) error {
	work, err := FanOutWork(ctx, t)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t.CitiesTotal = -1
	m.tasks[t.ID] = t
	m.cities[t.ID] = map[int]City{}
	m.Outbox.Add(work)
	return nil
}

// Get returns a task and its cities in city order.
func (m *MemStore) Get(_ context.Context, id string) (Task, []City, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[id]
	if !ok {
		return Task{}, nil, ErrNotFound
	}
	var cs []City
	for _, c := range m.cities[id] {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].City < cs[j].City })
	return t, cs, nil
}

// SetCitiesTotal records the number of cities.
func (m *MemStore) SetCitiesTotal(_ context.Context, id string, total int) error {
	return m.edit(id, func(t *Task) { t.CitiesTotal = total })
}

// FailFanOut records why the cities could not be listed.
func (m *MemStore) FailFanOut(_ context.Context, id, reason string) error {
	return m.edit(id, func(t *Task) { t.FanOutError = reason })
}

func (m *MemStore) edit(id string, f func(*Task)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[id]
	if !ok {
		return ErrNotFound
	}
	f(&t)
	m.tasks[id] = t
	return nil
}

// RecordCity stores a city's outcome unless it already succeeded.
func (m *MemStore) RecordCity(_ context.Context, id string, c City) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs, ok := m.cities[id]
	if !ok {
		return ErrNotFound
	}
	if cs[c.City].Status != CitySucceeded {
		cs[c.City] = c
	}
	return nil
}

// GiveUpCity stores a failed city unless it already succeeded or failed.
func (m *MemStore) GiveUpCity(_ context.Context, id string, c City) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs, ok := m.cities[id]
	if !ok {
		return false, ErrNotFound
	}
	if s := cs[c.City].Status; s == CitySucceeded || s == CityFailed {
		return false, nil
	}
	c.Status = CityFailed
	cs[c.City] = c
	return true, nil
}

// GiveUpFanOut records the fan-out's failure unless one is recorded already.
func (m *MemStore) GiveUpFanOut(_ context.Context, id, reason string) (bool, error) {
	wrote := false
	err := m.edit(id, func(t *Task) {
		if t.FanOutError == "" {
			t.FanOutError, wrote = reason, true
		}
	})
	return wrote, err
}
