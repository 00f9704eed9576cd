package dialogsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// listRoute scopes the cursors of GET /data.
const listRoute = "GET /data"

// maxPageBytes keeps a page's JSON under Lambda's 6 MB response limit: a page
// of large dialogs ends early, with a next_cursor, rather than fail.
const maxPageBytes = 5 << 20

// listPosition is what a GET /data cursor holds: the sort key of the last dialog sent.
type listPosition struct {
	After string `json:"a"`
}

// NewList builds GET /data (reader): consented dialogs, most recently updated first.
func NewList(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{Query: []string{"language", "customerId", "customer_id", "limit", "cursor"}}, func(l *config.Loader) (handler, error) {
		store := storeFromEnv(d, l)
		codec, err := cursor.FromEnv(d.Env, d.AWS)
		if err != nil {
			return nil, err
		}
		return list(store, codec, maxPageBytes), nil
	})
}

// parseList reads the filters, limit and cursor of GET /data.
func parseList(req events.APIGatewayV2HTTPRequest, codec *cursor.Codec) (dialogs.ListQuery, string, error) {
	q, err := apigw.QueryValues(req)
	if err != nil {
		return dialogs.ListQuery{}, "", err
	}
	var v apigw.Validator
	var lq dialogs.ListQuery
	once := func(name string) string {
		vs := q[name]
		v.Check(len(vs) <= 1, name, "must be given once")
		if len(vs) == 0 {
			return ""
		}
		return vs[0]
	}
	if lang := once("language"); lang != "" {
		norm, ok := dialogs.NormalizeLanguage(lang)
		v.Check(ok, "language", dialogs.LanguageRule)
		lq.Language = norm
	}
	// customerId is the seed's spelling, customer_id the original service's.
	camel, snake := once("customerId"), once("customer_id")
	switch {
	case camel != "" && snake != "" && camel != snake:
		v.Add("customer_id", "differs from customerId; give the customer once")
	case camel != "":
		v.Check(dialogs.ValidID(camel), "customerId", dialogs.IDRule)
		lq.CustomerID = camel
	case snake != "":
		v.Check(dialogs.ValidID(snake), "customer_id", dialogs.IDRule)
		lq.CustomerID = snake
	}
	limit, err := apigw.Limit(req, apigw.DefaultLimit)
	if err != nil {
		return dialogs.ListQuery{}, "", err
	}
	lq.Limit = limit
	token := once("cursor")
	if err := v.Err(); err != nil {
		return dialogs.ListQuery{}, "", err
	}
	scope := cursor.Scope(listRoute, map[string]string{"language": lq.Language, "customer_id": lq.CustomerID})
	if token != "" {
		var pos listPosition
		if err := codec.Decode(token, scope, &pos); err != nil || pos.After == "" {
			if err == nil {
				err = fmt.Errorf("%w: empty position", cursor.ErrInvalid)
			}
			return dialogs.ListQuery{}, "", apigw.InvalidCursor(err)
		}
		lq.After = pos.After
	}
	return lq, scope, nil
}

// list is the handler of GET /data; a page's dialogs take at most budget bytes of JSON.
func list(store dialogs.Store, codec *cursor.Codec, budget int) handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if _, err := auth.Require(req, auth.Reader); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		q, scope, err := parseList(req, codec)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		p, err := store.List(ctx, q)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		page := apigw.Page[dialogs.Dialog]{Items: p.Dialogs}
		more, last := p.More, ""
		if len(p.Keys) > 0 {
			last = p.Keys[len(p.Keys)-1]
		}
		// Keep the page under the response limit, always sending at least one dialog.
		size := 0
		for i, d := range p.Dialogs {
			b, err := json.Marshal(d)
			if err != nil {
				return events.APIGatewayV2HTTPResponse{}, err
			}
			if size += len(b) + 1; size > budget && i > 0 {
				page.Items, more, last = p.Dialogs[:i], true, p.Keys[i-1]
				break
			}
		}
		if more && last != "" {
			if page.NextCursor, err = codec.Encode(scope, listPosition{After: last}); err != nil {
				return events.APIGatewayV2HTTPResponse{}, err
			}
		}
		return apigw.JSON(http.StatusOK, page)
	}
}
