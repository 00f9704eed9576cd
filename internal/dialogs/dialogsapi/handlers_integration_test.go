package dialogsapi

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// The handlers run against DynamoDB Local (see emutest) on tables created
// from template.yaml, and every answer is checked against openapi.yaml.

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

// routes are the handlers of one fresh pair of tables.
type routes struct {
	push, consent, list, get, remove handler
	small                            handler // GET /data with a 600-byte page budget
}

func newRoutes(t *testing.T) routes {
	t.Helper()
	db, dialogsTable := emutest.Table(t, "DialogsTable")
	_, idemTable := emutest.Table(t, "DialogsIdempotencyTable")
	store := dialogs.NewDynamoStore(db, dialogsTable, 0)
	idem := queue.NewDynamoStore(db, idemTable)
	codec, err := cursor.NewCodec([]byte(strings.Repeat("k", cursor.MinSecretLen)))
	if err != nil {
		t.Fatal(err)
	}
	wrap := apigw.Handle
	return routes{
		push:    wrap(push(store, queue.Idempotent{Store: idem})),
		consent: wrap(consent(store)),
		list:    wrap(list(store, codec, maxPageBytes)),
		small:   wrap(list(store, codec, 600)),
		get:     wrap(get(store)),
		remove:  wrap(remove(store)),
	}
}

// request is one call of a route.
type request struct {
	role    string
	params  map[string]string
	query   string
	body    string
	headers map[string]string
}

func (r request) event(routeKey string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		RouteKey:       routeKey,
		PathParameters: r.params,
		RawQueryString: r.query,
		Body:           r.body,
		Headers:        map[string]string{"content-type": "application/json"},
	}
	for k, v := range r.headers {
		ev.Headers[strings.ToLower(k)] = v
	}
	ev.RequestContext.RouteKey = routeKey
	if r.role != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			Lambda: map[string]any{"role": r.role},
		}
	}
	return ev
}

// do calls h as routeKey, checks the answer against the OpenAPI document and
// its status, and decodes a JSON body into out when out is not nil.
func do(t *testing.T, h handler, routeKey string, r request, status int, out any) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := h(context.Background(), r.event(routeKey))
	if err != nil {
		t.Fatal(err)
	}
	method, path, _ := strings.Cut(routeKey, " ")
	openapitest.ValidateResponse(t, method, path, resp)
	if resp.StatusCode != status {
		t.Fatalf("%s %+v = %d %s, want %d", routeKey, r, resp.StatusCode, resp.Body, status)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
			t.Fatalf("decode %s: %v", resp.Body, err)
		}
	}
	return resp
}

const (
	pushRoute    = "POST /data/{customerId}/{dialogId}"
	consentRoute = "POST /consents/{dialogId}"
	getRoute     = "GET /data/{customerId}/{dialogId}"
	deleteRoute  = "DELETE /data/{customerId}/{dialogId}"
)

func ids(customer, dialog string) map[string]string {
	return map[string]string{"customerId": customer, "dialogId": dialog}
}

func pushReq(customer, dialog, body string) request {
	return request{role: "writer", params: ids(customer, dialog), body: body}
}

func consentReq(dialog, body string) request {
	return request{role: "writer", params: map[string]string{"dialogId": dialog}, body: body}
}

func problemFields(t *testing.T, resp events.APIGatewayV2HTTPResponse) []string {
	t.Helper()
	var p apigw.Problem
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field)
	}
	return fields
}

