// Package searcheval measures sticker search quality on judged query sets:
// the share of queries answered right (the first result acceptable, no
// unacceptable one among the first three), an acceptable one among the first
// three, hit@10 and mean reciprocal rank.
package searcheval

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mosaic-platform/mosaic/internal/stickers/catalog"
	"github.com/mosaic-platform/mosaic/internal/stickers/search"
)

// Judgement is one query and the stickers (id → title, for readers) that
// answer it; Unacceptable ones must not be among its first three results.
type Judgement struct {
	Query        string            `json:"query"`
	Relevant     map[string]string `json:"relevant"`
	Unacceptable map[string]string `json:"unacceptable,omitempty"`
}

//go:embed testdata/queries.json
var queriesJSON []byte

//go:embed testdata/judged/*.tsv
var judged embed.FS

// Queries returns the synonym query set: queries worded by meaning
// (synonyms, plurals, broader and narrower words) judged against the emoji catalog.
func Queries() ([]Judgement, error) {
	var js []Judgement
	if err := json.Unmarshal(queriesJSON, &js); err != nil {
		return nil, fmt.Errorf("query set: %w", err)
	}
	return js, nil
}

// Judged sets, by file name under testdata/judged.
const (
	Tuning  = "en-tuning" // the English half tuned on
	HeldOut = "en-heldout"
)

// Judged returns a judged set ("en-tuning", "en-heldout" or a language code),
// its answers named by English titles resolved against the catalog.
func Judged(set string) ([]Judgement, error) {
	data, err := judged.ReadFile("testdata/judged/" + set + ".tsv")
	if err != nil {
		return nil, fmt.Errorf("no judged set %q", set)
	}
	emoji, err := catalog.Emoji()
	if err != nil {
		return nil, err
	}
	byTitle := make(map[string]string, len(emoji))
	for _, s := range emoji {
		byTitle[s.Title] = s.ID
	}
	resolve := func(list string, line int) (map[string]string, error) {
		out := map[string]string{}
		for _, title := range strings.Split(list, ";") {
			if title == "" {
				continue
			}
			id, ok := byTitle[title]
			if !ok {
				return nil, fmt.Errorf("%s line %d: no sticker titled %q", set, line, title)
			}
			out[id] = title
		}
		return out, nil
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
		ok, err := resolve(f[1], i+1)
		if err != nil {
			return nil, err
		}
		bad, err := resolve(f[2], i+1)
		if err != nil {
			return nil, err
		}
		if len(ok) == 0 {
			return nil, fmt.Errorf("%s line %d: query %q has no acceptable answer", set, i+1, f[0])
		}
		js = append(js, Judgement{Query: f[0], Relevant: ok, Unacceptable: bad})
	}
	return js, nil
}

// Metrics summarises a ranking over a query set.
type Metrics struct {
	Queries int
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
func Evaluate(ix *search.Index, js []Judgement) Metrics {
	m := Metrics{Queries: len(js)}
	for _, j := range js {
		hits := ix.Search(j.Query, Depth)
		rank := 0
		for i, h := range hits {
			if _, ok := j.Relevant[h.Sticker.ID]; ok {
				rank = i + 1
				break
			}
		}
		bad := false
		for i := 0; i < len(hits) && i < 3; i++ {
			_, isBad := j.Unacceptable[hits[i].Sticker.ID]
			bad = bad || isBad
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
