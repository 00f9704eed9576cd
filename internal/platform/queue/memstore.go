package queue

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a Store in memory, for tests and single-process runs. It
// follows DynamoStore's rules, including whole-second expiry.
type MemoryStore struct {
	Now func() time.Time // the clock; nil is time.Now

	mu      sync.Mutex
	records map[string]memRecord
}

type memRecord struct {
	done        bool
	token       string
	fingerprint string
	result      []byte
	expires     int64 // epoch seconds
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{records: map[string]memRecord{}}
}

func (s *MemoryStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Claim takes key for lease unless it is held or done; see Store.
func (s *MemoryStore) Claim(_ context.Context, key, fingerprint string, lease time.Duration) (Claim, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[key]; ok && r.expires >= now.Unix() {
		return replay(key, r.done, r.fingerprint, fingerprint, r.result)
	}
	tok := rand.Text()
	s.records[key] = memRecord{token: tok, fingerprint: fingerprint, expires: expiresAt(now, lease)}
	return Claim{Key: key, Token: tok}, nil
}

// Complete records the result of a held claim; see Store.
func (s *MemoryStore) Complete(_ context.Context, c Claim, result []byte, retention time.Duration) error {
	if len(result) > MaxResultSize {
		return fmt.Errorf("queue: result of %d bytes is over %d", len(result), MaxResultSize)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[c.Key]
	if !ok || r.done || r.token != c.Token || c.Token == "" {
		return fmt.Errorf("complete %q: %w", c.Key, ErrClaimLost)
	}
	r.done, r.result, r.expires = true, slices.Clone(result), expiresAt(now, retention)
	s.records[c.Key] = r
	return nil
}

// Release gives a held claim up; see Store.
func (s *MemoryStore) Release(_ context.Context, c Claim) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[c.Key]; ok && !r.done && r.token == c.Token {
		delete(s.records, c.Key)
	}
	return nil
}

// replay answers a claim on a key whose record is live.
func replay(key string, done bool, stored, given string, result []byte) (Claim, error) {
	if stored != given {
		return Claim{}, fmt.Errorf("claim %q: %w", key, ErrKeyReused)
	}
	if !done {
		return Claim{}, fmt.Errorf("claim %q: %w", key, ErrInProgress)
	}
	if result == nil {
		result = []byte{}
	}
	return Claim{Key: key, Replay: true, Result: slices.Clone(result)}, nil
}

// expiresAt is now+d in epoch seconds, rounded up: DynamoDB TTL's unit.
func expiresAt(now time.Time, d time.Duration) int64 {
	return now.Add(d + time.Second - 1).Unix()
}