func TestPush(t *testing.T) {
	r := newRoutes(t)
	var d dialogs.Dialog
	do(t, r.push, pushRoute, pushReq("c1", "d1", `{"text": "hello", "language": "en"}`), 201, &d)
	if d.DialogID != "d1" || d.CustomerID != "c1" || d.Language != "EN" || d.ConsentReceived || len(d.Messages) != 1 || d.Messages[0].Language != "EN" {
		t.Fatalf("dialog = %+v", d)
	}
	do(t, r.push, pushRoute, pushReq("c1", "d1", `{"text": "bye", "language": "DE"}`), 201, &d)
	if len(d.Messages) != 2 || d.Messages[1].Text != "bye" {
		t.Fatalf("dialog after a second push = %+v", d)
	}

	for _, tc := range []struct {
		name   string
		req    request
		status int
		fields []string
	}{
		{"bad ids", pushReq("c 1", strings.Repeat("d", 129), `{"text": "x", "language": "EN"}`), 400, []string{"customerId", "dialogId"}},
		{"missing fields", pushReq("c1", "d2", `{}`), 400, []string{"text", "language"}},
		{"bad language and empty text", pushReq("c1", "d2", `{"text": "", "language": "ENG"}`), 400, []string{"text", "language"}},
		{"text too long", pushReq("c1", "d2", `{"text": "`+strings.Repeat("é", 10_001)+`", "language": "EN"}`), 400, []string{"text"}},
		{"unknown field", pushReq("c1", "d2", `{"text": "x", "language": "EN", "mood": "happy"}`), 400, []string{"mood"}},
		{"text not a string", pushReq("c1", "d2", `{"text": 5, "language": "EN"}`), 400, []string{"text"}},
		{"invalid UTF-8", pushReq("c1", "d2", "{\"text\": \"a\xffb\", \"language\": \"EN\"}"), 400, nil},
		{"over 64 KB", pushReq("c1", "d2", `{"text": "`+strings.Repeat("x", 64<<10)+`", "language": "EN"}`), 413, nil},
		{"not JSON", request{role: "writer", params: ids("c1", "d2"), body: "text=hi", headers: map[string]string{"Content-Type": "text/plain"}}, 415, nil},
		{"no token", request{params: ids("c1", "d2"), body: `{"text": "x", "language": "EN"}`}, 401, nil},
		{"reader", request{role: "reader", params: ids("c1", "d2"), body: `{"text": "x", "language": "EN"}`}, 403, nil},
		{"another customer's dialog", pushReq("c2", "d1", `{"text": "x", "language": "EN"}`), 409, nil},
		{"bad idempotency key", request{role: "writer", params: ids("c1", "d2"), body: `{"text": "x", "language": "EN"}`, headers: map[string]string{"Idempotency-Key": "é"}}, 400, []string{"Idempotency-Key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, r.push, pushRoute, tc.req, tc.status, nil)
			if got := problemFields(t, resp); tc.fields != nil && strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("problem names %v, want %v", got, tc.fields)
			}
		})
	}
	// Nothing of the refused pushes was stored.
	do(t, r.get, getRoute, request{role: "admin", params: ids("c1", "d2")}, 404, nil)
	do(t, r.get, getRoute, request{role: "admin", params: ids("c1", "d1")}, 200, &d)
	if len(d.Messages) != 2 {
		t.Fatalf("refused pushes changed the dialog: %+v", d)
	}
}

func TestPushIdempotencyKey(t *testing.T) {
	r := newRoutes(t)
	req := pushReq("c1", "d1", `{"text": "hello", "language": "EN"}`)
	req.headers = map[string]string{"Idempotency-Key": "msg-1"}
	var d dialogs.Dialog
	for range 3 {
		do(t, r.push, pushRoute, req, 201, &d)
		if len(d.Messages) != 1 {
			t.Fatalf("a retried push was stored again: %+v", d)
		}
	}
	other := req
	other.body = `{"text": "something else", "language": "EN"}`
	do(t, r.push, pushRoute, other, 409, nil)
	req.headers = map[string]string{"Idempotency-Key": "msg-2"}
	do(t, r.push, pushRoute, req, 201, &d)
	if len(d.Messages) != 2 {
		t.Fatalf("a new key was not stored: %+v", d)
	}
	// A replay after the revocation reveals nothing of the erased dialog.
	do(t, r.consent, consentRoute, consentReq("d1", "false"), 204, nil)
	do(t, r.push, pushRoute, req, 410, nil)
}

