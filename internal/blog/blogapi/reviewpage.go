package blogapi

import (
	"context"
	_ "embed"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// reviewPage is the blog's review page: one static HTML file, no build step,
// that lists the posts the moderation worker flagged, with the spans that
// triggered each label highlighted, and lets an admin approve or reject them.
// The page itself is public; every data call it makes carries the admin token
// typed into it (GET /posts?status=flagged, POST /posts/{id}/review).
//
//go:embed reviewpage.html
var reviewPage string

// reviewPagePolicy keeps the page to itself: its own inline script and
// style, API calls to its own origin, nothing else.
const reviewPagePolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
	"connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// NewReviewPage builds GET /admin/posts (public HTML).
func NewReviewPage(_ context.Context, _ function.Deps) (any, error) {
	return apigw.StaticPage(reviewPage, reviewPagePolicy), nil
}
