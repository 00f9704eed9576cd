package classify

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// EvalCase is one labelled sentence: the labels it should be flagged for (none when clean).
type EvalCase struct {
	Text   string
	Expect []Label
}

// ParseEvalSet reads "labels<TAB>sentence" lines ("clean" for no label; # comments).
func ParseEvalSet(r io.Reader) ([]EvalCase, error) {
	var out []EvalCase
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		labels, sentence, ok := strings.Cut(text, "\t")
		if !ok || sentence == "" {
			return nil, fmt.Errorf("eval set line %d: want labels<TAB>sentence", line)
		}
		c := EvalCase{Text: sentence}
		if labels != "clean" {
			for l := range strings.SplitSeq(labels, ",") {
				if labelIndex(Label(l)) < 0 {
					return nil, fmt.Errorf("eval set line %d: unknown label %q", line, l)
				}
				c.Expect = append(c.Expect, Label(l))
			}
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

// ReadEvalSet reads the eval set in the file at path.
func ReadEvalSet(path string) ([]EvalCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cases, err := ParseEvalSet(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cases, nil
}

// Counts are one label's confusion counts over an eval set.
type Counts struct{ TP, FP, FN int }

// Precision is TP/(TP+FP), 1 when nothing was predicted.
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 1 when nothing was expected.
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// EvalReport holds per-label counts, and Flagged, the counts of the flagged
// decision itself (any label). Misses lists the sentences judged wrongly.
type EvalReport struct {
	Model   string
	Cases   int
	Labels  map[Label]Counts
	Flagged Counts
	Misses  []string
}

// evalBatch is how many texts Evaluate classifies at once: as many as one
// POST /classify takes.
const evalBatch = 32

// Evaluate classifies every case in batches of evalBatch and counts, per label,
// what was flagged against what was expected.
func Evaluate(ctx context.Context, c Classifier, cases []EvalCase) (EvalReport, error) {
	rep := EvalReport{Cases: len(cases), Labels: map[Label]Counts{}}
	for from := 0; from < len(cases); from += evalBatch {
		batch := cases[from:min(from+evalBatch, len(cases))]
		texts := make([]string, len(batch))
		for i, bc := range batch {
			texts[i] = bc.Text
		}
		results, err := c.Classify(ctx, texts)
		if err != nil {
			return rep, fmt.Errorf("evaluate: %w", err)
		}
		for i, r := range results {
			rep.Model = r.Model
			flagged := flaggedLabels(c, r)
			expect := map[Label]bool{}
			for _, l := range batch[i].Expect {
				expect[l] = true
			}
			wrong := r.Flagged != (len(expect) > 0)
			for _, l := range Labels() {
				k := rep.Labels[l]
				switch {
				case expect[l] && flagged[l]:
					k.TP++
				case flagged[l]:
					k.FP++
					wrong = true
				case expect[l]:
					k.FN++
					wrong = true
				}
				rep.Labels[l] = k
			}
			switch {
			case r.Flagged && len(expect) > 0:
				rep.Flagged.TP++
			case r.Flagged:
				rep.Flagged.FP++
			case len(expect) > 0:
				rep.Flagged.FN++
			}
			if wrong {
				rep.Misses = append(rep.Misses, fmt.Sprintf("want %v, got %v: %s", batch[i].Expect, sortedFlagged(flagged), batch[i].Text))
			}
		}
	}
	return rep, nil
}

// flaggedLabels are the labels at or above their threshold (the Engine's
// thresholds; 0.5 for another Classifier).
func flaggedLabels(c Classifier, r Result) map[Label]bool {
	th := DefaultThresholds()
	if e, ok := c.(*Engine); ok {
		th = e.thresholds
	}
	out := map[Label]bool{}
	for _, s := range r.Labels {
		if s.Score >= th[s.Label] {
			out[s.Label] = true
		}
	}
	return out
}

func sortedFlagged(m map[Label]bool) []Label {
	var out []Label
	for _, l := range Labels() {
		if m[l] {
			out = append(out, l)
		}
	}
	return out
}

// Print writes the report as a table: precision and recall per label, then the flagged decision.
func (r EvalReport) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "model %s, %d sentences\t\t\t\t\t\t\n", r.Model, r.Cases)
	fmt.Fprintf(tw, "label\tprecision\trecall\tTP\tFP\tFN\t\n")
	// "-" where nothing was predicted (precision) or expected (recall): no evidence either way.
	figure := func(v float64, n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.3f", v)
	}
	row := func(name string, c Counts) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t\n", name, figure(c.Precision(), c.TP+c.FP), figure(c.Recall(), c.TP+c.FN), c.TP, c.FP, c.FN)
	}
	for _, l := range Labels() {
		row(string(l), r.Labels[l])
	}
	row("(flagged)", r.Flagged)
	return tw.Flush()
}
