package stickers

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

func shippedEmoji(t testing.TB) []Sticker {
	t.Helper()
	s, err := Emoji()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSearchFindsByMeaning(t *testing.T) {
	ix := NewIndex(shippedEmoji(t), DefaultRanking())
	for _, tc := range []struct {
		query, wantTitle string
	}{
		{"cat", "cat"},
		{"cats", "cat"},
		{"feline", "cat"},
		{"puppy", "dog"},
		{"automobile", "automobile"},
		{"pizza", "pizza"},
		{"grinning", "grinning face"},
	} {
		hits := ix.Search(tc.query, 10)
		found := false
		for _, h := range hits {
			found = found || h.Sticker.Title == tc.wantTitle
		}
		if !found {
			var titles []string
			for _, h := range hits {
				titles = append(titles, h.Sticker.Title)
			}
			t.Errorf("Search(%q) top 10 = %q, lacks %q", tc.query, titles, tc.wantTitle)
		}
	}
	if hits := ix.Search("qqqzzz", 10); len(hits) != 0 {
		t.Errorf("nonsense query found %d stickers", len(hits))
	}
}

func TestPlainBM25DoesNotExpand(t *testing.T) {
	ix := NewIndex(shippedEmoji(t), PlainBM25())
	for _, h := range ix.Search("feline", 10) {
		if h.Sticker.Title == "cat" {
			t.Fatal("plain BM25 found cat for feline: expansion leaked into the baseline")
		}
	}
}

func TestIndexReplacesByID(t *testing.T) {
	ix := NewIndex([]Sticker{
		{ID: "a", Title: "red apple", Tags: []string{"fruit"}},
		{ID: "b", Title: "banana", Tags: []string{"fruit"}},
		{ID: "a", Title: "green pear", Tags: []string{"fruit"}},
	}, PlainBM25()) // unexpanded: WordNet relates apple to fruit
	if ix.Len() != 2 {
		t.Fatalf("Len = %d", ix.Len())
	}
	if hits := ix.Search("apple", 5); len(hits) != 0 {
		t.Fatalf("replaced sticker still found: %v", hits)
	}
	if hits := ix.Search("pear", 5); len(hits) != 1 || hits[0].Sticker.ID != "a" {
		t.Fatalf("replacement not found: %v", hits)
	}
	if hits := ix.Search("fruit", 1); len(hits) != 1 {
		t.Fatalf("k not honoured: %v", hits)
	}
}

func BenchmarkIndexBuild(b *testing.B) {
	stickers := shippedEmoji(b)
	opts := DefaultRanking()
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(stickers, opts)
	}
}

// BenchmarkColdStart measures what a new execution environment pays: decoding
// the embedded catalog and building the index.
func BenchmarkColdStart(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := Emoji()
		if err != nil {
			b.Fatal(err)
		}
		NewIndex(s, DefaultRanking())
	}
}

func BenchmarkSearchWarm(b *testing.B) {
	ix := NewIndex(shippedEmoji(b), DefaultRanking())
	queries := []string{"cat in a park", "happy", "automobile", "red heart", "feline", "birthday cake", "thumbs up"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ix.Search(queries[i%len(queries)], 10)
		i++
	}
}

func BenchmarkSearchWarmPlainBM25(b *testing.B) {
	ix := NewIndex(shippedEmoji(b), PlainBM25())
	queries := []string{"cat in a park", "happy", "automobile", "red heart", "feline", "birthday cake", "thumbs up"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ix.Search(queries[i%len(queries)], 10)
		i++
	}
}

// BenchmarkSearchLatency reports the warm latency distribution of single
// searches over a mix of queries (p50 and p99 per search).
func BenchmarkSearchLatency(b *testing.B) {
	ix := NewIndex(shippedEmoji(b), DefaultRanking())
	queries := []string{"cat in a park", "happy", "automobile", "red heart", "feline", "birthday cake", "thumbs up", "kitty", "beverage", "insect"}
	var samples []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		ix.Search(queries[i%len(queries)], 50)
		samples = append(samples, time.Since(start))
		i++
	}
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(samples[len(samples)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkIndexMemory reports the live heap one index holds.
func BenchmarkIndexMemory(b *testing.B) {
	stickers := shippedEmoji(b)
	var held []*Index
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ix := NewIndex(stickers, DefaultRanking())
		runtime.GC()
		runtime.ReadMemStats(&after)
		held = append(held, ix)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc), "heap-bytes/index")
	}
	runtime.KeepAlive(held)
}

func titles(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Sticker.Title)
	}
	return out
}

// TestRanksWhatPeopleMean pins the shaping rules on the shipped catalog.
func TestRanksWhatPeopleMean(t *testing.T) {
	ix := NewIndex(shippedEmoji(t), DefaultRanking())
	for _, tc := range []struct {
		query, first string
		notTop3      []string
	}{
		{"thumbs up", "thumbs up", []string{"thumbs down"}},             // antonyms never side by side
		{"thumbs down", "thumbs down", []string{"thumbs up"}},           //
		{"up arrow", "up arrow", []string{"down arrow"}},                //
		{"fire", "fire", []string{"fire engine"}},                       // the emoji's own name before a compound
		{"dog", "dog", []string{"hot dog"}},                             // a kind the query does not name
		{"fire engine", "fire engine", []string{"fire"}},                // an exact title beats a partial one
		{"pizza", "pizza", []string{"petri dish", "satellite antenna"}}, // main sense before a rare one
		{"cat in a park", "national park", nil},                         // no sticker is both: the park, then the cat
		{"dance", "man dancing", nil},                                   // -ing forms: "dance" finds "dancing"
	} {
		hits := ix.Search(tc.query, 3)
		got := titles(hits)
		if len(got) == 0 || got[0] != tc.first {
			t.Errorf("Search(%q) top 3 = %q, want %q first", tc.query, got, tc.first)
		}
		for _, bad := range tc.notTop3 {
			if slices.Contains(got, bad) {
				t.Errorf("Search(%q) top 3 = %q holds %q", tc.query, got, bad)
			}
		}
	}
}

func TestLocalizedSearch(t *testing.T) {
	for _, tc := range []struct{ lang, query, wantID string }{
		{"de", "katze", "1F408"}, {"es", "corazon rojo", "2764"}, {"fr", "chat", "1F408"}, {"ja", "ねこ", "1F408"}, {"it", "gatto", "1F408"},
	} {
		stickers, err := Localized(tc.lang)
		if err != nil {
			t.Fatal(err)
		}
		hits := NewIndex(stickers, RankingFor(tc.lang)).Search(tc.query, 3)
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.Sticker.ID)
		}
		if !slices.Contains(ids, tc.wantID) {
			t.Errorf("%s %q: top 3 %v %q lacks %s", tc.lang, tc.query, ids, titles(hits), tc.wantID)
		}
	}
}
