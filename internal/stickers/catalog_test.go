package stickers

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestEmoji(t *testing.T) {
	stickers, err := Emoji()
	if err != nil {
		t.Fatal(err)
	}
	if len(stickers) < 1800 {
		t.Fatalf("%d emoji", len(stickers))
	}
	seen := map[string]bool{}
	for _, s := range stickers {
		if s.ID == "" || s.Title == "" || s.Emoji == "" || s.Group == "" || seen[s.ID] {
			t.Fatalf("bad or repeated sticker %+v", s)
		}
		seen[s.ID] = true
	}
	if !seen["1F408"] {
		t.Fatal("the cat (1F408) is missing")
	}
}

func TestImageURLs(t *testing.T) {
	s := Sticker{ID: "1F408", Emoji: "🐈"}
	if got := (ImageURLs{}).URL(s); !strings.HasPrefix(got, "data:image/svg+xml,") || !strings.Contains(got, "%F0%9F%90%88") {
		t.Errorf("glyph URL = %q", got)
	}
	if got := (ImageURLs{Pattern: "https://img.example/{hexcode_lower}.svg?{hexcode}"}).URL(s); got != "https://img.example/1f408.svg?1F408" {
		t.Errorf("pattern URL = %q", got)
	}
	own := Sticker{ID: "x", ImageURL: "https://img.example/x.png"}
	if got := (ImageURLs{Pattern: "p/{hexcode}"}).URL(own); got != own.ImageURL {
		t.Errorf("own URL = %q", got)
	}
}

// catalogContract: the stickers put are the ones added, the last put of an id winning.
func catalogContract(t *testing.T, s Store) {
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Second)
	if got, err := s.AddedStickers(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v %v", got, err)
	}
	a := Sticker{ID: "acme-logo", Title: "Acme logo", Tags: []string{"brand"}, ImageURL: "https://img.example/acme.png"}
	b := Sticker{ID: "acme-cat", Title: "Acme cat", Tags: []string{"cat"}, ImageURL: "https://img.example/cat.png"}
	for _, st := range []Sticker{a, b, {ID: "acme-logo", Title: "Acme logo 2", Tags: []string{"brand"}, ImageURL: a.ImageURL}} {
		if err := s.PutSticker(ctx, st, at); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.AddedStickers(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("Added = %v %v", got, err)
	}
	titles := map[string]string{}
	for _, st := range got {
		titles[st.ID] = st.Title
	}
	if titles["acme-logo"] != "Acme logo 2" || titles["acme-cat"] != "Acme cat" {
		t.Fatalf("Added = %+v", got)
	}
}
