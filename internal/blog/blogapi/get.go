package blogapi

import (
	"context"
	"net/http"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// NewGetPost builds GET /posts/{id} (public for published posts, writer for the others).
func NewGetPost(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{}, func(l *config.Loader) (apigw.HandlerFunc, error) {
		p := newPosts(d, l, nil)
		var err error
		p.Tokens, err = auth.LoadTokens(d)
		return p.Get, err
	})
}

// Get returns one post by id or slug: published posts to anyone, others to writers and admins.
func (s *Posts) Get(ctx context.Context, req request) (response, error) {
	p, err := s.load(ctx, req)
	if err != nil {
		return response{}, err
	}
	if _, err := s.Tokens.Require(ctx, req, auth.Writer); err != nil {
		// Unpublished posts do not exist for the public: no hint of them;
		// nor of a published post's pending edit.
		if p.Status != blog.Published {
			return response{}, notFound()
		}
		return apigw.JSON(http.StatusOK, PublicView(p))
	}
	return apigw.JSON(http.StatusOK, View(p))
}
