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
func labelIndex(l Label) int {
	switch l {
	case Sexual:
		return 0
	case Hate:
		return 1
	case Violence:
		return 2
	case Harassment:
		return 3
	case SelfHarm:
		return 4
	case SexualMinors:
		return 5
	case HateThreatening:
		return 6
	case ViolenceGraphic:
		return 7
	case Profanity:
		return 8
	}
	return -1
}

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
	for _, l := range Labels() {
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
	for _, l := range Labels() {
		names = append(names, string(l))
	}
	return strings.Join(names, ", ")
}

// Result applies the thresholds to scores: every label listed, highest score
// first (ties: the graver label first); top_label is the highest when it is above zero.
func (t Thresholds) Result(s Scores, model string, cached bool) Result {
	r := Result{Model: model, Cached: cached, Labels: make([]Score, 0, numLabels)}
	for _, l := range Labels() {
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
		return gravity(a.Label) - gravity(b.Label)
	})
	if r.Labels[0].Score > 0 {
		r.TopLabel = r.Labels[0].Label
	}
	return r
}

// gravity orders labels of equal score: the specific, graver label first, so
// "kill all the X" tops as hate/threatening rather than hate.
func gravity(l Label) int {
	switch l {
	case SexualMinors:
		return 0
	case HateThreatening:
		return 1
	case ViolenceGraphic:
		return 2
	case SelfHarm:
		return 3
	case Violence:
		return 4
	case Hate:
		return 5
	case Sexual:
		return 6
	case Harassment:
		return 7
	}
	return 8
}
