package dialogsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// maxConsentBody is the largest consent body read: a boolean in a small object.
const maxConsentBody = 1 << 10

// consentBody is the body of POST /consents/{dialogId}: a bare JSON boolean,
// as the original service took it, or {"consent": true}.
type consentBody struct{ Consent bool }

// UnmarshalJSON accepts true, false and {"consent": true|false}.
func (c *consentBody) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "true", "false":
		c.Consent = string(b) == "true"
		return nil
	}
	if len(b) == 0 || b[0] != '{' {
		return apigw.BadRequest(`request body must be true, false or {"consent": true|false}`)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return apigw.BadRequest(`request body must be true, false or {"consent": true|false}`)
	}
	var v apigw.Validator
	for k := range raw {
		v.Check(k == "consent", k, "is not an accepted field")
	}
	if v.Check(raw["consent"] != nil, "consent", "is required") {
		switch string(bytes.TrimSpace(raw["consent"])) {
		case "true":
			c.Consent = true
		case "false":
			c.Consent = false
		default:
			v.Add("consent", "must be true or false")
		}
	}
	return v.Err()
}

// parseConsent reads the dialog id and the consent of a request.
func parseConsent(req events.APIGatewayV2HTTPRequest) (string, bool, error) {
	ids, err := pathIDs(req, "dialogId")
	if err != nil {
		return "", false, err
	}
	var c consentBody
	if err := apigw.DecodeJSON(req, &c, maxConsentBody); err != nil {
		return "", false, err
	}
	return ids[0], c.Consent, nil
}

// NewConsent builds POST /consents/{dialogId} (writer): true makes the dialog
// listable; false erases it at once and refuses its later pushes.
func NewConsent(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{Body: true}, func(l *config.Loader) (handler, error) {
		return consent(storeFromEnv(d, l)), nil
	})
}

// consent is the handler of POST /consents/{dialogId}.
func consent(store dialogs.Store) handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if _, err := auth.Require(req, auth.Writer); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		dialogID, given, err := parseConsent(req)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		if err := store.Consent(ctx, dialogID, given); err != nil {
			if errors.Is(err, dialogs.ErrNotFound) {
				return events.APIGatewayV2HTTPResponse{}, apigw.NotFound("there is no dialog " + dialogID + " to consent to (it was never pushed, or expired unconsented)")
			}
			return events.APIGatewayV2HTTPResponse{}, storeError(err, dialogID)
		}
		return apigw.NoContent()
	}
}
