package searcheval

import (
	"testing"

	"github.com/mosaic-platform/mosaic/internal/stickers/catalog"
	"github.com/mosaic-platform/mosaic/internal/stickers/search"
)

// TestRankingBeatsPlainBM25 guards the ranking's quality: on the committed
// query set it must stay well ahead of plain BM25 over the same catalog.
func TestRankingBeatsPlainBM25(t *testing.T) {
	js, err := Queries()
	if err != nil {
		t.Fatal(err)
	}
	stickers, err := catalog.Emoji()
	if err != nil {
		t.Fatal(err)
	}
	plainIndex := search.NewIndex(stickers, search.PlainBM25())
	for _, j := range js {
		for id := range j.Relevant {
			if _, ok := plainIndex.Sticker(id); !ok {
				t.Fatalf("query %q judges unknown sticker %s", j.Query, id)
			}
		}
	}
	ours := Evaluate(search.NewIndex(stickers, search.DefaultOptions()), js)
	plain := Evaluate(plainIndex, js)
	t.Logf("ranking: hit@10 %.3f MRR %.3f; plain BM25: hit@10 %.3f MRR %.3f", ours.HitAt10, ours.MRR, plain.HitAt10, plain.MRR)
	if ours.HitAt10 < plain.HitAt10+0.15 || ours.MRR < plain.MRR+0.1 {
		t.Fatalf("ranking (hit@10 %.3f, MRR %.3f) is not clearly ahead of plain BM25 (%.3f, %.3f)", ours.HitAt10, ours.MRR, plain.HitAt10, plain.MRR)
	}
	if ours.HitAt10 < 0.8 {
		t.Fatalf("hit@10 %.3f below 0.8; misses: %q", ours.HitAt10, ours.Misses)
	}
}
