package blogapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// NewUpdatePost builds PUT /posts/{id} (writer).
func NewUpdatePost(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{Body: true}, func(l *config.Loader) (apigw.HandlerFunc, error) {
		p, err := withOutbox(d, l)
		return p.Update, err
	})
}

// Update replaces a post's content and queues it for moderation again.
func (s *Posts) Update(ctx context.Context, req request) (response, error) {
	if _, err := auth.Require(req, auth.Writer); err != nil {
		return response{}, err
	}
	id, ok := blog.IDFromPath(req.PathParameters["id"])
	if !ok {
		return response{}, notFound()
	}
	c, err := readContent(req)
	if err != nil {
		return response{}, err
	}
	p, _, err := s.Store.Edit(ctx, id, c, s.Now().UTC())
	if errors.Is(err, blog.ErrNotFound) {
		return response{}, notFound()
	}
	if err != nil {
		return response{}, err
	}
	if err := s.deliver(ctx, p); err != nil {
		return response{}, err
	}
	obs.Count(ctx, "PostsEdited", 1)
	return apigw.JSON(http.StatusOK, View(p))
}
