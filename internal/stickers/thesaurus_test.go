package stickers

import (
	"testing"
)

func TestShippedThesaurus(t *testing.T) {
	th := WordNet()
	if err := th.Check(); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]string{"feline": "cat", "puppy": "dog", "automobile": "car", "beverage": "drink"} {
		found := false
		for _, e := range th.Lookup(query) {
			found = found || e.Term == want
		}
		if !found {
			t.Errorf("Lookup(%q) = %v, lacks %q", query, th.Lookup(query), want)
		}
	}
	if got := th.Lookup("zzzz-not-a-word"); got != nil {
		t.Errorf("unknown word expands to %v", got)
	}
}

func TestLookupEdges(t *testing.T) {
	th := NewThesaurus([]byte("# header\n# more\nant\tbee:0.5\ncat\tdog:0.8 fox:0.3\nzebra\thorse:1\n"))
	for term, want := range map[string]int{"ant": 1, "cat": 2, "zebra": 1, "a": 0, "bat": 0, "zzz": 0, "": 0} {
		if got := len(th.Lookup(term)); got != want {
			t.Errorf("Lookup(%q) has %d expansions, want %d", term, got, want)
		}
	}
	if NewThesaurus(nil).Lookup("cat") != nil {
		t.Error("empty thesaurus expands")
	}
	if err := NewThesaurus([]byte("b\tx:0.5\na\ty:0.5\n")).Check(); err == nil {
		t.Error("unsorted thesaurus passes Check")
	}
	if err := NewThesaurus([]byte("a\tx:2\n")).Check(); err == nil {
		t.Error("weight above 1 passes Check")
	}
}

func BenchmarkLookup(b *testing.B) {
	th := WordNet()
	for b.Loop() {
		th.Lookup("automobile")
	}
}

// FuzzLookup checks that lookups on arbitrary thesaurus data and terms never panic
// and only return what Check would accept.
func FuzzLookup(f *testing.F) {
	f.Add([]byte("ant\tbee:0.5\ncat\tdog:0.8 fox:0.3\n"), "cat")
	f.Add([]byte("# c\n\n\t\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, term string) {
		for _, e := range NewThesaurus(data).Lookup(term) {
			if e.Term == "" || e.Weight <= 0 || e.Weight > 1 {
				t.Fatalf("bad expansion %+v", e)
			}
		}
	})
}
