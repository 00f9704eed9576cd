package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/emulators/dynamolocal"
)

// crashLog records what the load got answered.
type crashLog struct {
	mu      sync.Mutex
	acked   map[string]bool // post ids whose create was answered 201
	edited  map[string]bool // post ids sent an edit (answered or not)
	creates int             // create requests sent
	edits   int             // edit requests sent
}

func (l *crashLog) ids() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for id := range l.acked {
		out = append(out, id)
	}
	return out
}

// load creates and edits posts from workers until stop is closed; requests
// cut by the kill are simply unanswered.
func load(base string, round int, l *crashLog, stop <-chan struct{}, wg *sync.WaitGroup) {
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				title := fmt.Sprintf("r%d-w%d-%d", round, w, n)
				body := fmt.Sprintf(`{"title": %q, "paragraphs": ["A fine day, number %d.", "Nothing to report."]}`, title, n)
				ids := l.ids()
				if n%3 == 2 && len(ids) > 0 { // one request in three edits a post already answered
					id := ids[(n*7+w)%len(ids)]
					l.mu.Lock()
					l.edits++
					l.edited[id] = true
					l.mu.Unlock()
					_, _ = httpDo("PUT", base+"/posts/"+id, "Bearer dev-writer", body)
					continue
				}
				l.mu.Lock()
				l.creates++
				l.mu.Unlock()
				status, decoded := httpDo("POST", base+"/posts", "Bearer dev-writer", body)
				if status == 201 {
					l.mu.Lock()
					l.acked[decoded["id"].(string)] = true
					l.mu.Unlock()
				}
			}
		}()
	}
}

// TestCrashUnderLoadLosesNoModeration SIGKILLs `make run` three times while
// posts are created and edited, restarts it on the same data directory, and
// finds every stored post moderated (none pending, no edit left waiting)
// within two minutes of the last start, as the outbox relay promises.
func TestCrashUnderLoadLosesNoModeration(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end crash test takes minutes")
	}
	bin := buildServer(t)
	dataDir := t.TempDir()
	l := &crashLog{acked: map[string]bool{}, edited: map[string]bool{}}
	for round := 1; round <= 3; round++ {
		s := startServer(t, bin, dataDir)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		load(s.url, round, l, stop, &wg)
		time.Sleep(4 * time.Second)
		if err := s.cmd.Process.Kill(); err != nil { // SIGKILL, by PID
			t.Fatal(err)
		}
		_ = s.cmd.Wait()
		close(stop)
		wg.Wait()
	}

	s := startServer(t, bin, dataDir)
	start := time.Now()
	var settledAt time.Duration
	lastListed := -1
	for {
		pending := 0
		for _, id := range append(l.ids(), editedIDs(l)...) {
			status, p := httpDo("GET", s.url+"/posts/"+id, "Bearer dev-writer", "")
			if status != 200 || p["status"] != "published" || p["pending_edit"] != nil {
				pending++
			}
		}
		listed := countPublished(t, s.url)
		if pending == 0 && listed == lastListed && settledAt == 0 {
			settledAt = time.Since(start)
		}
		if pending != 0 || listed != lastListed {
			settledAt = 0
		}
		lastListed = listed
		// Stay past one relay run (every minute, entries due 30 s after they were written).
		if settledAt != 0 && time.Since(start) > 75*time.Second || time.Since(start) > 150*time.Second {
			break
		}
		time.Sleep(time.Second)
	}
	s.stop(t)

	total, waiting := scanPosts(t, filepath.Join(dataDir, "dynamodb"))
	if waiting != 0 {
		t.Errorf("%d of %d stored posts are still pending or hold an edit waiting for moderation", waiting, total)
	}
	if total != lastListed {
		t.Errorf("%d posts stored, %d listed as published", total, lastListed)
	}
	if len(l.ids()) > total {
		t.Errorf("%d creates were answered 201 but only %d posts are stored", len(l.ids()), total)
	}
	if settledAt == 0 || settledAt > 2*time.Minute {
		t.Errorf("not every post was moderated within 2 minutes of the restart (settled after %s)", settledAt)
	}
	t.Logf("3 SIGKILLs under load: %d creates sent (%d answered 201, %d stored), %d edits sent to %d posts; "+
		"every post moderated %s after the last start (the relay runs once a minute)",
		l.creates, len(l.ids()), total, l.edits, len(l.edited), settledAt.Round(time.Second))
}

func editedIDs(l *crashLog) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for id := range l.edited {
		if !l.acked[id] {
			out = append(out, id)
		}
	}
	return out
}

// countPublished pages through GET /posts and counts the posts.
func countPublished(t *testing.T, base string) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		u := base + "/posts?limit=100"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		status, page := httpDo("GET", u, "", "")
		if status != 200 {
			return -1
		}
		items, _ := page["items"].([]any)
		n += len(items)
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return n
		}
		cursor = next
	}
}

// scanPosts opens the stopped stack's DynamoDB data and counts the posts, and
// those still pending or holding a draft.
func scanPosts(t *testing.T, dir string) (total, waiting int) {
	t.Helper()
	srv, err := dynamolocal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), DisableValidateResponseChecksum: true})
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String("PostsTable"), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			total++
			st, _ := it["status"].(*types.AttributeValueMemberS)
			_, draft := it["draft"]
			if st == nil || st.Value == "pending" || draft {
				waiting++
			}
		}
	}
	return total, waiting
}

// httpDo sends one request and decodes a JSON answer; status 0 when it got none.
func httpDo(method, u, token, body string) (int, map[string]any) {
	var r *strings.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := newRequest(method, u, r)
	if err != nil {
		return 0, nil
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := crashClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = jsonDecode(resp.Body, &out)
	return resp.StatusCode, out
}

var crashClient = &http.Client{Timeout: 10 * time.Second}

func newRequest(method, u string, body *strings.Reader) (*http.Request, error) {
	if body == nil {
		return http.NewRequest(method, u, nil)
	}
	return http.NewRequest(method, u, body)
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
