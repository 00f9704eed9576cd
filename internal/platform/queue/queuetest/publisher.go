// Package queuetest helps test code that uses package queue: a Publisher
// that records what it is given.
package queuetest

import (
	"context"
	"sync"

	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// Publisher is a queue.Publisher for tests: it keeps every message it is
// given, or fails with the error set by Fail.
type Publisher struct {
	mu   sync.Mutex
	msgs []queue.Message
	err  error
}

// Publish records body with its options, or returns the error set by Fail.
func (p *Publisher) Publish(_ context.Context, body any, opts ...queue.PublishOption) error {
	m := queue.Message{Body: body}
	for _, o := range opts {
		o(&m)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.msgs = append(p.msgs, m)
	return nil
}

// Fail makes every later Publish return err (nil: succeed again).
func (p *Publisher) Fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = err
}

// Messages returns the messages published so far, in order.
func (p *Publisher) Messages() []queue.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]queue.Message(nil), p.msgs...)
}
