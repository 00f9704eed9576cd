package apidocs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/apidocs"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
)

func TestDocsPage(t *testing.T) {
	h := handler(t, apidocs.NewDocs)
	req := event(t, "docs.json")
	resp := serve(t, h, req)
	openapitest.ValidateResponse(t, "GET", "/docs", resp)
	if resp.StatusCode != 200 || resp.Headers["Content-Type"] != "text/html; charset=utf-8" {
		t.Fatalf("GET /docs = %d %q, want 200 text/html", resp.StatusCode, resp.Headers["Content-Type"])
	}
	page := resp.Body
	for _, want := range []string{
		"<title>Mosaic - Swagger UI</title>",
		`url: "openapi.json"`, // relative: works behind any base path
		`dom_id: "#swagger-ui"`, `<div id="swagger-ui"></div>`,
		"deepLinking: true",
		"persistAuthorization: true",
		`href="docs/swagger-ui.css?v=`, `href="docs/favicon-32x32.png?v=`, `src="docs/swagger-ui-bundle.js?v=`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if regexp.MustCompile(`(src|href)="(/|[a-z]+:)`).MatchString(page) {
		t.Error("the page links an absolute URL; links must be relative to work behind any base path")
	}

	// The inline script is the only one the Content-Security-Policy allows.
	script := regexp.MustCompile(`(?s)<script>(.*)</script>`).FindStringSubmatch(page)
	if script == nil {
		t.Fatal("no inline script")
	}
	sum := sha256.Sum256([]byte(script[1]))
	csp := resp.Headers["Content-Security-Policy"]
	if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("Content-Security-Policy %q does not allow the inline script", csp)
	}

	req.Headers["if-none-match"] = resp.Headers["ETag"]
	resp = serve(t, h, req)
	openapitest.ValidateResponse(t, "GET", "/docs", resp)
	if resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
}

// documentedAssets returns the asset names the document enumerates.
func documentedAssets(t *testing.T) []string {
	t.Helper()
	doc, err := apidocs.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths map[string]struct {
			Get struct {
				Parameters []struct {
					Name   string
					Schema struct{ Enum []string }
				}
			}
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Paths["/docs/{asset}"].Get.Parameters {
		if p.Name == "asset" {
			return p.Schema.Enum
		}
	}
	t.Fatal("the document does not enumerate the assets")
	return nil
}

// TestDocsPageWithTrailingSlash: API Gateway serves /docs/ with the /docs
// route, where the page's relative links would resolve under /docs/docs/; it
// is sent to the page instead, relatively, so that any base path holds.
func TestDocsPageWithTrailingSlash(t *testing.T) {
	h := handler(t, apidocs.NewDocs)
	for query, want := range map[string]string{"": "../docs", "v=1": "../docs?v=1"} {
		req := event(t, "docs.json")
		req.RawPath = "/docs/"
		req.RequestContext.HTTP.Path = req.RawPath
		req.RawQueryString = query
		resp := serve(t, h, req)
		openapitest.ValidateResponse(t, "GET", "/docs", resp)
		if resp.StatusCode != 301 || resp.Headers["Location"] != want {
			t.Errorf("GET /docs/?%s = %d Location %q, want 301 to %q", query, resp.StatusCode, resp.Headers["Location"], want)
		}
	}
}

func TestDocsAssets(t *testing.T) {
	h := handler(t, apidocs.NewDocs)
	page := serve(t, h, event(t, "docs.json")).Body
	types := map[string]string{
		"swagger-ui-bundle.js":             "text/javascript; charset=utf-8",
		"swagger-ui.css":                   "text/css; charset=utf-8",
		"favicon-32x32.png":                "image/png",
		"LICENSE":                          "text/plain; charset=utf-8",
		"NOTICE":                           "text/plain; charset=utf-8",
		"swagger-ui-bundle.js.LICENSE.txt": "text/plain; charset=utf-8",
	}
	if got, want := slices.Sorted(slices.Values(documentedAssets(t))), slices.Sorted(maps.Keys(types)); !slices.Equal(got, want) {
		t.Errorf("the document lists assets %v, the handler serves %v", got, want)
	}
	for name, ctype := range types {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("swaggerui", name))
			if err != nil {
				t.Fatal(err)
			}
			hash := regexp.MustCompile(regexp.QuoteMeta(name) + `\?v=([0-9a-f]+)`).FindStringSubmatch(page)
			for _, tc := range []struct {
				name     string
				query    string
				encoding string
				cache    string
			}{
				{"plain", "", "", "public, max-age=300, must-revalidate"},
				{"gzip", "", "gzip, deflate, br", "public, max-age=300, must-revalidate"},
				{"gzip refused", "", "gzip;q=0, *", "public, max-age=300, must-revalidate"},
				{"stale hash", "v=0", "", "public, max-age=300, must-revalidate"},
			} {
				req := assetRequest(t, name, tc.query, tc.encoding)
				resp := serve(t, h, req)
				openapitest.ValidateResponse(t, "GET", "/docs/{asset}", resp)
				if got := resp.Headers["Cache-Control"]; got != tc.cache {
					t.Errorf("%s: Cache-Control = %q, want %q", tc.name, got, tc.cache)
				}
				if got := resp.Headers["Content-Type"]; got != ctype {
					t.Errorf("%s: Content-Type = %q, want %q", tc.name, got, ctype)
				}
				if got := body(t, resp); !bytes.Equal(got, want) {
					t.Errorf("%s: the body is not swaggerui/%s (%d bytes, want %d)", tc.name, name, len(got), len(want))
				}
				gz := resp.Headers["Content-Encoding"] == "gzip"
				if wantGzip := tc.name == "gzip" && ctype != "image/png"; gz != wantGzip {
					t.Errorf("%s: gzip = %v, want %v", tc.name, gz, wantGzip)
				}
				req.Headers["if-none-match"] = resp.Headers["ETag"]
				resp = serve(t, h, req)
				openapitest.ValidateResponse(t, "GET", "/docs/{asset}", resp)
				if resp.StatusCode != 304 {
					t.Errorf("%s: If-None-Match: %d, want 304", tc.name, resp.StatusCode)
				}
			}
			if name == "LICENSE" || name == "NOTICE" || strings.HasSuffix(name, ".txt") {
				return // not linked from the page
			}
			if hash == nil {
				t.Fatalf("the page does not link %s with a content hash", name)
			}
			resp := serve(t, h, assetRequest(t, name, "v="+hash[1], ""))
			openapitest.ValidateResponse(t, "GET", "/docs/{asset}", resp)
			if got := resp.Headers["Cache-Control"]; got != "public, max-age=31536000, immutable" {
				t.Errorf("hashed URL: Cache-Control = %q, want a year, immutable", got)
			}
		})
	}
}

