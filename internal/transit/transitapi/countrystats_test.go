package transitapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
	"github.com/mosaic-platform/mosaic/internal/transit"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		query, from, to string
		ok              bool
	}{
		{"from=2024-05-01&to=2024-05-03", "2024-05-01", "2024-05-03", true},
		{"from=2024-05-01&to2024-05-03", "2024-05-01", "2024-05-03", true}, // the seed's spelling
		{"from=2024-05-01&to=2024-05-01", "2024-05-01", "2024-05-01", true},
		{"from=2024-01-01&to=2024-12-31", "2024-01-01", "2024-12-31", true}, // 366 days
		{"from=2023-01-01&to=2024-01-01", "2023-01-01", "2024-01-01", true}, // 366 days inclusive
		{"from=2024-01-01&to=2025-01-01", "", "", false},                    // 367 days
		{"from=2024-05-03&to=2024-05-01", "", "", false},
		{"from=2024-02-30&to=2024-03-01", "", "", false},
		{"from=2024-05-01", "", "", false},
		{"to=2024-05-01", "", "", false},
		{"from=May 1&to=2024-05-01", "", "", false},
	}
	for _, tc := range tests {
		q, _ := url.ParseQuery(tc.query)
		from, to, err := parseRange(q)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.query, err, tc.ok)
			continue
		}
		if tc.ok && (from.Format("2006-01-02") != tc.from || to.Format("2006-01-02") != tc.to) {
			t.Errorf("%s: %v..%v", tc.query, from, to)
		}
	}
}

// TestParseRangeRefusesRepeats checks that from or to given more than once,
// or to given both as to= and as the seed's to<date>, is a 400 naming the
// field rather than one of the values picked silently.
func TestParseRangeRefusesRepeats(t *testing.T) {
	for query, field := range map[string]string{
		"from=2024-05-01&to=2024-05-01&to=2024-05-02":   "to",
		"from=2024-05-01&to=2024-05-01&to=2024-05-01":   "to",
		"from=2024-05-01&to2024-05-01&to=2024-05-03":    "to",
		"from=2024-05-01&to=2024-05-03&to2024-05-01":    "to",
		"from=2024-05-01&to2024-05-01&to2024-05-03":     "to",
		"from=2024-05-01&to2024-05-01&to2024-05-01":     "to",
		"from=2024-05-01&to=&to2024-05-01":              "to",
		"from=2024-05-01&from=2024-05-02&to=2024-05-03": "from",
		"from=2024-05-01&from=2024-05-01&to2024-05-03":  "from",
	} {
		q, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = parseRange(q)
		var p *apigw.Problem
		if !errors.As(err, &p) || p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: %v, want a 400 on %s alone", query, err, field)
			continue
		}
		if !strings.Contains(p.Errors[0].Message, "once") {
			t.Errorf("%s: %q does not say to give %s once", query, p.Errors[0].Message, field)
		}
	}
	// A key that merely starts with "to" is not the seed's to<date>.
	q, _ := url.ParseQuery("from=2024-05-01&to=2024-05-02&topic")
	if _, _, err := parseRange(q); err != nil {
		t.Errorf("to= with an unrelated key: %v", err)
	}
}

// embeddedCatalog is a catalog on a fresh TransitTable of the embedded
// emulator, listing countries.
func embeddedCatalog(t *testing.T, countries ...string) *transit.Catalog {
	db, table := emutest.EmbeddedTable(t, "TransitTable")
	c := transit.NewCatalog(db, table)
	if err := c.AddCountries(context.Background(), countries); err != nil {
		t.Fatal(err)
	}
	return c
}

// getCountryStats calls GET /country-stats on c with query as role, checking
// the answer against the OpenAPI document.
func getCountryStats(t *testing.T, c *transit.Catalog, role, query string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{RouteKey: "GET /country-stats", RawQueryString: query}
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{auth.ContextRole: role}}
	resp, _ := apigw.Handle(countryStats(c))(context.Background(), req)
	openapitest.ValidateResponse(t, "GET", "/country-stats", resp)
	return resp
}

