package blog

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzContent feeds arbitrary bodies to the validation of a post's content:
// every one is valid or refused with an InvalidContent naming fields, and a
// valid one makes a slug that is lower-case, dash-separated and ends with the id.
// (blogapi's FuzzPostBody checks the 4xx answer of the routes.)
func FuzzContent(f *testing.F) {
	for _, seed := range []string{
		`{"title":"Hello, World!","paragraphs":["a","b"],"author":"ann"}`,
		`{"title":"  ","paragraphs":[]}`, `{"title":"x","paragraphs":["` + "\u00e9\u200b" + `"]}`,
		`{"title":"a","paragraphs":[""]}`, "{\"title\":\"\xff\"}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var c Content
		if json.Unmarshal([]byte(body), &c) != nil {
			return
		}
		if err := c.Validate(); err != nil {
			var bad InvalidContent
			if !errors.As(err, &bad) || len(bad) == 0 || bad[0].Field == "" || bad[0].Rule == "" {
				t.Fatalf("body %q: %v is not a list of bad fields", body, err)
			}
			return
		}
		const id = "0123456789abcdef"
		slug := Slug(c.Title, id)
		if !strings.HasSuffix(slug, "-"+id) || strings.Contains(slug, "--") || strings.HasPrefix(slug, "-") ||
			!utf8.ValidString(slug) || len(slug) > maxSlugBase+1+len(id) {
			t.Fatalf("Slug(%q) = %q", c.Title, slug)
		}
		if got, ok := IDFromPath(slug); !ok || got != id {
			t.Fatalf("IDFromPath(%q) = %q, %v", slug, got, ok)
		}
	})
}
