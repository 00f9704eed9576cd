package classify

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
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

// FuzzClassifyRequest feeds arbitrary bodies and query strings to /classify:
// the answer is a result or a 4xx problem, never a 500.
func FuzzClassifyRequest(f *testing.F) {
	f.Add("POST", "", `{"text":"hello"}`)
	f.Add("POST", "", `{"texts":["a","b"]}`)
	f.Add("POST", "", `{"texts":null}`)
	f.Add("POST", "", `{"text":""}`)
	f.Add("GET", "message=hi%20there", "")
	f.Add("GET", "message=%zz", "")
	f.Add("GET", "message=a&message=b", "")
	lex, err := NewLexicon()
	if err != nil {
		f.Fatal(err)
	}
	handle := apigw.Handle(Handler(NewEngine(lex, DefaultThresholds(), nil)))
	f.Fuzz(func(t *testing.T, method, query, body string) {
		if method != "GET" {
			method = "POST"
		}
		resp, _ := handle(context.Background(), request(method, query, body, "writer"))
		if resp.StatusCode != 200 && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
			t.Fatalf("%s ?%q %q: status %d %s", method, query, body, resp.StatusCode, resp.Body)
		}
	})
}
