package classify

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzLexicon feeds arbitrary text to the normalizer and the lexicon: no
// panic, tokens without separators, scores within [0, 1], spans that are
// the text at their code points, on flagged labels only.
func FuzzLexicon(f *testing.F) {
	for _, s := range []string{"", "f.u.c.k", "ѕhіt 🖕", "a\u200bb", "\xff\xfe'", "I'm going to k1ll you", "f*ck *** #", "....-'"} {
		f.Add(s)
	}
	l, err := NewLexicon()
	if err != nil {
		f.Fatal(err)
	}
	e := NewEngine(l, DefaultThresholds(), nil)
	f.Fuzz(func(t *testing.T, s string) {
		n := normalize(s)
		if !utf8.ValidString(n.text) || strings.Contains(n.text, "  ") || strings.HasPrefix(n.text, " ") {
			t.Fatalf("normalize(%q) = %q", s, n.text)
		}
		for i := range n.tokens {
			if tok := n.token(i); tok == "" || strings.Contains(tok, " ") {
				t.Fatalf("token %d of %q is %q", i, s, tok)
			}
		}
		scores, _ := l.Score(context.Background(), []string{s})
		for label, v := range scores[0] {
			if v < 0 || v > 1 {
				t.Fatalf("%s = %v for %q", label, v, s)
			}
		}
		if utf8.ValidString(s) {
			rs, _ := e.Classify(context.Background(), []string{s})
			checkSpans(t, s, rs[0], DefaultThresholds())
		}
	})
}
