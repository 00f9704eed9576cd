package blogapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// NewListPosts builds GET /posts (public; ?status=flagged needs admin).
func NewListPosts(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{Query: []string{"status", "limit", "cursor"}}, func(l *config.Loader) (apigw.HandlerFunc, error) {
		p := newPosts(d, l, nil)
		var err, tokErr error
		p.Cursors, err = cursor.FromEnv(d.Env, d.AWS)
		p.Tokens, tokErr = auth.LoadTokens(d)
		return p.List, errors.Join(err, tokErr)
	})
}

// List pages through published posts, or (admin) the flagged review queue, newest first.
func (s *Posts) List(ctx context.Context, req request) (response, error) {
	status := blog.Status(apigw.Query(req, "status"))
	switch status {
	case "":
		status = blog.Published
	case blog.Published:
	case blog.Flagged:
		if _, err := s.Tokens.Require(ctx, req, auth.Admin); err != nil {
			return response{}, err
		}
	default:
		return response{}, apigw.Invalid("status", "must be published or flagged (flagged needs an admin token)")
	}
	limit, err := apigw.Limit(req, apigw.DefaultLimit)
	if err != nil {
		return response{}, err
	}
	scope := cursor.Scope("GET /posts", map[string]string{"status": string(status)})
	var pos struct {
		Before string `json:"b"`
	}
	if c := apigw.Query(req, "cursor"); c != "" {
		if err := s.Cursors.Decode(c, scope, &pos); err != nil || pos.Before == "" {
			return response{}, apigw.InvalidCursor(err)
		}
	}
	posts, next, err := s.Store.List(ctx, status, pos.Before, limit)
	if err != nil {
		return response{}, err
	}
	page := apigw.Page[PostView]{Items: make([]PostView, 0, len(posts))}
	// Keep the page under Lambda's response limit, always sending at least one
	// post: a page of large posts ends early, before the post that would not fit.
	size := 0
	for i, p := range posts {
		v := PublicView(p) // a listing never shows pending edits
		b, err := json.Marshal(v)
		if err != nil {
			return response{}, err
		}
		if size += responseBytes(b) + 1; size > blog.MaxPageBytes && i > 0 {
			next = posts[i-1].ListKey()
			break
		}
		page.Items = append(page.Items, v)
	}
	if next != "" {
		pos.Before = next
		if page.NextCursor, err = s.Cursors.Encode(scope, pos); err != nil {
			return response{}, err
		}
	}
	return apigw.JSON(http.StatusOK, page)
}

// responseBytes is how many bytes the JSON b takes in Lambda's response: the
// body is a JSON string in the response document, in which every quote and
// backslash of b is escaped (json.Marshal leaves no other character to escape,
// and the runtime does not escape HTML).
func responseBytes(b []byte) int {
	return len(b) + bytes.Count(b, []byte{'"'}) + bytes.Count(b, []byte{'\\'})
}
