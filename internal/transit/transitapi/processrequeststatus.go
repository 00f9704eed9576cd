package transitapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/access"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit"
)

// ProcessRequestStatusAccess is what NewProcessRequestStatus's handler calls
// on AWS; template.yaml grants exactly this (infra/iamcheck).
var ProcessRequestStatusAccess = access.List{access.On("TransitTable", "dynamodb:Query")}

// NewProcessRequestStatus builds GET /process-request/{task_id} (reader).
func NewProcessRequestStatus(_ context.Context, d function.Deps) (any, error) {
	e := newEnv(d)
	if err := e.Err(); err != nil {
		return nil, err
	}
	return apigw.Handle(processRequestStatus(e.tasks(nil)), apigw.Accepts{}), nil
}

// processRequestStatus reports a task's progress.
func processRequestStatus(store transit.TaskStore) apigw.HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if _, err := auth.Require(req, auth.Reader); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		id, err := apigw.PathParam(req, "task_id")
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		t, cities, err := store.Get(ctx, id)
		if errors.Is(err, transit.ErrNotFound) {
			return events.APIGatewayV2HTTPResponse{}, apigw.NotFound("no task " + id)
		}
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return apigw.JSON(http.StatusOK, transit.NewReport(t, cities))
	}
}
