// Package rank merges text relevance with user feedback into the final order
// of search results.
package rank

import (
	"math"
	"slices"
	"strings"

	"github.com/mosaic-platform/mosaic/internal/stickers/catalog"
	"github.com/mosaic-platform/mosaic/internal/stickers/feedback"
	"github.com/mosaic-platform/mosaic/internal/stickers/search"
)

// FeedbackWeight is how much the feedback signal (in [-1, 1]) adds to the
// text score (normalised to at most 1): strong agreement from many clients can
// lift a weaker text match above the best one; a single vote moves it by ~0.1.
const FeedbackWeight = 0.5

// Result is one ranked sticker with its final score.
type Result struct {
	Sticker catalog.Sticker
	Score   float64
}

// Merge orders the text hits and the stickers that have feedback for the query.
// A sticker known only from feedback joins the results when its signal is
// positive (users found it under this query). lookup resolves such ids; ids it
// does not know (removed stickers) are skipped.
func Merge(hits []search.Hit, counts []feedback.Counts, lookup func(id string) (catalog.Sticker, bool), limit int) []Result {
	maxText := 0.0
	for _, h := range hits {
		maxText = math.Max(maxText, h.Score)
	}
	signal := make(map[string]float64, len(counts))
	for _, c := range counts {
		signal[c.Sticker] = feedback.Score(c)
	}
	out := make([]Result, 0, len(hits)+len(counts))
	seen := make(map[string]bool, len(hits))
	for _, h := range hits {
		text := 0.0
		if maxText > 0 {
			text = h.Score / maxText
		}
		seen[h.Sticker.ID] = true
		out = append(out, Result{Sticker: h.Sticker, Score: text + FeedbackWeight*signal[h.Sticker.ID]})
	}
	for _, c := range counts {
		if seen[c.Sticker] || signal[c.Sticker] <= 0 {
			continue
		}
		if s, ok := lookup(c.Sticker); ok {
			out = append(out, Result{Sticker: s, Score: FeedbackWeight * signal[c.Sticker]})
		}
	}
	slices.SortStableFunc(out, func(a, b Result) int {
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
