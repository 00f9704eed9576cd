package blogapi

import (
	"context"
	"errors"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// NewDeletePost builds DELETE /posts/{id} (admin).
func NewDeletePost(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{}, func(l *config.Loader) (apigw.HandlerFunc, error) {
		return newPosts(d, l, nil).Delete, nil
	})
}

// Delete removes a post.
func (s *Posts) Delete(ctx context.Context, req request) (response, error) {
	if _, err := auth.Require(req, auth.Admin); err != nil {
		return response{}, err
	}
	id, ok := blog.IDFromPath(req.PathParameters["id"])
	if !ok {
		return response{}, notFound()
	}
	if err := s.Store.Delete(ctx, id); errors.Is(err, blog.ErrNotFound) {
		return response{}, notFound()
	} else if err != nil {
		return response{}, err
	}
	return apigw.NoContent()
}
