package sqslocal

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// sendInput is one message to send.
type sendInput struct {
	Body        string
	Attributes  map[string]attribute
	TraceHeader string         // AWSTraceHeader system attribute
	Delay       *time.Duration // nil: the queue's delay
	GroupID     string
	DedupID     string
	SenderID    string
}

// sendResult is what SendMessage reports for one message.
type sendResult struct {
	MessageID     string
	MD5Body       string
	MD5Attributes string
	MD5System     string
	Sequence      string // FIFO only

	stored *message // the message that now stands for this send, resolved after the write
}

// send stores the messages of one SendMessage(Batch) call in one transaction. Per
// message it returns a result or an error; the last error is for the whole call.
func (b *Broker) send(name string, in []sendInput) ([]sendResult, []error, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q, err := b.queue(name)
	if err != nil {
		return nil, nil, err
	}
	now := b.clock.Now()
	results := make([]sendResult, len(in))
	errs := make([]error, len(in))
	var fresh []*message
	inBatch := make(map[string]*message) // FIFO: a deduplication id sent twice in one batch
	for i, s := range in {
		m, err := q.newMessage(s, now)
		if err != nil {
			errs[i] = err
			continue
		}
		results[i] = sendResult{MD5Body: md5Hex(s.Body), MD5Attributes: md5OfAttributes(s.Attributes), MD5System: md5OfTraceHeader(s.TraceHeader)}
		if q.cfg.FIFO {
			if e, ok := q.dedup[m.DedupID]; ok && now.Before(e.At.Add(dedupWindow)) {
				results[i].stored = &message{ID: e.MessageID, Seq: e.Seq}
				continue
			}
			if first, ok := inBatch[m.DedupID]; ok {
				results[i].stored = first
				continue
			}
			inBatch[m.DedupID] = m
		}
		results[i].stored = m
		fresh = append(fresh, m)
	}
	stale := q.staleDedup(now)
	err = b.store.write(func(w writeTx) error {
		for _, m := range fresh {
			if err := w.putMessage(name, m); err != nil {
				return err
			}
			if q.cfg.FIFO {
				if err := w.putDedup(name, m.DedupID, dedupEntry{MessageID: m.ID, Seq: m.Seq, At: now}); err != nil {
					return err
				}
			}
		}
		for _, id := range stale {
			if err := w.deleteDedup(name, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, id := range stale {
		delete(q.dedup, id)
	}
	for _, m := range fresh {
		q.add(m)
		if q.cfg.FIFO {
			q.dedup[m.DedupID] = dedupEntry{MessageID: m.ID, Seq: m.Seq, At: now}
		}
	}
	for i := range results {
		if m := results[i].stored; m != nil {
			results[i].MessageID = m.ID
			if q.cfg.FIFO {
				results[i].Sequence = m.sequence()
			}
		}
	}
	if len(fresh) > 0 {
		q.signal()
	}
	return results, errs, nil
}

// newMessage validates one send against the queue and builds the message it stores.
func (q *queue) newMessage(s sendInput, now time.Time) (*message, error) {
	if s.Body == "" {
		return nil, errMissingParam("MessageBody")
	}
	if !validChars(s.Body) {
		return nil, invalid("InvalidMessageContents", "Invalid binary character in the message body: only #x9, #xA, #xD and #x20 to #x10FFFF (without surrogates, #xFFFE and #xFFFF) are allowed.")
	}
	attrSize, err := validateAttributes(s.Attributes)
	if err != nil {
		return nil, err
	}
	if size := len(s.Body) + attrSize; size > q.cfg.MaxMessageSize {
		return nil, errInvalidParam("One or more parameters are invalid. Reason: Message must be shorter than %d bytes (this one is %d).", q.cfg.MaxMessageSize, size)
	}
	delay := q.cfg.Delay
	if s.Delay != nil {
		if q.cfg.FIFO {
			return nil, errInvalidParam("Value %s for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", seconds(*s.Delay))
		}
		if *s.Delay < 0 || *s.Delay > maxDelay {
			return nil, errInvalidParam("Value %s for parameter DelaySeconds is invalid. Reason: it must be 0 to 900.", seconds(*s.Delay))
		}
		delay = *s.Delay
	}
	dedup := s.DedupID
	if q.cfg.FIFO {
		if s.GroupID == "" {
			return nil, errMissingParam("MessageGroupId")
		}
		if dedup == "" && q.cfg.ContentBasedDeduplication {
			sum := sha256.Sum256([]byte(s.Body))
			dedup = hex.EncodeToString(sum[:])
		}
		if dedup == "" {
			return nil, errInvalidParam("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly.")
		}
	} else if dedup != "" {
		return nil, errInvalidParam("The request include parameter MessageDeduplicationId that is not valid for this queue type.")
	}
	for _, f := range []struct{ name, v string }{{"MessageGroupId", s.GroupID}, {"MessageDeduplicationId", s.DedupID}} {
		if !validTag(f.v) {
			return nil, errInvalidParam("Value %q for parameter %s is invalid: 1 to 128 letters, digits and punctuation.", f.v, f.name)
		}
	}
	return &message{
		ID:          newMessageID(),
		Body:        s.Body,
		Attributes:  s.Attributes,
		TraceHeader: s.TraceHeader,
		SenderID:    s.SenderID,
		SentAt:      now,
		GroupID:     s.GroupID,
		DedupID:     dedup,
		VisibleAt:   now.Add(delay),
	}, nil
}

// validTag checks a MessageGroupId or MessageDeduplicationId ("" means not given).
func validTag(s string) bool {
	if len(s) > 128 {
		return false
	}
	for _, r := range s {
		if r < '!' || r > '~' {
			return false
		}
	}
	return true
}

// staleDedup lists deduplication ids whose five-minute window has passed.
func (q *queue) staleDedup(now time.Time) []string {
	var ids []string
	for id, e := range q.dedup {
		if !now.Before(e.At.Add(dedupWindow)) {
			ids = append(ids, id)
		}
	}
	return ids
}
