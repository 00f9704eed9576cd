package classify

import "strings"

// literalSet finds which of many literals occur in a text in one pass over
// it: literals are indexed by their first two bytes, so each position of the
// text costs one table look-up (a cheap stand-in for Aho-Corasick, enough for
// a few hundred short literals).
type literalSet struct {
	lits    []string
	ids     []int            // ids[i] is the caller's id of lits[i]
	byPair  [256]*[256][]int // first byte, second byte -> indexes into lits
	single  [256][]int       // one-byte literals
	singles bool             // whether single holds any
}

func newLiteralSet() *literalSet { return &literalSet{} }

// add registers lit under id; an empty literal is ignored.
func (s *literalSet) add(lit string, id int) {
	if lit == "" {
		return
	}
	i := len(s.lits)
	s.lits = append(s.lits, lit)
	s.ids = append(s.ids, id)
	if len(lit) == 1 {
		s.single[lit[0]] = append(s.single[lit[0]], i)
		s.singles = true
		return
	}
	second := s.byPair[lit[0]]
	if second == nil {
		second = new([256][]int)
		s.byPair[lit[0]] = second
	}
	second[lit[1]] = append(second[lit[1]], i)
}

// scan calls found(id, pos) for every occurrence of every literal in text.
func (s *literalSet) scan(text string, found func(id, pos int)) {
	for pos := 0; pos < len(text); pos++ {
		if s.singles {
			for _, i := range s.single[text[pos]] {
				found(s.ids[i], pos)
			}
		}
		second := s.byPair[text[pos]]
		if second == nil || pos+1 == len(text) {
			continue
		}
		for _, i := range second[text[pos+1]] {
			if strings.HasPrefix(text[pos:], s.lits[i]) {
				found(s.ids[i], pos)
			}
		}
	}
}
