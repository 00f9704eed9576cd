package stickers

// Terms: sticker text and search queries turned into comparable terms. In
// English, lower-cased words, stop words dropped, plurals folded to their
// singular; other languages go through an Analyzer.

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// stopWords carry no meaning for sticker search ("cat in a park" is about a
// cat and a park); for the other shipped languages, their articles,
// prepositions and conjunctions ("pouce vers le haut" is about a thumb and up).
var stopWords = map[string]map[string]bool{
	English: wordSet("a an and are as at be by for from has have i in into is it its me my of on or our so that the their this to was we were with you your"),
	"de":    wordSet("der die das den dem des ein eine einen einem einer und oder mit von vom im in am an auf zu zum zur"),
	"es":    wordSet("el la los las un una unos unas de del y o con en al a por para"),
	"fr":    wordSet("le la les l un une des de du d et ou avec en au aux a sur pour"), // "à" is "a" once folded, as terms are
	"it":    wordSet("il lo la i gli le l un uno una di del della dei delle e o con in a al alla da per su"),
}

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// Terms returns the English terms of s, in order, repeats kept: lower-case
// words of letters and digits, stemmed, stop words dropped.
func Terms(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if st := Stem(w); !stopWords[English][w] && !stopWords[English][st] { // "ins" stems to a stop word
			out = append(out, st)
		}
	}
	return out
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

// Analyzer turns the text of one language into search terms. English stems
// plurals and drops English stop words; the other languages fold Latin accents
// ("corazon" finds "corazón") and drop their articles and prepositions;
// Japanese and Chinese, written without spaces, are cut into overlapping
// character pairs (bigrams), with hiragana folded to katakana ("ねこ" finds "ネコ").
type Analyzer struct {
	lang string
	stop map[string]bool
}

// AnalyzerFor returns the analyzer of lang (an ISO 639-1 code); any language
// other than English gets the accent-folding, bigram-cutting analyzer.
func AnalyzerFor(lang string) Analyzer { return Analyzer{lang: lang, stop: stopWords[lang]} }

// Lang returns the analyzer's language.
func (a Analyzer) Lang() string { return a.lang }

// Terms returns the terms of a query (or of text compared with queries), in order, repeats kept.
func (a Analyzer) Terms(s string) []string { return a.analyze(s, false) }

// IndexTerms returns the terms a sticker's text is indexed under: Terms, plus
// the single characters of Japanese and Chinese words, so that a one-character
// query ("猫") finds a longer word that contains it.
func (a Analyzer) IndexTerms(s string) []string { return a.analyze(s, true) }

// Normalize returns the canonical form of a query: its distinct terms, sorted,
// joined by single spaces. Queries with the same words in any order, case or
// number ("Cats in a park", "park cat") normalize alike and so share usage and
// feedback.
func (a Analyzer) Normalize(query string) string {
	ts := a.Terms(query)
	slices.Sort(ts)
	return strings.Join(slices.Compact(ts), " ")
}

func (a Analyzer) analyze(s string, index bool) []string {
	if a.lang == "en" || a.lang == "" {
		return Terms(s)
	}
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	}) {
		for _, part := range splitScripts(w) {
			if isCJK(part[0]) {
				out = append(out, cjkTerms(part, index)...)
				continue
			}
			if f := fold(string(part)); !a.stop[f] {
				out = append(out, f)
			}
		}
	}
	return out
}

// isCJK reports whether r is written without spaces between words.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー' || r == '々'
}

// splitScripts cuts a word where it passes between CJK and other characters ("tシャツ").
func splitScripts(w string) [][]rune {
	var parts [][]rune
	var cur []rune
	for _, r := range w {
		if len(cur) > 0 && isCJK(cur[0]) != isCJK(r) {
			parts = append(parts, cur)
			cur = nil
		}
		cur = append(cur, r)
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}

// cjkTerms returns the character bigrams of a CJK run (the run itself when it
// is one character), and for indexing its single characters too.
func cjkTerms(run []rune, index bool) []string {
	for i, r := range run {
		if r >= 'ぁ' && r <= 'ゖ' { // hiragana → katakana, one block apart
			run[i] = r + ('ァ' - 'ぁ')
		}
	}
	if len(run) == 1 {
		return []string{string(run)}
	}
	out := make([]string, 0, 2*len(run))
	for i := 0; i+1 < len(run); i++ {
		out = append(out, string(run[i:i+2]))
	}
	if index {
		for _, r := range run {
			out = append(out, string(r))
		}
	}
	return out
}

// fold removes the accents of Latin letters (é → e, ñ → n, ü → u): people
// often type without them. Other scripts are left alone.
func fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(w) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}
