package classify

import (
	"regexp/syntax"
	"strings"
	"testing"
)

// prefilter is a set of literals at least one of which every match of a
// regular expression contains: a text with none of them cannot match, so
// the (much slower) regular expression is not run on it. nil means "always run".
// The lexicon reads them precomputed from data/triggers.json, which
// TestTriggerTableIsCurrent derives with newPrefilter.
type prefilter []string

// mayMatch reports whether text contains one of the literals.
func (p prefilter) mayMatch(text string) bool {
	if p == nil {
		return true
	}
	for _, lit := range p {
		if strings.Contains(text, lit) {
			return true
		}
	}
	return false
}

// newPrefilter derives the literals of expr, or nil when it has no usable set.
func newPrefilter(expr string) prefilter {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return required(re.Simplify())
}

// required returns literals one of which every match of re contains, or nil.
func required(re *syntax.Regexp) prefilter {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return prefilter{string(re.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		// Every part must match: the part whose shortest literal is longest
		// filters best. Consecutive parts that spell a few exact strings
		// ("s(?:tab|hoot)") count as one part ("stab", "shoot").
		var best prefilter
		consider := func(p prefilter) {
			if p != nil && shortest(p) > shortest(best) {
				best = p
			}
		}
		var run []string
		for _, sub := range re.Sub {
			if words, ok := exact(sub); ok {
				if run = product(run, words); len(run) > maxExact {
					run = nil
				}
				consider(run)
				continue
			}
			run = nil
			consider(required(sub))
		}
		return best
	case syntax.OpAlternate:
		var all prefilter
		for _, sub := range re.Sub {
			p := required(sub)
			if p == nil {
				return nil
			}
			all = append(all, p...)
		}
		return all
	}
	return nil
}

func shortest(p prefilter) int {
	if p == nil {
		return 0
	}
	n := len(p[0])
	for _, s := range p[1:] {
		n = min(n, len(s))
	}
	return n
}

// maxExact bounds the strings exact and product enumerate.
const maxExact = 256

// exact returns every string re matches when they are few and re matches
// nothing else (literals, alternations and concatenations of them).
func exact(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCapture:
		return exact(re.Sub[0])
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			words, ok := exact(sub)
			if !ok || len(all)+len(words) > maxExact {
				return nil, false
			}
			all = append(all, words...)
		}
		return all, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			words, ok := exact(sub)
			if !ok {
				return nil, false
			}
			if out = product(out, words); len(out) > maxExact {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// product is every a followed by every b; an empty a is the empty string alone.
func product(a, b []string) []string {
	if len(a) == 0 {
		return append([]string(nil), b...)
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

func TestPrefilter(t *testing.T) {
	for _, tc := range []struct {
		expr       string
		text       string
		want       bool
		unfiltered bool
	}{
		{`\b(?:i|we)\s+(?:kill|murder)\s+you\b`, "we murder you", true, false},
		{`\b(?:i|we)\s+(?:kill|murder)\s+you\b`, "a quiet afternoon", false, false},
		{`\b(?:gore|guts)\b`, "gorey", true, false},
		{`\w+`, "anything", true, true},
		{`a?b*`, "", true, true},
	} {
		p := newPrefilter(tc.expr)
		if (p == nil) != tc.unfiltered || p.mayMatch(tc.text) != tc.want {
			t.Errorf("prefilter(%q) = %q; mayMatch(%q) = %v, want %v", tc.expr, p, tc.text, p.mayMatch(tc.text), tc.want)
		}
	}
	// Every rule of the lexicon keeps its matches: its prefilter never hides one.
	lex, _ := NewLexicon()
	l, err := lex.load()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"i am going to kill you", "i want to kill myself", "kys", "the day of the rope", "blood everywhere", "you are a worthless idiot", "kill all the jews"} {
		text := normalize(s).text
		for _, ru := range l.rules {
			if ru.re.get().MatchString(text) && !prefilter(ru.filter).mayMatch(text) {
				t.Errorf("rule %s matches %q but its prefilter %q says no", ru.re.src, text, ru.filter)
			}
		}
	}
}
