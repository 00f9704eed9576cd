package function

import (
	"context"
	"sync"
	"time"
)

// ShutdownBudget is how long shutdown hooks may run: Lambda sends SIGKILL
// about 500 ms after SIGTERM to a function with an internal extension.
const ShutdownBudget = 400 * time.Millisecond

// Shutdown collects what a function must do before its execution environment
// ends, such as flushing counters it aggregates in memory. On Lambda the hooks
// run on SIGTERM (Start registers the internal extension that asks for it only
// when a hook exists); the local runtime runs them when the stack closes.
type Shutdown struct {
	mu    sync.Mutex
	hooks []func(context.Context)
}

// OnShutdown adds a hook; hooks run in the order added.
func (s *Shutdown) OnShutdown(hook func(context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, hook)
}

// Run runs every hook once, within ctx; later calls run nothing.
func (s *Shutdown) Run(ctx context.Context) {
	s.mu.Lock()
	hooks := s.hooks
	s.hooks = nil
	s.mu.Unlock()
	for _, h := range hooks {
		h(ctx)
	}
}

// has reports whether any hook waits.
func (s *Shutdown) has() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hooks) > 0
}
