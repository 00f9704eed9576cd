package apidocs

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
)

// swaggerUI is Swagger UI as vendored by infra/swaggerui/update.sh (see
// swaggerui/VERSION): the files GET /docs/{asset} serves.
//
//go:embed swaggerui/swagger-ui-bundle.js swaggerui/swagger-ui.css swaggerui/favicon-32x32.png
//go:embed swaggerui/LICENSE swaggerui/NOTICE swaggerui/swagger-ui-bundle.js.LICENSE.txt
var swaggerUI embed.FS

// assetTypes maps each served file to its Content-Type. The licence texts are
// served too: the bundle's first line points readers to its LICENSE.txt.
func assetTypes() map[string]string {
	return map[string]string{
		"swagger-ui-bundle.js":             "text/javascript; charset=utf-8",
		"swagger-ui.css":                   "text/css; charset=utf-8",
		"favicon-32x32.png":                "image/png",
		"LICENSE":                          "text/plain; charset=utf-8",
		"NOTICE":                           "text/plain; charset=utf-8",
		"swagger-ui-bundle.js.LICENSE.txt": "text/plain; charset=utf-8",
	}
}

// asset is one static representation, ready to serve.
type asset struct {
	contentType string
	body        string // as API Gateway wants it: text, or base64 when binary
	binary      bool
	etag        string
	hash        string // the ?v= value the page links the asset with

	gzipETag string    // the ETag of the compressed representation
	gzipOnce sync.Once // compressed on first demand: a cold start must not pay for it
	gzipBody string    // base64 of the gzip-compressed text
	gzipErr  error
}

// loadAssets reads every served file from the embedded Swagger UI.
func loadAssets() (map[string]*asset, error) {
	types := assetTypes()
	assets := make(map[string]*asset, len(types))
	for name, ctype := range types {
		b, err := swaggerUI.ReadFile("swaggerui/" + name)
		if err != nil {
			return nil, fmt.Errorf("apidocs: swagger ui asset: %w", err)
		}
		assets[name] = newAsset(b, ctype)
	}
	return assets, nil
}

// newAsset prepares content of type ctype to be served; only images are binary.
func newAsset(content []byte, ctype string) *asset {
	etag := etagOf(content)
	a := &asset{contentType: ctype, etag: etag, hash: etag[1:13], gzipETag: etag[:len(etag)-1] + `-gzip"`}
	if strings.HasPrefix(ctype, "image/") {
		a.binary, a.body = true, base64.StdEncoding.EncodeToString(content)
	} else {
		a.body = string(content)
	}
	return a
}

// response serves a, gzip-compressed when the client accepts it and a is text,
// or 304 when the client's copy is current. cacheControl depends on the URL a
// was asked for, so the caller chooses it.
func (a *asset) response(req events.APIGatewayV2HTTPRequest, cacheControl string) events.APIGatewayV2HTTPResponse {
	gz := !a.binary && acceptsGzip(req)
	etag := a.etag
	if gz {
		etag = a.gzipETag
	}
	h := map[string]string{"ETag": etag, "Cache-Control": cacheControl}
	if !a.binary {
		h["Vary"] = "Accept-Encoding"
	}
	if notModified(req, etag) {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNotModified, Headers: h}
	}
	h["Content-Type"] = a.contentType
	h["X-Content-Type-Options"] = "nosniff"
	resp := events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Headers: h, Body: a.body, IsBase64Encoded: a.binary}
	if gz {
		body, err := a.gzipped()
		if err != nil { // not expected from an in-memory writer: serve it uncompressed
			h["ETag"] = a.etag
			return resp
		}
		h["Content-Encoding"] = "gzip"
		resp.Body, resp.IsBase64Encoded = body, true
	}
	return resp
}

// gzipped returns a's text gzip-compressed and base64-encoded.
func (a *asset) gzipped() (string, error) {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write([]byte(a.body)); err != nil {
			a.gzipErr = fmt.Errorf("apidocs: gzip: %w", err)
			return
		}
		if err := zw.Close(); err != nil {
			a.gzipErr = fmt.Errorf("apidocs: gzip: %w", err)
			return
		}
		a.gzipBody = base64.StdEncoding.EncodeToString(buf.Bytes())
	})
	return a.gzipBody, a.gzipErr
}
