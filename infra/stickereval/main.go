// Command stickereval prints the quality of sticker search on the committed
// query set (internal/stickers/searcheval/testdata/queries.json): hit@10 and
// MRR of Mosaic's ranking and of plain BM25 over the same catalog.
//
//	make eval-search
package main

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/mosaic-platform/mosaic/internal/stickers/catalog"
	"github.com/mosaic-platform/mosaic/internal/stickers/search"
	"github.com/mosaic-platform/mosaic/internal/stickers/searcheval"
)

func main() {
	js, err := searcheval.Queries()
	if err != nil {
		log.Fatal(err)
	}
	stickers, err := catalog.Emoji()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d queries over %d stickers\n\n%-44s %7s %7s %9s\n", len(js), len(stickers), "ranking", "hit@10", "MRR", "build")
	var misses []string
	for _, r := range []struct {
		name string
		opts search.Options
	}{
		{"BM25F + WordNet/GloVe expansion (Mosaic)", search.DefaultOptions()},
		{"BM25F without expansion", noExpansion()},
		{"plain BM25 (no field weights, no expansion)", search.PlainBM25()},
	} {
		start := time.Now()
		ix := search.NewIndex(stickers, r.opts)
		build := time.Since(start)
		m := searcheval.Evaluate(ix, js)
		fmt.Printf("%-44s %7.3f %7.3f %9s\n", r.name, m.HitAt10, m.MRR, build.Round(time.Microsecond))
		if misses == nil {
			misses = append([]string{}, m.Misses...)
		}
	}
	fmt.Printf("\nMosaic's misses (no relevant sticker in the top 10): %s\n", strings.Join(misses, ", "))
}

func noExpansion() search.Options {
	o := search.DefaultOptions()
	o.Expand = false
	return o
}
