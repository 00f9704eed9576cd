package classify

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// triggersData holds the trigger words of every rule and idiom of
// data/lexicon.tsv: literals at least one of which every match of the
// expression contains, so that a text with none of them is not matched
// against it. They are derived from the expressions ahead of time
// (newPrefilter, prefilter_test.go): parsing 80 large expressions costs more
// than a cold start may spend. TestTriggerTableIsCurrent keeps the table in
// step with the lexicon (go test ./internal/classify -run TestTriggerTableIsCurrent -update).
//
//go:embed data/triggers.json
var triggersData []byte

// triggerFile is data/triggers.json: the hash of the lexicon it was derived
// from, and each expression's literals (null: the expression always runs).
type triggerFile struct {
	Lexicon  string              `json:"lexicon"`
	Triggers map[string][]string `json:"triggers"`
}

// embeddedTriggers reads data/triggers.json; a table derived from another
// lexicon is refused, never trusted.
func embeddedTriggers() (map[string][]string, error) {
	var f triggerFile
	if err := json.Unmarshal(triggersData, &f); err != nil {
		return nil, fmt.Errorf("data/triggers.json: %w", err)
	}
	if f.Lexicon != lexiconHash() {
		return nil, errors.New("data/triggers.json is stale: run go test ./internal/classify -run TestTriggerTableIsCurrent -update")
	}
	return f.Triggers, nil
}

func lexiconHash() string {
	sum := sha256.Sum256([]byte(lexiconData))
	return hex.EncodeToString(sum[:])
}

// lazyRegexp is a regular expression compiled on first use. The expressions
// are the embedded lexicon's, checked by TestEveryExpressionCompiles.
type lazyRegexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re
}

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
