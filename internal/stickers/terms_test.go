package stickers

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"cats": "cat", "puppies": "puppy", "boxes": "box", "dishes": "dish", "glasses": "glass",
		"glass": "glass", "faces": "face", "bus": "bus", "octopus": "octopus", "kiss": "kiss",
		"kisses": "kiss", "yes": "yes", "gas": "gas", "cactus": "cactus", "houses": "house",
		"watches": "watch", "cat": "cat", "stars": "star", "eyes": "eye", "tennis": "tennis",
	} {
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
	}
}

var english = AnalyzerFor(English)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"cat in a park", "Park, CATS!"},
		{"happy  face", "faces happy happy"},
	} {
		if english.Normalize(tc.a) != english.Normalize(tc.b) {
			t.Errorf("Normalize(%q) = %q, english.Normalize(%q) = %q", tc.a, english.Normalize(tc.a), tc.b, english.Normalize(tc.b))
		}
	}
	if got := english.Normalize("cat in a park"); got != "cat park" {
		t.Errorf("Normalize = %q", got)
	}
	if got := Terms("Thumbs-up 👍 über"); !slices.Equal(got, []string{"thumb", "up", "über"}) {
		t.Errorf("Terms = %q", got)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"cat in a park", "", "🐱🐱", "ÜBER Straße", "a a a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := english.Normalize(s)
		if english.Normalize(n) != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, english.Normalize(n))
		}
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
	})
}
