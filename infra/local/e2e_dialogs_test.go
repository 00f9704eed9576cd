package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDialogsEndToEnd drives the Dialogs service through make run's server
// with the dev tokens: push, consent, list, revoke, admin get and delete.
func TestDialogsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	s := startServer(t, buildServer(t), t.TempDir())
	defer s.stop(t)
	const writer, reader, admin = "Bearer dev-writer", "Bearer dev-reader", "Bearer dev-admin"
	push := func(customer, dialog, text, lang string, headers ...string) response {
		t.Helper()
		req, _ := http.NewRequest("POST", s.url+"/data/"+customer+"/"+dialog,
			strings.NewReader(fmt.Sprintf(`{"text": %q, "language": %q}`, text, lang)))
		req.Header.Set("Authorization", writer)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		r := response{status: resp.StatusCode, header: resp.Header}
		_ = json.NewDecoder(resp.Body).Decode(&r.decoded)
		return r
	}
	consent := func(dialog, body string) int {
		t.Helper()
		return call(t, "POST", s.url+"/consents/"+dialog, writer, strings.NewReader(body)).status
	}
	listIDs := func(query string) ([]string, string) {
		t.Helper()
		r := call(t, "GET", s.url+"/data?"+query, reader, nil)
		if r.status != 200 {
			t.Fatalf("GET /data?%s = %d %s", query, r.status, r.body)
		}
		var ids []string
		for _, it := range r.decoded["items"].([]any) {
			ids = append(ids, it.(map[string]any)["dialog_id"].(string))
		}
		next, _ := r.decoded["next_cursor"].(string)
		return ids, next
	}

	for i, d := range []struct{ customer, dialog, lang string }{
		{"alice", "a1", "en"}, {"alice", "a2", "DE"}, {"bob", "b1", "EN"}, {"bob", "b2", "EN"},
	} {
		r := push(d.customer, d.dialog, fmt.Sprintf("message %d", i), d.lang, "Idempotency-Key", "k-"+d.dialog)
		if r.status != 201 || r.decoded["language"] != strings.ToUpper(d.lang) || r.decoded["consent_received"] != false {
			t.Fatalf("push %s = %d %v", d.dialog, r.status, r.decoded)
		}
	}
	// A retried push with the same key is stored once.
	if r := push("alice", "a1", "message 0", "en", "Idempotency-Key", "k-a1"); r.status != 201 || len(r.decoded["messages"].([]any)) != 1 {
		t.Fatalf("retried push = %d %v", r.status, r.decoded)
	}
	if r := push("alice", "a1", "second", "EN"); r.status != 201 || len(r.decoded["messages"].([]any)) != 2 {
		t.Fatalf("second push = %d %v", r.status, r.decoded)
	}
	if r := push("bob", "a1", "not yours", "EN"); r.status != 409 {
		t.Fatalf("push to another customer's dialog = %d", r.status)
	}
	if ids, _ := listIDs(""); len(ids) != 0 {
		t.Fatalf("pending dialogs are listed: %v", ids)
	}
	for _, c := range []struct{ dialog, body string }{{"b1", "true"}, {"a2", `{"consent": true}`}, {"a1", "true"}, {"a1", "true"}} {
		if st := consent(c.dialog, c.body); st != 204 {
			t.Fatalf("consent %s %s = %d", c.dialog, c.body, st)
		}
	}
	if st := consent("nobody", "true"); st != 404 {
		t.Fatalf("consent for an unknown dialog = %d", st)
	}
	// a1 got its last message after b1 and a2 were created: newest first.
	push("bob", "b1", "later", "EN")
	if ids, _ := listIDs(""); strings.Join(ids, ",") != "b1,a1,a2" {
		t.Fatalf("listing = %v", ids)
	}
	ids, next := listIDs("limit=2")
	more, last := listIDs("limit=2&cursor=" + next)
	if strings.Join(ids, ",") != "b1,a1" || strings.Join(more, ",") != "a2" || last != "" {
		t.Fatalf("pages = %v %q then %v %q", ids, next, more, last)
	}
	if ids, _ := listIDs("language=en"); strings.Join(ids, ",") != "b1,a1" {
		t.Fatalf("English listing = %v", ids)
	}
	if ids, _ := listIDs("customer_id=alice"); strings.Join(ids, ",") != "a1,a2" {
		t.Fatalf("alice's listing = %v", ids)
	}
	if ids, _ := listIDs("customerId=alice&language=DE"); strings.Join(ids, ",") != "a2" {
		t.Fatalf("alice's German listing = %v", ids)
	}
	if r := call(t, "GET", s.url+"/data?language=EN&cursor="+next, reader, nil); r.status != 400 {
		t.Fatalf("cursor reused with other filters = %d", r.status)
	}

	// Revocation erases at once and refuses late pushes.
	if st := consent("a1", "false"); st != 204 {
		t.Fatalf("revoke = %d", st)
	}
	if r := push("alice", "a1", "late", "EN"); r.status != 410 {
		t.Fatalf("push after revocation = %d", r.status)
	}
	if r := call(t, "GET", s.url+"/data/alice/a1", admin, nil); r.status != 410 {
		t.Fatalf("admin get after revocation = %d", r.status)
	}
	if ids, _ := listIDs(""); strings.Join(ids, ",") != "b1,a2" {
		t.Fatalf("listing after revocation = %v", ids)
	}

	// Admin routes.
	if r := call(t, "GET", s.url+"/data/bob/b2", admin, nil); r.status != 200 || r.decoded["consent_received"] != false {
		t.Fatalf("admin get = %d %s", r.status, r.body)
	}
	if r := call(t, "GET", s.url+"/data/bob/b2", writer, nil); r.status != 403 {
		t.Fatalf("writer get = %d", r.status)
	}
	if r := call(t, "DELETE", s.url+"/data/bob/b1", admin, nil); r.status != 204 {
		t.Fatalf("admin delete = %d %s", r.status, r.body)
	}
	if ids, _ := listIDs(""); strings.Join(ids, ",") != "a2" {
		t.Fatalf("listing after delete = %v", ids)
	}
	if r := call(t, "POST", s.url+"/data/bob/b3", writer, strings.NewReader(`{"text": "`+strings.Repeat("x", 70_000)+`", "language": "EN"}`)); r.status != 413 {
		t.Fatalf("push over 64 KB = %d", r.status)
	}

	t.Run("the bulk generator loads through the API", func(t *testing.T) {
		cmd := exec.Command("go", "run", "./infra/seeddata", "-url", s.url, "-token", "dev-writer",
			"-u", "3", "-d", "24", "-c", "10", "-m", "2", "-concurrency", "4", "-prefix", "e2e")
		cmd.Dir = "../.."
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Loaded 24 dialogs, 48 messages, 10 consents") || !strings.Contains(string(out), "requests/s") {
			t.Fatalf("seeddata: %v\n%s", err, out)
		}
		r := call(t, "GET", s.url+"/data?customerId=e2e-user-1&limit=100", reader, nil)
		items, _ := r.decoded["items"].([]any)
		total := 0
		for _, c := range []string{"e2e-user-0", "e2e-user-1", "e2e-user-2"} {
			r = call(t, "GET", s.url+"/data?customerId="+c+"&limit=100", reader, nil)
			got, _ := r.decoded["items"].([]any)
			total += len(got)
		}
		if len(items) == 0 || total != 10 {
			t.Fatalf("listed %d consented generated dialogs, want 10", total)
		}
	})
}

