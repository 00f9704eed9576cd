package apigw

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/aws/aws-lambda-go/events"
)

// StaticPage serves one self-contained HTML page (an admin page, no build step)
// under csp, with an ETag so a reload that changed nothing is a 304. It reads no
// query and no body.
func StaticPage(html, csp string) HandlerFunc {
	sum := sha256.Sum256([]byte(html))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return Handle(func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		h := map[string]string{
			"Content-Type":            "text/html; charset=utf-8",
			"Cache-Control":           "no-cache",
			"ETag":                    etag,
			"Content-Security-Policy": csp,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		}
		if Header(req, "If-None-Match") == etag {
			return events.APIGatewayV2HTTPResponse{StatusCode: 304, Headers: h}, nil
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: h, Body: html}, nil
	}, Accepts{})
}
