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

// NewReviewPost builds POST /posts/{id}/review (admin).
func NewReviewPost(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{Body: true}, func(l *config.Loader) (apigw.HandlerFunc, error) {
		return newPosts(d, l, nil).Review, nil
	})
}

// Review applies an admin's decision: approve publishes, reject hides. Repeating a
// decision changes nothing; a post changed meanwhile is a 409.
func (s *Posts) Review(ctx context.Context, req request) (response, error) {
	if _, err := auth.Require(req, auth.Admin); err != nil {
		return response{}, err
	}
	var r struct {
		Decision string `json:"decision"`
	}
	if err := apigw.DecodeJSON(req, &r, 0); err != nil {
		return response{}, err
	}
	var to blog.Status
	var from []blog.Status
	switch r.Decision {
	case "approve":
		to, from = blog.Published, []blog.Status{blog.Pending, blog.Flagged, blog.Rejected}
	case "reject":
		to, from = blog.Rejected, []blog.Status{blog.Pending, blog.Flagged, blog.Published}
	default:
		return response{}, apigw.Invalid("decision", `must be "approve" or "reject"`)
	}
	p, err := s.load(ctx, req)
	if err != nil {
		return response{}, err
	}
	if p.Status == to {
		return apigw.JSON(http.StatusOK, View(p)) // already decided so
	}
	now := s.Now().UTC()
	p, err = s.Store.Review(ctx, p.ID, p.Version, from, to, blog.Review{Decision: r.Decision, ReviewedAt: now}, now)
	if errors.Is(err, blog.ErrStale) {
		return response{}, apigw.Conflict("the post changed (edited, moderated or reviewed) while this decision was made; read it again and decide on what it now says")
	}
	if err != nil {
		return response{}, err
	}
	obs.Count(ctx, "PostsReviewed", 1, obs.Dim("Decision", r.Decision))
	return apigw.JSON(http.StatusOK, View(p))
}
