package sqslocal

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The bolt file holds three top-level buckets:
//
//	queues    name -> queueRecord (JSON)
//	messages  name -> bucket of big-endian Seq -> message (JSON); the bucket sequence numbers the sends
//	dedup     name -> bucket of MessageDeduplicationId -> dedupEntry (JSON), FIFO queues only
const (
	bucketQueues   = "queues"
	bucketMessages = "messages"
	bucketDedup    = "dedup"
)

// queueRecord is what the bolt file keeps of a queue besides its messages.
type queueRecord struct {
	Config   QueueConfig       `json:"config"`
	Created  time.Time         `json:"created"`
	Modified time.Time         `json:"modified"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// store persists queues and messages; every change is one fsynced bolt transaction.
type store struct {
	db *bolt.DB
}

func openStore(path string) (*store, error) {
	// A short lock timeout turns a second `make run` on the same data into a clear error.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoFreelistSync: true})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: another process holds it: %w", path, err)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{bucketQueues, bucketMessages, bucketDedup} {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("initialise %s: %w", path, err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

// storedQueue is one queue as read back from disk.
type storedQueue struct {
	record   queueRecord
	messages []*message // ascending Seq
	dedup    map[string]dedupEntry
}

// load reads every queue with its messages and deduplication entries.
func (s *store) load() ([]storedQueue, error) {
	var out []storedQueue
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketQueues)).ForEach(func(k, v []byte) error {
			sq := storedQueue{dedup: make(map[string]dedupEntry)}
			if err := json.Unmarshal(v, &sq.record); err != nil {
				return fmt.Errorf("queue %s: %w", k, err)
			}
			err := eachJSON(tx.Bucket([]byte(bucketMessages)).Bucket(k), func(_ []byte, m *message) { sq.messages = append(sq.messages, m) })
			if err != nil {
				return fmt.Errorf("queue %s: message: %w", k, err)
			}
			err = eachJSON(tx.Bucket([]byte(bucketDedup)).Bucket(k), func(id []byte, e *dedupEntry) { sq.dedup[string(id)] = *e })
			if err != nil {
				return fmt.Errorf("queue %s: deduplication entry: %w", k, err)
			}
			out = append(out, sq)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load queues: %w", err)
	}
	return out, nil
}

// eachJSON decodes every value of bucket b, if it exists, and hands it to fn with its key.
func eachJSON[T any](b *bolt.Bucket, fn func(k []byte, v *T)) error {
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		t := new(T)
		if err := json.Unmarshal(v, t); err != nil {
			return err
		}
		fn(k, t)
		return nil
	})
}

// write runs fn in one durable transaction; nothing is written if fn fails.
func (s *store) write(fn func(w writeTx) error) error {
	if err := s.db.Update(func(tx *bolt.Tx) error { return fn(writeTx{tx}) }); err != nil {
		return fmt.Errorf("write queue store: %w", err)
	}
	return nil
}

// writeTx is a write transaction with the operations the broker needs.
type writeTx struct {
	tx *bolt.Tx
}

func (w writeTx) putQueue(rec queueRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	name := []byte(rec.Config.Name)
	if _, err := w.tx.Bucket([]byte(bucketMessages)).CreateBucketIfNotExists(name); err != nil {
		return err
	}
	if _, err := w.tx.Bucket([]byte(bucketDedup)).CreateBucketIfNotExists(name); err != nil {
		return err
	}
	return w.tx.Bucket([]byte(bucketQueues)).Put(name, v)
}

func (w writeTx) deleteQueue(name string) error {
	for _, b := range []string{bucketMessages, bucketDedup} {
		if err := w.tx.Bucket([]byte(b)).DeleteBucket([]byte(name)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
	}
	return w.tx.Bucket([]byte(bucketQueues)).Delete([]byte(name))
}

func (w writeTx) messages(queue string) (*bolt.Bucket, error) {
	b := w.tx.Bucket([]byte(bucketMessages)).Bucket([]byte(queue))
	if b == nil {
		return nil, fmt.Errorf("queue %s has no message bucket", queue)
	}
	return b, nil
}

// putMessage stores m, giving it the queue's next sequence number when it has none.
func (w writeTx) putMessage(queue string, m *message) error {
	b, err := w.messages(queue)
	if err != nil {
		return err
	}
	if m.Seq == 0 {
		if m.Seq, err = b.NextSequence(); err != nil {
			return err
		}
	}
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return b.Put(seqKey(m.Seq), v)
}

func (w writeTx) deleteMessage(queue string, seq uint64) error {
	b, err := w.messages(queue)
	if err != nil {
		return err
	}
	return b.Delete(seqKey(seq))
}

// clearMessages deletes every message of queue but keeps its sequence counter.
func (w writeTx) clearMessages(queue string) error {
	b, err := w.messages(queue)
	if err != nil {
		return err
	}
	// Collect first: deleting under a live cursor makes bolt skip keys.
	var keys [][]byte
	if err := b.ForEach(func(k, _ []byte) error {
		keys = append(keys, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (w writeTx) putDedup(queue, id string, e dedupEntry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return w.tx.Bucket([]byte(bucketDedup)).Bucket([]byte(queue)).Put([]byte(id), v)
}

func (w writeTx) deleteDedup(queue, id string) error {
	return w.tx.Bucket([]byte(bucketDedup)).Bucket([]byte(queue)).Delete([]byte(id))
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}
