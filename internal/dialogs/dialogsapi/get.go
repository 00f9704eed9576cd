package dialogsapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// NewGet builds GET /data/{customerId}/{dialogId} (admin): one dialog,
// consented or not.
func NewGet(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{}, func(l *config.Loader) (handler, error) {
		return get(storeFromEnv(d, l)), nil
	})
}

// get is the handler of GET /data/{customerId}/{dialogId}.
func get(store dialogs.Store) handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if _, err := auth.Require(req, auth.Admin); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		ids, err := pathIDs(req, "customerId", "dialogId")
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		d, err := store.Get(ctx, ids[0], ids[1])
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, storeError(err, ids[1])
		}
		return apigw.JSON(http.StatusOK, d)
	}
}
