package classify

import (
	"context"
	"os"
	"strings"
	"testing"
)

// benchText is the eval set's sentences joined: dense with every label and
// evasion, the lexicon's worst case.
func benchText(b *testing.B) string { return evalText(b, false) }

// evalText joins the eval set's sentences, only the clean ones when cleanOnly.
func evalText(b *testing.B, cleanOnly bool) string {
	data, err := os.ReadFile("testdata/eval.tsv")
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for line := range strings.SplitSeq(string(data), "\n") {
		if labels, s, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") && (!cleanOnly || labels == "clean") {
			sb.WriteString(s)
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

// BenchmarkLexicon measures the lexicon's throughput (MB/s) and allocations
// on paragraph-sized texts full of labelled content.
func BenchmarkLexicon(b *testing.B) { benchLexicon(b, benchText(b)) }

// BenchmarkLexiconClean is BenchmarkLexicon on clean text, the common case.
func BenchmarkLexiconClean(b *testing.B) { benchLexicon(b, evalText(b, true)) }

func benchLexicon(b *testing.B, text string) {
	l, err := NewLexicon()
	if err != nil {
		b.Fatal(err)
	}
	paragraphs := make([]string, 0, len(text)/500+1)
	for len(text) > 500 {
		cut := strings.LastIndexByte(text[:500], ' ')
		paragraphs = append(paragraphs, text[:cut])
		text = text[cut+1:]
	}
	total := 0
	for _, p := range paragraphs {
		total += len(p)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Score(context.Background(), paragraphs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineLower is the yardstick for BenchmarkLexicon: one pass of
// strings.ToLower over the same text, in the same run.
func BenchmarkBaselineLower(b *testing.B) {
	text := benchText(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = strings.ToLower(text)
	}
}

// BenchmarkFirstClassification is what a cold start's first request pays
// for the lexicon that NewLexicon leaves unbuilt: parsing the tables and
// compiling the rules the sentence triggers.
func BenchmarkFirstClassification(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		l, _ := NewLexicon()
		if _, err := l.Score(context.Background(), []string{"I will find you and you will regret it, you f*cking idiot"}); err != nil {
			b.Fatal(err)
		}
	}
}
