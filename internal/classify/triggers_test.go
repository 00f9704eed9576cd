package classify

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite data/triggers.json from data/lexicon.tsv")

// TestTriggerTableIsCurrent checks data/triggers.json against the trigger
// words derived now from every rule and idiom of the lexicon; -update
// rewrites it (make lexicon does).
func TestTriggerTableIsCurrent(t *testing.T) {
	want := triggerFile{Lexicon: lexiconHash(), Triggers: map[string][]string{}}
	for line := range strings.SplitSeq(lexiconData, "\n") {
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "R" && len(f) == 3:
			want.Triggers[f[2]] = newPrefilter(f[2])
		case f[0] == "I" && len(f) == 2:
			want.Triggers[f[1]] = newPrefilter(f[1])
		}
	}
	data, err := json.MarshalIndent(want, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *update {
		if err := os.WriteFile("data/triggers.json", data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(data, triggersData) {
		t.Fatal("data/triggers.json is not derived from data/lexicon.tsv: run go test ./internal/classify -run TestTriggerTableIsCurrent -update")
	}
	if _, err := embeddedTriggers(); err != nil {
		t.Fatal(err)
	}
}

// TestEveryExpressionCompiles compiles every rule and idiom, which the
// lexicon otherwise compiles only when a text first needs it.
func TestEveryExpressionCompiles(t *testing.T) {
	for line := range strings.SplitSeq(lexiconData, "\n") {
		f := strings.Split(line, "\t")
		var expr string
		switch {
		case f[0] == "R" && len(f) == 3:
			expr = f[2]
		case f[0] == "I" && len(f) == 2:
			expr = f[1]
		default:
			continue
		}
		if _, err := regexp.Compile(expr); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
}

// TestEmbeddedLexiconParses parses the embedded lexicon, which NewLexicon
// leaves to the first classification.
func TestEmbeddedLexiconParses(t *testing.T) {
	lex, _ := NewLexicon()
	if _, err := lex.load(); err != nil {
		t.Fatal(err)
	}
}
