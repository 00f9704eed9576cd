package dialogsapi

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// NewDelete builds DELETE /data/{customerId}/{dialogId} (admin): remove a
// dialog. Unlike a revoked consent it leaves no tombstone, so the chatbot may
// push to the same dialog id again.
func NewDelete(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{}, func(l *config.Loader) (handler, error) {
		return remove(storeFromEnv(d, l)), nil
	})
}

// remove is the handler of DELETE /data/{customerId}/{dialogId}.
func remove(store dialogs.Store) handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if _, err := auth.Require(req, auth.Admin); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		ids, err := pathIDs(req, "customerId", "dialogId")
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		if err := store.Delete(ctx, ids[0], ids[1]); err != nil {
			return events.APIGatewayV2HTTPResponse{}, storeError(err, ids[1])
		}
		return apigw.NoContent()
	}
}