func TestCountryStats(t *testing.T) {
	c := embeddedCatalog(t, "Tuvalu", "Côte d'Ivoire")
	for i, sums := range []transit.Sums{{Records: 2, Passengers: 20, DelayMicros: 2e6, DelayCount: 2, Accidents: 1},
		{Records: 1, Passengers: 15, DelayMicros: 1e6, DelayCount: 1}} {
		if _, err := c.Record(context.Background(), transit.CityDay{Date: "2024-05-01", Country: "Tuvalu", City: fmt.Sprint("City ", i),
			CityID: i, SHA256: "s", Sums: sums}); err != nil {
			t.Fatal(err)
		}
	}
	call := func(role, query string) events.APIGatewayV2HTTPResponse { return getCountryStats(t, c, role, query) }
	resp := call("reader", "from=2024-05-01&to2024-05-02")
	var got transit.CountryStats
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	day := got.Countries["Tuvalu"]["2024-05-01"]
	if day.BusesStarted != 3 || day.Passengers != 35 || !day.Accident || day.AverageDelaySeconds == nil || *day.AverageDelaySeconds != 1 ||
		!day.Ingested || day.CitiesIngested != 2 {
		t.Fatalf("Tuvalu 2024-05-01: %+v", day)
	}
	// Côte d'Ivoire had no city that day, but the day was ingested: zero buses.
	if z := got.Countries["Côte d'Ivoire"]["2024-05-01"]; z.BusesStarted != 0 || z.AverageDelaySeconds != nil || !z.Ingested || z.CitiesIngested != 0 {
		t.Fatalf("ingested day without buses: %+v", z)
	}
	// Nothing was ingested on the 2nd: no data, which the answer says.
	for _, c := range []string{"Tuvalu", "Côte d'Ivoire"} {
		if z := got.Countries[c]["2024-05-02"]; z.BusesStarted != 0 || z.AverageDelaySeconds != nil || z.Ingested || len(got.Countries[c]) != 2 {
			t.Fatalf("day never ingested: %+v", got)
		}
	}
	for query, status := range map[string]int{"from=2024-05-02&to=2024-05-01": 400, "from=x": 400,
		"from=2024-05-01&to=2024-05-01&to=2024-05-02": 400, "from=2024-05-01&to2024-05-01&to=2024-05-03": 400} {
		if r := call("reader", query); r.StatusCode != status {
			t.Errorf("%s: %d", query, r.StatusCode)
		}
	}
	if r := call("", "from=2024-05-01&to=2024-05-01"); r.StatusCode != 401 {
		t.Errorf("no role: %d", r.StatusCode)
	}
}

// FuzzParseRange checks that any query string gives a valid range or a 400, never a panic.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"from=2024-05-01&to=2024-05-03", "from=2024-05-01&to2024-05-03", "from=&to=", "to2024&to"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		from, to, err := parseRange(q)
		if err != nil {
			var p *apigw.Problem
			if !errors.As(err, &p) || p.Status != 400 {
				t.Fatalf("%q: %v is not a 400 problem", raw, err)
			}
			return
		}
		if to.Before(from) || to.Sub(from) > (transit.MaxDays-1)*24*time.Hour {
			t.Fatalf("%q: accepted %v..%v", raw, from, to)
		}
	})
}

// TestCountryStatsRefusesAnAnswerTooLargeForLambda: 200 countries over a year
// would exceed Lambda's 6 MB response; the route says how many days fit.
func TestCountryStatsRefusesAnAnswerTooLargeForLambda(t *testing.T) {
	var names []string
	for i := range 200 {
		names = append(names, fmt.Sprintf("République démocratique n°%03d", i))
	}
	c := embeddedCatalog(t, names...)
	call := func(query string) events.APIGatewayV2HTTPResponse { return getCountryStats(t, c, "reader", query) }
	resp := call("from=2024-01-01&to=2024-12-31")
	var p struct {
		Errors []apigw.FieldError `json:"errors"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &p)
	var most int
	if resp.StatusCode != 400 || len(p.Errors) != 2 || p.Errors[0].Field != "from" || p.Errors[1].Field != "to" ||
		p.Errors[0].Message != p.Errors[1].Message {
		t.Fatalf("a year of 200 countries: %d %s", resp.StatusCode, resp.Body)
	}
	if _, err := fmt.Sscanf(p.Errors[1].Message[strings.LastIndex(p.Errors[1].Message, "at most"):], "at most %d days", &most); err != nil || most < 100 || most > 200 {
		t.Fatalf("at most %d days for 200 countries (%v): %s", most, err, p.Errors[1].Message)
	}
	last := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, most-1).Format(time.DateOnly)
	resp = call("from=2024-01-01&to=" + last)
	if resp.StatusCode != 200 || len(resp.Body) > transit.MaxResponseBytes {
		t.Fatalf("%d days: %d, %d bytes", most, resp.StatusCode, len(resp.Body))
	}
	next := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, most).Format(time.DateOnly)
	if resp = call("from=2024-01-01&to=" + next); resp.StatusCode != 400 {
		t.Fatalf("%d days: %d", most+1, resp.StatusCode)
	}
}
