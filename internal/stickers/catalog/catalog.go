// Package catalog holds the sticker catalog: the emoji set shipped with Mosaic
// (built from emojibase-data by infra/stickerdata, see NOTICE) and the stickers
// admins add or replace, which live in DynamoDB.
package catalog

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
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

// Emoji returns the shipped emoji catalog, in emojibase order.
func Emoji() ([]Sticker, error) {
	var out []Sticker
	sc := bufio.NewScanner(bytes.NewReader(emojiData))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		var s Sticker
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("emoji catalog line %d: %w", line, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("emoji catalog: %w", err)
	}
	return out, nil
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
