// Package stickers is the Stickers service's domain: the sticker catalog (the
// emoji shipped with Mosaic, built from emojibase-data by infra/stickerdata,
// see NOTICE, and the stickers admins add), the search index that ranks it
// (terms per language, thesaurus expansion, BM25F shaped by names, feedback
// re-ranking), the votes and search usage that feed it, the Store that keeps
// them in DynamoDB, and the digit counts of GET /api/counter/.
//
// It is one package, not one per piece: the pieces share Sticker and call one
// another (the index uses the terms and the thesaurus, ranking uses the index
// and the feedback), and apart they were eleven packages of 70 to 500 lines
// whose boundaries cost more than they hid. HTTP lives in stickersapi.
package stickers

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Sticker is one searchable sticker.
type Sticker struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Emoji      string   `json:"emoji,omitempty"` // the glyph, for emoji stickers
	Tags       []string `json:"tags"`
	Group      string   `json:"group,omitempty"`
	Shortcodes []string `json:"shortcodes,omitempty"`
	ImageURL   string   `json:"image_url,omitempty"` // set for admin-added stickers; emoji get theirs from an ImageURLs pattern
}

//go:embed emoji.jsonl
var emojiData []byte

// emoji is the shipped catalog, decoded once per process.
var emoji = sync.OnceValues(func() ([]Sticker, error) { return readLines[Sticker](emojiData, "emoji catalog") })

// Emoji returns the shipped emoji catalog, in emojibase order (a copy the caller may change).
func Emoji() ([]Sticker, error) {
	list, err := emoji()
	return slices.Clone(list), err
}

