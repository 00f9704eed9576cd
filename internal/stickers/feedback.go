package stickers

// Feedback is what users say about search results, turned into a ranking
// signal that one click cannot dominate: per (normalized query, sticker)
// counts of positive and negative votes, each client counted at most once per
// pair (its latest vote: a reversal moves its count to the other side),
// scored by Wilson lower bounds.

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Counts are the votes one sticker received for one normalized query (its
// tags name the attributes of its item in the Store's table).
type Counts struct {
	Sticker   string `dynamodbav:"sk"`
	Positives int64  `dynamodbav:"positives"`
	Negatives int64  `dynamodbav:"negatives"`
}

// Usage is how often a normalized query was searched.
type Usage struct {
	Query      string    `dynamodbav:"sk"`      // the normalized query
	Display    string    `dynamodbav:"display"` // the latest raw query that normalized to it, as typed
	Usage      int64     `dynamodbav:"usage"`
	LastUsedAt time.Time `dynamodbav:"last_used_at"`
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

// FeedbackWeight is how much the feedback signal (in [-1, 1]) adds to the
// text score (normalised to at most 1): strong agreement from many clients can
// lift a weaker text match above the best one; a single vote moves it by ~0.1.
const FeedbackWeight = 0.5

// Rerank orders the text hits and the stickers that have feedback for the query.
// A sticker known only from feedback joins the results when its signal is
// positive (users found it under this query). lookup resolves such ids; ids it
// does not know (removed stickers) are skipped.
func Rerank(hits []Hit, counts []Counts, lookup func(id string) (Sticker, bool), limit int) []Hit {
	maxText := 0.0
	for _, h := range hits {
		maxText = math.Max(maxText, h.Score)
	}
	signal := make(map[string]float64, len(counts))
	for _, c := range counts {
		signal[c.Sticker] = Score(c)
	}
	out := make([]Hit, 0, len(hits)+len(counts))
	seen := make(map[string]bool, len(hits))
	for _, h := range hits {
		text := 0.0
		if maxText > 0 {
			text = h.Score / maxText
		}
		seen[h.Sticker.ID] = true
		out = append(out, Hit{Sticker: h.Sticker, Score: text + FeedbackWeight*signal[h.Sticker.ID]})
	}
	for _, c := range counts {
		if seen[c.Sticker] || signal[c.Sticker] <= 0 {
			continue
		}
		if s, ok := lookup(c.Sticker); ok {
			out = append(out, Hit{Sticker: s, Score: FeedbackWeight * signal[c.Sticker]})
		}
	}
	slices.SortStableFunc(out, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Sticker.ID, b.Sticker.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
