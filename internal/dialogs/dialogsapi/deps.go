// Package dialogsapi holds the HTTP handlers of the Dialogs service, one file
// per route, and the constructors that wire them from a function's
// environment: DIALOGS_TABLE (required), DIALOG_TTL (default 7d),
// IDEMPOTENCY_TABLE (POST /data) and CURSOR_SECRET (GET /data).
package dialogsapi

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// storeFromEnv builds the DynamoDB store the function's environment names.
func storeFromEnv(d function.Deps, l *config.Loader) *dialogs.DynamoStore {
	table := l.String("DIALOGS_TABLE")
	ttl := l.DurationOr("DIALOG_TTL", dialogs.DefaultDialogTTL)
	return dialogs.NewDynamoStore(awsclients.DynamoDB(d.AWS), table, ttl)
}

// handler is a route's handler once built.
type handler = apigw.HandlerFunc

// pathIDs reads and checks the path parameters named, in order.
func pathIDs(req events.APIGatewayV2HTTPRequest, names ...string) ([]string, error) {
	var v apigw.Validator
	ids := make([]string, len(names))
	for i, n := range names {
		ids[i] = req.PathParameters[n]
		v.Check(dialogs.ValidID(ids[i]), n, dialogs.IDRule)
	}
	return ids, v.Err()
}

// storeError maps a Store error to its problem; other errors pass unchanged (a 500).
func storeError(err error, dialogID string) error {
	switch {
	case errors.Is(err, dialogs.ErrNotFound):
		return apigw.NotFound(fmt.Sprintf("there is no dialog %q for this customer", dialogID))
	case errors.Is(err, dialogs.ErrRevoked):
		return apigw.Gone(fmt.Sprintf("consent for dialog %q was revoked: its data was erased and no more is accepted", dialogID))
	case errors.Is(err, dialogs.ErrOtherCustomer):
		return apigw.Conflict(fmt.Sprintf("dialog %q belongs to another customer", dialogID))
	case errors.Is(err, dialogs.ErrContended):
		return apigw.ServiceUnavailable(fmt.Sprintf("dialog %q is being changed by many writers at once; retry (with the same Idempotency-Key)", dialogID), time.Second)
	case errors.Is(err, dialogs.ErrFull):
		return apigw.Conflict(fmt.Sprintf("dialog %q is full: its messages take %d bytes, counting 64 per message, the most a dialog holds; start a new dialog", dialogID, dialogs.MaxDialogBytes))
	}
	return err
}
