package main

import (
	"fmt"
	"path/filepath"

	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// languages are the emojibase-data locales shipped besides English; each has
// a judged query set in internal/stickers/searcheval/testdata/judged.
var languages = []string{"de", "es", "fr", "it", "ja"}

// readLabels reads one locale's labels and tags for the catalog's emoji, in
// catalog order. An emoji the locale does not name keeps no entry (search in
// that language then falls back to nothing for it, never to English words).
func readLabels(dir, lang string, emoji []stickers.Sticker) ([]stickers.Sticker, error) {
	var data []emojibaseEntry
	if err := readJSON(filepath.Join(dir, lang, "data.json"), &data); err != nil {
		return nil, err
	}
	byID := make(map[string]emojibaseEntry, len(data))
	for _, e := range data {
		byID[e.Hexcode] = e
	}
	out := make([]stickers.Sticker, 0, len(emoji))
	for _, s := range emoji {
		e, ok := byID[s.ID]
		if !ok || e.Label == "" {
			continue
		}
		out = append(out, stickers.Sticker{ID: s.ID, Title: e.Label, Tags: e.Tags})
	}
	if len(out) < len(emoji)*9/10 {
		return nil, fmt.Errorf("emojibase-data %s: only %d of %d emoji labelled; has the package layout changed?", lang, len(out), len(emoji))
	}
	return out, nil
}
