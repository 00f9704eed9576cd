package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/stickers"
)

func TestReadEmojibase(t *testing.T) {
	got, err := readEmojibase("testdata/emojibase-data")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "1F408" || got[0].Group != "animals & nature" ||
		strings.Join(got[0].Shortcodes, ",") != "cat,cat2" || strings.Join(got[1].Shortcodes, ",") != "dog,dog2" {
		t.Fatalf("stickers: %+v", got)
	}
	out := filepath.Join(t.TempDir(), "emoji.jsonl")
	if err := writeLines(out, got); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if strings.Count(string(b), "\n") != 2 || !strings.Contains(string(b), `"emoji":"🐈"`) {
		t.Fatalf("catalog file: %s", b)
	}
}

func TestThesaurusFromWordNet(t *testing.T) {
	wn, err := readWordNet("testdata/dict")
	if err != nil {
		t.Fatal(err)
	}
	catalog := []stickers.Sticker{{ID: "1F408", Title: "cat", Tags: []string{"pet"}}, {ID: "1F415", Title: "dog"}}
	entries := buildThesaurus(wn, vocabulary(catalog))
	out := filepath.Join(t.TempDir(), "thesaurus.tsv")
	if err := writeThesaurus(out, entries); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	th := stickers.NewThesaurus(data)
	if err := th.Check(); err != nil {
		t.Fatalf("%v:\n%s", err, data)
	}
	has := func(term, want string) bool {
		for _, e := range th.Lookup(term) {
			if e.Term == want {
				return true
			}
		}
		return false
	}
	if !has("feline", "cat") || !has("hound", "dog") || !has("kitty", "cat") {
		t.Fatalf("missing expansions:\n%s", data)
	}
	if has("vomit", "cat") {
		t.Fatalf("the untagged verb sense of cat leaked in:\n%s", data)
	}
}

func TestEmbeddingNeighbours(t *testing.T) {
	vocab := map[string]bool{"dog": true, "zebra": true}
	emb, frequent, err := readEmbeddings("testdata/embeddings.json", vocab)
	if err != nil {
		t.Fatal(err)
	}
	if len(frequent) != 4 || len(emb) != 4 {
		t.Fatalf("read %d words, %d vectors", len(frequent), len(emb))
	}
	entries := map[string][]stickers.Expansion{}
	addNeighbours(entries, emb, frequent, vocab)
	if got := entries["puppy"]; len(got) != 1 || got[0].Term != "dog" || got[0].Weight != 0.7 {
		t.Fatalf("puppy: %+v", got)
	}
	if _, ok := entries["the"]; ok {
		t.Fatal("a stop word got neighbours")
	}
	if _, ok := entries["dog"]; ok {
		t.Fatal("a catalog word got neighbours")
	}
}

func TestAntonymsFromWordNet(t *testing.T) {
	wn, err := readWordNet("testdata/dict")
	if err != nil {
		t.Fatal(err)
	}
	catalog := []stickers.Sticker{{ID: "2B06", Title: "up arrow"}, {ID: "2B07", Title: "down arrow"}}
	ants := buildAntonyms(wn, vocabulary(catalog))
	if len(ants["up"]) != 1 || ants["up"][0].Term != "down" || len(ants["down"]) != 1 || ants["down"][0].Term != "up" {
		t.Fatalf("antonyms: %v", ants)
	}
	out := filepath.Join(t.TempDir(), "antonyms.tsv")
	if err := writeTable(out, "# test", ants); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	if err := stickers.NewThesaurus(data).Check(); err != nil {
		t.Fatalf("%v:\n%s", err, data)
	}
}

func TestReadLabels(t *testing.T) {
	stickers, err := readEmojibase("testdata/emojibase-data")
	if err != nil {
		t.Fatal(err)
	}
	labels, err := readLabels("testdata/emojibase-data", "de", stickers)
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 2 || labels[0].ID != "1F408" || labels[0].Title != "Katze" || !slices.Contains(labels[0].Tags, "miau") || labels[1].Title != "Hund" {
		t.Fatalf("labels: %+v", labels)
	}
	if _, err := readLabels("testdata/emojibase-data", "xx", stickers); err == nil {
		t.Fatal("a missing locale read without error")
	}
}
