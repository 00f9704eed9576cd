package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// componentGroup is emojibase's group of skin tones and hair parts, not stickers on their own.
const componentGroup = 2

type emojibaseEntry struct {
	Label   string   `json:"label"`
	Hexcode string   `json:"hexcode"`
	Emoji   string   `json:"emoji"`
	Tags    []string `json:"tags"`
	Group   *int     `json:"group"`
}

// readEmojibase reads the English emoji data: every emoji that has a group
// (regional indicators have none), except components; skin-tone variants are
// left out, so each sticker appears once.
func readEmojibase(dir string) ([]stickers.Sticker, error) {
	var data []emojibaseEntry
	if err := readJSON(filepath.Join(dir, "en", "data.json"), &data); err != nil {
		return nil, err
	}
	var messages struct {
		Groups []struct {
			Message string `json:"message"`
			Order   int    `json:"order"`
		} `json:"groups"`
	}
	if err := readJSON(filepath.Join(dir, "en", "messages.json"), &messages); err != nil {
		return nil, err
	}
	groups := map[int]string{}
	for _, g := range messages.Groups {
		groups[g.Order] = g.Message
	}
	// Shortcodes people type: emojibase's own and GitHub's (":smile:").
	codes := map[string][]string{}
	for _, set := range []string{"emojibase", "github"} {
		var m map[string]json.RawMessage
		if err := readJSON(filepath.Join(dir, "en", "shortcodes", set+".json"), &m); err != nil {
			return nil, err
		}
		for hex, raw := range m {
			var list []string
			if err := json.Unmarshal(raw, &list); err != nil { // a single shortcode is a bare string
				var one string
				if err := json.Unmarshal(raw, &one); err != nil {
					return nil, fmt.Errorf("shortcodes %s %s: %w", set, hex, err)
				}
				list = []string{one}
			}
			codes[hex] = append(codes[hex], list...)
		}
	}
	var out []stickers.Sticker
	for _, e := range data {
		if e.Group == nil || *e.Group == componentGroup {
			continue
		}
		sc := codes[e.Hexcode]
		slices.Sort(sc)
		sc = slices.Compact(sc)
		out = append(out, stickers.Sticker{
			ID: e.Hexcode, Title: e.Label, Emoji: e.Emoji, Tags: e.Tags,
			Group: groups[*e.Group], Shortcodes: sc,
		})
	}
	return out, nil
}

// writeLines writes stickers (the catalog, or one language's labels) one JSON
// object per line, so that a data update diffs line by line.
func writeLines(path string, emoji []stickers.Sticker) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, s := range emoji {
		if err := enc.Encode(s); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
