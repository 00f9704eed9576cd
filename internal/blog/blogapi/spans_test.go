package blogapi

import (
	"testing"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/classify"
)

// TestModerationKeepsTheSpans moderates a post with the embedded lexicon and
// checks that the flagged paragraph's labels carry the spans that triggered
// them, as read back from the store (through the DynamoDB item encoding), so
// the review queue can highlight them.
func TestModerationKeepsTheSpans(t *testing.T) {
	lex, err := classify.NewLexicon()
	if err != nil {
		t.Fatal(err)
	}
	f := newWorker(t, classify.NewEngine(lex, classify.DefaultThresholds(), nil))
	f.add(t, postA, "A quiet morning by the lake.", "If he shows up again I will find him and hurt him.")
	if f.deliver(t, blog.ModerationRequest{ID: postA, Version: 1}) {
		t.Fatal("moderation failed")
	}
	p := f.get(t, postA)
	if p.Status != blog.Flagged || len(p.Moderation.Offending) != 1 || p.Moderation.Offending[0].Index != 1 {
		t.Fatalf("moderation: %s %+v", p.Status, p.Moderation)
	}
	var violence *classify.Score
	for i, s := range p.Moderation.Offending[0].Labels {
		if s.Label == classify.Violence {
			violence = &p.Moderation.Offending[0].Labels[i]
		}
	}
	if violence == nil || len(violence.Spans) == 0 {
		t.Fatalf("no violence spans in %+v", p.Moderation.Offending[0].Labels)
	}
	text := []rune(p.Paragraphs[1])
	for _, sp := range violence.Spans {
		if string(text[sp.Start:sp.End]) != sp.Text {
			t.Errorf("span %+v is not the paragraph's text there", sp)
		}
	}
}
