package stickers

// An Index ranks catalog stickers for a text query: BM25F over a
// sticker's title, tags, shortcodes and group, with the query widened by
// WordNet expansions so that words meaning the same as a tag find it, then
// shaped by what a person means: a sticker named exactly by the query first,
// a phrase of the query in a name before scattered words, a sticker whose name
// is the query word before a compound that only uses it as a modifier ("fire"
// before "fire engine"), and never a sticker named by the query word's
// opposite beside it ("thumbs down" for "thumbs up").

import (
	"math"
	"slices"
	"strings"
	"sync"
)

// Ranking tunes an Index; DefaultRanking is what the search route uses.
type Ranking struct {
	// Field weights of BM25F: how much one occurrence of a term counts in each field.
	Title, Tags, Shortcodes, Group float64
	// K1 and B are BM25's term-frequency saturation and length normalisation.
	K1, B float64
	// Expand widens queries with the thesaurus; nil or disabled ranks on the query's own words.
	Expand    bool
	Thesaurus Thesaurus
	// ExpansionWeight scales every expansion, so that a sticker matching the
	// query's own word outranks one matching only a related word.
	ExpansionWeight float64
	// KnownWordExpansion further scales the expansions of a word the catalog
	// itself uses: its own stickers are what it means first (its main sense),
	// related words only fill in after them ("pizza" is the pizza, then pie).
	// 0 leaves expansions as ExpansionWeight says.
	KnownWordExpansion float64

	// Inflect lets a query word find its -ing form and back ("dance" finds
	// "dancing", "frowning" finds "frown"), at weight Inflect; 0 off. English only.
	Inflect float64

	// Analyzer turns text into terms; the zero value is English.
	Analyzer Analyzer

	// ExactTitle multiplies the score of a sticker whose name is exactly the
	// query (same terms), by 1+ExactTitle; ExactAlias does the same for a
	// shortcode ("beer" for the beer mug) or a tag of several words ("daumen
	// hoch") that is exactly the query.
	ExactTitle, ExactAlias float64
	// Phrase multiplies by 1+Phrase the score of a sticker whose name holds
	// every word of a query of two words or more.
	Phrase float64
	// Coverage scales the score of a sticker that holds only some of the
	// words of a query of several: by Coverage + (1-Coverage) × the share of
	// the query's own words it holds. 0 off.
	Coverage float64
	// Modifier multiplies the score of a sticker whose name is another thing
	// than the query names: it uses a query word only as a modifier of a head
	// word that no query word names ("love hotel" for "love"), or names a
	// kind the query does not ("hot dog" for "dog", "new moon" for "full
	// moon"), or lacks the last word of a query of several ("fire" for "fire
	// engine"). A sticker named exactly by the query (title or shortcode) is
	// spared, and only the first rule applies when no sticker is named exactly
	// by the query ("cat in a park" names no sticker: a cat is no "other
	// thing" for lacking the park). 0 or 1 off. Only for English, whose
	// compounds put the head last.
	Modifier float64
	// GenericHead is how many names a head word must end to count as generic
	// ("face", "button"): "cat face" is still the cat. 0 means 12.
	GenericHead int
	// Antonym multiplies the score of a sticker whose name holds the opposite
	// of a query word, and Antonyms lists them; expansions that are
	// opposites are dropped. 0 or 1 off.
	Antonym  float64
	Antonyms Thesaurus
}

// DefaultRanking is the ranking the search route uses for English.
func DefaultRanking() Ranking {
	return Ranking{
		Title: 2, Tags: 1, Shortcodes: 1, Group: 0.3, K1: 1.2, B: 0.75,
		Expand: true, Thesaurus: WordNet(), ExpansionWeight: 0.5, KnownWordExpansion: 0.5, Inflect: 0.9,
		ExactTitle: 1.5, ExactAlias: 0.5, Phrase: 0.5, Coverage: 0.4, Modifier: 0.5, Antonym: 0.1, Antonyms: Antonyms(),
	}
}

// LanguageRanking is the ranking for a language other than English: the same
// fields and shaping, without the English-only thesaurus, antonyms and heads.
func LanguageRanking(lang string) Ranking {
	o := DefaultRanking()
	o.Analyzer = AnalyzerFor(lang)
	o.Expand, o.Thesaurus, o.Inflect, o.Modifier, o.Antonym, o.Antonyms = false, Thesaurus{}, 0, 0, 0, Thesaurus{}
	return o
}

