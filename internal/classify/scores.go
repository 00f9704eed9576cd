package classify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

const numLabels = 9

// labelIndex is l's position in Labels(), or -1 for an unknown label.
func labelIndex(l Label) int { return slices.Index(labels[:], l) }

// Scores are a model's raw scores per label, before thresholds decide what flags.
type Scores map[Label]float64

// Scorer produces raw scores; a Classifier is a Scorer plus thresholds (and a cache).
type Scorer interface {
	// Model names the model and version that produced the scores.
	Model() string
	// Score scores each text; the i-th scores belong to the i-th text.
	Score(ctx context.Context, texts []string) ([]Scores, error)
}

// Thresholds are the per-label scores at or above which a text is flagged.
type Thresholds map[Label]float64

// DefaultThresholds flags at 0.5, and earlier for the gravest labels
// (sexual/minors at 0.3, hate/threatening at 0.4).
func DefaultThresholds() Thresholds {
	t := Thresholds{}
	for _, l := range labels {
		t[l] = 0.5
	}
	t[SexualMinors] = 0.3
	t[HateThreatening] = 0.4
	return t
}

// ParseThresholds reads "violence=0.5,self-harm=0.3" over the defaults;
// an empty string gives the defaults.
func ParseThresholds(s string) (Thresholds, error) {
	t := DefaultThresholds()
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, v, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if !ok || labelIndex(Label(name)) < 0 {
			return nil, fmt.Errorf("%q is not label=score (labels: %s)", part, labelList())
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f <= 0 || f > 1 {
			return nil, fmt.Errorf("%q: the threshold must be a number in (0, 1]", part)
		}
		t[Label(name)] = f
	}
	return t, nil
}

func labelList() string {
	names := make([]string, 0, numLabels)
	for _, l := range labels {
		names = append(names, string(l))
	}
	return strings.Join(names, ", ")
}

// Result applies the thresholds to scores: every label listed, highest score
// first (ties: the graver label first); top_label is the highest when it is above zero.
func (t Thresholds) Result(s Scores, model string, cached bool) Result {
	r := Result{Model: model, Cached: cached, Labels: make([]Score, 0, numLabels)}
	for _, l := range labels {
		v := s[l]
		r.Labels = append(r.Labels, Score{Label: l, Score: v})
		if th, ok := t[l]; ok && v >= th {
			r.Flagged = true
		}
	}
	slices.SortStableFunc(r.Labels, func(a, b Score) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return slices.Index(byGravity, a.Label) - slices.Index(byGravity, b.Label)
	})
	if r.Labels[0].Score > 0 {
		r.TopLabel = r.Labels[0].Label
	}
	return r
}

// byGravity orders labels of equal score: the specific, graver label first,
// so "kill all the X" tops as hate/threatening rather than hate.
var byGravity = []Label{SexualMinors, HateThreatening, ViolenceGraphic, SelfHarm, Violence, Hate, Sexual, Harassment, Profanity}
