package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRevokedTextLeavesTheDataDirectory: once a consent revocation is
// answered, none of the dialog's texts can be read back from any file of the
// data directory, before or after a restart, while another dialog's can.
func TestRevokedTextLeavesTheDataDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	bin, dir := buildServer(t), t.TempDir()
	s := startServer(t, bin, dir)
	const writer = "Bearer dev-writer"
	push := func(dialog, text string, headers ...string) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.url+"/data/cust/"+dialog, strings.NewReader(fmt.Sprintf(`{"text": %q, "language": "EN"}`, text)))
		req.Header.Set("Authorization", writer)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("push to %s = %d", dialog, resp.StatusCode)
		}
	}
	consent := func(dialog, body string) {
		t.Helper()
		if r := call(t, "POST", s.url+"/consents/"+dialog, writer, strings.NewReader(body)); r.status != 204 {
			t.Fatalf("consent %s %s = %d %s", dialog, body, r.status, r.body)
		}
	}
	revoked := []string{"okapi-first-words-of-the-revoked", "okapi-second-words-with-a-key", "okapi-third-words-after-consent"}
	kept := "narwhal-words-of-a-dialog-that-stays"
	push("gone", revoked[0])
	push("gone", revoked[1], "Idempotency-Key", "erasure-key")
	consent("gone", "true")
	push("gone", revoked[2])
	push("stays", kept)
	consent("stays", "true")
	consent("gone", "false")

	check := func(when string) {
		t.Helper()
		found := map[string]bool{}
		err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, text := range append(revoked, kept) {
				if bytes.Contains(b, []byte(text)) {
					found[text] = true
					if text != kept {
						t.Errorf("%s: %s still holds %q", when, path, text)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !found[kept] {
			t.Errorf("%s: the kept dialog's text is in no file: the check reads the wrong place", when)
		}
	}
	check("after the revocation")
	s.stop(t)
	s = startServer(t, bin, dir)
	check("after a restart")
	s.stop(t)
}
