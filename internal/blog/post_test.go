package blog

import (
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ title, want string }{
		{"Hello World", "hello-world-ID"},
		{"  --Hello,   World!!--  ", "hello-world-ID"},
		{"Crème Brûlée 2", "crème-brûlée-2-ID"},
		{"???", "post-ID"},
		{strings.Repeat("ab ", 60), strings.TrimSuffix(strings.Repeat("ab-", 27), "-") + "-ID"},
	} {
		if got := Slug(tc.title, "ID"); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.title, got, tc.want)
		}
	}
}
