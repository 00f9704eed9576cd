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

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"cat in a park", "Park, CATS!"},
		{"happy  face", "faces happy happy"},
	} {
		if Normalize(tc.a) != Normalize(tc.b) {
			t.Errorf("Normalize(%q) = %q, Normalize(%q) = %q", tc.a, Normalize(tc.a), tc.b, Normalize(tc.b))
		}
	}
	if got := Normalize("cat in a park"); got != "cat park" {
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
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, Normalize(n))
		}
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
	})
}
