// Command classifyeval prints the precision and recall per label of the
// configured classifier (MOSAIC_CLASSIFIER, HF_*, CLASSIFY_THRESHOLDS: the
// environment FromEnv reads) over a labelled set (make eval-classifier).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/mosaic-platform/mosaic/internal/classify"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// Usage: classifyeval [-misses] [set.tsv ...] (default: the eval and held-out sets).
func main() {
	misses := flag.Bool("misses", false, "also list the sentences judged wrongly")
	flag.Parse()
	sets := flag.Args()
	if len(sets) == 0 {
		sets = []string{"internal/classify/testdata/eval.tsv", "internal/classify/testdata/heldout.tsv"}
	}
	ctx := context.Background()
	d, err := function.NewDeps(ctx, "classifyeval", os.LookupEnv)
	if err == nil {
		var c classify.Classifier
		if c, err = classify.FromEnv(ctx, d); err == nil {
			for _, set := range sets {
				if err = run(ctx, c, set, *misses); err != nil {
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

func run(ctx context.Context, c classify.Classifier, path string, misses bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cases, err := classify.ParseEvalSet(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
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
