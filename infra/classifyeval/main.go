// Command classifyeval prints the precision and recall per label, and of the
// flagged decision, of the configured classifier (MOSAIC_CLASSIFIER, HF_*,
// CLASSIFY_THRESHOLDS: the environment classifyapi.FromEnv reads) over the committed
// labelled sets (make eval-classifier).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/classify/classifyapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// evalSet is one committed labelled set. An unseen set was kept from whoever
// tuned the rules: its misses are never printed, so that it stays unseen.
type evalSet struct {
	path   string
	unseen bool
	about  string
}

// sets are every committed set, oldest first; no set is ever dropped, so a
// regression on an earlier one shows.
var sets = []evalSet{
	{"internal/classify/testdata/eval.tsv", false, "round 1: written alongside the first rules"},
	{"internal/classify/testdata/heldout.tsv", false, "round 1 held-out, used to tune round 2"},
	{"internal/classify/testdata/fresh.tsv", true, "round 2 held-out: never used to tune"},
	{"internal/classify/testdata/round3-tune.tsv", false, "round 3 tuning half"},
	{"internal/classify/testdata/round3-heldout.tsv", true, "round 3 held-out half: never used to tune"},
	{"internal/classify/testdata/round4-tune.tsv", false, "round 4: new sentences in eight batches, each written before the rules it tuned"},
}

// Usage: classifyeval [-misses] [set.tsv ...] (default: every committed set).
func main() {
	misses := flag.Bool("misses", false, "also list the sentences judged wrongly (never for an unseen set)")
	flag.Parse()
	chosen := sets
	if flag.NArg() > 0 {
		chosen = nil
		for _, p := range flag.Args() {
			i := slices.IndexFunc(sets, func(s evalSet) bool { return samePath(s.path, p) })
			if i >= 0 {
				chosen = append(chosen, sets[i])
			} else {
				chosen = append(chosen, evalSet{path: p, about: "given on the command line"})
			}
		}
	}
	ctx := context.Background()
	d, err := function.NewDeps(ctx, "classifyeval", os.LookupEnv)
	if err == nil {
		var c classify.Classifier
		if c, err = classifyapi.FromEnv(ctx, d); err == nil {
			for _, set := range chosen {
				if err = run(ctx, c, set, *misses && !set.unseen); err != nil {
					break
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifyeval:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c classify.Classifier, set evalSet, misses bool) error {
	cases, err := readEvalSet(set.path)
	if err != nil {
		return err
	}
	fmt.Printf("\n%s (%s)\n", set.path, set.about)
	rep, err := evaluate(ctx, c, cases)
	if err != nil {
		return err
	}
	if err := rep.print(os.Stdout); err != nil {
		return err
	}
	if misses {
		for _, m := range rep.misses {
			fmt.Println(m)
		}
	}
	return nil
}

// samePath reports whether a and b name the same file, however each is
// written (relative, absolute, through a symbolic link), so that an unseen
// set named another way still prints no misses.
func samePath(a, b string) bool {
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(ia, ib)
	}
	return filepath.Clean(a) == filepath.Clean(b)
}
