package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mosaic-platform/mosaic/internal/classify"
)

// evalCase is one labelled sentence: the labels it should be flagged for (none when clean).
type evalCase struct {
	text   string
	expect []classify.Label
}

// readEvalSet reads the file at path: "labels<TAB>sentence" lines ("clean"
// for no label; # comments).
func readEvalSet(path string) ([]evalCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []evalCase
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		labels, sentence, ok := strings.Cut(text, "\t")
		if !ok || sentence == "" {
			return nil, fmt.Errorf("%s line %d: want labels<TAB>sentence", path, line)
		}
		c := evalCase{text: sentence}
		if labels != "clean" {
			for l := range strings.SplitSeq(labels, ",") {
				if !slices.Contains(classify.Labels(), classify.Label(l)) {
					return nil, fmt.Errorf("%s line %d: unknown label %q", path, line, l)
				}
				c.expect = append(c.expect, classify.Label(l))
			}
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// counts are one label's confusion counts over an eval set.
type counts struct{ tp, fp, fn int }

// precision is TP/(TP+FP), 1 when nothing was predicted.
func (c counts) precision() float64 { return ratio(c.tp, c.tp+c.fp) }

// recall is TP/(TP+FN), 1 when nothing was expected.
func (c counts) recall() float64 { return ratio(c.tp, c.tp+c.fn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// add counts one decision: predicted against expected.
func (c *counts) add(predicted, expected bool) (wrong bool) {
	switch {
	case predicted && expected:
		c.tp++
	case predicted:
		c.fp++
	case expected:
		c.fn++
	}
	return predicted != expected
}

// evalReport holds per-label counts, and flagged, the counts of the flagged
// decision itself (any label). misses lists the sentences judged wrongly.
type evalReport struct {
	model   string
	cases   int
	labels  map[classify.Label]counts
	flagged counts
	misses  []string
}

// evalBatch is how many texts evaluate classifies at once: as many as one
// POST /classify takes.
const evalBatch = 32

// evaluate classifies every case in batches and counts, per label, what was
// flagged against what was expected. A label is flagged when its score
// reached its threshold, which is when the result gives it spans.
func evaluate(ctx context.Context, c classify.Classifier, cases []evalCase) (evalReport, error) {
	rep := evalReport{cases: len(cases), labels: map[classify.Label]counts{}}
	for from := 0; from < len(cases); from += evalBatch {
		batch := cases[from:min(from+evalBatch, len(cases))]
		texts := make([]string, len(batch))
		for i, bc := range batch {
			texts[i] = bc.text
		}
		results, err := c.Classify(ctx, texts)
		if err != nil {
			return rep, fmt.Errorf("evaluate: %w", err)
		}
		for i, r := range results {
			rep.model = r.Model
			flagged, expect := map[classify.Label]bool{}, map[classify.Label]bool{}
			for _, s := range r.Labels {
				flagged[s.Label] = s.Spans != nil
			}
			for _, l := range batch[i].expect {
				expect[l] = true
			}
			wrong := r.Flagged != (len(expect) > 0)
			var got []classify.Label
			for _, l := range classify.Labels() {
				k := rep.labels[l]
				wrong = k.add(flagged[l], expect[l]) || wrong
				rep.labels[l] = k
				if flagged[l] {
					got = append(got, l)
				}
			}
			rep.flagged.add(r.Flagged, len(expect) > 0)
			if wrong {
				rep.misses = append(rep.misses, fmt.Sprintf("want %v, got %v: %s", batch[i].expect, got, batch[i].text))
			}
		}
	}
	return rep, nil
}

// print writes the report as a table: precision and recall per label, then the flagged decision.
func (r evalReport) print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "model %s, %d sentences\t\t\t\t\t\t\n", r.model, r.cases)
	fmt.Fprintf(tw, "label\tprecision\trecall\tTP\tFP\tFN\t\n")
	// "-" where nothing was predicted (precision) or expected (recall): no evidence either way.
	figure := func(v float64, n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.3f", v)
	}
	row := func(name string, c counts) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t\n", name, figure(c.precision(), c.tp+c.fp), figure(c.recall(), c.tp+c.fn), c.tp, c.fp, c.fn)
	}
	for _, l := range classify.Labels() {
		row(string(l), r.labels[l])
	}
	row("(flagged)", r.flagged)
	return tw.Flush()
}
