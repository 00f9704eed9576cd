package searcheval

import (
	"testing"

	"github.com/mosaic-platform/mosaic/internal/stickers"
)

func index(t *testing.T, lang string, r stickers.Ranking) *stickers.Index {
	t.Helper()
	shipped, err := stickers.Localized(lang)
	if err != nil {
		t.Fatal(err)
	}
	return stickers.NewIndex(shipped, r)
}

// TestRankingBeatsPlainBM25 guards the ranking's quality on the synonym set:
// it must stay well ahead of plain BM25 over the same catalog.
func TestRankingBeatsPlainBM25(t *testing.T) {
	js, err := Judged(Synonyms)
	if err != nil {
		t.Fatal(err)
	}
	plainIndex := index(t, "en", stickers.PlainBM25())
	for _, j := range js {
		for id := range j.Relevant {
			if _, ok := plainIndex.Sticker(id); !ok {
				t.Fatalf("query %q judges unknown sticker %s", j.Query, id)
			}
		}
	}
	ours := Evaluate(index(t, "en", stickers.DefaultRanking()), js)
	plain := Evaluate(plainIndex, js)
	t.Logf("ranking: hit@10 %.3f MRR %.3f; plain BM25: hit@10 %.3f MRR %.3f", ours.HitAt10, ours.MRR, plain.HitAt10, plain.MRR)
	if ours.HitAt10 < plain.HitAt10+0.15 || ours.MRR < plain.MRR+0.1 {
		t.Fatalf("ranking (hit@10 %.3f, MRR %.3f) is not clearly ahead of plain BM25 (%.3f, %.3f)", ours.HitAt10, ours.MRR, plain.HitAt10, plain.MRR)
	}
	if ours.HitAt10 < 0.8 {
		t.Fatalf("hit@10 %.3f below 0.8; misses: %q", ours.HitAt10, ours.Misses)
	}
}

// TestJudgedSets guards the share of judged queries answered right, on both
// English halves, against the previous ranking and plain BM25.
func TestJudgedSets(t *testing.T) {
	for _, set := range []string{Tuning, HeldOut} {
		js, err := Judged(set)
		if err != nil {
			t.Fatal(err)
		}
		if len(js) < 50 {
			t.Fatalf("%s has %d queries; the two halves hold at least 100", set, len(js))
		}
		ours := Evaluate(index(t, "en", stickers.DefaultRanking()), js)
		prev := Evaluate(index(t, "en", stickers.PreviousRanking()), js)
		plain := Evaluate(index(t, "en", stickers.PlainBM25()), js)
		t.Logf("%s right: current %.3f, previous %.3f, plain BM25 %.3f", set, ours.Right, prev.Right, plain.Right)
		if ours.Right < 0.85 || ours.Right < prev.Right+0.05 || ours.Right < plain.Right+0.05 {
			t.Errorf("%s: right %.3f is not ahead of previous %.3f and plain BM25 %.3f by 0.05, or below 0.85", set, ours.Right, prev.Right, plain.Right)
		}
	}
}

// TestLanguages: every shipped language has a judged set, and its ranking
// answers most of it right and finds an acceptable sticker in the top 10 for each query.
func TestLanguages(t *testing.T) {
	langs := stickers.Languages()
	if len(langs) < 5 {
		t.Fatalf("languages %v: at least five", langs)
	}
	for _, lang := range langs[1:] {
		js, err := Judged(lang)
		if err != nil {
			t.Fatal(err)
		}
		m := Evaluate(index(t, lang, stickers.LanguageRanking(lang)), js)
		plain := stickers.PlainBM25()
		plain.Analyzer = stickers.AnalyzerFor(lang)
		p := Evaluate(index(t, lang, plain), js)
		t.Logf("%s: right %.3f (plain BM25 %.3f), hit@10 %.3f", lang, m.Right, p.Right, m.HitAt10)
		if m.Right < 0.75 || m.HitAt10 < 1 || m.Right < p.Right {
			t.Errorf("%s: right %.3f (plain %.3f), hit@10 %.3f; misses %q", lang, m.Right, p.Right, m.HitAt10, m.Misses)
		}
	}
}