func TestConsent(t *testing.T) {
	r := newRoutes(t)
	do(t, r.push, pushRoute, pushReq("c1", "d1", `{"text": "hello", "language": "EN"}`), 201, nil)
	do(t, r.push, pushRoute, pushReq("c1", "d2", `{"text": "hello", "language": "EN"}`), 201, nil)

	do(t, r.consent, consentRoute, consentReq("d1", "true"), 204, nil)
	do(t, r.consent, consentRoute, consentReq("d1", ` {"consent": true} `), 204, nil)
	var d dialogs.Dialog
	do(t, r.get, getRoute, request{role: "admin", params: ids("c1", "d1")}, 200, &d)
	if !d.ConsentReceived {
		t.Fatalf("consent not recorded: %+v", d)
	}
	do(t, r.consent, consentRoute, consentReq("d2", `{"consent": false}`), 204, nil)
	do(t, r.consent, consentRoute, consentReq("d2", "false"), 204, nil)
	do(t, r.get, getRoute, request{role: "admin", params: ids("c1", "d2")}, 410, nil)
	do(t, r.push, pushRoute, pushReq("c1", "d2", `{"text": "late", "language": "EN"}`), 410, nil)
	do(t, r.consent, consentRoute, consentReq("d2", "true"), 410, nil)
	do(t, r.consent, consentRoute, consentReq("unknown", "true"), 404, nil)
	do(t, r.consent, consentRoute, consentReq("unknown", "false"), 204, nil)
	do(t, r.push, pushRoute, pushReq("c1", "unknown", `{"text": "late", "language": "EN"}`), 410, nil)

	for _, tc := range []struct {
		body   string
		fields []string
	}{
		{`"yes"`, nil},
		{`1`, nil},
		{`null`, nil},
		{``, nil},
		{`[true]`, nil},
		{`{"consent": "yes"}`, []string{"consent"}},
		{`{}`, []string{"consent"}},
		{`{"consent": true, "why": 1}`, []string{"why"}},
		{`true false`, nil},
	} {
		resp := do(t, r.consent, consentRoute, consentReq("d1", tc.body), 400, nil)
		if got := problemFields(t, resp); tc.fields != nil && strings.Join(got, ",") != strings.Join(tc.fields, ",") {
			t.Errorf("body %s: problem names %v, want %v", tc.body, got, tc.fields)
		}
	}
	do(t, r.consent, consentRoute, request{role: "writer", params: map[string]string{"dialogId": "bad id"}, body: "true"}, 400, nil)
	do(t, r.consent, consentRoute, request{role: "reader", params: map[string]string{"dialogId": "d1"}, body: "true"}, 403, nil)
}

func TestList(t *testing.T) {
	r := newRoutes(t)
	langs := []string{"EN", "DE"}
	for i := range 12 {
		id := "d" + string(rune('a'+i))
		cust := "c" + string(rune('0'+i%3))
		do(t, r.push, pushRoute, pushReq(cust, id, `{"text": "hello", "language": "`+langs[i%2]+`"}`), 201, nil)
		if i != 11 {
			do(t, r.consent, consentRoute, consentReq(id, "true"), 204, nil)
		}
	}
	reader := func(query string) request { return request{role: "reader", query: query} }
	var page struct {
		Items      []dialogs.Dialog `json:"items"`
		NextCursor string           `json:"next_cursor"`
	}
	walk := func(query string) []string {
		var got []string
		q := query
		for range 20 {
			page.NextCursor = ""
			do(t, r.list, "GET /data", reader(q), 200, &page)
			for _, d := range page.Items {
				got = append(got, d.DialogID)
			}
			if page.NextCursor == "" {
				return got
			}
			q = query + "&cursor=" + page.NextCursor
		}
		t.Fatal("the listing never ends")
		return nil
	}
	if got := strings.Join(walk("limit=5"), ","); got != "dk,dj,di,dh,dg,df,de,dd,dc,db,da" {
		t.Fatalf("listing = %s", got)
	}
	if got := strings.Join(walk("language=de&limit=2"), ","); got != "dj,dh,df,dd,db" {
		t.Fatalf("German listing = %s", got)
	}
	if got := strings.Join(walk("customerId=c1&limit=2"), ","); got != "dk,dh,de,db" {
		t.Fatalf("c1's listing = %s", got)
	}
	if got := strings.Join(walk("customer_id=c1&language=EN"), ","); got != "dk,de" {
		t.Fatalf("c1's English listing = %s", got)
	}

	do(t, r.list, "GET /data", reader("limit=2"), 200, &page)
	cur := page.NextCursor
	for _, tc := range []struct {
		name, query string
		fields      []string
	}{
		{"tampered cursor", "cursor=" + cur[:len(cur)-2] + "AA", []string{"cursor"}},
		{"cursor of other filters", "language=EN&cursor=" + cur, []string{"cursor"}},
		{"bad language", "language=english", []string{"language"}},
		{"bad customer", "customerId=a%20b", []string{"customerId"}},
		{"two customers", "customerId=c1&customer_id=c2", []string{"customer_id"}},
		{"language twice", "language=EN&language=DE", []string{"language"}},
		{"limit 0", "limit=0", []string{"limit"}},
		{"limit 101", "limit=101", []string{"limit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, r.list, "GET /data", reader(tc.query), 400, nil)
			if got := problemFields(t, resp); strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("problem names %v, want %v", got, tc.fields)
			}
		})
	}
	do(t, r.list, "GET /data", request{}, 401, nil)
	// A page stops before its JSON outgrows the budget, and the cursor goes on from there.
	var small []string
	q := "limit=5"
	for range 20 {
		page.NextCursor = ""
		do(t, r.small, "GET /data", reader(q), 200, &page)
		if len(page.Items) == 0 || len(page.Items) > 2 {
			t.Fatalf("a 600-byte page holds %d dialogs", len(page.Items))
		}
		for _, d := range page.Items {
			small = append(small, d.DialogID)
		}
		if page.NextCursor == "" {
			break
		}
		q = "limit=5&cursor=" + page.NextCursor
	}
	if got := strings.Join(small, ","); got != "dk,dj,di,dh,dg,df,de,dd,dc,db,da" {
		t.Fatalf("listing in small pages = %s", got)
	}
	// The same customer spelt both ways is one filter.
	do(t, r.list, "GET /data", reader("customerId=c1&customer_id=c1"), 200, nil)
}

