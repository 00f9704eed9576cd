package classify

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSpansNameWhatTriggeredEachLabel checks spans in code points of the
// text as sent, through accents, full-width letters, emoji and leetspeak.
func TestSpansNameWhatTriggeredEachLabel(t *testing.T) {
	lex, err := NewLexicon()
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(lex, DefaultThresholds(), nil)
	for _, tc := range []struct {
		text string
		want map[Label][]Span
	}{
		{"🙂 Été: what the FÜÇK", map[Label][]Span{Profanity: {{16, 20, "FÜÇK"}}}},
		{"😀😀 I'm going to kill you tomorrow", map[Label][]Span{Violence: {{3, 24, "I'm going to kill you"}}}},
		{"you are so st*pid", map[Label][]Span{Harassment: {{0, 17, "you are so st*pid"}}}},
		{"I'll kill the process and then kill you", map[Label][]Span{Violence: {{31, 39, "kill you"}}}},
		{"we should exterminate all the immigrants", map[Label][]Span{
			HateThreatening: {{10, 40, "exterminate all the immigrants"}},
			Hate:            {{10, 40, "exterminate all the immigrants"}},
		}},
		{"what the ｆｕｃｋ", map[Label][]Span{Profanity: {{9, 13, "ｆｕｃｋ"}}}},
	} {
		t.Run(tc.text, func(t *testing.T) {
			rs, err := e.Classify(context.Background(), []string{tc.text})
			if err != nil {
				t.Fatal(err)
			}
			got := map[Label][]Span{}
			for _, s := range rs[0].Labels {
				if s.Spans != nil {
					got[s.Label] = s.Spans
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("spans %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSpansOnlyOnFlaggedLabels checks that every label at or above its
// threshold has spans whose text is the text at those code points, and that
// no label under its threshold has any.
func TestSpansOnlyOnFlaggedLabels(t *testing.T) {
	lex, err := NewLexicon()
	if err != nil {
		t.Fatal(err)
	}
	th := DefaultThresholds()
	e := NewEngine(lex, th, nil)
	data, err := os.ReadFile("testdata/eval.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if _, text, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			texts = append(texts, text)
		}
	}
	for from := 0; from < len(texts); from += 32 {
		batch := texts[from:min(from+32, len(texts))]
		rs, err := e.Classify(context.Background(), batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			checkSpans(t, batch[i], r, th)
		}
	}
}

func checkSpans(t *testing.T, text string, r Result, th Thresholds) {
	t.Helper()
	runes := []rune(text)
	for _, s := range r.Labels {
		if s.Score < th[s.Label] {
			if s.Spans != nil {
				t.Errorf("%q: %s at %v is under its threshold but has spans %v", text, s.Label, s.Score, s.Spans)
			}
			continue
		}
		if len(s.Spans) == 0 {
			t.Errorf("%q: %s at %v is flagged without a span", text, s.Label, s.Score)
		}
		for _, sp := range s.Spans {
			if sp.Start < 0 || sp.End > len(runes) || sp.Start >= sp.End || string(runes[sp.Start:sp.End]) != sp.Text {
				t.Errorf("%q: %s span %+v is not the text at those code points", text, s.Label, sp)
			}
		}
	}
}

// TestSpansOfAModelWithoutExplanations checks that a scorer that cannot
// explain itself (a remote model) flags with the whole text as the span.
func TestSpansOfAModelWithoutExplanations(t *testing.T) {
	e := NewEngine(fixedScorer{Violence: 0.8, Hate: 0.2}, DefaultThresholds(), nil)
	rs, err := e.Classify(context.Background(), []string{"naïve 🙂 text"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rs[0].Labels {
		switch s.Label {
		case Violence:
			want := []Span{{0, utf8.RuneCountInString("naïve 🙂 text"), "naïve 🙂 text"}}
			if !reflect.DeepEqual(s.Spans, want) {
				t.Errorf("violence spans %v, want %v", s.Spans, want)
			}
		default:
			if s.Spans != nil {
				t.Errorf("%s under its threshold has spans %v", s.Label, s.Spans)
			}
		}
	}
}

type fixedScorer Scores

func (fixedScorer) Model() string { return "fixed" }
func (f fixedScorer) Score(_ context.Context, texts []string) ([]Scores, error) {
	out := make([]Scores, len(texts))
	for i := range texts {
		out[i] = Scores(f)
	}
	return out, nil
}
