package auth

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// WhoAmI is the body of GET /whoami: the role the caller's token carries.
type WhoAmI struct {
	Role string `json:"role"`
}

// NewWhoAmI builds GET /whoami (reader), which lets a client check its token.
func NewWhoAmI(_ context.Context, _ function.Deps) (any, error) {
	return apigw.Handle(func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		role, err := Require(req, Reader)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return apigw.JSON(200, WhoAmI{Role: role.String()})
	}, apigw.Accepts{}), nil
}