func TestGetAndDelete(t *testing.T) {
	r := newRoutes(t)
	do(t, r.push, pushRoute, pushReq("c1", "d1", `{"text": "hello", "language": "EN"}`), 201, nil)
	admin := request{role: "admin", params: ids("c1", "d1")}
	do(t, r.get, getRoute, admin, 200, nil)
	do(t, r.get, getRoute, request{role: "writer", params: ids("c1", "d1")}, 403, nil)
	do(t, r.remove, deleteRoute, request{role: "writer", params: ids("c1", "d1")}, 403, nil)
	do(t, r.get, getRoute, request{role: "admin", params: ids("c2", "d1")}, 404, nil)
	do(t, r.remove, deleteRoute, request{role: "admin", params: ids("c2", "d1")}, 404, nil)
	do(t, r.get, getRoute, request{role: "admin", params: ids("c1", "bad id")}, 400, nil)
	do(t, r.remove, deleteRoute, admin, 204, nil)
	do(t, r.get, getRoute, admin, 404, nil)
	do(t, r.remove, deleteRoute, admin, 404, nil)
	// No tombstone: the dialog id may be used again.
	do(t, r.push, pushRoute, pushReq("c1", "d1", `{"text": "again", "language": "EN"}`), http.StatusCreated, nil)
}

// TestCallsPerRequestAreBounded counts every DynamoDB call a request makes,
// the idempotency records included.
func TestCallsPerRequestAreBounded(t *testing.T) {
	db, dialogsTable := emutest.Table(t, "DialogsTable")
	_, idemTable := emutest.Table(t, "DialogsIdempotencyTable")
	counting := emutest.NewCounting(db)
	store := dialogs.NewDynamoStore(counting, dialogsTable, 0)
	idem := queue.NewDynamoStore(counting, idemTable)
	codec, err := cursor.NewCodec([]byte(strings.Repeat("k", cursor.MinSecretLen)))
	if err != nil {
		t.Fatal(err)
	}
	pushH, listH := apigw.Handle(push(store, queue.Idempotent{Store: idem})), apigw.Handle(list(store, codec, maxPageBytes))
	keyed := func(key string) request {
		r := pushReq("c1", "d1", `{"text": "hello", "language": "EN"}`)
		r.headers = map[string]string{"Idempotency-Key": key}
		return r
	}
	for _, tc := range []struct {
		name string
		max  int
		call func()
	}{
		{"push", 1, func() { do(t, pushH, pushRoute, pushReq("c1", "d0", `{"text": "hi", "language": "EN"}`), 201, nil) }},
		{"push with a key", 3, func() { do(t, pushH, pushRoute, keyed("k1"), 201, nil) }},
		{"retried push", 2, func() { do(t, pushH, pushRoute, keyed("k1"), 201, nil) }},
		{"list page", dialogs.Shards + 1, func() { do(t, listH, "GET /data", request{role: "reader", query: "limit=100"}, 200, nil) }},
	} {
		counting.Reset()
		tc.call()
		counts, total := counting.Counts()
		t.Logf("%s: %d calls %v", tc.name, total, counts)
		if total > tc.max {
			t.Errorf("%s made %d DynamoDB calls %v, want at most %d", tc.name, total, counts, tc.max)
		}
	}
}