// PreviousRanking is the ranking before exact, phrase, modifier and antonym
// shaping; the evaluation compares against it.
func PreviousRanking() Ranking {
	return Ranking{Title: 2, Tags: 1, Shortcodes: 1, Group: 0.3, K1: 1.2, B: 0.75, Expand: true, Thesaurus: WordNet(), ExpansionWeight: 0.5}
}

// PlainBM25 is the baseline the evaluation compares against: every field
// weighs the same and the query is not expanded.
func PlainBM25() Ranking {
	return Ranking{Title: 1, Tags: 1, Shortcodes: 1, Group: 1, K1: 1.2, B: 0.75}
}

// RankingFor returns the default options of lang.
func RankingFor(lang string) Ranking {
	if lang == English {
		return DefaultRanking()
	}
	return LanguageRanking(lang)
}

type posting struct {
	doc int32
	tf  float32 // field-weighted term frequency
}

// name is what the shaping needs of a sticker's name.
type name struct {
	key     string   // its normalized terms, as a query normalizes
	terms   []string // its terms in order
	head    string   // the head word (English), "" when none
	codes   []string // normalized shortcodes
	phrases []string // normalized tags of two terms or more
}

// Index is an immutable inverted index over a catalog; safe for concurrent use.
type Index struct {
	opts     Ranking
	stickers []Sticker
	names    []name
	byID     map[string]int
	postings map[string][]posting
	docLen   []float32
	avgLen   float64
	generic  map[string]bool // head words too common to name a thing
	exact    map[string]bool // normalized names and shortcodes: a query that is one names a sticker
	scratch  *sync.Pool      // of *scratch
}

// Hit is one ranked sticker.
type Hit struct {
	Sticker Sticker
	Score   float64
}

