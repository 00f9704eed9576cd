package stickers

import (
	"testing"
)

func rerankedIDs(rs []Hit) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Sticker.ID)
	}
	return out
}

func TestRerank(t *testing.T) {
	hits := []Hit{
		{Sticker: Sticker{ID: "a"}, Score: 10},
		{Sticker: Sticker{ID: "b"}, Score: 9},
		{Sticker: Sticker{ID: "c"}, Score: 8},
	}
	known := map[string]Sticker{"z": {ID: "z"}, "y": {ID: "y"}}
	lookup := func(id string) (Sticker, bool) { s, ok := known[id]; return s, ok }
	for _, tc := range []struct {
		name   string
		counts []Counts
		want   string
	}{
		{"no feedback keeps text order", nil, "a b c"},
		{"one click does not outrank a hundred", []Counts{{Sticker: "b", Positives: 1}, {Sticker: "c", Positives: 100}}, "c b a"},
		{"negative votes demote", []Counts{{Sticker: "a", Negatives: 20}}, "b c a"},
		{"feedback-only sticker joins when liked", []Counts{{Sticker: "z", Positives: 500}, {Sticker: "y", Negatives: 5}, {Sticker: "gone", Positives: 9}}, "a b c z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rerankedIDs(Rerank(hits, tc.counts, lookup, 10))
			if s := join(got); s != tc.want {
				t.Fatalf("order %s, want %s", s, tc.want)
			}
		})
	}
	if got := Rerank(hits, nil, lookup, 2); len(got) != 2 {
		t.Fatalf("limit ignored: %d", len(got))
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}
