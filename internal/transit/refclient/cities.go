package refclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes bounds a city or country name: both go percent-encoded into a
// city file's S3 user metadata, which must stay within 2 KB.
const MaxNameBytes = 200

// ListError is a city list the reference server sent that cannot be trusted.
type ListError struct{ Problems []string }

func (e *ListError) Error() string {
	const shown = 5
	p := e.Problems
	more := ""
	if len(p) > shown {
		p, more = p[:shown], fmt.Sprintf("; and %d more problems", len(e.Problems)-shown)
	}
	return "the reference server's city list is invalid: " + strings.Join(p, "; ") + more
}

// ParseCities validates a GET /cities body: a JSON array, not empty, of
// objects with an integer id (0..2^31-1), a non-empty name and a non-empty
// country, each valid text of at most MaxNameBytes bytes without control
// characters. A city listed twice identically is kept once; one id listed
// with different names or countries is an error, as is anything else wrong:
// every problem is named in the *ListError.
func ParseCities(body []byte) ([]City, error) {
	bad := func(p ...string) error { return &ListError{Problems: p} }
	if !utf8.Valid(body) {
		return nil, bad("not valid UTF-8")
	}
	var raw []json.RawMessage
	switch trimmed := bytes.TrimSpace(body); {
	case len(trimmed) == 0:
		return nil, bad("the body is empty")
	case string(trimmed) == "null":
		return nil, bad("null instead of an array of cities")
	case trimmed[0] != '[':
		return nil, bad("not a JSON array of cities")
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, bad("not JSON: " + err.Error())
	}
	if len(raw) == 0 {
		return nil, bad("empty: a reference server always has cities, so an empty list is an error upstream")
	}
	var (
		problems []string
		cities   = make([]City, 0, len(raw))
		byID     = make(map[int]City, len(raw))
	)
	for i, r := range raw {
		c, errs := parseCity(r)
		for _, e := range errs {
			problems = append(problems, fmt.Sprintf("entry %d: %s", i, e))
		}
		if len(errs) > 0 {
			continue
		}
		if prev, seen := byID[c.ID]; seen {
			if prev != c {
				problems = append(problems, fmt.Sprintf("entry %d: id %d is listed twice, as %q (%s) and %q (%s)",
					i, c.ID, prev.Name, prev.Country, c.Name, c.Country))
			}
			continue // the same city twice: kept once
		}
		byID[c.ID] = c
		cities = append(cities, c)
	}
	if len(problems) > 0 {
		return nil, &ListError{Problems: problems}
	}
	return cities, nil
}

func parseCity(r json.RawMessage) (City, []string) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(r, &fields); err != nil || fields == nil {
		return City{}, []string{"not an object"}
	}
	var (
		c    City
		errs []string
	)
	id := string(fields["id"])
	n, err := strconv.ParseInt(id, 10, 64)
	switch {
	case id == "":
		errs = append(errs, "no id")
	case err != nil || n < 0 || n > math.MaxInt32 || (len(id) > 1 && id[0] == '0'):
		errs = append(errs, fmt.Sprintf("id %s is not an integer in 0..%d", truncate(id), math.MaxInt32))
	default:
		c.ID = int(n)
	}
	text := func(field string) string {
		v, ok := fields[field]
		if !ok || string(v) == "null" {
			errs = append(errs, "no "+field)
			return ""
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			errs = append(errs, fmt.Sprintf("%s %s is not a string", field, truncate(string(v))))
			return ""
		}
		if msg := checkName(s, v); msg != "" {
			errs = append(errs, fmt.Sprintf("%s %q %s", field, truncate(s), msg))
		}
		return s
	}
	c.Name, c.Country = text("name"), text("country")
	return c, errs
}

// checkName says what is wrong with a name (raw is its JSON encoding), or "".
func checkName(s string, raw []byte) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "is empty"
	case len(s) > MaxNameBytes:
		return fmt.Sprintf("is longer than %d bytes", MaxNameBytes)
	case strings.ContainsRune(s, utf8.RuneError) && !bytes.Contains(raw, []byte("\uFFFD")) && !bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`)):
		return "has a lone surrogate" // encoding/json turned it into U+FFFD
	case strings.ContainsFunc(s, unicode.IsControl):
		return "has a control character"
	}
	return ""
}

func truncate(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}
