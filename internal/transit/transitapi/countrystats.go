package transitapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/access"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit"
)

// CountryStatsAccess is what NewCountryStats's handler calls on AWS: one
// BatchGetItem of the range's months, and one Query for the country list.
// template.yaml grants exactly this (infra/iamcheck).
var CountryStatsAccess = access.List{access.On("TransitTable", "dynamodb:BatchGetItem", "dynamodb:Query")}

// NewCountryStats builds GET /country-stats?from=&to= (reader).
func NewCountryStats(_ context.Context, d function.Deps) (any, error) {
	e := newEnv(d)
	if err := e.Err(); err != nil {
		return nil, err
	}
	return apigw.Handle(countryStats(e.catalog()), apigw.Accepts{Query: []string{"from", "to"}, QueryRule: func(name string, vals []string) bool {
		rest, ok := strings.CutPrefix(name, "to") // the seed's &to<date>
		return ok && misspeltTo(rest, vals)
	}}), nil
}

// countryStats answers GET /country-stats.
func countryStats(c *transit.Catalog) apigw.HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if _, err := auth.Require(req, auth.Reader); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		q, err := apigw.QueryValues(req)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		from, to, err := parseRange(q)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		resp, err := c.CountryStats(ctx, from, to)
		var tooLarge *transit.TooLargeError
		if errors.As(err, &tooLarge) {
			err = apigw.Validation(apigw.FieldError{Field: "from", Message: tooLarge.Msg}, apigw.FieldError{Field: "to", Message: tooLarge.Msg})
		}
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return apigw.JSON(http.StatusOK, resp)
	}
}

// parseRange reads from and to: real dates, from ≤ to, at most transit.MaxDays days,
// each given once. The seed's misspelt form `&to2024-05-03` (no "=") is
// accepted for to; given with to=, or twice, it is a 400 like to= twice.
func parseRange(q url.Values) (from, to time.Time, err error) {
	var v apigw.Validator
	// once returns the single value of field (which may come from several
	// keys: to= and the misspelt to<date>), or "" after recording a 400 when
	// it was given more than once.
	once := func(field string, vs []string) string {
		if !v.Check(len(vs) <= 1, field, "must be given once") || len(vs) == 0 {
			return ""
		}
		return vs[0]
	}
	tos := append([]string(nil), q["to"]...)
	for k, vals := range q {
		if rest, ok := strings.CutPrefix(k, "to"); ok && misspeltTo(rest, vals) {
			for range vals {
				tos = append(tos, rest)
			}
		}
	}
	date := func(field, s string) time.Time {
		if v.Has(field) {
			return time.Time{}
		}
		if s == "" {
			v.Add(field, "is required, as YYYY-MM-DD")
			return time.Time{}
		}
		d, err := time.Parse(time.DateOnly, s)
		v.Check(err == nil, field, fmt.Sprintf("%q is not a real date in the form YYYY-MM-DD", s))
		return d
	}
	from, to = date("from", once("from", q["from"])), date("to", once("to", tos))
	if v.Valid() {
		switch days := int(to.Sub(from).Hours()/24) + 1; {
		case to.Before(from):
			v.Add("to", "is before from")
		case days > transit.MaxDays:
			v.Add("to", fmt.Sprintf("the range is %d days; ask for at most %d per call", days, transit.MaxDays))
		}
	}
	if err := v.Err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return from, to, nil
}

// misspeltTo reports whether the query key "to"+rest, with values vals, is
// the seed's `&to2024-05-03`: something date-like after "to", and no "=value".
func misspeltTo(rest string, vals []string) bool {
	if rest == "" || rest[0] < '0' || rest[0] > '9' {
		return false
	}
	for _, s := range vals {
		if s != "" {
			return false
		}
	}
	return true
}