// readLines decodes one JSON object per line.
func readLines[T any](data []byte, what string) ([]T, error) {
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", what, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// English is the catalog's own language: titles, tags and shortcodes are English.
const English = "en"

// labelFiles hold, per language, each emoji's id, title and tags in it
// (emojibase-data's localized label and tags), one Sticker a line.
//
//go:embed labels/*.jsonl
var labelFiles embed.FS

// Languages lists the languages the catalog can be searched in: English, then
// the localized ones in alphabetical order (ISO 639-1 codes).
func Languages() []string {
	entries, _ := labelFiles.ReadDir("labels") // embedded: cannot fail
	langs := []string{English}
	for _, e := range entries {
		langs = append(langs, strings.TrimSuffix(e.Name(), ".jsonl"))
	}
	slices.Sort(langs[1:])
	return langs
}

// Localized returns the emoji catalog with titles and tags in lang (the
// shortcodes stay: people type ":cat:" in any language). An emoji lang does
// not name keeps its shortcodes only, never English words.
func Localized(lang string) ([]Sticker, error) {
	emoji, err := Emoji()
	if err != nil || lang == English {
		return emoji, err
	}
	data, err := labelFiles.ReadFile("labels/" + lang + ".jsonl")
	if err != nil {
		return nil, fmt.Errorf("no %q labels in the catalog", lang)
	}
	labels, err := readLines[Sticker](data, lang+" labels")
	if err != nil {
		return nil, err
	}
	byID := make(map[string]Sticker, len(labels))
	for _, l := range labels {
		byID[l.ID] = l
	}
	for i, s := range emoji {
		l := byID[s.ID]
		emoji[i].Title, emoji[i].Tags, emoji[i].Group = l.Title, l.Tags, ""
	}
	return emoji, nil
}

// ImageURLs turns an emoji sticker into the address of its picture.
//
// With an empty pattern the picture is the glyph itself, as a data: URL of a
// small SVG that any browser renders with its emoji font: nothing to host.
// Otherwise the pattern's {hexcode} (upper case, as the id) or {hexcode_lower}
// is replaced, so a deployment can point at the emoji artwork it hosts, e.g.
// "https://assets.example.com/emoji/{hexcode_lower}.svg".
type ImageURLs struct {
	Pattern string
}

// URL returns the picture of s: its own ImageURL when it has one.
func (u ImageURLs) URL(s Sticker) string {
	if s.ImageURL != "" {
		return s.ImageURL
	}
	if u.Pattern != "" {
		return strings.NewReplacer("{hexcode}", s.ID, "{hexcode_lower}", strings.ToLower(s.ID)).Replace(u.Pattern)
	}
	if s.Emoji == "" {
		return ""
	}
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><text x="50" y=".9em" font-size="80" text-anchor="middle">` +
		s.Emoji + `</text></svg>`
	return "data:image/svg+xml," + url.PathEscape(svg)
}

// Catalog is what one execution environment searches: the shipped emoji and
// the stickers admins added, indexed per language on first use. It reads
// nothing when built, so a cold start needs no network.
type Catalog struct {
	store   Store
	refresh time.Duration // how long the added stickers, once read, are trusted
	now     func() time.Time
	log     *slog.Logger

	mu       sync.Mutex
	added    []Sticker // the stickers admins added, as last read
	version  int       // counts successful reads of added
	loadedAt time.Time // of the last successful read
	failedAt time.Time // of the last failed read, zero after a success
	indexes  map[string]*langIndex
}

// langIndex is one language's search index, built over the version of the added stickers it holds.
type langIndex struct {
	emoji   []Sticker
	index   *Index
	version int
	added   int // how many added stickers it holds
}

// RetryAddedAfter is how long a Catalog serves the shipped emoji alone after
// failing to read the added stickers, before it tries again: a DynamoDB
// outage costs one failed read per interval, not one per search.
const RetryAddedAfter = 5 * time.Second

// ErrAddedUnavailable means the stickers admins added could not be read: the
// index holds the shipped catalog only.
var ErrAddedUnavailable = errors.New("the added stickers could not be read; serving the shipped catalog only")

// NewCatalog returns a Catalog over the stickers added in store, reread when
// older than refresh; now and log may be nil (time.Now, discard).
func NewCatalog(store Store, refresh time.Duration, now func() time.Time, log *slog.Logger) *Catalog {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Catalog{store: store, refresh: refresh, now: now, log: log, indexes: map[string]*langIndex{}}
}

// langIndex returns lang's index, rebuilt when the added stickers changed since it was built; c.mu held.
func (c *Catalog) langIndex(lang string) (*Index, error) {
	li := c.indexes[lang]
	if li == nil {
		emoji, err := Localized(lang)
		if err != nil {
			return nil, err
		}
		li = &langIndex{emoji: emoji, version: -1}
		c.indexes[lang] = li
	}
	if li.version != c.version && li.index != nil && li.added == 0 && len(c.added) == 0 {
		li.version = c.version // still no added sticker: the index stands
	}
	if li.version != c.version {
		li.added = len(c.added)
		all := make([]Sticker, 0, len(li.emoji)+len(c.added))
		all = append(all, li.emoji...)
		all = append(all, c.added...) // an added sticker replaces an emoji with its id
		li.index, li.version = NewIndex(all, RankingFor(lang)), c.version
	}
	return li.index, nil
}

// Index returns the search index of lang over the shipped emoji and the
// stickers admins added, rereading those when older than the refresh
// interval. A failed read keeps the previous ones; before any read succeeded,
// it returns the shipped catalog's index with ErrAddedUnavailable (degraded,
// not failed), and tries again after RetryAddedAfter.
func (c *Catalog) Index(ctx context.Context, lang string) (*Index, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	stale := c.version == 0 || now.Sub(c.loadedAt) >= c.refresh
	if stale && (c.failedAt.IsZero() || now.Sub(c.failedAt) >= RetryAddedAfter) {
		added, err := c.store.AddedStickers(ctx)
		if err != nil {
			c.failedAt = now
			c.log.WarnContext(ctx, "added stickers not read; serving the catalog as last read", "error", err, "ever_read", c.version > 0)
		} else {
			c.added, c.loadedAt, c.failedAt = added, now, time.Time{}
			c.version++
		}
	}
	ix, err := c.langIndex(lang)
	if err != nil {
		return nil, err
	}
	if c.version == 0 {
		return ix, ErrAddedUnavailable
	}
	return ix, nil
}

// QueryKey is the key a query's usage and feedback are kept under: its
// normalized terms in lang or, for a query of stop words only, its lower-cased
// words; after "<lang>:" for a language other than English, so that French
// "chat" and English "chat" are two queries.
func QueryKey(lang, query string) string {
	k := AnalyzerFor(lang).Normalize(query)
	if k == "" {
		k = strings.Join(strings.Fields(strings.ToLower(query)), " ")
	}
	if lang != English {
		k = lang + ":" + k
	}
	return k
}
