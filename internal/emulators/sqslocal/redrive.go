package sqslocal

import (
	"crypto/rand"
	"time"
)

// moveTask records a StartMessageMoveTask for ListMessageMoveTasks; moves finish at once here.
type moveTask struct {
	handle      string
	source      string // ARN
	destination string // ARN, or "" for each message's original queue
	moved       int
	toMove      int
	failure     string
	started     time.Time
}

// move moves every message waiting in queue source (typically a dead-letter queue)
// to destination, or back to the queue each came from when destination is "", with
// its receive count reset. It returns how many messages moved and how many it looked at.
func (b *Broker) move(source, destination string) (moved, candidates int, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	src, err := b.queue(source)
	if err != nil {
		return 0, 0, err
	}
	var dst *queue
	if destination != "" {
		if dst, err = b.queue(destination); err != nil {
			return 0, 0, err
		}
	}
	now := b.clock.Now()
	type step struct {
		from   *message
		to     *message
		target *queue
	}
	var plan []step
	orphans := 0
	for _, m := range src.msgs {
		if m.removed || src.expired(m, now) || m.inFlight(now) {
			continue
		}
		candidates++
		target := dst
		if target == nil {
			name, err := nameFromARN(m.DeadLetterSource)
			if target = b.queues[name]; err != nil || target == nil {
				orphans++
				continue
			}
		}
		c := *m
		c.Seq, c.ReceiveCount, c.FirstReceiveAt = 0, 0, time.Time{}
		c.SentAt, c.VisibleAt = now, now // a fresh retention period, so an old message is not lost on arrival
		c.DeadLetterSource, c.receipt = "", ""
		plan = append(plan, step{from: m, to: &c, target: target})
	}
	err = b.store.write(func(w writeTx) error {
		for _, s := range plan {
			if err := w.deleteMessage(source, s.from.Seq); err != nil {
				return err
			}
			if err := w.putMessage(s.target.cfg.Name, s.to); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, candidates, err
	}
	for _, s := range plan {
		src.remove(s.from)
		s.target.add(s.to)
		s.target.signal()
	}
	if orphans > 0 {
		return len(plan), candidates, errInvalidParam("%d messages have no source queue to go back to; give a destination.", orphans)
	}
	return len(plan), candidates, nil
}

// startMoveTask runs a StartMessageMoveTask from a dead-letter queue and records it.
func (b *Broker) startMoveTask(sourceARN, destinationARN string) (string, error) {
	source, err := nameFromARN(sourceARN)
	if err != nil {
		return "", err
	}
	destination := ""
	if destinationARN != "" {
		if destination, err = nameFromARN(destinationARN); err != nil {
			return "", err
		}
	}
	if !b.isDeadLetterQueue(source) {
		return "", errInvalidParam("Source queue %s must be configured as a dead-letter queue.", source)
	}
	task := moveTask{handle: rand.Text(), source: sourceARN, destination: destinationARN, started: b.clock.Now()}
	task.moved, task.toMove, err = b.move(source, destination)
	if err != nil {
		if !isAPIError(err) || task.toMove == 0 {
			return "", err
		}
		task.failure = err.Error()
	}
	b.mu.Lock()
	b.tasks = append(b.tasks, task)
	b.mu.Unlock()
	return task.handle, nil
}

func (b *Broker) isDeadLetterQueue(name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, q := range b.queues {
		if q.cfg.DeadLetterQueue == name {
			return true
		}
	}
	return false
}

// moveTasks lists the recorded tasks of a source queue, newest first.
func (b *Broker) moveTasks(sourceARN string, max int) []moveTask {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []moveTask
	for i := len(b.tasks) - 1; i >= 0 && len(out) < max; i-- {
		if b.tasks[i].source == sourceARN {
			out = append(out, b.tasks[i])
		}
	}
	return out
}

// purge deletes every message of a queue, in flight or not.
func (b *Broker) purge(name string) error {
	return b.changeQueue(name, func(q *queue) error {
		if err := b.store.write(func(w writeTx) error { return w.clearMessages(name) }); err != nil {
			return err
		}
		for _, m := range q.msgs {
			m.removed = true
		}
		q.msgs, q.byID, q.removed = nil, make(map[string]*message), 0
		q.signal()
		return nil
	})
}

// deleteQueue deletes a queue and its messages; long polls on it end with QueueDoesNotExist.
func (b *Broker) deleteQueue(name string) error {
	return b.changeQueue(name, func(q *queue) error {
		if err := b.store.write(func(w writeTx) error { return w.deleteQueue(name) }); err != nil {
			return err
		}
		delete(b.queues, name)
		q.signal()
		return nil
	})
}