// NewIndex indexes stickers; a later sticker with the same id replaces an earlier one.
func NewIndex(stickers []Sticker, opts Ranking) *Index {
	ix := &Index{opts: opts, byID: make(map[string]int, len(stickers)), postings: map[string][]posting{}, exact: map[string]bool{},
		scratch: &sync.Pool{New: func() any { return &scratch{} }}}
	for _, s := range stickers {
		if i, ok := ix.byID[s.ID]; ok {
			ix.stickers[i] = s
			continue
		}
		ix.byID[s.ID] = len(ix.stickers)
		ix.stickers = append(ix.stickers, s)
	}
	an := opts.Analyzer
	ix.docLen = make([]float32, len(ix.stickers))
	ix.names = make([]name, len(ix.stickers))
	heads := map[string]int{}
	tf := map[string]float64{}
	total := 0.0
	for d, s := range ix.stickers {
		clear(tf)
		length := 0.0
		addField := func(w float64, texts ...string) {
			for _, t := range texts {
				for _, term := range an.IndexTerms(t) {
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
		n := name{key: an.Normalize(s.Title), terms: an.Terms(s.Title)}
		for _, code := range s.Shortcodes {
			if k := an.Normalize(strings.ReplaceAll(code, "_", " ")); k != "" {
				n.codes = append(n.codes, k)
			}
		}
		for _, tag := range s.Tags {
			if k := an.Normalize(tag); strings.Contains(k, " ") {
				n.phrases = append(n.phrases, k)
			}
		}
		if an.Lang() == "" || an.Lang() == English {
			n.head = headWord(an, s.Title)
			heads[n.head]++
		}
		ix.names[d] = n
		ix.exact[n.key] = true
		for _, c := range n.codes {
			ix.exact[c] = true
		}
	}
	if len(ix.stickers) > 0 {
		ix.avgLen = total / float64(len(ix.stickers))
	}
	limit := opts.GenericHead
	if limit == 0 {
		limit = 12
	}
	ix.generic = map[string]bool{"": true}
	for h, n := range heads {
		if n >= limit {
			ix.generic[h] = true
		}
	}
	return ix
}

// headWord returns the word an English name is about: the last word before
// "with", "of", "in" or a colon ("sun with face": sun; "flag: Japan": flag;
// "fire engine": engine).
func headWord(an Analyzer, title string) string {
	t := strings.ToLower(title)
	if i := strings.IndexByte(t, ':'); i >= 0 {
		t = t[:i]
	}
	for _, sep := range []string{" with ", " of ", " in ", " on "} {
		if i := strings.Index(t, sep); i > 0 {
			t = t[:i]
		}
	}
	ts := an.Terms(t)
	if len(ts) == 0 {
		return ""
	}
	return ts[len(ts)-1]
}

// Len returns the number of stickers indexed.
func (ix *Index) Len() int { return len(ix.stickers) }

// Sticker returns the sticker with id.
func (ix *Index) Sticker(id string) (Sticker, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return Sticker{}, false
	}
	return ix.stickers[i], true
}

// QueryWords returns, for each distinct term of query, the terms that stand
// for it: the term itself at weight 1, then its expansions (strongest first),
// less the term's opposites.
func (ix *Index) QueryWords(query string) [][]Expansion {
	var out [][]Expansion
	seen := map[string]bool{}
	for _, t := range ix.opts.Analyzer.Terms(query) {
		if seen[t] {
			continue
		}
		seen[t] = true
		alts := []Expansion{{Term: t, Weight: 1}}
		if ix.opts.Inflect > 0 {
			for _, f := range inflections(t) {
				if len(ix.postings[f]) > 0 {
					alts = append(alts, Expansion{Term: f, Weight: ix.opts.Inflect})
				}
			}
		}
		if ix.opts.Expand {
			w := ix.opts.ExpansionWeight
			if ix.opts.KnownWordExpansion > 0 && len(ix.postings[t]) > 0 {
				w *= ix.opts.KnownWordExpansion
			}
			opposite := ix.opposites(t)
			for _, e := range ix.opts.Thesaurus.Lookup(t) {
				if !slices.Contains(opposite, e.Term) {
					alts = append(alts, Expansion{Term: e.Term, Weight: e.Weight * w})
				}
			}
		}
		out = append(out, alts)
	}
	return out
}

// inflections returns the -ing forms a word may take ("dance": "dancing";
// "swim": "swimming"; "cry": "crying") or, for an -ing form, its base forms;
// the caller keeps those the catalog uses.
func inflections(w string) []string {
	if base, ok := strings.CutSuffix(w, "ing"); ok && len(base) >= 2 {
		out := []string{base, base + "e"}
		if n := len(base); n >= 3 && base[n-1] == base[n-2] {
			out = append(out, base[:n-1])
		}
		return out
	}
	if len(w) < 3 {
		return nil
	}
	out := []string{w + "ing", w + w[len(w)-1:] + "ing"}
	if b, ok := strings.CutSuffix(w, "e"); ok {
		out = append(out, b+"ing")
	}
	return out
}

// opposites returns the antonyms of term, when antonyms shape the ranking.
func (ix *Index) opposites(term string) []string {
	if ix.opts.Antonym <= 0 || ix.opts.Antonym >= 1 {
		return nil
	}
	var out []string
	for _, e := range ix.opts.Antonyms.Lookup(term) {
		out = append(out, e.Term)
	}
	return out
}

// Search returns up to k stickers matching query, best first; ties keep catalog order.
//
// Each query word contributes the best BM25F score among its alternatives
// (itself or a related word, times the relation's weight), so a word with many
// expansions counts once, like a word without: a sticker matching "launch"
// exactly beats one matching three of its synonyms. The sum is then shaped by
// the sticker's name (see Ranking).
func (ix *Index) Search(query string, k int) []Hit {
	if k <= 0 || len(ix.stickers) == 0 {
		return nil
	}
	sc := ix.scratch.Get().(*scratch)
	defer ix.scratch.Put(sc)
	sc.reset(len(ix.stickers))
	n := float64(len(ix.stickers))
	words := ix.QueryWords(query)
	for _, alts := range words {
		sc.touched = sc.touched[:0]
		for i, alt := range alts {
			ps := ix.postings[alt.Term]
			if len(ps) == 0 {
				continue
			}
			df := float64(len(ps))
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			for _, p := range ps {
				tf := float64(p.tf)
				norm := ix.opts.K1 * (1 - ix.opts.B + ix.opts.B*float64(ix.docLen[p.doc])/ix.avgLen)
				v := alt.Weight * idf * tf * (ix.opts.K1 + 1) / (tf + norm)
				if sc.best[p.doc] == 0 {
					sc.touched = append(sc.touched, p.doc)
				}
				if v > sc.best[p.doc] {
					sc.best[p.doc] = v
				}
				if i == 0 {
					sc.held[p.doc]++
				}
			}
		}
		for _, d := range sc.touched {
			if sc.scores[d] == 0 {
				sc.matched = append(sc.matched, d)
			}
			sc.scores[d] += sc.best[d]
			sc.best[d] = 0
		}
	}
	q := ix.shapeQuery(query, words)
	for _, d := range sc.matched {
		sc.scores[d] *= ix.shape(q, d)
		if c := ix.opts.Coverage; c > 0 && len(words) > 1 {
			sc.scores[d] *= c + (1-c)*float64(sc.held[d])/float64(len(words))
		}
	}
	order := sc.matched
	scores := sc.scores
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
	hits := make([]Hit, 0, len(order))
	for _, d := range order {
		hits = append(hits, Hit{Sticker: ix.stickers[d], Score: scores[d]})
	}
	return hits
}

// scratch holds one search's per-sticker arrays, reused across searches:
// a search touches a few hundred stickers, and maps of them cost more than the scoring.
type scratch struct {
	scores, best []float64
	held         []int32
	touched      []int32 // stickers the current query word reached
	matched      []int32 // stickers with a score
}

// reset clears what the previous search left (only the entries it touched).
func (sc *scratch) reset(n int) {
	if len(sc.scores) != n {
		sc.scores, sc.best, sc.held = make([]float64, n), make([]float64, n), make([]int32, n)
	}
	for _, d := range sc.matched {
		sc.scores[d], sc.held[d] = 0, 0
	}
	sc.matched = sc.matched[:0]
}

// queryShape is what the shaping needs of a query.
type queryShape struct {
	key       string          // normalized
	words     []string        // its own distinct terms
	named     map[string]bool // its terms and their expansions
	opposites map[string]bool // antonyms of its terms that it does not itself use
}

func (ix *Index) shapeQuery(query string, words [][]Expansion) queryShape {
	q := queryShape{key: ix.opts.Analyzer.Normalize(query), named: map[string]bool{}, opposites: map[string]bool{}}
	for _, alts := range words {
		q.words = append(q.words, alts[0].Term)
		for _, a := range alts {
			q.named[a.Term] = true
		}
	}
	for _, w := range q.words {
		for _, o := range ix.opposites(w) {
			if !slices.Contains(q.words, o) {
				q.opposites[o] = true
			}
		}
	}
	return q
}

// shape is the factor the name of sticker d applies to its text score.
func (ix *Index) shape(q queryShape, d int32) float64 {
	o, nm := ix.opts, ix.names[d]
	f := 1.0
	exact := false
	switch {
	case o.ExactTitle > 0 && nm.key == q.key:
		f *= 1 + o.ExactTitle
		exact = true
	case o.ExactAlias > 0 && (slices.Contains(nm.codes, q.key) || slices.Contains(nm.phrases, q.key)):
		f *= 1 + o.ExactAlias
		exact = true
	}
	if o.Phrase > 0 && len(q.words) > 1 && !exact && containsAll(nm.terms, q.words) {
		f *= 1 + o.Phrase
	}
	if o.Modifier > 0 && o.Modifier < 1 && !exact && nm.head != "" && ix.otherThing(q, nm) {
		f *= o.Modifier
	}
	if o.Antonym > 0 && o.Antonym < 1 {
		for _, t := range nm.terms {
			if q.opposites[t] {
				f *= o.Antonym
				break
			}
		}
	}
	return f
}

// otherThing reports whether a name the query overlaps names another thing
// than the query (see Ranking.Modifier).
func (ix *Index) otherThing(q queryShape, nm name) bool {
	overlap, modifierNamed, modifierUnnamed := false, false, false
	for _, t := range nm.terms {
		if q.named[t] {
			overlap = true
		}
		if t == nm.head || ix.generic[t] {
			continue
		}
		if q.named[t] {
			modifierNamed = true
		} else {
			modifierUnnamed = true
		}
	}
	if !overlap {
		return false
	}
	headNamed := q.named[nm.head]
	if modifierNamed && !headNamed && !ix.generic[nm.head] { // "love hotel" for "love"
		return true
	}
	if !ix.exact[q.key] {
		return false // the rules below need a sticker that the query names exactly
	}
	switch {
	case headNamed && modifierUnnamed: // "hot dog" for "dog"
		return true
	case len(q.words) > 1 && modifierNamed && modifierUnnamed: // "new moon face" for "full moon"
		return true
	case len(q.words) > 1 && !slices.Contains(nm.terms, q.words[len(q.words)-1]): // "fire" for "fire engine"
		return true
	}
	return false
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
