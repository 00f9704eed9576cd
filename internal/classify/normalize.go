package classify

import (
	"sort"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// lookAlikes maps letters of other scripts that look like Latin ones (the
// evasion "сunt" with a Cyrillic с) to the Latin letter. NFKD already folds
// accents, full-width and mathematical letters.
var lookAlikes = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't',
	'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ɡ': 'g', 'ı': 'i',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'ϲ': 'c', 'µ': 'u', 'μ': 'u', 'ß': 's', 'ø': 'o', 'đ': 'd', 'ł': 'l', 'æ': 'a', 'œ': 'o',
}

// leet maps the digits and symbols used for letters inside words.
var leet = map[rune]rune{
	'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g',
	'@': 'a', '$': 's', '!': 'i', '+': 't', '€': 'e', '£': 'l', '|': 'l',
}

// mask stands for a letter hidden on purpose ("f*ck", "sh#t"); lookups treat it as any letter.
const mask = '*'

// middleFinger is an emoji the word lists carry as a term of its own.
const middleFinger = '🖕'

// normalized is a text reduced for matching: tokens of lower-case letters
// (digits kept only in tokens without letters), separated by single spaces.
type normalized struct {
	text   string // tokens joined by single spaces
	tokens []span // each token's bounds in text
	origin []span // each token's bounds in the original text, in code points
}

type span struct{ start, end int }

func (n normalized) token(i int) string { return n.text[n.tokens[i].start:n.tokens[i].end] }

// originOf returns where the tokens covering text[from:to] came from in the
// original text, in code points; ok is false when no token is covered.
func (n normalized) originOf(from, to int) (span, bool) {
	first := sort.Search(len(n.tokens), func(i int) bool { return n.tokens[i].end > from })
	last := sort.Search(len(n.tokens), func(i int) bool { return n.tokens[i].start >= to }) - 1
	if first >= len(n.tokens) || last < first {
		return span{}, false
	}
	return span{n.origin[first].start, n.origin[last].end}, true
}

// sourceRune is one rune of the decomposed text and the code point of the
// original text it came from.
type sourceRune struct {
	r  rune
	at int
}

// decompose returns s in NFKD, rune by rune, each with its place in s. NFKD
// is applied to each rune alone: the marks whose order that could change are
// dropped by normalize anyway.
func decompose(s string) []sourceRune {
	out := make([]sourceRune, 0, len(s))
	var buf [32]byte
	for at, i := 0, 0; i < len(s); at++ {
		r, w := utf8.DecodeRuneInString(s[i:])
		one := s[i : i+w]
		i += w
		if r < utf8.RuneSelf || norm.NFKD.IsNormalString(one) {
			out = append(out, sourceRune{r, at})
			continue
		}
		for _, dr := range string(norm.NFKD.AppendString(buf[:0], one)) {
			out = append(out, sourceRune{dr, at})
		}
	}
	return out
}

// normalize resolves the evasions the lexicon defeats: case, accents and
// look-alike letters, leetspeak, invisible characters, apostrophes and
// separators inside words ("f.u.c.k", "mother-fucker"), spaced-out letters
// ("f u c k"). Repeated letters are handled at lookup (squeeze). Each token
// remembers the code points of s it came from, for the spans of a result.
func normalize(s string) normalized {
	src := decompose(s)
	b := tokenBuilder{buf: make([]byte, 0, len(s))}
	var stack [64]sourceRune
	cur := stack[:0]
	for k, sr := range src {
		r := sr.r
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r):
			continue // accents once decomposed, zero-width and other invisible characters
		case r == middleFinger:
			b.token(cur)
			cur = cur[:0]
			b.token([]sourceRune{sr})
			continue
		}
		if m, ok := lookAlikes[unicode.ToLower(r)]; ok {
			r = m
		}
		r = unicode.ToLower(r)
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == mask || leet[r] != 0:
			cur = append(cur, sourceRune{r, sr.at})
		case r == '#':
			cur = append(cur, sourceRune{mask, sr.at})
		case r == '\'' || r == '’' || r == '.' || r == '-' || r == '_' || r == '‐':
			// A joiner inside a word ("i'll", "f.u.c.k", "mother-fucker") keeps it one token.
			next := rune(0)
			if k+1 < len(src) {
				next = src[k+1].r
			}
			if len(cur) == 0 || !(unicode.IsLetter(next) || unicode.IsDigit(next) || leet[next] != 0 || next == mask) {
				b.token(cur)
				cur = cur[:0]
			}
		default:
			b.token(cur)
			cur = cur[:0]
		}
	}
	b.token(cur)
	return b.joinSpelledOut()
}

