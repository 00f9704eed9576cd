package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// synsetKey names a WordNet synset: its part of speech and byte offset in data.<pos>.
type synsetKey struct {
	pos    byte
	offset int
}

type pointer struct {
	symbol string
	target synsetKey
	word   int // 1-based word of the target synset for lexical pointers, 0 for the whole synset
	source int // 1-based word of the source synset for lexical pointers, 0 for the whole synset
}

type synset struct {
	words    []string
	pointers []pointer
}

// wordNet is the part of WordNet the thesaurus needs: synsets and, per lemma,
// its synsets in order of sense frequency.
type wordNet struct {
	synsets map[synsetKey]synset
	senses  map[string][]synsetKey
	tagged  map[senseKey]int // how often the sense was tagged in WordNet's corpus (index.sense)
}

// senseKey is one sense of a lemma: the lemma and its synset.
type senseKey struct {
	lemma  string
	synset synsetKey
}

var posFiles = map[string]byte{"noun": 'n', "verb": 'v', "adj": 'a', "adv": 'r'}

// posOf maps a pointer's part-of-speech letter to the data file it points into.
func posOf(s string) byte {
	if s == "s" { // adjective satellites live in data.adj
		return 'a'
	}
	return s[0]
}

func readWordNet(dir string) (*wordNet, error) {
	wn := &wordNet{synsets: map[synsetKey]synset{}, senses: map[string][]synsetKey{}, tagged: map[senseKey]int{}}
	for name, pos := range posFiles {
		if err := eachLine(filepath.Join(dir, "data."+name), func(f []string) error { return wn.addSynset(pos, f) }); err != nil {
			return nil, err
		}
		if err := eachLine(filepath.Join(dir, "index."+name), func(f []string) error { return wn.addLemma(pos, f) }); err != nil {
			return nil, err
		}
	}
	if err := eachLine(filepath.Join(dir, "index.sense"), wn.addSense); err != nil {
		return nil, err
	}
	return wn, nil
}

// eachLine calls fn with the space-separated fields of every line of a WordNet
// file, skipping the licence header (lines that start with spaces).
func eachLine(path string, fn func([]string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, " ") {
			continue
		}
		if i := strings.Index(line, " | "); i >= 0 {
			line = line[:i] // drop the gloss
		}
		if err := fn(strings.Fields(line)); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

// addSynset reads "offset lex_filenum ss_type w_cnt word lex_id ... p_cnt ptr...".
func (wn *wordNet) addSynset(pos byte, f []string) error {
	if len(f) < 4 {
		return fmt.Errorf("short synset line")
	}
	off, err := strconv.Atoi(f[0])
	if err != nil {
		return err
	}
	wc, err := strconv.ParseInt(f[3], 16, 32)
	if err != nil {
		return err
	}
	i := 4
	var s synset
	for range wc {
		if i+1 >= len(f) {
			return fmt.Errorf("truncated word list")
		}
		w := f[i]
		if p := strings.IndexByte(w, '('); p > 0 { // adjective markers such as "(a)"
			w = w[:p]
		}
		s.words = append(s.words, strings.ToLower(w))
		i += 2
	}
	if i >= len(f) {
		return fmt.Errorf("missing pointer count")
	}
	pc, err := strconv.Atoi(f[i])
	if err != nil {
		return err
	}
	i++
	for range pc {
		if i+3 >= len(f) {
			return fmt.Errorf("truncated pointer list")
		}
		to, err := strconv.Atoi(f[i+1])
		if err != nil {
			return err
		}
		st, err := strconv.ParseInt(f[i+3], 16, 32)
		if err != nil {
			return err
		}
		s.pointers = append(s.pointers, pointer{symbol: f[i], target: synsetKey{posOf(f[i+2]), to}, word: int(st & 0xff), source: int(st >> 8)})
		i += 4
	}
	wn.synsets[synsetKey{pos, off}] = s
	return nil
}

// addLemma reads "lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt offset...".
func (wn *wordNet) addLemma(pos byte, f []string) error {
	if len(f) < 4 {
		return fmt.Errorf("short index line")
	}
	n, err := strconv.Atoi(f[2])
	if err != nil {
		return err
	}
	if len(f) < n {
		return fmt.Errorf("truncated index line")
	}
	for _, o := range f[len(f)-n:] {
		off, err := strconv.Atoi(o)
		if err != nil {
			return err
		}
		wn.senses[f[0]] = append(wn.senses[f[0]], synsetKey{pos, off})
	}
	return nil
}

// sensePOS maps the ss_type digit of a sense key to the data file of its synset.
var sensePOS = map[byte]byte{'1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a'}

// addSense reads "lemma%ss_type:lex_filenum:lex_id:head:head_id offset sense_number tag_cnt".
func (wn *wordNet) addSense(f []string) error {
	if len(f) != 4 {
		return fmt.Errorf("want 4 fields in an index.sense line")
	}
	lemma, rest, ok := strings.Cut(f[0], "%")
	if !ok || rest == "" {
		return fmt.Errorf("bad sense key %q", f[0])
	}
	pos, ok := sensePOS[rest[0]]
	if !ok {
		return fmt.Errorf("bad sense type in %q", f[0])
	}
	off, err := strconv.Atoi(f[1])
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(f[3])
	if err != nil {
		return err
	}
	wn.tagged[senseKey{strings.ToLower(lemma), synsetKey{pos, off}}] = n
	return nil
}
