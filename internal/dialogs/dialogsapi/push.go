package dialogsapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// IdempotencyHeader makes a retried push be stored once.
const IdempotencyHeader = "Idempotency-Key"

// maxIdempotencyKey is the longest Idempotency-Key accepted, in bytes.
const maxIdempotencyKey = 255

// retryAfterInProgress is what a client waits when the same push is still running.
const retryAfterInProgress = time.Second

// pushBody is the body of POST /data/{customerId}/{dialogId}.
type pushBody struct {
	Text     *string `json:"text"`
	Language *string `json:"language"`
}

// NewPush builds POST /data/{customerId}/{dialogId} (writer): append one
// message to a dialog, creating it (consent pending) on first write.
func NewPush(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{Body: true}, func(l *config.Loader) (handler, error) {
		store := storeFromEnv(d, l)
		idem := queue.NewDynamoStore(awsclients.DynamoDB(d.AWS), l.String("IDEMPOTENCY_TABLE"))
		return push(store, queue.Idempotent{Store: idem}), nil
	})
}

// parsePush reads and checks a push: the ids, the message and the idempotency key.
func parsePush(req events.APIGatewayV2HTTPRequest) (customerID, dialogID string, m dialogs.Message, key string, err error) {
	var v apigw.Validator
	customerID, dialogID = req.PathParameters["customerId"], req.PathParameters["dialogId"]
	v.Check(dialogs.ValidID(customerID), "customerId", dialogs.IDRule)
	v.Check(dialogs.ValidID(dialogID), "dialogId", dialogs.IDRule)
	key = apigw.Header(req, IdempotencyHeader)
	if _, given := headerPresent(req, IdempotencyHeader); given {
		v.Check(validKey(key), IdempotencyHeader, "must be 1 to 255 printable ASCII characters")
	}
	var b pushBody
	if err := v.DecodeJSON(req, &b, dialogs.MaxBodyBytes); err != nil {
		return "", "", m, "", err
	}
	if v.Check(b.Text != nil, "text", "is required") {
		if msg := dialogs.CheckText(*b.Text); msg != "" {
			v.Add("text", msg)
		}
	}
	if v.Check(b.Language != nil, "language", "is required") {
		lang, ok := dialogs.NormalizeLanguage(*b.Language)
		if v.Check(ok, "language", dialogs.LanguageRule) {
			m.Language = lang
		}
	}
	if err := v.Err(); err != nil {
		return "", "", m, "", err
	}
	m.Text = *b.Text
	return customerID, dialogID, m, key, nil
}

func headerPresent(req events.APIGatewayV2HTTPRequest, name string) (string, bool) {
	for k, v := range req.Headers {
		if http.CanonicalHeaderKey(k) == http.CanonicalHeaderKey(name) {
			return v, true
		}
	}
	return "", false
}

func validKey(k string) bool {
	if len(k) == 0 || len(k) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// push is the handler of POST /data/{customerId}/{dialogId}.
func push(store dialogs.Store, idem queue.Idempotent) handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if _, err := auth.Require(req, auth.Writer); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		customerID, dialogID, m, key, err := parsePush(req)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		if key == "" {
			d, err := store.Append(ctx, customerID, dialogID, m, "")
			if err != nil {
				return events.APIGatewayV2HTTPResponse{}, storeError(err, dialogID)
			}
			return apigw.JSON(http.StatusCreated, d)
		}
		// The idempotency record keeps no copy of the dialog (a revocation must
		// erase every copy): a replay answers with the dialog as it is now. The
		// store's own dedup key makes a second run after a lost record harmless.
		fp := sha256.Sum256([]byte(m.Language + "\x00" + m.Text))
		var d dialogs.Dialog
		_, replayed, err := idem.Do(ctx, "dialogs/data/"+customerID+"/"+dialogID+"/"+key, hex.EncodeToString(fp[:]),
			func(ctx context.Context) ([]byte, error) {
				var err error
				d, err = store.Append(ctx, customerID, dialogID, m, key)
				return nil, err
			})
		switch {
		case errors.Is(err, queue.ErrKeyReused):
			return events.APIGatewayV2HTTPResponse{}, apigw.Conflict(
				"the Idempotency-Key was first used for a different message to this dialog; use a new key for a new message")
		case errors.Is(err, queue.ErrInProgress):
			p := apigw.Conflict("a push with this Idempotency-Key is in progress; retry after the Retry-After seconds")
			p.RetryAfter = retryAfterInProgress
			return events.APIGatewayV2HTTPResponse{}, p
		case err != nil:
			return events.APIGatewayV2HTTPResponse{}, storeError(err, dialogID)
		case replayed:
			if d, err = store.Get(ctx, customerID, dialogID); err != nil {
				return events.APIGatewayV2HTTPResponse{}, storeError(err, dialogID)
			}
		}
		return apigw.JSON(http.StatusCreated, d)
	}
}
