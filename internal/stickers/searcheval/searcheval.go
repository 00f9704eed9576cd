// Package searcheval measures sticker search quality on the judged query sets
// of testdata/judged: the share of queries answered right (the first result
// acceptable, no unacceptable one among the first three), an acceptable one
// among the first three, hit@10 and mean reciprocal rank. Its tests and
// `make eval-search` (infra/stickereval) share it.
package searcheval

import (
	"embed"
	"fmt"
	"strings"

	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// Judgement is one query and the stickers (id → title, for readers) that
// answer it; Unacceptable ones must not be among its first three results.
type Judgement struct {
	Query        string
	Relevant     map[string]string
	Unacceptable map[string]string
}

//go:embed testdata/judged/*.tsv
var judged embed.FS

// Judged sets, by file name under testdata/judged, besides one per language.
const (
	Tuning   = "en-tuning" // the English half tuned on
	HeldOut  = "en-heldout"
	Synonyms = "synonyms" // queries worded by meaning: synonyms, plurals, broader and narrower words
)

// Judged returns a judged set (Tuning, HeldOut, Synonyms or a language code),
// its answers named by English titles resolved against the catalog.
func Judged(set string) ([]Judgement, error) {
	data, err := judged.ReadFile("testdata/judged/" + set + ".tsv")
	if err != nil {
		return nil, fmt.Errorf("no judged set %q", set)
	}
	emoji, err := stickers.Emoji()
	if err != nil {
		return nil, err
	}
	byTitle := make(map[string]string, len(emoji))
	for _, s := range emoji {
		byTitle[s.Title] = s.ID
	}
	var js []Judgement
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("%s line %d: want query<TAB>acceptable<TAB>unacceptable", set, i+1)
		}
		j := Judgement{Query: f[0], Relevant: map[string]string{}, Unacceptable: map[string]string{}}
		for k, list := range []map[string]string{j.Relevant, j.Unacceptable} {
			for _, title := range strings.Split(f[k+1], ";") {
				if id, ok := byTitle[title]; ok {
					list[id] = title
				} else if title != "" {
					return nil, fmt.Errorf("%s line %d: no sticker titled %q", set, i+1, title)
				}
			}
		}
		if len(j.Relevant) == 0 {
			return nil, fmt.Errorf("%s line %d: query %q has no acceptable answer", set, i+1, f[0])
		}
		js = append(js, j)
	}
	return js, nil
}

// Metrics summarises a ranking over a query set.
type Metrics struct {
	Right   float64 // share with an acceptable first result and no unacceptable one in the top 3
	AccAt3  float64 // share with an acceptable sticker in the top 3
	HitAt10 float64 // share with a relevant sticker in the top 10
	MRR     float64 // mean of 1/rank of the first relevant sticker (0 when none in the top Depth)
	Wrong   []string
	Misses  []string // no relevant sticker in the top 10
}

// Depth is how deep MRR looks.
const Depth = 100

// Evaluate ranks every query with ix.
func Evaluate(ix *stickers.Index, js []Judgement) Metrics {
	var m Metrics
	for _, j := range js {
		hits := ix.Search(j.Query, Depth)
		rank, bad := 0, false
		for i, h := range hits {
			if _, ok := j.Relevant[h.Sticker.ID]; ok && rank == 0 {
				rank = i + 1
			}
			if _, ok := j.Unacceptable[h.Sticker.ID]; ok && i < 3 {
				bad = true
			}
		}
		if rank > 0 {
			m.MRR += 1 / float64(rank)
		}
		if rank == 1 && !bad {
			m.Right++
		} else {
			m.Wrong = append(m.Wrong, j.Query)
		}
		if rank > 0 && rank <= 3 {
			m.AccAt3++
		}
		if rank > 0 && rank <= 10 {
			m.HitAt10++
		} else {
			m.Misses = append(m.Misses, j.Query)
		}
	}
	if len(js) > 0 {
		for _, v := range []*float64{&m.Right, &m.AccAt3, &m.HitAt10, &m.MRR} {
			*v /= float64(len(js))
		}
	}
	return m
}
