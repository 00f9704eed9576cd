// Command stickereval prints the quality of sticker search on the committed
// judged query sets (internal/stickers/searcheval/testdata/judged): for plain BM25,
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

	"github.com/mosaic-platform/mosaic/internal/stickers"
	"github.com/mosaic-platform/mosaic/internal/stickers/searcheval"
)

type ranking struct {
	name string
	opts stickers.Ranking
}

func main() {
	english, err := stickers.Emoji()
	if err != nil {
		log.Fatal(err)
	}
	rankings := []ranking{
		{"plain BM25", stickers.PlainBM25()},
		{"previous (BM25F + expansion)", stickers.PreviousRanking()},
		{"current (shaped by names)", stickers.DefaultRanking()},
	}
	indexes := make([]*stickers.Index, len(rankings))
	for i, r := range rankings {
		indexes[i] = stickers.NewIndex(english, r.opts)
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
	syn, err := searcheval.Judged(searcheval.Synonyms)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("synonyms (queries worded by meaning): %d queries\n%-30s %7s %7s\n", len(syn), "ranking", "hit@10", "MRR")
	for i, r := range rankings {
		m := searcheval.Evaluate(indexes[i], syn)
		fmt.Printf("%-30s %7.3f %7.3f\n", r.name, m.HitAt10, m.MRR)
	}
	fmt.Printf("\nother languages (emojibase-data labels and tags)\n%-4s %-30s %7s %7s %7s %7s\n", "lang", "ranking", "right", "acc@3", "hit@10", "MRR")
	for _, lang := range stickers.Languages()[1:] {
		js, err := searcheval.Judged(lang)
		if err != nil {
			log.Fatal(err)
		}
		shipped, err := stickers.Localized(lang)
		if err != nil {
			log.Fatal(err)
		}
		plain := stickers.PlainBM25()
		plain.Analyzer = stickers.AnalyzerFor(lang)
		for _, r := range []ranking{{"plain BM25", plain}, {"current", stickers.LanguageRanking(lang)}} {
			m := searcheval.Evaluate(stickers.NewIndex(shipped, r.opts), js)
			fmt.Printf("%-4s %-30s %7.3f %7.3f %7.3f %7.3f\n", lang, r.name+fmt.Sprintf(" (%d queries)", len(js)), m.Right, m.AccAt3, m.HitAt10, m.MRR)
		}
	}
	fmt.Printf("\ntuning queries the current ranking gets wrong: %s\n", strings.Join(tuningWrong, ", "))
}
