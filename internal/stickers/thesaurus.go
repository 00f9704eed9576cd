package stickers

// A Thesaurus widens a search query with related words from WordNet
// (synonyms, more general and more specific words), so that a sticker tagged
// "cat" is found by "feline" and "dog" by "puppy", and, for words no sticker
// carries, with their nearest catalog words by GloVe vectors ("aircraft" finds
// "airplane"). The table is built offline by infra/stickerdata, pruned to the
// catalog's vocabulary, and looked up in place by binary search: a cold start
// parses nothing.

import (
	"bytes"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// Expansion is a related term and how much it counts relative to the query's own word (0..1].
type Expansion struct {
	Term   string
	Weight float64
}

// Thesaurus maps a query term to related catalog terms. Its data is sorted
// lines "term<TAB>related:weight related:weight ..." after "#" comment lines.
type Thesaurus struct {
	data []byte // the entries, comments removed
}

//go:embed thesaurus.tsv
var wordNetData []byte

//go:embed antonyms.tsv
var antonymData []byte

// WordNet returns the thesaurus shipped with Mosaic.
func WordNet() Thesaurus { return NewThesaurus(wordNetData) }

// Antonyms returns WordNet's opposites of catalog words, in the same format
// (every weight 1): Lookup("up") lists "down". Search keeps a sticker named by
// the opposite of a query word away from that word's results.
func Antonyms() Thesaurus { return NewThesaurus(antonymData) }

// NewThesaurus wraps thesaurus data (sorted by term, as infra/stickerdata writes it).
func NewThesaurus(data []byte) Thesaurus {
	for len(data) > 0 && data[0] == '#' {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return Thesaurus{}
		}
		data = data[i+1:]
	}
	return Thesaurus{data: data}
}

// Lookup returns the expansions of term, strongest first, or nil.
func (t Thesaurus) Lookup(term string) []Expansion {
	line := t.find(term)
	if line == nil {
		return nil
	}
	list, err := parseExpansions(line)
	if err != nil { // the shipped data is checked by a test; a bad line expands to nothing
		return nil
	}
	return list
}

// find binary-searches the line whose key is term and returns its expansions part.
func (t Thesaurus) find(term string) []byte {
	lo, hi := 0, len(t.data) // the line sought starts in [lo, hi)
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := bytes.LastIndexByte(t.data[:mid], '\n') + 1
		end := bytes.IndexByte(t.data[start:], '\n')
		if end < 0 {
			end = len(t.data)
		} else {
			end += start
		}
		line := t.data[start:end]
		key, rest, _ := bytes.Cut(line, []byte{'\t'})
		switch c := strings.Compare(string(key), term); {
		case c == 0:
			return rest
		case c < 0:
			lo = end + 1
		default:
			hi = start
		}
	}
	return nil
}

func parseExpansions(b []byte) ([]Expansion, error) {
	fields := strings.Fields(string(b))
	list := make([]Expansion, 0, len(fields))
	for _, f := range fields {
		term, w, ok := strings.Cut(f, ":")
		weight, err := strconv.ParseFloat(w, 64)
		if !ok || term == "" || err != nil || weight <= 0 || weight > 1 {
			return nil, fmt.Errorf("bad expansion %q", f)
		}
		list = append(list, Expansion{Term: term, Weight: weight})
	}
	return list, nil
}

// Check validates every line: sorted unique keys and well-formed expansions.
func (t Thesaurus) Check() error {
	prev := ""
	for i, line := range strings.Split(strings.TrimSuffix(string(t.data), "\n"), "\n") {
		key, rest, ok := strings.Cut(line, "\t")
		if !ok || key == "" || key <= prev {
			return fmt.Errorf("thesaurus entry %d (%q): keys must be non-empty, sorted and unique", i+1, key)
		}
		if _, err := parseExpansions([]byte(rest)); err != nil {
			return fmt.Errorf("thesaurus entry %d (%q): %w", i+1, key, err)
		}
		prev = key
	}
	return nil
}
