package sqslocal

import (
	"context"
	"crypto/rand"
	"time"
)

// receiveOptions shapes one receive.
type receiveOptions struct {
	max        int
	visibility *time.Duration // nil: the queue's visibility timeout
	until      time.Time      // end of the long poll; zero returns at once
}

// delivery is one received message: a snapshot taken at receive time and its receipt handle.
type delivery struct {
	msg    message
	handle string
}

// receive takes up to opt.max messages, waiting until opt.until for the first one.
func (b *Broker) receive(ctx context.Context, name string, opt receiveOptions) ([]delivery, error) {
	for {
		b.mu.Lock()
		q, err := b.queue(name)
		if err != nil {
			b.mu.Unlock()
			return nil, err
		}
		now := b.clock.Now()
		got, next, err := b.take(q, opt, now)
		wake := q.wake
		b.mu.Unlock()
		if err != nil || len(got) > 0 || !now.Before(opt.until) {
			return got, err
		}
		at := opt.until
		if !next.IsZero() && next.Before(at) {
			at = next // a delayed or in-flight message becomes visible first
		}
		timer, stop := b.clock.Until(at)
		select {
		case <-timer:
		case <-wake:
		case <-b.done:
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		}
		stop()
	}
}

// take receives what is visible now, dead-letters messages past maxReceiveCount and
// drops expired ones, in one transaction. It also returns when the next hidden
// message becomes visible (zero if none). b.mu must be held.
func (b *Broker) take(q *queue, opt receiveOptions, now time.Time) ([]delivery, time.Time, error) {
	var taken, moved, expired []*message
	var next time.Time
	dlq := b.deadLetterQueue(q)
	blocked := make(map[string]bool) // FIFO groups with an earlier message still hidden
	for _, m := range q.msgs {
		if len(taken) == opt.max {
			break
		}
		switch {
		case m.removed:
		case q.expired(m, now):
			expired = append(expired, m)
		case m.VisibleAt.After(now):
			if next.IsZero() || m.VisibleAt.Before(next) {
				next = m.VisibleAt
			}
			blocked[m.GroupID] = q.cfg.FIFO
		case blocked[m.GroupID]:
		case dlq != nil && m.ReceiveCount >= q.cfg.MaxReceiveCount:
			moved = append(moved, m)
		default:
			taken = append(taken, m)
		}
	}
	if len(taken)+len(moved)+len(expired) == 0 {
		return nil, next, nil
	}

	vis := q.cfg.VisibilityTimeout
	if opt.visibility != nil {
		vis = *opt.visibility
	}
	received := make([]message, len(taken))
	for i, m := range taken {
		r := *m
		r.ReceiveCount++
		if r.FirstReceiveAt.IsZero() {
			r.FirstReceiveAt = now
		}
		r.VisibleAt = now.Add(vis)
		r.receipt = rand.Text()
		received[i] = r
	}
	dead := make([]*message, len(moved))
	for i, m := range moved {
		d := *m
		d.Seq = 0 // the dead-letter queue numbers it anew
		d.VisibleAt = now
		d.DeadLetterSource = QueueARN(q.cfg.Name)
		d.receipt = ""
		dead[i] = &d
	}
	name := q.cfg.Name
	err := b.store.write(func(w writeTx) error {
		for _, m := range append(expired, moved...) {
			if err := w.deleteMessage(name, m.Seq); err != nil {
				return err
			}
		}
		for _, d := range dead {
			if err := w.putMessage(dlq.cfg.Name, d); err != nil {
				return err
			}
		}
		for i := range received {
			if err := w.putMessage(name, &received[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, err
	}

	for _, m := range expired {
		q.remove(m)
	}
	for i, m := range moved {
		q.remove(m)
		dlq.add(dead[i])
	}
	if len(dead) > 0 {
		dlq.signal()
	}
	out := make([]delivery, len(taken))
	for i, m := range taken {
		*m = received[i]
		out[i] = delivery{msg: *m, handle: receiptHandle(m.ID, m.receipt)}
	}
	return out, next, nil
}

// deleteMessages deletes the messages the receipt handles name. A handle from an
// older receive deletes nothing and is no error, as in SQS.
func (b *Broker) deleteMessages(name string, handles []string) ([]error, error) {
	return withQueue(b, name, func(q *queue) ([]error, error) {
		errs := make([]error, len(handles))
		var doomed []*message
		seen := make(map[*message]bool)
		for i, h := range handles {
			id, nonce, err := parseReceiptHandle(h)
			if err != nil {
				errs[i] = err
				continue
			}
			if m := q.byID[id]; m != nil && m.receipt == nonce && !seen[m] {
				seen[m] = true
				doomed = append(doomed, m)
			}
		}
		if len(doomed) == 0 {
			return errs, nil
		}
		err := b.store.write(func(w writeTx) error {
			for _, m := range doomed {
				if err := w.deleteMessage(name, m.Seq); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, m := range doomed {
			q.remove(m)
		}
		if q.cfg.FIFO {
			q.signal() // the next message of the group may go now
		}
		return errs, nil
	})
}

// visibilityChange is one ChangeMessageVisibility entry.
type visibilityChange struct {
	handle  string
	timeout time.Duration
}

// changeVisibility sets new visibility timeouts on messages in flight. It is kept in
// memory only: a restart makes in-flight messages visible anyway.
func (b *Broker) changeVisibility(name string, changes []visibilityChange) ([]error, error) {
	return withQueue(b, name, func(q *queue) ([]error, error) {
		now := b.clock.Now()
		errs := make([]error, len(changes))
		for i, c := range changes {
			id, nonce, err := parseReceiptHandle(c.handle)
			if err != nil {
				errs[i] = err
				continue
			}
			m := q.byID[id]
			switch {
			case m == nil:
				errs[i] = errReceiptInvalid(c.handle)
			case c.timeout < 0 || c.timeout > maxVisibility:
				errs[i] = errInvalidParam("Value %s for parameter VisibilityTimeout is invalid. Reason: it must be 0 to 43200.", seconds(c.timeout))
			case m.receipt != nonce || !m.inFlight(now):
				errs[i] = sqsError("MessageNotInflight", "The message referred to is not in flight.")
			default:
				m.VisibleAt = now.Add(c.timeout)
			}
		}
		q.signal()
		return errs, nil
	})
}