// tokenBuilder writes tokens into one buffer, separated by single spaces.
type tokenBuilder struct {
	buf    []byte
	tokens []span
	origin []span
}

// token appends rs as a token: leetspeak resolved when it has letters, only
// its digits when it has none ("1488", "$100" -> "100"), nothing when empty.
func (b *tokenBuilder) token(rs []sourceRune) {
	// Punctuation-like symbols at the edges are punctuation, not letters ("shit!").
	for len(rs) > 0 && edgeSymbol(rs[len(rs)-1].r) {
		rs = rs[:len(rs)-1]
	}
	for len(rs) > 0 && edgeSymbol(rs[0].r) {
		rs = rs[1:]
	}
	letters := false
	for _, sr := range rs {
		if unicode.IsLetter(sr.r) {
			letters = true
			break
		}
	}
	start := len(b.buf)
	if len(b.tokens) > 0 {
		b.buf = append(b.buf, ' ')
	}
	first := len(b.buf)
	from, to := -1, -1
	for _, sr := range rs {
		r := sr.r
		switch {
		case letters && leet[r] != 0:
			b.buf = utf8.AppendRune(b.buf, leet[r])
		case letters || ('0' <= r && r <= '9'):
			b.buf = utf8.AppendRune(b.buf, r)
		default:
			continue
		}
		if from < 0 {
			from = sr.at
		}
		to = sr.at + 1
	}
	if len(b.buf) == first {
		b.buf = b.buf[:start]
		return
	}
	b.tokens = append(b.tokens, span{first, len(b.buf)})
	b.origin = append(b.origin, span{from, to})
}

func edgeSymbol(r rune) bool { return r == '!' || r == '|' || r == '+' || r == mask }

// joinSpelledOut joins runs of three or more one-letter tokens ("f u c k").
func (b *tokenBuilder) joinSpelledOut() normalized {
	single := func(t span) bool {
		r, n := utf8.DecodeRune(b.buf[t.start:t.end])
		return n == t.end-t.start && r != middleFinger
	}
	run, found := 0, false
	for _, t := range b.tokens {
		if single(t) {
			run++
			found = found || run >= 3
		} else {
			run = 0
		}
	}
	if !found {
		return normalized{text: string(b.buf), tokens: b.tokens, origin: b.origin}
	}
	out := tokenBuilder{buf: make([]byte, 0, len(b.buf))}
	for i := 0; i < len(b.tokens); {
		j := i
		for j < len(b.tokens) && single(b.tokens[j]) {
			j++
		}
		if j-i < 3 {
			j = max(j, i+1)
			for k, t := range b.tokens[i:j] {
				out.raw(b.buf[t.start:t.end], b.origin[i+k])
			}
			i = j
			continue
		}
		var joined []byte
		for _, t := range b.tokens[i:j] {
			joined = append(joined, b.buf[t.start:t.end]...)
		}
		out.raw(joined, span{b.origin[i].start, b.origin[j-1].end})
		i = j
	}
	return normalized{text: string(out.buf), tokens: out.tokens, origin: out.origin}
}

// raw appends an already normalized token that came from origin.
func (b *tokenBuilder) raw(tok []byte, origin span) {
	if len(b.tokens) > 0 {
		b.buf = append(b.buf, ' ')
	}
	start := len(b.buf)
	b.buf = append(b.buf, tok...)
	b.tokens = append(b.tokens, span{start, len(b.buf)})
	b.origin = append(b.origin, origin)
}

// squeeze shortens every run of one letter longer than limit(letter); it
// returns s itself (no allocation) when no run is too long.
func squeeze(s string, limit func(byte) int) string {
	too := false
	for i, run := 1, 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			run++
		} else {
			run = 1
		}
		if run > limit(s[i]) {
			too = true
			break
		}
	}
	if !too {
		return s
	}
	b := make([]byte, 0, len(s))
	for i, run := 0, 0; i < len(s); i++ {
		if i > 0 && s[i] == s[i-1] {
			run++
		} else {
			run = 1
		}
		if run <= limit(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func atMostTwo(byte) int { return 2 }
func atMostOne(byte) int { return 1 }

// patternLimit is obscenity's collapse: one of each letter, two of the
// letters English doubles often ("ass", "boob", "nigger").
func patternLimit(c byte) int {
	switch c {
	case 'b', 'e', 'o', 'l', 's', 'g':
		return 2
	}
	return 1
}

// hasRun reports a letter repeated three times or more in a row.
func hasRun(s string) bool {
	for i := 2; i < len(s); i++ {
		if s[i] == s[i-1] && s[i] == s[i-2] {
			return true
		}
	}
	return false
}
