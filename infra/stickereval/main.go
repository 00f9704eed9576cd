// Command stickereval prints the quality of sticker search on the committed
// judged query sets (internal/stickers/searcheval/testdata): for plain BM25,
// the previous ranking and the current one, the share of queries answered
// right (first result acceptable, no unacceptable one in the top 3), an
// acceptable one in the top 3, hit@10 and MRR, on the English tuning and
// held-out halves, on the synonym set and in every shipped language.
//
//	make eval-search
//
// Only the tuning half's wrong queries are listed: the held-out half is
// reported as figures, so that tuning never looks at its queries.
package main

import (
	"fmt"
	"log"
	"strings"

	"github.com/mosaic-platform/mosaic/internal/stickers/catalog"
	"github.com/mosaic-platform/mosaic/internal/stickers/search"
	"github.com/mosaic-platform/mosaic/internal/stickers/searcheval"
	"github.com/mosaic-platform/mosaic/internal/stickers/terms"
)

type ranking struct {
	name string
	opts search.Options
}

func main() {
	english, err := catalog.Emoji()
	if err != nil {
		log.Fatal(err)
	}
	rankings := []ranking{
		{"plain BM25", search.PlainBM25()},
		{"previous (BM25F + expansion)", search.PreviousOptions()},
		{"current (shaped by names)", search.DefaultOptions()},
	}
	indexes := make([]*search.Index, len(rankings))
	for i, r := range rankings {
		indexes[i] = search.NewIndex(english, r.opts)
	}
	header := fmt.Sprintf("%-30s %7s %7s %7s %7s", "ranking", "right", "acc@3", "hit@10", "MRR")
	var tuningWrong []string
	for _, set := range []string{searcheval.Tuning, searcheval.HeldOut} {
		js, err := searcheval.Judged(set)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d judged queries over %d stickers\n%s\n", set, len(js), len(english), header)
		for i, r := range rankings {
			m := searcheval.Evaluate(indexes[i], js)
			fmt.Printf("%-30s %7.3f %7.3f %7.3f %7.3f\n", r.name, m.Right, m.AccAt3, m.HitAt10, m.MRR)
			if set == searcheval.Tuning && i == len(rankings)-1 {
				tuningWrong = m.Wrong
			}
		}
		fmt.Println()
	}
	syn, err := searcheval.Queries()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("synonyms (queries worded by meaning): %d queries\n%-30s %7s %7s\n", len(syn), "ranking", "hit@10", "MRR")
	for i, r := range rankings {
		m := searcheval.Evaluate(indexes[i], syn)
		fmt.Printf("%-30s %7.3f %7.3f\n", r.name, m.HitAt10, m.MRR)
	}
	fmt.Printf("\nother languages (emojibase-data labels and tags)\n%-4s %-30s %7s %7s %7s %7s\n", "lang", "ranking", "right", "acc@3", "hit@10", "MRR")
	for _, lang := range catalog.Languages()[1:] {
		js, err := searcheval.Judged(lang)
		if err != nil {
			log.Fatal(err)
		}
		stickers, err := catalog.Localized(lang)
		if err != nil {
			log.Fatal(err)
		}
		plain := search.PlainBM25()
		plain.Analyzer = terms.For(lang)
		for _, r := range []ranking{{"plain BM25", plain}, {"current", search.LanguageOptions(lang)}} {
			m := searcheval.Evaluate(search.NewIndex(stickers, r.opts), js)
			fmt.Printf("%-4s %-30s %7.3f %7.3f %7.3f %7.3f\n", lang, r.name+fmt.Sprintf(" (%d queries)", len(js)), m.Right, m.AccAt3, m.HitAt10, m.MRR)
		}
	}
	fmt.Printf("\ntuning queries the current ranking gets wrong: %s\n", strings.Join(tuningWrong, ", "))
}
