package stickersapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
)

func request(path, rawQuery string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{RouteKey: "GET " + path, RawPath: path, RawQueryString: rawQuery}
}

func TestCounter(t *testing.T) {
	h, err := NewCounter(context.Background(), function.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	handle := h.(apigw.HandlerFunc)
	big := "1" + strings.Repeat("0", 1000)
	for _, tc := range []struct {
		name, query string
		status      int
		count       string // the raw JSON of count
		badFields   []string
	}{
		{"seed example", "digit=7&n=1000", 200, "300", nil},
		{"default digit", "n=1000", 200, "300", nil},
		{"numbers", "digit=7&n=1000&count=numbers", 200, "271", nil},
		{"digit zero", "digit=0&n=1000", 200, "192", nil},
		{"digit zero numbers", "digit=0&n=100&count=numbers", 200, "10", nil},
		{"leading zeros in n", "digit=1&n=0010", 200, "2", nil},
		{"n zero", "n=0", 200, "0", nil},
		{"largest safe integer stays a number", "digit=1&n=999999999999999", 200, "1500000000000000", nil},
		{"beyond 2^53 is a string", "digit=1&n=" + big, 200, `"1` + strings.Repeat("0", 1001) + `1"`, nil},
		{"missing n", "digit=7", 400, "", []string{"n"}},
		{"negative n", "n=-5", 400, "", []string{"n"}},
		{"n not a number", "n=abc&digit=12&count=x", 400, "", []string{"digit", "n", "count"}},
		{"repeated digit", "n=5&digit=1&digit=2", 400, "", []string{"digit"}},
		{"malformed query", "n=%zz", 400, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/counter/", "/api/counter"} {
				resp, err := handle(context.Background(), request(path, tc.query))
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tc.status {
					t.Fatalf("%s: status %d, want %d: %s", path, resp.StatusCode, tc.status, resp.Body)
				}
				openapitest.ValidateResponse(t, "GET", path, resp)
				if tc.status == 200 {
					var got map[string]json.RawMessage
					if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
						t.Fatal(err)
					}
					if string(got["count"]) != tc.count || string(got["answer"]) != tc.count {
						t.Fatalf("count = %s, answer = %s, want %s", got["count"], got["answer"], tc.count)
					}
					continue
				}
				var p struct {
					Errors []struct{ Field string } `json:"errors"`
				}
				_ = json.Unmarshal([]byte(resp.Body), &p)
				var fields []string
				for _, e := range p.Errors {
					fields = append(fields, e.Field)
				}
				if strings.Join(fields, ",") != strings.Join(tc.badFields, ",") {
					t.Fatalf("bad fields %v, want %v: %s", fields, tc.badFields, resp.Body)
				}
			}
		})
	}
}

func FuzzCounterQuery(f *testing.F) {
	for _, q := range []string{"digit=7&n=1000", "n=0", "n=%zz", "digit=&n=", "count=numbers&n=99999999999999999999", "n=1&n=2"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		a, err := countDigits(request("/api/counter/", q))
		if err != nil {
			var p *apigw.Problem
			if !errors.As(err, &p) || p.Status != 400 {
				t.Fatalf("query %q: non-problem error %v", q, err)
			}
			return
		}
		v, perr := url.ParseQuery(q)
		if perr != nil || v.Get("n") == "" {
			t.Fatalf("query %q accepted without a well-formed n", q)
		}
		if a.Digit < 0 || a.Digit > 9 || len(a.Count) == 0 {
			t.Fatalf("query %q: answer %+v", q, a)
		}
	})
}
