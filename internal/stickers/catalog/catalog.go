// Package catalog holds the sticker catalog: the emoji set shipped with Mosaic
// (built from emojibase-data by infra/stickerdata, see NOTICE) and the stickers
// admins add or replace, which live in DynamoDB.
package catalog

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
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

// Label is a sticker's name and tags in one language (emojibase-data's
// localized label and tags).
type Label struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Tags  []string `json:"tags"`
}

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
	labels, err := readLines[Label](data, lang+" labels")
	if err != nil {
		return nil, err
	}
	byID := make(map[string]Label, len(labels))
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
