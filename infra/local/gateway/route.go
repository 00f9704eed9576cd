package gateway

import (
	"net/url"
	"sort"
	"strings"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// route is a template route compiled for matching.
type route struct {
	samtemplate.Route
	segments []string // literal segments, "{name}" or "{name+}"
}

func compile(rs []samtemplate.Route) []route {
	out := make([]route, 0, len(rs))
	for _, r := range rs {
		out = append(out, route{Route: r, segments: splitPath(r.Path)})
	}
	// API Gateway prefers the most specific route: more literal segments first,
	// greedy {proxy+} routes last, then an explicit method over ANY.
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ga, gb := a.greedy(), b.greedy(); ga != gb {
			return !ga
		}
		if la, lb := a.literals(), b.literals(); la != lb {
			return la > lb
		}
		if la, lb := len(a.segments), len(b.segments); la != lb {
			return la > lb
		}
		return a.Method != "ANY" && b.Method == "ANY"
	})
	return out
}

func splitPath(p string) []string {
	// "/a/b/" keeps its empty last segment: API Gateway tells /a/b and /a/b/ apart.
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}

func (r route) greedy() bool {
	return len(r.segments) > 0 && strings.HasSuffix(r.segments[len(r.segments)-1], "+}")
}

func (r route) literals() int {
	n := 0
	for _, s := range r.segments {
		if !strings.HasPrefix(s, "{") {
			n++
		}
	}
	return n
}

// match reports whether the escaped request path matches r, with its decoded path parameters.
func (r route) match(method, escapedPath string) (map[string]string, bool) {
	if r.Method != "ANY" && r.Method != method {
		return nil, false
	}
	parts := splitPath(escapedPath)
	params := map[string]string{}
	for i, seg := range r.segments {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}") {
			if i >= len(parts) || strings.Join(parts[i:], "") == "" {
				return nil, false
			}
			v, err := url.PathUnescape(strings.Join(parts[i:], "/"))
			if err != nil {
				return nil, false
			}
			params[seg[1:len(seg)-2]] = v
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			v, err := url.PathUnescape(parts[i])
			if err != nil || v == "" {
				return nil, false
			}
			params[seg[1:len(seg)-1]] = v
			continue
		}
		if seg != parts[i] {
			return nil, false
		}
	}
	if len(parts) != len(r.segments) {
		return nil, false
	}
	return params, true
}
