package apidocs

import (
	"context"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// NewOpenAPI builds the handler of GET /openapi.json: the OpenAPI document as
// JSON, gzip-compressed when the client accepts it, with an ETag so that
// clients revalidate it for free. The YAML is converted on the first request,
// not at init: the conversion costs more than the rest of a cold start
// (make bench-init), and the tests prove the embedded document converts.
func NewOpenAPI(_ context.Context, _ function.Deps) (any, error) {
	document := sync.OnceValues(func() (*asset, error) {
		doc, err := JSON()
		if err != nil {
			return nil, err
		}
		return newAsset(doc, "application/json; charset=utf-8"), nil
	})
	return apigw.Handle(func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		a, err := document()
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		resp := a.response(req, cacheDocument)
		// A public document: let editors and other Swagger UIs load it.
		resp.Headers["Access-Control-Allow-Origin"] = "*"
		return resp, nil
	}, apigw.Accepts{}), nil
}
