// Package feedback records what users say about search results and turns it
// into a ranking signal that one click cannot dominate: per (normalized query,
// sticker) counts of positive and negative votes, each client counted at most
// once per pair (its latest vote: a reversal moves its count to the other
// side), scored by Wilson lower bounds.
package feedback

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mosaic-platform/mosaic/internal/stickers/usage"
)

// Counts are the votes one sticker received for one normalized query.
type Counts struct {
	Sticker   string
	Positives int64
	Negatives int64
}

// Usage is how often a normalized query was searched.
type Usage struct {
	Query      string // the normalized query
	Display    string // the latest raw query that normalized to it, as typed
	Usage      int64
	LastUsedAt time.Time
}

// Vote is one client's opinion of one sticker for one normalized query.
type Vote struct {
	Query    string // normalized
	Sticker  string
	Client   string // an opaque client key (hashed X-Client-Id or source IP)
	Positive bool
}

// VoteOutcome is what Store.Vote did with a vote.
type VoteOutcome int

const (
	// VoteUnchanged: the client's latest vote on the pair already had this direction.
	VoteUnchanged VoteOutcome = iota
	// VoteCounted: the client's first (or first unexpired) vote on the pair, counted.
	VoteCounted
	// VoteReversed: the client's count moved from the other side to this one.
	VoteReversed
)

// String names o for logs and test failures.
func (o VoteOutcome) String() string {
	switch o {
	case VoteUnchanged:
		return "unchanged"
	case VoteCounted:
		return "counted"
	case VoteReversed:
		return "reversed"
	}
	return fmt.Sprintf("VoteOutcome(%d)", int(o))
}

// ErrRateLimited means the client has sent too much feedback recently.
var ErrRateLimited = errors.New("feedback rate limit reached")

// Store keeps usage and feedback counters; implementations make every counter
// update atomic (concurrent searches and votes never lose a count).
type Store interface {
	// RecordSearch adds one to the usage of query (normalized) and to the day's search count.
	RecordSearch(ctx context.Context, query, display string, at time.Time) error
	// AddUsage adds a batch of aggregated searches (a usage.Batcher's flush),
	// at most once per batch id, whatever the retries.
	usage.Sink
	// Feedback returns the counts of every sticker voted on for query.
	Feedback(ctx context.Context, query string) ([]Counts, error)
	// Vote makes v the vote of v.Client on (v.Query, v.Sticker): a first vote
	// counts; a vote in the other direction than the client's previous one
	// moves its count from one side to the other, atomically; a repeat of the
	// same direction changes nothing. A client thus counts at most once per
	// pair, on the side of its latest vote, whatever the interleaving of its
	// concurrent votes. A marker older than VoteRetention is forgotten (the
	// vote counts anew, the old count stays).
	Vote(ctx context.Context, v Vote, at time.Time) (VoteOutcome, error)
	// Allow takes n units of client's budget in the window that contains at;
	// it returns false, taking nothing, when the budget would be exceeded.
	Allow(ctx context.Context, client string, n, limit int, window time.Duration, at time.Time) (bool, error)
	// Usage returns the usage of one normalized query, with ok false when it was never searched.
	Usage(ctx context.Context, query string) (u Usage, ok bool, err error)
	// Queries returns the usage of every query ever searched, in no particular order.
	Queries(ctx context.Context) ([]Usage, error)
	// SearchesPerDay returns the number of searches on each day (YYYY-MM-DD, UTC) from..to inclusive that had any.
	SearchesPerDay(ctx context.Context, from, to time.Time) (map[string]int64, error)
}

// z95 is the normal quantile for a 95% confidence interval.
const z95 = 1.959963984540054

// WilsonLower returns the lower bound of the Wilson score interval (95%) for
// k successes out of n trials: 0 with no trials, small for one success, close
// to k/n as n grows.
func WilsonLower(k, n int64) float64 {
	if n <= 0 || k <= 0 {
		return 0
	}
	if k > n {
		k = n
	}
	nf, p := float64(n), float64(k)/float64(n)
	z2 := z95 * z95
	centre := p + z2/(2*nf)
	margin := z95 * math.Sqrt((p*(1-p)+z2/(4*nf))/nf)
	return (centre - margin) / (1 + z2/nf)
}

// Score is the feedback signal of c, in [-1, 1]: the Wilson lower bound of the
// share of positive votes minus that of negative votes. One positive vote
// scores 0.21, a hundred score 0.96; one negative vote scores -0.21.
func Score(c Counts) float64 {
	n := c.Positives + c.Negatives
	return WilsonLower(c.Positives, n) - WilsonLower(c.Negatives, n)
}
