package main

import (
	"context"
	"strings"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/classify"
)

// testdata holds the labelled sets, beside the classifier they measure.
const testdata = "../../internal/classify/testdata/"

// TestEvalSet holds the lexicon to a floor on the labelled set; make
// eval-classifier prints the full report.
func TestEvalSet(t *testing.T) {
	cases, err := readEvalSet(testdata + "eval.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 300 {
		t.Fatalf("the eval set has %d sentences, want at least 300", len(cases))
	}
	lex, err := classify.NewLexicon()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evaluate(context.Background(), classify.NewEngine(lex, classify.DefaultThresholds(), nil), cases)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = rep.print(&b)
	t.Log("\n" + b.String())
	for _, m := range rep.misses {
		t.Log(m)
	}
	// Floors a little under today's figures, so a regression in the lexicon or
	// the normalizer fails here. The set was written alongside the rules: it
	// measures coverage of known evasions, not accuracy on unseen text.
	if p, r := rep.flagged.precision(), rep.flagged.recall(); p < 0.95 || r < 0.95 {
		t.Errorf("flagged precision %.3f, recall %.3f; want both >= 0.95", p, r)
	}
	for _, l := range classify.Labels() {
		if c := rep.labels[l]; c.precision() < 0.85 || c.recall() < 0.8 {
			t.Errorf("%s: precision %.3f, recall %.3f; want >= 0.85 and >= 0.8", l, c.precision(), c.recall())
		}
	}
}

// TestHeldOutSet reads the held-out sentences. They were written after the
// first rules and used to tune the second round (paraphrased threats and
// self-harm), so they are no longer an estimate on unseen text: their floors
// only keep that round from regressing. fresh.tsv is the unseen set now.
func TestHeldOutSet(t *testing.T) {
	rep := evaluateFile(t, testdata+"heldout.tsv")
	if p, r := rep.flagged.precision(), rep.flagged.recall(); p < 0.9 || r < 0.95 {
		t.Errorf("held-out flagged precision %.3f, recall %.3f; want >= 0.9 and >= 0.95", p, r)
	}
}

// TestFreshSet holds the fresh sentences (written before the second round of
// rules, never used to tune them) a margin under what make eval-classifier
// measured after round 4 (76/76 precision 1.0, 76/83 recall 0.916). A rule
// change that needs these floors lowered has learned the set; write a new one
// instead.
func TestFreshSet(t *testing.T) {
	rep := evaluateFile(t, testdata+"fresh.tsv")
	if len(rep.misses) > 0 {
		t.Logf("fresh: %d sentences judged wrongly (not listed: the set stays unseen)", len(rep.misses))
	}
	if p, r := rep.flagged.precision(), rep.flagged.recall(); p < 0.95 || r < 0.9 {
		t.Errorf("fresh flagged precision %.3f, recall %.3f; want >= 0.95 and >= 0.9", p, r)
	}
}

func evaluateFile(t *testing.T, path string) evalReport {
	t.Helper()
	cases, err := readEvalSet(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 60 {
		t.Fatalf("%s has %d sentences, want at least 60", path, len(cases))
	}
	lex, err := classify.NewLexicon()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evaluate(context.Background(), classify.NewEngine(lex, classify.DefaultThresholds(), nil), cases)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: flagged precision %.3f, recall %.3f", path, rep.flagged.precision(), rep.flagged.recall())
	return rep
}

// TestRound3Sets holds the third round's sets to their figures. The tuning
// half was read while writing the rules of rounds 3 and 4; the held-out half
// never was (its misses are not logged). Its floors are the goal round 4
// reached (74/76 precision 0.974, 74/79 recall 0.937 by make
// eval-classifier): a rule change that lowers them has regressed.
func TestRound3Sets(t *testing.T) {
	requireFlagged(t, testdata+"round3-tune.tsv", 0.97, 0.97, true)
	requireFlagged(t, testdata+"round3-heldout.tsv", 0.95, 0.92, false)
}

// TestRound4Set holds the round-4 tuning set (new sentences in batches, each
// written before the rules it then tuned) a little under its figures
// (0.982 / 0.914 when round 4 ended).
func TestRound4Set(t *testing.T) {
	requireFlagged(t, testdata+"round4-tune.tsv", 0.97, 0.9, true)
}

// requireFlagged evaluates a labelled set and fails below the given flagged
// precision and recall. logMisses logs the sentences missed: never for a
// held-out set, whose sentences no one tuning the rules may read.
func requireFlagged(t *testing.T, path string, precision, recall float64, logMisses bool) {
	t.Helper()
	rep := evaluateFile(t, path)
	if logMisses {
		for _, m := range rep.misses {
			t.Log(m)
		}
	}
	if p, r := rep.flagged.precision(), rep.flagged.recall(); p < precision || r < recall {
		t.Errorf("%s: flagged precision %.3f, recall %.3f; want >= %.2f and >= %.2f", path, p, r, precision, recall)
	}
}