func TestDocsAssetNotFound(t *testing.T) {
	h := handler(t, apidocs.NewDocs)
	for _, name := range []string{"index.html", "../openapi.yaml", "swagger-ui.css.map", "VERSION", strings.Repeat("x", 300)} {
		resp := serve(t, h, assetRequest(t, name, "", ""))
		openapitest.ValidateResponse(t, "GET", "/docs/{asset}", resp)
		if resp.StatusCode != 404 || resp.Headers["Content-Type"] != "application/problem+json" {
			t.Errorf("%.20s: %d %q, want a 404 problem", name, resp.StatusCode, resp.Headers["Content-Type"])
		}
	}
}

// assetRequest is events/docs-asset.json asking for name.
func assetRequest(t *testing.T, name, query, acceptEncoding string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	req := event(t, "docs-asset.json")
	req.PathParameters = map[string]string{"asset": name}
	req.RawPath = "/docs/" + name
	req.RequestContext.HTTP.Path = req.RawPath
	req.RawQueryString, req.QueryStringParameters = query, nil
	if k, v, ok := strings.Cut(query, "="); ok {
		req.QueryStringParameters = map[string]string{k: v}
	}
	delete(req.Headers, "accept-encoding")
	if acceptEncoding != "" {
		req.Headers["accept-encoding"] = acceptEncoding
	}
	return req
}

// body returns the bytes a client receives from resp.
func body(t *testing.T, resp events.APIGatewayV2HTTPResponse) []byte {
	t.Helper()
	b := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if b, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			t.Fatal(err)
		}
	}
	if resp.Headers["Content-Encoding"] == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// TestDocsConcurrent: the first requests of a function may race to compress an asset.
func TestDocsConcurrent(t *testing.T) {
	h := handler(t, apidocs.NewDocs)
	req := assetRequest(t, "swagger-ui.css", "", "gzip")
	want := serve(t, h, req).Body
	h = handler(t, apidocs.NewDocs)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if resp, err := h(context.Background(), req); err != nil || resp.Body != want {
				t.Errorf("concurrent request: err %v, body equal %v", err, resp.Body == want)
			}
		})
	}
	wg.Wait()
}
