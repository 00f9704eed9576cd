// Package classify scores text over Mosaic's moderation labels. Classifiers
// are pluggable (an embedded lexicon, a remote Hugging Face compatible model)
// behind one interface; which scores flag is configuration, not the model.
package classify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Label is one moderation category.
type Label string

// The moderation labels: Koala's/OpenAI's categories plus plain foul language.
const (
	Sexual          Label = "sexual"
	Hate            Label = "hate"
	Violence        Label = "violence"
	Harassment      Label = "harassment"
	SelfHarm        Label = "self-harm"
	SexualMinors    Label = "sexual/minors"
	HateThreatening Label = "hate/threatening"
	ViolenceGraphic Label = "violence/graphic"
	Profanity       Label = "profanity"
)

// labels are every label, in the SPEC's order.
var labels = [numLabels]Label{Sexual, Hate, Violence, Harassment, SelfHarm, SexualMinors, HateThreatening, ViolenceGraphic, Profanity}

// Labels lists every label, in the SPEC's order.
func Labels() []Label { return slices.Clone(labels[:]) }

// Score is one label's score in [0, 1].
// Spans, present only when the score is at or above the label's threshold,
// are the parts of the text that triggered the label.
type Score struct {
	Label Label   `json:"label"`
	Score float64 `json:"score"`
	Spans []Span  `json:"spans,omitempty"`
}

// Result is the classification of one text: labels sorted by score, highest first.
// Its JSON is the SPEC's shape, every key always present (see MarshalJSON).
type Result struct {
	Flagged  bool    `json:"flagged"`
	TopLabel Label   `json:"top_label"` // "" when no label scores above zero: null in JSON
	Labels   []Score `json:"labels"`
	Model    string  `json:"model"`
	Cached   bool    `json:"cached"`
}

// resultJSON is Result as clients see it: top_label is null, not "", when
// every score is zero. It lists Result's fields in the same order.
type resultJSON struct {
	Flagged  bool    `json:"flagged"`
	TopLabel *Label  `json:"top_label"`
	Labels   []Score `json:"labels"`
	Model    string  `json:"model"`
	Cached   bool    `json:"cached"`
}

// MarshalJSON writes r with "top_label": null when it has no top label.
func (r Result) MarshalJSON() ([]byte, error) {
	out := resultJSON{Flagged: r.Flagged, Labels: r.Labels, Model: r.Model, Cached: r.Cached}
	if r.TopLabel != "" {
		out.TopLabel = &r.TopLabel
	}
	return json.Marshal(out)
}

// Classifier classifies texts; the i-th result belongs to the i-th text.
// Implementations are safe for concurrent use.
type Classifier interface {
	Classify(ctx context.Context, texts []string) ([]Result, error)
}

// WarmingUpError reports a remote model that is still loading: callers answer
// 503 with Retry-After (API) or wait and retry (workers).
type WarmingUpError struct {
	RetryAfter time.Duration
}

func (e *WarmingUpError) Error() string {
	return fmt.Sprintf("classifier model is loading; retry in %s", e.RetryAfter)
}
