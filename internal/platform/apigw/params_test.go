package apigw

import (
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestPathParam(t *testing.T) {
	req := events.APIGatewayV2HTTPRequest{PathParameters: map[string]string{"dialogId": "d 1/2"}}
	if v, err := PathParam(req, "dialogId"); err != nil || v != "d 1/2" {
		t.Errorf("PathParam = %q, %v", v, err)
	}
	_, err := PathParam(req, "customerId")
	var p *Problem
	if !errors.As(err, &p) || p.Status != 400 || p.Errors[0].Field != "customerId" {
		t.Errorf("missing path parameter: %v", err)
	}
}

func TestHeader(t *testing.T) {
	req := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"idempotency-key": "k1", "X-Client-Id": "c1"}}
	for name, want := range map[string]string{"Idempotency-Key": "k1", "x-client-id": "c1", "idempotency-key": "k1", "Accept": ""} {
		if got := Header(req, name); got != want {
			t.Errorf("Header(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestQuery(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		params map[string]string
		key    string
		first  string
		all    []string
	}{
		{"plus is space", "query=cat+in+a+park", nil, "query", "cat in a park", []string{"cat in a park"}},
		{"escapes", "message=hello%2C%20world%26more", nil, "message", "hello, world&more", []string{"hello, world&more"}},
		{"repeated keys kept apart", "language=EN&language=DE", map[string]string{"language": "EN,DE"}, "language", "EN", []string{"EN", "DE"}},
		{"value with a comma", "message=a,b", map[string]string{"message": "a,b"}, "message", "a,b", []string{"a,b"}},
		{"absent", "a=1", nil, "b", "", nil},
		{"bad pair skipped", "a=%zz&b=2", nil, "b", "2", []string{"2"}},
		{"no raw query: map", "", map[string]string{"customerId": "c1"}, "customerId", "c1", []string{"c1"}},
		{"nothing", "", nil, "x", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := events.APIGatewayV2HTTPRequest{RawQueryString: tt.raw, QueryStringParameters: tt.params}
			if got := Query(req, tt.key); got != tt.first {
				t.Errorf("Query = %q, want %q", got, tt.first)
			}
			if got := QueryAll(req, tt.key); !reflect.DeepEqual(got, tt.all) {
				t.Errorf("QueryAll = %q, want %q", got, tt.all)
			}
		})
	}
}

func TestQueryValuesMalformed(t *testing.T) {
	_, err := QueryValues(events.APIGatewayV2HTTPRequest{RawQueryString: "a=%zz"})
	var p *Problem
	if !errors.As(err, &p) || p.Status != 400 {
		t.Errorf("QueryValues(malformed) = %v, want a 400", err)
	}
	v, err := QueryValues(events.APIGatewayV2HTTPRequest{RawQueryString: "a=1&a=2&b="})
	if err != nil || !reflect.DeepEqual(v["a"], []string{"1", "2"}) || v.Get("b") != "" {
		t.Errorf("QueryValues = %v, %v", v, err)
	}
}

func TestLimit(t *testing.T) {
	tests := []struct {
		raw   string
		want  int
		valid bool
	}{
		{"", 20, true},
		{"limit=", 20, true},
		{"cursor=x", 20, true},
		{"limit=1", 1, true},
		{"limit=100", 100, true},
		{"limit=37&cursor=abc", 37, true},
		{"limit=0", 0, false},
		{"limit=101", 0, false},
		{"limit=-5", 0, false},
		{"limit=ten", 0, false},
		{"limit=1.5", 0, false},
		{"limit=99999999999999999999", 0, false},
		{"limit=5&limit=6", 0, false},
		{"limit=%zz", 0, false},
	}
	for _, tt := range tests {
		got, err := Limit(events.APIGatewayV2HTTPRequest{RawQueryString: tt.raw}, DefaultLimit)
		if tt.valid {
			if err != nil || got != tt.want {
				t.Errorf("Limit(%q) = %d, %v; want %d", tt.raw, got, err, tt.want)
			}
			continue
		}
		var p *Problem
		if !errors.As(err, &p) || p.Status != 400 {
			t.Errorf("Limit(%q) = %d, %v; want a 400", tt.raw, got, err)
		}
	}
	if n, err := Limit(events.APIGatewayV2HTTPRequest{}, 10); n != 10 || err != nil {
		t.Errorf("Limit default = %d, %v", n, err)
	}
	if n, err := Limit(events.APIGatewayV2HTTPRequest{QueryStringParameters: map[string]string{"limit": "5"}}, DefaultLimit); n != 5 || err != nil {
		t.Errorf("Limit from the parameter map = %d, %v", n, err)
	}
}
