package classify

import (
	"slices"
	"unicode/utf8"
)

// Span is a part of a classified text that triggered a label, like
// Perspective's span annotations: [Start, End) counted in Unicode code points
// (not bytes, not UTF-16 units), and Text, the code points in between.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Explainer is a Scorer that can say which parts of a text triggered each
// label. A Scorer that cannot (a remote model) is explained by the whole text.
type Explainer interface {
	Explain(text string) map[Label][]Span
}

// explain turns hits into spans per label, for the labels scored above zero.
// A derived label carries the spans it was derived from: sexual/minors the
// sexual and minor-context spans, hate/threatening the hate and violence
// ones, and a parent label its grave child's.
func explain(hits []hit, minor minorContext, scores Scores) map[Label][]span {
	at := map[Label][]span{}
	for _, h := range hits {
		at[h.label] = append(at[h.label], h.at)
	}
	sexual := append(at[Sexual], at[SexualMinors]...)
	if minor.found && len(at[Sexual]) > 0 {
		at[SexualMinors] = append(append(at[SexualMinors], at[Sexual]...), minor.at...)
	}
	at[Sexual] = sexual
	if scores[HateThreatening] > 0 && len(at[HateThreatening]) == 0 {
		at[HateThreatening] = append(append(at[HateThreatening], at[Hate]...), at[Violence]...)
	}
	at[Hate] = append(at[Hate], at[HateThreatening]...)
	out := map[Label][]span{}
	for l, spans := range at {
		if scores[l] > 0 && len(spans) > 0 {
			out[l] = mergeSpans(spans)
		}
	}
	return out
}

// mergeSpans sorts spans and merges those that overlap.
func mergeSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return a.end - b.end
	})
	out := spans[:0:0]
	for _, s := range spans {
		if s.end <= s.start {
			continue
		}
		if n := len(out); n > 0 && s.start < out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// spansOf returns the spans of text between the given code points.
func spansOf(text string, at []span) []Span {
	if len(at) == 0 {
		return nil
	}
	// Byte offset of every code point, and of the end.
	offsets := make([]int, 0, len(text)+1)
	for i := range text {
		offsets = append(offsets, i)
	}
	offsets = append(offsets, len(text))
	out := make([]Span, 0, len(at))
	for _, a := range at {
		if a.start < 0 || a.end > len(offsets)-1 || a.start >= a.end {
			continue
		}
		out = append(out, Span{Start: a.start, End: a.end, Text: text[offsets[a.start]:offsets[a.end]]})
	}
	return out
}

// wholeText is the one span of a text judged as a whole.
func wholeText(text string) []Span {
	return []Span{{Start: 0, End: utf8.RuneCountInString(text), Text: text}}
}
