package stickersapi

import (
	"context"
	_ "embed"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// adminPage is the sticker admin page: one static HTML file, no build step,
// that searches as a user would and shows query usage, feedback scores, top
// stickers and searches per day. The page itself is public; every data call
// it makes carries the admin token typed into it.
//
//go:embed page.html
var adminPage string

// adminPagePolicy keeps the page to itself: its own inline script and style,
// API calls to its own origin, pictures from anywhere (sticker images).
const adminPagePolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
	"connect-src 'self'; img-src data: https: http:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// NewAdminPage builds GET /admin/ (public HTML).
func NewAdminPage(_ context.Context, _ function.Deps) (any, error) {
	return apigw.StaticPage(adminPage, adminPagePolicy), nil
}
