package apidocs

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
)

// Cache-Control values of the documentation routes.
const (
	// cacheRevalidate lets clients keep a copy but check it (cheaply, by ETag) on each use.
	cacheRevalidate = "no-cache"
	// cacheDocument keeps /openapi.json for five minutes, then revalidates it.
	cacheDocument = "public, max-age=300, must-revalidate"
	// cacheImmutable is for assets linked with a content hash: their URL changes with them.
	cacheImmutable = "public, max-age=31536000, immutable"
)

// etagOf returns a strong entity tag naming content.
func etagOf(content []byte) string {
	sum := sha256.Sum256(content)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// notModified reports whether If-None-Match names etag (RFC 9110 §13.1.2,
// weak comparison).
func notModified(req events.APIGatewayV2HTTPRequest, etag string) bool {
	inm := strings.TrimSpace(apigw.Header(req, "If-None-Match"))
	if inm == "" {
		return false
	}
	if inm == "*" {
		return true
	}
	for _, tag := range strings.Split(inm, ",") {
		if strings.TrimPrefix(strings.TrimSpace(tag), "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding allows gzip (RFC 9110 §12.5.3):
// named with a non-zero q, or, when not named, allowed by a non-zero "*".
func acceptsGzip(req events.APIGatewayV2HTTPRequest) bool {
	gzipQ, anyQ := -1.0, -1.0
	for _, part := range strings.Split(apigw.Header(req, "Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(part, ";")
		switch coding = strings.TrimSpace(coding); {
		case strings.EqualFold(coding, "gzip"):
			gzipQ = qvalue(params)
		case coding == "*":
			anyQ = qvalue(params)
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// qvalue returns the q parameter of an Accept-Encoding element: 1 when absent,
// 0 when malformed.
func qvalue(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || q < 0 || q > 1 {
				return 0
			}
			return q
		}
	}
	return 1
}
