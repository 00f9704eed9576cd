// Command classifyeval prints the precision and recall per label of the
// configured classifier (MOSAIC_CLASSIFIER, HF_*, CLASSIFY_THRESHOLDS: the
// environment FromEnv reads) over a labelled set (make eval-classifier).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// The committed sets: eval.tsv was written alongside the rules, heldout.tsv
// after them; fresh.tsv is the set kept unseen while tuning, so its misses
// are never listed (-misses skips it).
const (
	evalSet    = "internal/classify/testdata/eval.tsv"
	heldOutSet = "internal/classify/testdata/heldout.tsv"
	freshSet   = "internal/classify/testdata/fresh.tsv"
)

// Usage: classifyeval [-misses] [-fresh=false] [set.tsv ...] (default: the
// eval, held-out and fresh sets). The fresh set is reported after the sets
// given unless -fresh=false or it is among them.
func main() {
	misses := flag.Bool("misses", false, "also list the sentences judged wrongly (never for the fresh set)")
	fresh := flag.Bool("fresh", true, "also report "+freshSet)
	flag.Parse()
	sets := flag.Args()
	if len(sets) == 0 {
		sets = []string{evalSet, heldOutSet}
	}
	if *fresh && !slices.ContainsFunc(sets, isFresh) {
		sets = append(sets, freshSet)
	}
	ctx := context.Background()
	d, err := function.NewDeps(ctx, "classifyeval", os.LookupEnv)
	if err == nil {
		var c classify.Classifier
		if c, err = classify.FromEnv(ctx, d); err == nil {
			for _, set := range sets {
				if err = run(ctx, c, set, *misses && !isFresh(set)); err != nil {
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

func isFresh(path string) bool { return filepath.Clean(path) == filepath.Clean(freshSet) }

func run(ctx context.Context, c classify.Classifier, path string, misses bool) error {
	cases, err := classify.ReadEvalSet(path)
	if err != nil {
		return err
	}
	fmt.Printf("\n%s\n", path)
	rep, err := classify.Evaluate(ctx, c, cases)
	if err != nil {
		return err
	}
	if err := rep.Print(os.Stdout); err != nil {
		return err
	}
	if misses {
		for _, m := range rep.Misses {
			fmt.Println(m)
		}
	}
	return nil
}
