package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors of a Store.
var (
	// ErrInProgress: another claim on the key is live; retry after its lease.
	ErrInProgress = errors.New("queue: work for this idempotency key is in progress")
	// ErrKeyReused: the key was first used for a request with another fingerprint.
	ErrKeyReused = errors.New("queue: idempotency key reused for a different request")
	// ErrClaimLost: the claim expired and was taken over, or was released.
	ErrClaimLost = errors.New("queue: idempotency claim lost")
)

// MaxResultSize is the largest result a Store keeps (DynamoDB items are at most 400 KB).
const MaxResultSize = 350 << 10

// Store records, per idempotency key, that work is in progress or done, and
// its result. Keys are the caller's, scoped by it (e.g. "dialogs/" + header).
type Store interface {
	// Claim takes key for lease, unless a live claim holds it (ErrInProgress)
	// or the work is done: then the Claim replays its result. A fingerprint of
	// the request ("" for none) must match the key's first one, else ErrKeyReused.
	Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (Claim, error)
	// Complete records the result of a held claim, kept for retention.
	Complete(ctx context.Context, c Claim, result []byte, retention time.Duration) error
	// Release gives a held claim up so that a retry runs the work again.
	Release(ctx context.Context, c Claim) error
}

// Claim is the answer of Store.Claim.
type Claim struct {
	Key    string
	Token  string // identifies the holder; empty when replaying
	Replay bool   // the work was done before: Result is its answer
	Result []byte
}

// Idempotent runs work at most once per key and replays its result to retries.
type Idempotent struct {
	Store     Store
	Lease     time.Duration // how long a claim blocks others before it is presumed dead (default 1m)
	Retention time.Duration // how long a result is replayed (default 24h)
}

// Do runs fn unless key's work was done, in which case it returns the stored
// result with replayed set. While another call runs the key's work, it returns
// ErrInProgress. When fn fails, the claim is released and fn's error returned.
// Should the result fail to be recorded, the error says so and a retry after
// the lease runs fn again, so fn must tolerate that rare second run.
func (i Idempotent) Do(ctx context.Context, key, fingerprint string, fn func(context.Context) ([]byte, error)) (result []byte, replayed bool, err error) {
	lease, retention := i.Lease, i.Retention
	if lease <= 0 {
		lease = time.Minute
	}
	if retention <= 0 {
		retention = 24 * time.Hour
	}
	c, err := i.Store.Claim(ctx, key, fingerprint, lease)
	if err != nil {
		return nil, false, err
	}
	if c.Replay {
		return c.Result, true, nil
	}
	result, err = fn(ctx)
	if err != nil {
		if rerr := i.Store.Release(context.WithoutCancel(ctx), c); rerr != nil {
			return nil, false, errors.Join(err, rerr)
		}
		return nil, false, err
	}
	if err := i.Store.Complete(ctx, c, result, retention); err != nil {
		return nil, false, fmt.Errorf("work done but not recorded: %w", err)
	}
	return result, false, nil
}
