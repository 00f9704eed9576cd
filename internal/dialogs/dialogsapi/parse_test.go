package dialogsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// isProblem reports whether err is a 4xx problem, the only failure bad input may cause.
func isProblem(err error) bool {
	var p *apigw.Problem
	return errors.As(err, &p) && p.Status >= 400 && p.Status < 500
}

func TestParseConsent(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
		ok   bool
	}{
		{"true", true, true},
		{" false\n", false, true},
		{`{"consent": true}`, true, true},
		{`{"consent":false}`, false, true},
		{`"true"`, false, false},
		{`{"consent": 1}`, false, false},
		{`{"consent": null}`, false, false},
		{`{"Consent": true}`, false, false},
		{`{}`, false, false},
		{`tru`, false, false},
	} {
		req := events.APIGatewayV2HTTPRequest{PathParameters: map[string]string{"dialogId": "d1"}, Body: tc.body}
		id, got, err := parseConsent(req)
		switch {
		case tc.ok && (err != nil || got != tc.want || id != "d1"):
			t.Errorf("parseConsent(%s) = %v, %v; want %v", tc.body, got, err, tc.want)
		case !tc.ok && !isProblem(err):
			t.Errorf("parseConsent(%s) = %v, %v; want a 4xx problem", tc.body, got, err)
		}
	}
}

// FuzzParseConsent: any body is either a boolean consent or a 4xx problem.
func FuzzParseConsent(f *testing.F) {
	for _, s := range []string{"true", "false", `{"consent": true}`, `{"consent": "x"}`, `{"a":1,"consent":false}`, "null", "[]", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := events.APIGatewayV2HTTPRequest{PathParameters: map[string]string{"dialogId": "d1"}, Body: body}
		if _, _, err := parseConsent(req); err != nil && !isProblem(err) {
			t.Fatalf("parseConsent(%q) = %v, not a 4xx problem", body, err)
		}
	})
}

// FuzzParsePush: any body and ids give a valid message or a 4xx problem.
func FuzzParsePush(f *testing.F) {
	f.Add("c1", "d1", `{"text": "hello", "language": "en"}`, "")
	f.Add("c 1", "", `{"text": "", "language": "ENG"}`, "k")
	f.Add("c1", "d1", `{"text": 1}`, "\x00")
	f.Fuzz(func(t *testing.T, customer, dialog, body, key string) {
		req := events.APIGatewayV2HTTPRequest{
			PathParameters: map[string]string{"customerId": customer, "dialogId": dialog},
			Headers:        map[string]string{"idempotency-key": key},
			Body:           body,
		}
		c, d, m, k, err := parsePush(req)
		if err != nil {
			if !isProblem(err) {
				t.Fatalf("parsePush = %v, not a 4xx problem", err)
			}
			return
		}
		if !dialogs.ValidID(c) || !dialogs.ValidID(d) || dialogs.CheckText(m.Text) != "" || !validKey(k) && k != "" {
			t.Fatalf("parsePush accepted %q %q %+v %q", c, d, m, k)
		}
		if lang, ok := dialogs.NormalizeLanguage(m.Language); !ok || lang != m.Language {
			t.Fatalf("parsePush accepted language %q", m.Language)
		}
	})
}

// FuzzParseList: any query string gives a query or a 4xx problem.
func FuzzParseList(f *testing.F) {
	codec, err := cursor.NewCodec([]byte(strings.Repeat("k", cursor.MinSecretLen)))
	if err != nil {
		f.Fatal(err)
	}
	tok, _ := codec.Encode(cursor.Scope(listRoute, map[string]string{"language": "EN"}), listPosition{After: "x"})
	for _, s := range []string{"", "language=en", "customerId=c1&customer_id=c1", "limit=5&cursor=" + tok, "language=EN&cursor=" + tok, "%zz", "cursor="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		q, _, err := parseList(events.APIGatewayV2HTTPRequest{RawQueryString: query}, codec)
		if err != nil {
			if !isProblem(err) {
				t.Fatalf("parseList(%q) = %v, not a 4xx problem", query, err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > apigw.MaxLimit || q.CustomerID != "" && !dialogs.ValidID(q.CustomerID) {
			t.Fatalf("parseList(%q) = %+v", query, q)
		}
	})
}

func TestConstructorsNameMissingConfiguration(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		build function.Constructor
		want  []string
	}{
		{"push", NewPush, []string{"DIALOGS_TABLE", "IDEMPOTENCY_TABLE"}},
		{"consent", NewConsent, []string{"DIALOGS_TABLE"}},
		{"list", NewList, []string{"CURSOR_SECRET"}},
		{"get", NewGet, []string{"DIALOGS_TABLE"}},
		{"delete", NewDelete, []string{"DIALOGS_TABLE"}},
	} {
		_, err := tc.build(ctx, function.Deps{Env: config.Map(map[string]string{"DIALOG_TTL": "7d"})})
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s without configuration: %v, want it to name %s", tc.name, err, w)
			}
		}
		env := config.Map(map[string]string{
			"DIALOGS_TABLE": "d", "IDEMPOTENCY_TABLE": "i", "CURSOR_SECRET": strings.Repeat("s", 32), "DIALOG_TTL": "12h",
		})
		if _, err := tc.build(ctx, function.Deps{Env: env}); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	bad := config.Map(map[string]string{"DIALOGS_TABLE": "d", "IDEMPOTENCY_TABLE": "i", "DIALOG_TTL": "soon"})
	if _, err := NewPush(ctx, function.Deps{Env: bad}); err == nil || !strings.Contains(err.Error(), "DIALOG_TTL") {
		t.Errorf("a bad DIALOG_TTL: %v", err)
	}
}

func TestStoreErrorStatuses(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{dialogs.ErrNotFound, 404},
		{dialogs.ErrRevoked, 410},
		{dialogs.ErrOtherCustomer, 409},
		{dialogs.ErrFull, 409},
		{fmt.Errorf("append to %q: %w", "d", dialogs.ErrContended), 503},
	} {
		var p *apigw.Problem
		if !errors.As(storeError(tc.err, "d"), &p) || p.Status != tc.status {
			t.Errorf("storeError(%v) = %v, want a %d problem", tc.err, p, tc.status)
		}
		if tc.status == 503 && p.RetryAfter <= 0 {
			t.Errorf("503 without Retry-After")
		}
	}
}
