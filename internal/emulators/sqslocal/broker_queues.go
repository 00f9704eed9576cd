package sqslocal

import (
	"maps"
	"slices"
	"strings"
)

// queueConfig returns a queue's configuration.
func (b *Broker) queueConfig(name string) (QueueConfig, error) {
	return withQueue(b, name, func(q *queue) (QueueConfig, error) { return q.cfg, nil })
}

// createQueueAPI is SQS's CreateQueue: it returns quietly when a queue with the
// same name and the given attributes exists, and fails when its attributes differ.
func (b *Broker) createQueueAPI(name string, attrs, tags map[string]string) error {
	if err := validateQueueName(name, strings.HasSuffix(name, ".fifo")); err != nil {
		return err
	}
	cfg := apiDefaults(name)
	b.mu.Lock()
	if q, ok := b.queues[name]; ok {
		cfg = q.cfg
	}
	b.mu.Unlock()
	if err := applyQueueAttributes(&cfg, attrs); err != nil {
		return err
	}
	if err := b.putQueue(cfg, true); err != nil {
		return err
	}
	if len(tags) == 0 {
		return nil
	}
	return b.updateTags(name, func(t map[string]string) { maps.Copy(t, tags) })
}

// setQueueAttributes is SQS's SetQueueAttributes.
func (b *Broker) setQueueAttributes(name string, attrs map[string]string) error {
	cfg, err := b.queueConfig(name)
	if err != nil {
		return err
	}
	if err := applyQueueAttributes(&cfg, attrs); err != nil {
		return err
	}
	return b.putQueue(cfg, false)
}

// queueAttributes returns the named attributes of a queue ("All" for every one).
func (b *Broker) queueAttributes(name string, names []string) (map[string]string, error) {
	return withQueue(b, name, func(q *queue) (map[string]string, error) {
		return selectAttributes(q.attributes(b.clock.Now()), names)
	})
}

// queueNames lists the queues whose names start with prefix, sorted.
func (b *Broker) queueNames(prefix string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errClosed()
	}
	var names []string
	for name := range b.queues {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// deadLetterSources lists the queues whose redrive policy names dlq, sorted.
func (b *Broker) deadLetterSources(dlq string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.queue(dlq); err != nil {
		return nil, err
	}
	var names []string
	for name, q := range b.queues {
		if q.cfg.DeadLetterQueue == dlq {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// queueTags returns a copy of a queue's tags.
func (b *Broker) queueTags(name string) (map[string]string, error) {
	return withQueue(b, name, func(q *queue) (map[string]string, error) { return maps.Clone(q.tags), nil })
}

// updateTags changes a queue's tags with edit and stores them.
func (b *Broker) updateTags(name string, edit func(map[string]string)) error {
	return b.changeQueue(name, func(q *queue) error {
		rec := q.record()
		rec.Tags = maps.Clone(q.tags)
		if rec.Tags == nil {
			rec.Tags = make(map[string]string)
		}
		edit(rec.Tags)
		if err := b.store.write(func(w writeTx) error { return w.putQueue(rec) }); err != nil {
			return err
		}
		q.tags = rec.Tags
		return nil
	})
}
