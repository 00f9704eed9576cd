// Package search ranks catalog stickers for a text query: BM25F over a
// sticker's title, tags, shortcodes and group, with the query widened by
// WordNet expansions so that words meaning the same as a tag find it.
package search

import (
	"math"
	"slices"

	"github.com/mosaic-platform/mosaic/internal/stickers/catalog"
	"github.com/mosaic-platform/mosaic/internal/stickers/expand"
	"github.com/mosaic-platform/mosaic/internal/stickers/terms"
)

// Options tune ranking; DefaultOptions is what the search route uses.
type Options struct {
	// Field weights of BM25F: how much one occurrence of a term counts in each field.
	Title, Tags, Shortcodes, Group float64
	// K1 and B are BM25's term-frequency saturation and length normalisation.
	K1, B float64
	// Expand widens queries with the thesaurus; nil or disabled ranks on the query's own words.
	Expand    bool
	Thesaurus expand.Thesaurus
	// ExpansionWeight scales every expansion, so that a sticker matching the
	// query's own word outranks one matching only a related word.
	ExpansionWeight float64
}

// DefaultOptions weighs the title most, the group least (it names hundreds of stickers).
func DefaultOptions() Options {
	return Options{Title: 2, Tags: 1, Shortcodes: 1, Group: 0.3, K1: 1.2, B: 0.75, Expand: true, Thesaurus: expand.WordNet(), ExpansionWeight: 0.5}
}

// PlainBM25 is the baseline the evaluation compares against: every field
// weighs the same and the query is not expanded.
func PlainBM25() Options {
	return Options{Title: 1, Tags: 1, Shortcodes: 1, Group: 1, K1: 1.2, B: 0.75}
}

type posting struct {
	doc int32
	tf  float32 // field-weighted term frequency
}

// Index is an immutable inverted index over a catalog; safe for concurrent use.
type Index struct {
	opts     Options
	stickers []catalog.Sticker
	byID     map[string]int
	postings map[string][]posting
	docLen   []float32
	avgLen   float64
}

// Hit is one ranked sticker.
type Hit struct {
	Sticker catalog.Sticker
	Score   float64
}

// NewIndex indexes stickers; a later sticker with the same id replaces an earlier one.
func NewIndex(stickers []catalog.Sticker, opts Options) *Index {
	ix := &Index{opts: opts, byID: make(map[string]int, len(stickers)), postings: map[string][]posting{}}
	for _, s := range stickers {
		if i, ok := ix.byID[s.ID]; ok {
			ix.stickers[i] = s
			continue
		}
		ix.byID[s.ID] = len(ix.stickers)
		ix.stickers = append(ix.stickers, s)
	}
	ix.docLen = make([]float32, len(ix.stickers))
	tf := map[string]float64{}
	total := 0.0
	for d, s := range ix.stickers {
		clear(tf)
		length := 0.0
		addField := func(w float64, texts ...string) {
			for _, t := range texts {
				for _, term := range terms.Terms(t) {
					tf[term] += w
					length += w
				}
			}
		}
		addField(opts.Title, s.Title)
		addField(opts.Tags, s.Tags...)
		addField(opts.Shortcodes, s.Shortcodes...)
		addField(opts.Group, s.Group)
		for term, f := range tf {
			ix.postings[term] = append(ix.postings[term], posting{doc: int32(d), tf: float32(f)})
		}
		ix.docLen[d] = float32(length)
		total += length
	}
	if len(ix.stickers) > 0 {
		ix.avgLen = total / float64(len(ix.stickers))
	}
	return ix
}

// Len returns the number of stickers indexed.
func (ix *Index) Len() int { return len(ix.stickers) }

// Sticker returns the sticker with id.
func (ix *Index) Sticker(id string) (catalog.Sticker, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return catalog.Sticker{}, false
	}
	return ix.stickers[i], true
}

// Stickers returns every indexed sticker, in catalog order (shared: do not modify).
func (ix *Index) Stickers() []catalog.Sticker { return ix.stickers }

// QueryWords returns, for each distinct term of query, the terms that stand
// for it: the term itself at weight 1, then its expansions (strongest first).
func (ix *Index) QueryWords(query string) [][]expand.Expansion {
	var out [][]expand.Expansion
	seen := map[string]bool{}
	for _, t := range terms.Terms(query) {
		if seen[t] {
			continue
		}
		seen[t] = true
		alts := []expand.Expansion{{Term: t, Weight: 1}}
		if ix.opts.Expand {
			for _, e := range ix.opts.Thesaurus.Lookup(t) {
				alts = append(alts, expand.Expansion{Term: e.Term, Weight: e.Weight * ix.opts.ExpansionWeight})
			}
		}
		out = append(out, alts)
	}
	return out
}

// Search returns up to k stickers matching query, best first; ties keep catalog order.
//
// Each query word contributes the best BM25F score among its alternatives
// (itself or a related word, times the relation's weight), so a word with many
// expansions counts once, like a word without: a sticker matching "launch"
// exactly beats one matching three of its synonyms.
func (ix *Index) Search(query string, k int) []Hit {
	if k <= 0 || len(ix.stickers) == 0 {
		return nil
	}
	n := float64(len(ix.stickers))
	scores := map[int32]float64{}
	best := map[int32]float64{}
	for _, alts := range ix.QueryWords(query) {
		clear(best)
		for _, alt := range alts {
			ps := ix.postings[alt.Term]
			if len(ps) == 0 {
				continue
			}
			df := float64(len(ps))
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			for _, p := range ps {
				tf := float64(p.tf)
				norm := ix.opts.K1 * (1 - ix.opts.B + ix.opts.B*float64(ix.docLen[p.doc])/ix.avgLen)
				if v := alt.Weight * idf * tf * (ix.opts.K1 + 1) / (tf + norm); v > best[p.doc] {
					best[p.doc] = v
				}
			}
		}
		for d, v := range best {
			scores[d] += v
		}
	}
	hits := make([]Hit, 0, len(scores))
	order := make([]int32, 0, len(scores))
	for d := range scores {
		order = append(order, d)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if sa, sb := scores[a], scores[b]; sa != sb {
			if sa > sb {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	if len(order) > k {
		order = order[:k]
	}
	for _, d := range order {
		hits = append(hits, Hit{Sticker: ix.stickers[d], Score: scores[d]})
	}
	return hits
}
