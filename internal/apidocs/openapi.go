package apidocs

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// NewOpenAPI builds the handler of GET /openapi.json: the OpenAPI document as
// JSON, gzip-compressed when the client accepts it, with an ETag so that
// clients revalidate it for free.
func NewOpenAPI(_ context.Context, _ function.Deps) (any, error) {
	doc, err := JSON()
	if err != nil {
		return nil, err
	}
	a := newAsset(doc, "application/json; charset=utf-8")
	return apigw.Handle(func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		resp := a.response(req, cacheDocument)
		// A public document: let editors and other Swagger UIs load it.
		resp.Headers["Access-Control-Allow-Origin"] = "*"
		return resp, nil
	}, apigw.Accepts{}), nil
}