// TestDialogsExpireUnconsented runs make run with DIALOG_TTL=1s: a dialog
// never consented is gone once its TTL passes, and its id starts afresh.
func TestDialogsExpireUnconsented(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	s := startServer(t, buildServer(t), t.TempDir(), "DIALOG_TTL=1s")
	defer s.stop(t)
	body := func(text string) *strings.Reader {
		return strings.NewReader(`{"text": "` + text + `", "language": "EN"}`)
	}
	for _, d := range []string{"kept", "dropped"} {
		if r := call(t, "POST", s.url+"/data/carol/"+d, "Bearer dev-writer", body("hello")); r.status != 201 {
			t.Fatalf("push %s = %d %s", d, r.status, r.body)
		}
	}
	if r := call(t, "POST", s.url+"/consents/kept", "Bearer dev-writer", strings.NewReader("true")); r.status != 204 {
		t.Fatalf("consent = %d %s", r.status, r.body)
	}
	time.Sleep(2100 * time.Millisecond)
	if r := call(t, "GET", s.url+"/data/carol/kept", "Bearer dev-admin", nil); r.status != 200 {
		t.Fatalf("the consented dialog expired: %d %s", r.status, r.body)
	}
	if r := call(t, "GET", s.url+"/data/carol/dropped", "Bearer dev-admin", nil); r.status != 404 {
		t.Fatalf("GET of an expired dialog = %d %s", r.status, r.body)
	}
	if r := call(t, "POST", s.url+"/consents/dropped", "Bearer dev-writer", strings.NewReader("true")); r.status != 404 {
		t.Fatalf("consent to an expired dialog = %d %s", r.status, r.body)
	}
	r := call(t, "POST", s.url+"/data/dave/dropped", "Bearer dev-writer", body("new"))
	if msgs, _ := r.decoded["messages"].([]any); r.status != 201 || r.decoded["customer_id"] != "dave" || len(msgs) != 1 {
		t.Fatalf("push to an expired dialog's id = %d %s", r.status, r.body)
	}
}
