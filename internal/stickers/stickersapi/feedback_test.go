package stickersapi

import (
	"context"
	"encoding/json"
	"testing"
)

// TestFeedbackReversal: a client that changes its mind moves its one count to
// the other side; repeating either vote changes nothing; every known id is
// still accepted.
func TestFeedbackReversal(t *testing.T) {
	f := newFixture(t)
	for i, step := range []struct {
		body     string
		pos, neg int64
	}{
		{`{"feedback":[{"query":"cat in a park","positive":["1F408"]}]}`, 1, 0},
		{`{"feedback":[{"query":"Cats in the park","negative":["1F408"]}]}`, 0, 1}, // same normalized query
		{`{"feedback":[{"query":"cat in a park","negative":["1F408"]}]}`, 0, 1},
		{`{"feedback":[{"query":"cat in a park","positive":["1F408"]}]}`, 1, 0},
		{`{"feedback":[{"query":"cat in a park","positive":["1F408"]}]}`, 1, 0},
	} {
		resp := postFeedback(t, f, "changes-mind", step.body)
		var r FeedbackResponse
		if err := json.Unmarshal([]byte(resp.Body), &r); err != nil || resp.StatusCode != 200 || r.Accepted != 1 || len(r.Failed) != 0 {
			t.Fatalf("step %d: %d %s", i, resp.StatusCode, resp.Body)
		}
		counts, err := f.store.Feedback(context.Background(), "cat park")
		if err != nil || len(counts) != 1 || counts[0].Positives != step.pos || counts[0].Negatives != step.neg {
			t.Fatalf("step %d: counts %+v %v, want %d positive, %d negative", i, counts, err, step.pos, step.neg)
		}
	}
}
