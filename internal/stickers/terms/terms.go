// Package terms turns sticker text and search queries into comparable terms:
// lower-cased words, stop words dropped, plurals folded to their singular.
package terms

import (
	"slices"
	"strings"
	"unicode"
)

// stopWords carry no meaning for sticker search ("cat in a park" is about a cat and a park).
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true,
	"by": true, "for": true, "from": true, "has": true, "have": true, "i": true, "in": true,
	"into": true, "is": true, "it": true, "its": true, "me": true, "my": true, "of": true,
	"on": true, "or": true, "our": true, "so": true, "that": true, "the": true, "their": true,
	"this": true, "to": true, "was": true, "we": true, "were": true, "with": true, "you": true,
	"your": true,
}

// Words splits s into lower-case words of letters and digits, dropping stop words.
func Words(s string) []string {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := fields[:0]
	for _, f := range fields {
		if !stopWords[f] {
			out = append(out, f)
		}
	}
	return out
}

// Terms returns the stemmed words of s, in order, repeats kept.
func Terms(s string) []string {
	ws := Words(s)
	out := ws[:0]
	for _, w := range ws {
		if st := Stem(w); !stopWords[st] { // "ins" stems to a stop word
			out = append(out, st)
		}
	}
	return out
}

// Normalize returns the canonical form of a query: its distinct terms, sorted,
// joined by single spaces. Queries with the same words in any order, case or
// number ("Cats in a park", "park cat") normalize alike and so share usage and
// feedback.
func Normalize(query string) string {
	ts := Terms(query)
	slices.Sort(ts)
	return strings.Join(slices.Compact(ts), " ")
}

// Stem folds an English plural to its singular with a few suffix rules (an
// extended S-stemmer): light enough never to merge unrelated words.
func Stem(w string) string {
	n := len(w)
	if n <= 3 || !strings.HasSuffix(w, "s") {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n > 4 && !strings.HasSuffix(w, "eies") && !strings.HasSuffix(w, "aies"):
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"),
		strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "zzes"):
		return w[:n-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"),
		strings.HasSuffix(w, "ous"):
		return w
	}
	return w[:n-1]
}
