package classify

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"sync"
)

// triggersData holds the trigger words (prefilter literals) of every rule and
// idiom of data/lexicon.tsv, derived from their expressions by newPrefilter
// ahead of time: parsing 80 large expressions costs more than a cold start
// may spend. TestTriggerTableIsCurrent keeps it in step with the lexicon
// (go test ./internal/classify -run TestTriggerTableIsCurrent -update).
//
//go:embed data/triggers.json
var triggersData []byte

// triggerFile is data/triggers.json: the hash of the lexicon it was derived
// from, and each expression's literals (null: the expression always runs).
type triggerFile struct {
	Lexicon  string              `json:"lexicon"`
	Triggers map[string][]string `json:"triggers"`
}

// triggerTable returns an expression's trigger words, from the precomputed
// table when it holds the expression, else derived now (slower, same answer).
type triggerTable map[string][]string

func (t triggerTable) of(expr string) prefilter {
	if lits, ok := t[expr]; ok {
		return prefilter(lits)
	}
	return newPrefilter(expr)
}

// embeddedTriggers reads data/triggers.json; a table derived from another
// lexicon, or unreadable, is ignored (every expression is then derived).
func embeddedTriggers() triggerTable {
	var f triggerFile
	if err := json.Unmarshal(triggersData, &f); err != nil || f.Lexicon != lexiconHash() {
		return nil
	}
	return f.Triggers
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
