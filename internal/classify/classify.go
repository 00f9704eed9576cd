// Package classify scores text over Mosaic's moderation labels. Classifiers
// are pluggable (an embedded lexicon, a remote Hugging Face compatible model)
// behind one interface; which scores flag is configuration, not the model.
package classify

import (
	"context"
	"fmt"
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

// Labels lists every label, in the SPEC's order.
func Labels() []Label {
	return []Label{Sexual, Hate, Violence, Harassment, SelfHarm, SexualMinors, HateThreatening, ViolenceGraphic, Profanity}
}

// Score is one label's score in [0, 1].
type Score struct {
	Label Label   `json:"label"`
	Score float64 `json:"score"`
}

// Result is the classification of one text: labels sorted by score, highest first.
type Result struct {
	Flagged  bool    `json:"flagged"`
	TopLabel Label   `json:"top_label,omitempty"` // absent when no label scores above zero
	Labels   []Score `json:"labels"`
	Model    string  `json:"model"`
	Cached   bool    `json:"cached"`
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
