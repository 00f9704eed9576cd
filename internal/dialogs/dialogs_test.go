package dialogs

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"a", true},
		{"customer-42", true},
		{"A.b_c:d-9", true},
		{strings.Repeat("x", 128), true},
		{"", false},
		{strings.Repeat("x", 129), false},
		{"has space", false},
		{"slash/inside", false},
		{"hash#", false},
		{"é", false},
		{"tab\t", false},
	} {
		if got := ValidID(tc.id); got != tc.ok {
			t.Errorf("ValidID(%q) = %v, want %v", tc.id, got, tc.ok)
		}
	}
}

func TestNormalizeLanguage(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"EN", "EN", true},
		{"en", "EN", true},
		{"dE", "DE", true},
		{"", "", false},
		{"E", "", false},
		{"ENG", "", false},
		{"E1", "", false},
		{"@[", "", false}, // neighbours of A..Z
		{"`{", "", false}, // neighbours of a..z
		{"éa", "", false},
		{"zz", "", false}, // two letters, but no language
		{"XX", "", false},
		{"yo", "YO", true}, // Yoruba
		{"Iw", "IW", true}, // withdrawn (now HE), still an ISO 639-1 code clients send
	} {
		got, ok := NormalizeLanguage(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeLanguage(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"one character", "x", true},
		{"white space is text", " ", true},
		{"10000 characters", strings.Repeat("x", MaxTextLen), true},
		{"10000 multi-byte characters", strings.Repeat("é", MaxTextLen), true},
		{"empty", "", false},
		{"10001 characters", strings.Repeat("x", MaxTextLen+1), false},
		{"invalid UTF-8", "ab\xffcd", false},
	} {
		if got := CheckText(tc.text) == ""; got != tc.ok {
			t.Errorf("%s: CheckText = %q", tc.name, CheckText(tc.text))
		}
	}
}

func TestShardIsStableAndSpread(t *testing.T) {
	seen := map[string]int{}
	for i := range 8000 {
		id := "dialog-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)
		s := Shard(id)
		if s != Shard(id) || len(s) != 2 {
			t.Fatalf("Shard(%q) = %q, not stable or not two digits", id, s)
		}
		seen[s]++
	}
	if len(seen) != Shards {
		t.Fatalf("ids fell into %d shards, want %d: %v", len(seen), Shards, seen)
	}
	for s, n := range seen {
		if n < 8000/Shards/2 {
			t.Errorf("shard %s got %d of 8000 ids: badly spread %v", s, n, seen)
		}
	}
}

// FuzzValidation checks the input rules never panic and agree with their definitions.
func FuzzValidation(f *testing.F) {
	for _, s := range []string{"EN", "customer-42", "", "\xff", "é", strings.Repeat("x", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidID(s) && (len(s) == 0 || len(s) > MaxIDLen || strings.ContainsAny(s, " /#\x00")) {
			t.Fatalf("ValidID accepted %q", s)
		}
		if lang, ok := NormalizeLanguage(s); ok && (len(lang) != 2 || strings.ToUpper(s) != lang || lang[0] < 'A' || lang[0] > 'Z' || lang[1] < 'A' || lang[1] > 'Z') {
			t.Fatalf("NormalizeLanguage(%q) = %q", s, lang)
		}
		if CheckText(s) == "" && (!utf8.ValidString(s) || s == "" || utf8.RuneCountInString(s) > MaxTextLen) {
			t.Fatalf("CheckText accepted %q", s)
		}
	})
}
