package main

import (
	"slices"
	"strings"

	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// antonymSenses is how many of a word's most frequent senses (per part of
// speech) give antonyms: "up" is the opposite of "down", but not every rare
// sense's opposite is an opposite a searcher means.
const antonymSenses = 3

// buildAntonyms maps a term to the catalog terms WordNet names as its
// opposites (lexical "!" pointers: up/down, like/dislike, happy/unhappy,
// hot/cold), both ways. For an adjective satellite ("glad" is similar to
// "happy") the opposites of its head count too, WordNet's indirect antonyms.
// Search uses them to keep a sticker named by a word's opposite away from
// that word's results ("thumbs down" for "thumbs up").
func buildAntonyms(wn *wordNet, vocab map[string]bool) map[string][]stickers.Expansion {
	pairs := map[string]map[string]bool{}
	add := func(a, b string) {
		if strings.ContainsAny(a+b, "_-'.0123456789") {
			return
		}
		ta, tb := stickers.Stem(a), stickers.Stem(b)
		if ta == tb || (!vocab[ta] && !vocab[tb]) {
			return
		}
		for _, p := range [][2]string{{ta, tb}, {tb, ta}} {
			if pairs[p[0]] == nil {
				pairs[p[0]] = map[string]bool{}
			}
			pairs[p[0]][p[1]] = true
		}
	}
	opposites := func(s synset, word string) []string {
		var out []string
		for _, p := range s.pointers {
			if p.symbol != "!" || (p.source > 0 && (p.source > len(s.words) || s.words[p.source-1] != word)) {
				continue
			}
			t := wn.synsets[p.target]
			if p.word > 0 && p.word <= len(t.words) {
				out = append(out, t.words[p.word-1])
			}
		}
		return out
	}
	for lemma, senses := range wn.senses {
		byPOS := map[byte]int{}
		for _, sk := range senses {
			rank := byPOS[sk.pos]
			if byPOS[sk.pos]++; rank >= antonymSenses {
				continue
			}
			s := wn.synsets[sk]
			for _, a := range opposites(s, lemma) {
				add(lemma, a)
			}
			if sk.pos != 'a' {
				continue
			}
			for _, p := range s.pointers { // satellite → head → the head's opposites
				if p.symbol != "&" {
					continue
				}
				head := wn.synsets[p.target]
				for _, hw := range head.words {
					for _, a := range opposites(head, hw) {
						add(lemma, a)
					}
				}
			}
		}
	}
	out := map[string][]stickers.Expansion{}
	for term, set := range pairs {
		list := make([]stickers.Expansion, 0, len(set))
		for a := range set {
			if vocab[a] {
				list = append(list, stickers.Expansion{Term: a, Weight: 1})
			}
		}
		if len(list) == 0 {
			continue
		}
		slices.SortFunc(list, func(x, y stickers.Expansion) int { return strings.Compare(x.Term, y.Term) })
		out[term] = list
	}
	return out
}
