package classify

import (
	"context"
	"fmt"

	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// Engine is the Classifier the routes and the blog worker use: a Scorer,
// an optional Cache of its scores, and the thresholds that decide flags.
type Engine struct {
	scorer     Scorer
	cache      Cache // nil: no cache
	thresholds Thresholds
}

// NewEngine returns a Classifier over scorer; cache may be nil.
func NewEngine(scorer Scorer, thresholds Thresholds, cache Cache) *Engine {
	return &Engine{scorer: scorer, cache: cache, thresholds: thresholds}
}

// Model names the underlying model.
func (e *Engine) Model() string { return e.scorer.Model() }

// Classify scores the texts not in the cache in one call to the scorer and
// records cache and label metrics in ctx's invocation. A cache failure is
// logged and treated as a miss; it never fails the classification.
func (e *Engine) Classify(ctx context.Context, texts []string) ([]Result, error) {
	model := e.scorer.Model()
	scores := make([]Scores, len(texts))
	cached := make([]bool, len(texts))
	var keys []string
	if e.cache != nil {
		keys = make([]string, len(texts))
		for i, t := range texts {
			keys[i] = CacheKey(model, t)
		}
		found, err := e.cache.Get(ctx, keys)
		if err != nil {
			obs.Logger(ctx).WarnContext(ctx, "classify cache read failed", "error", err.Error())
		}
		for i, k := range keys {
			if s, ok := found[k]; ok {
				scores[i], cached[i] = s, true
			}
		}
	}
	var missing []string
	var at []int
	for i := range texts {
		if !cached[i] {
			missing = append(missing, texts[i])
			at = append(at, i)
		}
	}
	if e.cache != nil {
		obs.Count(ctx, "ClassifyCacheHits", len(texts)-len(missing))
		obs.Count(ctx, "ClassifyCacheMisses", len(missing))
	}
	if len(missing) > 0 {
		got, err := e.scorer.Score(ctx, missing)
		if err != nil {
			return nil, fmt.Errorf("classify with %s: %w", model, err)
		}
		if len(got) != len(missing) {
			return nil, fmt.Errorf("classify with %s: %d scores for %d texts", model, len(got), len(missing))
		}
		fresh := make(map[string]Scores, len(missing))
		for j, i := range at {
			scores[i] = got[j]
			if keys != nil {
				fresh[keys[i]] = got[j]
			}
		}
		if e.cache != nil {
			if err := e.cache.Put(ctx, fresh); err != nil {
				obs.Logger(ctx).WarnContext(ctx, "classify cache write failed", "error", err.Error())
			}
		}
	}
	out := make([]Result, len(texts))
	explainer, _ := e.scorer.(Explainer)
	for i := range texts {
		out[i] = e.thresholds.Result(scores[i], model, cached[i])
		if out[i].Flagged {
			e.addSpans(&out[i], texts[i], explainer)
		}
		for _, s := range out[i].Labels {
			if th, ok := e.thresholds[s.Label]; ok && s.Score >= th {
				obs.Count(ctx, "ClassifyLabelFlagged", 1, obs.Dim("Label", string(s.Label)))
			}
		}
		if out[i].Flagged {
			obs.Count(ctx, "ClassifyFlagged", 1)
		}
	}
	obs.Count(ctx, "ClassifyTexts", len(texts))
	return out, nil
}

// addSpans gives every label of r at or above its threshold the spans of
// text that triggered it: the explainer's, or the whole text when the scorer
// cannot explain itself (or found no span for a label it scored).
func (e *Engine) addSpans(r *Result, text string, explainer Explainer) {
	var found map[Label][]Span
	if explainer != nil {
		found = explainer.Explain(text)
	}
	for j, s := range r.Labels {
		if th, ok := e.thresholds[s.Label]; !ok || s.Score < th {
			continue
		}
		r.Labels[j].Spans = found[s.Label]
		if len(r.Labels[j].Spans) == 0 {
			r.Labels[j].Spans = wholeText(text)
		}
	}
}
