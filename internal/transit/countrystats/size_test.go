package countrystats

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
	"github.com/mosaic-platform/mosaic/internal/transit/catalog"
)

// manyCountries is a catalog of n countries and no data.
type manyCountries int

func (n manyCountries) Days(context.Context, string, string) ([]catalog.CountryDay, error) {
	return nil, nil
}
func (n manyCountries) Countries(context.Context) ([]string, error) {
	var names []string
	for i := range int(n) {
		names = append(names, fmt.Sprintf("République démocratique n°%03d", i))
	}
	return names, nil
}

// TestResponseBoundHolds: the bound is never below the real encoding, even
// with every count at its largest, and a range past it is refused.
func TestResponseBoundHolds(t *testing.T) {
	list, _ := manyCountries(7).Countries(context.Background())
	avg := 1.2345678901234567e-308
	worst := DayStats{BusesStarted: math.MaxInt64, Passengers: math.MaxInt64, AverageDelaySeconds: &avg, CitiesIngested: math.MaxInt32}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, days := range []int{1, 31, 366} {
		r := Response{From: "2024-01-01", To: from.AddDate(0, 0, days-1).Format(time.DateOnly), Countries: map[string]map[string]DayStats{}}
		for _, n := range list {
			r.Countries[n] = map[string]DayStats{}
			for d := range days {
				r.Countries[n][from.AddDate(0, 0, d).Format(time.DateOnly)] = worst
			}
		}
		b, _ := json.Marshal(r)
		if bound := responseBound(list, days); len(b) > bound || bound-len(b) > 8 {
			t.Errorf("%d days: encoded %d bytes, bound %d", days, len(b), bound)
		}
	}
}

// TestCountryStatsRefusesAnAnswerTooLargeForLambda: 200 countries over a year
// would exceed Lambda's 6 MB response; the route says how many days fit.
func TestCountryStatsRefusesAnAnswerTooLargeForLambda(t *testing.T) {
	s := &Service{Store: manyCountries(200)}
	h := apigw.Handle(s.Handle)
	call := func(query string) events.APIGatewayV2HTTPResponse {
		req := events.APIGatewayV2HTTPRequest{RouteKey: "GET /country-stats", RawQueryString: query}
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{auth.ContextRole: "reader"}}
		resp, _ := h(context.Background(), req)
		openapitest.ValidateResponse(t, "GET", "/country-stats", resp)
		return resp
	}
	names, _ := manyCountries(200).Countries(context.Background())
	most := maxDaysFor(names)
	if most < 100 || most > 200 {
		t.Fatalf("at most %d days for 200 countries", most)
	}
	resp := call("from=2024-01-01&to=2024-12-31")
	var p struct {
		Errors []apigw.FieldError `json:"errors"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &p)
	if resp.StatusCode != 400 || len(p.Errors) != 2 || p.Errors[0].Field != "from" || p.Errors[1].Field != "to" ||
		!strings.Contains(p.Errors[1].Message, fmt.Sprintf("at most %d days", most)) {
		t.Fatalf("a year of 200 countries: %d %s", resp.StatusCode, resp.Body)
	}
	last := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, most-1).Format(time.DateOnly)
	resp = call("from=2024-01-01&to=" + last)
	if resp.StatusCode != 200 || len(resp.Body) > MaxResponseBytes {
		t.Fatalf("%d days: %d, %d bytes", most, resp.StatusCode, len(resp.Body))
	}
	next := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, most).Format(time.DateOnly)
	if resp = call("from=2024-01-01&to=" + next); resp.StatusCode != 400 {
		t.Fatalf("%d days: %d", most+1, resp.StatusCode)
	}
}
