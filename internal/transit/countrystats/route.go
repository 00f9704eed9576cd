package countrystats

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/transit/catalog"
)

// New builds GET /country-stats?from=&to= (reader).
func New(_ context.Context, d function.Deps) (any, error) {
	l := config.New(d.Env)
	table, bucket := l.String("TRANSIT_TABLE"), l.String("TRANSIT_BUCKET")
	if err := l.Err(); err != nil {
		return nil, err
	}
	s := &Service{Catalog: catalog.New(awsclients.DynamoDB(d.AWS), table),
		Objects: NewS3Objects(awsclients.S3(d.AWS), bucket)}
	return apigw.Handle(s.Handle), nil
}

// Handle answers GET /country-stats.
func (s *Service) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if _, err := auth.Require(req, auth.Reader); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	q, err := apigw.QueryValues(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	from, to, err := ParseRange(q)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp, err := s.Query(ctx, from, to)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(http.StatusOK, resp)
}

// ParseRange reads from and to: real dates, from ≤ to, at most MaxDays days.
// The seed's misspelt form `&to2024-05-03` (no "=") is accepted for to.
func ParseRange(q url.Values) (from, to time.Time, err error) {
	toText := q.Get("to")
	if _, ok := q["to"]; !ok {
		for k, v := range q {
			if rest, ok := strings.CutPrefix(k, "to"); ok && rest != "" && len(v) == 1 && v[0] == "" {
				toText = rest
			}
		}
	}
	var errs []apigw.FieldError
	date := func(field, v string) time.Time {
		if v == "" {
			errs = append(errs, apigw.FieldError{Field: field, Message: "is required, as YYYY-MM-DD"})
			return time.Time{}
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs = append(errs, apigw.FieldError{Field: field, Message: fmt.Sprintf("%q is not a real date in the form YYYY-MM-DD", v)})
		}
		return d
	}
	from, to = date("from", q.Get("from")), date("to", toText)
	if len(errs) == 0 {
		switch days := int(to.Sub(from).Hours()/24) + 1; {
		case to.Before(from):
			errs = append(errs, apigw.FieldError{Field: "to", Message: "is before from"})
		case days > MaxDays:
			errs = append(errs, apigw.FieldError{Field: "to", Message: fmt.Sprintf("the range is %d days; ask for at most %d per call", days, MaxDays)})
		}
	}
	if len(errs) > 0 {
		return time.Time{}, time.Time{}, apigw.Validation(errs...)
	}
	return from, to, nil
}
