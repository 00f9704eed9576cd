package apidocs

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// pageTitle is the Swagger UI page's title, as FastAPI names its own.
const pageTitle = "Mosaic - Swagger UI"

// pageScript starts Swagger UI with FastAPI's defaults, plus persistAuthorization
// so that a token entered under "Authorize" survives a reload. The document URL
// is relative to /docs, so the page works behind any base path.
const pageScript = `
window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  persistAuthorization: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});
`

// pageHTML is the page; {css}, {icon} and {js} become content hashes.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + pageTitle + `</title>
<link rel="stylesheet" type="text/css" href="docs/swagger-ui.css?v={css}">
<link rel="icon" type="image/png" sizes="32x32" href="docs/favicon-32x32.png?v={icon}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js?v={js}"></script>
<script>` + pageScript + `</script>
</body>
</html>
`

// docs serves the Swagger UI page and its assets.
type docs struct {
	page     string
	pageETag string
	csp      string
	assets   map[string]*asset
}

// NewDocs builds the handler of GET /docs (Swagger UI over /openapi.json) and
// GET /docs/{asset} (its script, style sheet, icon and licence texts).
// The assets are hashed on the first request, not at init (make bench-init).
func NewDocs(_ context.Context, _ function.Deps) (any, error) {
	build := sync.OnceValues(newDocs)
	return apigw.Handle(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		d, err := build()
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return d.serve(ctx, req)
	}, apigw.Accepts{Query: []string{"v"}}), nil
}

// newDocs reads and hashes the embedded Swagger UI.
func newDocs() (*docs, error) {
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	page := strings.NewReplacer(
		"{css}", assets["swagger-ui.css"].hash,
		"{icon}", assets["favicon-32x32.png"].hash,
		"{js}", assets["swagger-ui-bundle.js"].hash,
	).Replace(pageHTML)
	sum := sha256.Sum256([]byte(pageScript))
	d := &docs{
		page:     page,
		pageETag: etagOf([]byte(page)),
		// Only this page's own script and files run; Swagger UI styles elements inline.
		csp: "default-src 'none'; script-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
			"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		assets: assets,
	}
	return d, nil
}

// serve answers GET /docs and GET /docs/{asset}.
func (d *docs) serve(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	name, isAsset := req.PathParameters["asset"]
	if !isAsset && !strings.HasSuffix(req.RouteKey, "/{asset}") {
		if strings.HasSuffix(req.RawPath, "/") {
			return redirectToPage(req), nil
		}
		return d.servePage(req), nil
	}
	a, ok := d.assets[name]
	if !ok {
		return events.APIGatewayV2HTTPResponse{}, apigw.NotFound("no documentation asset is called " + quote(name) +
			"; the page at /docs links every one it needs")
	}
	cache := cacheDocument
	if apigw.Query(req, "v") == a.hash {
		cache = cacheImmutable // this URL names this content: it can never change
	}
	return a.response(req, cache), nil
}

// redirectToPage sends /docs/ (which API Gateway serves with the /docs route)
// to /docs, where the page's relative links resolve. The target is relative
// too, so it holds behind any base path.
func redirectToPage(req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	target := "../docs"
	if req.RawQueryString != "" {
		target += "?" + req.RawQueryString
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusMovedPermanently,
		Headers:    map[string]string{"Location": target, "Cache-Control": cacheRevalidate},
	}
}

func (d *docs) servePage(req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	h := map[string]string{"ETag": d.pageETag, "Cache-Control": cacheRevalidate}
	if notModified(req, d.pageETag) {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNotModified, Headers: h}
	}
	h["Content-Type"] = "text/html; charset=utf-8"
	h["Content-Security-Policy"] = d.csp
	h["X-Content-Type-Options"] = "nosniff"
	h["Referrer-Policy"] = "no-referrer"
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Headers: h, Body: d.page}
}

// quote bounds and quotes a client-supplied name for an error message.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return strconv.Quote(strings.ToValidUTF8(s, "?"))
}
