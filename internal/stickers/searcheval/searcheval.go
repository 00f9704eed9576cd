// Package searcheval measures sticker search quality on a judged query set:
// hit@k (a relevant sticker among the first k) and mean reciprocal rank.
package searcheval

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/mosaic-platform/mosaic/internal/stickers/search"
)

// Judgement is one query and the stickers (id → title, for readers) that answer it.
type Judgement struct {
	Query    string            `json:"query"`
	Relevant map[string]string `json:"relevant"`
}

//go:embed testdata/queries.json
var queriesJSON []byte

// Queries returns the committed query set: queries worded by meaning
// (synonyms, plurals, broader and narrower words) judged against the emoji catalog.
func Queries() ([]Judgement, error) {
	var js []Judgement
	if err := json.Unmarshal(queriesJSON, &js); err != nil {
		return nil, fmt.Errorf("query set: %w", err)
	}
	return js, nil
}

// Metrics summarises a ranking over a query set.
type Metrics struct {
	Queries int
	HitAt10 float64 // share of queries with a relevant sticker in the top 10
	MRR     float64 // mean of 1/rank of the first relevant sticker (0 when none in the top Depth)
	Misses  []string
}

// Depth is how deep MRR looks.
const Depth = 100

// Evaluate ranks every query with ix.
func Evaluate(ix *search.Index, js []Judgement) Metrics {
	m := Metrics{Queries: len(js)}
	for _, j := range js {
		rank := 0
		for i, h := range ix.Search(j.Query, Depth) {
			if _, ok := j.Relevant[h.Sticker.ID]; ok {
				rank = i + 1
				break
			}
		}
		if rank > 0 {
			m.MRR += 1 / float64(rank)
		}
		if rank > 0 && rank <= 10 {
			m.HitAt10++
		} else {
			m.Misses = append(m.Misses, j.Query)
		}
	}
	if len(js) > 0 {
		m.HitAt10 /= float64(len(js))
		m.MRR /= float64(len(js))
	}
	return m
}
