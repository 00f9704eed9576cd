package blogapi

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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/cursor"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/openapitest"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/platform/queue/queuetest"
)

type fixture struct {
	posts   *Posts
	store   blog.Store
	entries *outbox.Table
	db      *dynamodb.Client
	table   string
	queue   *queuetest.Publisher
	clock   time.Time
}

// newFixture is Posts over the embedded DynamoDB emulator, with the outbox
// table beside the posts, delivering to an in-process queue.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	codec, err := cursor.NewCodec([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.ParseTokens("admin:dev-admin,writer:dev-writer,reader:dev-reader")
	if err != nil {
		t.Fatal(err)
	}
	db, table := emutest.EmbeddedTable(t, "PostsTable")
	f := &fixture{db: db, table: table, queue: &queuetest.Publisher{}, clock: time.Now().UTC().Truncate(time.Second)}
	f.entries = outbox.NewTable(db, emutest.CreateTable(t, db, "OutboxTable", true))
	f.store = blog.NewDynamoStore(db, table, f.entries)
	n := 0
	f.posts = &Posts{
		Store: f.store, Outbox: &outbox.Outbox{Store: f.entries, Queues: map[string]queue.Publisher{outbox.QueueModeration: f.queue}},
		Cursors: codec, Tokens: auth.StaticTokens(tokens),
		Now:   func() time.Time { f.clock = f.clock.Add(time.Second); return f.clock },
		NewID: func() string { n++; return fmt.Sprintf("%016x", 0xb10c0000+n) },
	}
	return f
}

// stored counts the posts in the table, listed or not.
func (f *fixture) stored(t *testing.T) int {
	t.Helper()
	out, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &f.table, ConsistentRead: aws.Bool(true)})
	must(t, err)
	return len(out.Items)
}

// pending is the outbox entries not yet delivered, due or not.
func (f *fixture) pending(t *testing.T) int {
	t.Helper()
	due, err := f.entries.Due(context.Background(), f.clock.Add(24*time.Hour), 1000)
	must(t, err)
	return len(due)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newRequest builds what API Gateway sends for route with role's token ("" for none).
func newRequest(method, route, id, role, body, query string) events.APIGatewayV2HTTPRequest {
	path := strings.Replace(route, "{id}", id, 1)
	req := events.APIGatewayV2HTTPRequest{
		RouteKey: method + " " + route, RawPath: path, RawQueryString: query, Body: body,
		Headers: map[string]string{"content-type": "application/json"},
	}
	if id != "" {
		req.PathParameters = map[string]string{"id": id}
	}
	if q, err := url.ParseQuery(query); err == nil && query != "" {
		req.QueryStringParameters = map[string]string{}
		for k, v := range q {
			req.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	if role != "" {
		req.Headers["authorization"] = "Bearer dev-" + role
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{auth.ContextRole: role}}
	}
	req.RequestContext.HTTP.Method = method
	return req
}

// do runs handler h on req, checks the answer against the OpenAPI document and decodes it.
func do(t *testing.T, h apigw.HandlerFunc, req events.APIGatewayV2HTTPRequest) (int, map[string]any, events.APIGatewayV2HTTPResponse) {
	t.Helper()
	resp, err := apigw.Handle(h)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	method, route, _ := strings.Cut(req.RouteKey, " ")
	openapitest.ValidateResponse(t, method, route, resp)
	var body map[string]any
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatalf("body %q: %v", resp.Body, err)
		}
	}
	return resp.StatusCode, body, resp
}

// queued returns the moderation requests sent to the queue so far.
func (f *fixture) queued(t *testing.T) []blog.ModerationRequest {
	t.Helper()
	var out []blog.ModerationRequest
	for _, m := range f.queue.Messages() {
		var r blog.ModerationRequest
		must(t, json.Unmarshal(m.Body.(json.RawMessage), &r))
		out = append(out, r)
	}
	return out
}

func (f *fixture) create(t *testing.T, body string) PostView {
	t.Helper()
	status, _, resp := do(t, f.posts.Create, newRequest("POST", "/posts", "", "writer", body, ""))
	if status != 201 {
		t.Fatalf("create = %d %s", status, resp.Body)
	}
	var v PostView
	must(t, json.Unmarshal([]byte(resp.Body), &v))
	return v
}

func TestCreatePost(t *testing.T) {
	f := newFixture(t)
	status, body, resp := do(t, f.posts.Create, newRequest("POST", "/posts", "", "writer",
		`{"title": "  Hello,   World!  ", "paragraphs": ["First.", "Second."], "author": "ann"}`, ""))
	if status != 201 {
		t.Fatalf("status %d: %s", status, resp.Body)
	}
	id := body["id"].(string)
	if body["blogpost_slug"] != "hello-world-"+id || body["status"] != "pending" || body["title"] != "Hello,   World!" ||
		body["author"] != "ann" || body["has_foul_language"] != false || body["version"] != 1.0 {
		t.Errorf("body = %s", resp.Body)
	}
	if resp.Headers["Location"] != "/posts/"+id {
		t.Errorf("Location = %q", resp.Headers["Location"])
	}
	if got := f.queued(t); len(got) != 1 || got[0] != (blog.ModerationRequest{ID: id, Version: 1}) {
		t.Errorf("queued %+v", got)
	}
	if p, err := f.store.Get(context.Background(), id); err != nil || p.Status != blog.Pending {
		t.Errorf("stored %+v, %v", p, err)
	}
}

func TestCreatePostRejectsBadInput(t *testing.T) {
	long := strings.Repeat("a", blog.MaxParagraphChars+1)
	many := `["` + strings.TrimSuffix(strings.Repeat(`p", "`, blog.MaxParagraphs+1), `", "`) + `"]`
	for _, tc := range []struct {
		name, role, body string
		status           int
		field            string
	}{
		{"no token", "", `{"title":"t","paragraphs":["p"]}`, 401, ""},
		{"reader", "reader", `{"title":"t","paragraphs":["p"]}`, 403, ""},
		{"empty body", "writer", ``, 400, ""},
		{"not json", "writer", `{"title":`, 400, ""},
		{"missing title", "writer", `{"paragraphs":["p"]}`, 400, "title"},
		{"blank title", "writer", `{"title":"   ","paragraphs":["p"]}`, 400, "title"},
		{"long title", "writer", `{"title":"` + strings.Repeat("t", blog.MaxTitleChars+1) + `","paragraphs":["p"]}`, 400, "title"},
		{"missing paragraphs", "writer", `{"title":"t"}`, 400, "paragraphs"},
		{"no paragraphs", "writer", `{"title":"t","paragraphs":[]}`, 400, "paragraphs"},
		{"paragraphs not an array", "writer", `{"title":"t","paragraphs":"p"}`, 400, "paragraphs"},
		{"paragraph not a string", "writer", `{"title":"t","paragraphs":["p", 3]}`, 400, "paragraphs[1]"},
		{"blank paragraph", "writer", `{"title":"t","paragraphs":["p", " "]}`, 400, "paragraphs[1]"},
		{"long paragraph", "writer", `{"title":"t","paragraphs":["` + long + `"]}`, 400, "paragraphs[0]"},
		{"too many paragraphs", "writer", `{"title":"t","paragraphs":` + many + `}`, 400, "paragraphs"},
		{"unknown field", "writer", `{"title":"t","paragraphs":["p"],"status":"published"}`, 400, "status"},
		{"long author", "writer", `{"title":"t","paragraphs":["p"],"author":"` + strings.Repeat("a", blog.MaxAuthorChars+1) + `"}`, 400, "author"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			status, body, resp := do(t, f.posts.Create, newRequest("POST", "/posts", "", tc.role, tc.body, ""))
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, resp.Body)
			}
			if tc.field != "" && !strings.Contains(resp.Body, `"field":"`+tc.field+`"`) {
				t.Errorf("problem does not name %s: %v", tc.field, body)
			}
			if len(f.queued(t)) != 0 || f.stored(t) != 0 {
				t.Error("a refused post was stored or queued")
			}
		})
	}
}

// TestCreatePostWhenTheQueueFailsLeavesTheWorkToTheRelay: the post and its
// moderation work are stored together, so a queue that refuses the message
// costs nothing but time: the answer is 201 and the relay sends it later.
func TestCreatePostWhenTheQueueFailsLeavesTheWorkToTheRelay(t *testing.T) {
	f := newFixture(t)
	f.queue.Fail(errors.New("queue down"))
	status, body, resp := do(t, f.posts.Create, newRequest("POST", "/posts", "", "writer", `{"title":"t","paragraphs":["p"]}`, ""))
	if status != 201 {
		t.Fatalf("status %d: %s", status, resp.Body)
	}
	if n := f.pending(t); n != 1 {
		t.Fatalf("%d outbox entries, want the post's one", n)
	}
	f.queue.Fail(nil)
	if r, err := f.posts.Outbox.Relay(context.Background(), f.clock.Add(outbox.Grace)); err != nil || r.Sent != 1 {
		t.Fatalf("relay = %+v, %v", r, err)
	}
	if got := f.queued(t); len(got) != 1 || got[0] != (blog.ModerationRequest{ID: body["id"].(string), Version: 1}) {
		t.Errorf("queued %+v", got)
	}
	if n := f.pending(t); n != 0 {
		t.Errorf("%d entries left after the relay sent them", n)
	}
}

func TestGetPost(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, `{"title":"Draft","paragraphs":["p"]}`)
	for _, tc := range []struct {
		name, id, role string
		status         int
	}{
		{"pending, public", v.ID, "", 404},
		{"pending, reader", v.ID, "reader", 404},
		{"pending, writer", v.ID, "writer", 200},
		{"by slug", v.Slug, "writer", 200},
		{"unknown", "0123456789abcdef", "admin", 404},
		{"not an id", "nope", "admin", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, resp := do(t, f.posts.Get, newRequest("GET", "/posts/{id}", tc.id, tc.role, "", ""))
			if status != tc.status || (status == 200 && body["id"] != v.ID) {
				t.Fatalf("status %d, want %d: %s", status, tc.status, resp.Body)
			}
		})
	}
	must(t, f.store.Moderate(context.Background(), v.ID, 1, blog.Published, blog.Moderation{Offending: []blog.Offense{}}, f.clock))
	if status, body, _ := do(t, f.posts.Get, newRequest("GET", "/posts/{id}", v.ID, "", "", "")); status != 200 || body["status"] != "published" {
		t.Errorf("published post, public: %d %v", status, body)
	}
}

func TestListPosts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var published []string
	for i := range 7 {
		v := f.create(t, fmt.Sprintf(`{"title":"Post %d","paragraphs":["p"]}`, i))
		to := blog.Published
		if i%3 == 0 {
			to = blog.Flagged
		} else {
			published = append([]string{v.ID}, published...) // newest first
		}
		must(t, f.store.Moderate(ctx, v.ID, 1, to, blog.Moderation{HasFoulLanguage: to == blog.Flagged, Offending: []blog.Offense{}}, f.clock))
	}
	f.create(t, `{"title":"Pending","paragraphs":["p"]}`)

	var got []string
	query := "limit=2"
	for range 10 {
		status, body, resp := do(t, f.posts.List, newRequest("GET", "/posts", "", "", "", query))
		if status != 200 {
			t.Fatalf("status %d: %s", status, resp.Body)
		}
		for _, it := range body["items"].([]any) {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			break
		}
		query = "limit=2&cursor=" + url.QueryEscape(next)
	}
	if fmt.Sprint(got) != fmt.Sprint(published) {
		t.Errorf("listed %v, want %v", got, published)
	}

	_, first, _ := do(t, f.posts.List, newRequest("GET", "/posts", "", "", "", "limit=1"))
	c := first["next_cursor"].(string)
	for _, tc := range []struct {
		name, role, query string
		status            int
		count             int
	}{
		{"flagged without a token", "", "status=flagged", 401, 0},
		{"flagged as writer", "writer", "status=flagged", 403, 0},
		{"flagged as admin", "admin", "status=flagged", 200, 3},
		{"unknown status", "", "status=pending", 400, 0},
		{"bad limit", "", "limit=0", 400, 0},
		{"tampered cursor", "", "cursor=" + url.QueryEscape(c[:len(c)-2]+"xx"), 400, 0},
		{"cursor of another listing", "admin", "status=flagged&cursor=" + url.QueryEscape(c), 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, resp := do(t, f.posts.List, newRequest("GET", "/posts", "", tc.role, "", tc.query))
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, resp.Body)
			}
			if status == 200 && len(body["items"].([]any)) != tc.count {
				t.Errorf("%d items, want %d", len(body["items"].([]any)), tc.count)
			}
		})
	}
}

func TestUpdatePost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	v := f.create(t, `{"title":"Old title","paragraphs":["p"],"author":"ann"}`)
	must(t, f.store.Moderate(ctx, v.ID, 1, blog.Published, blog.Moderation{Offending: []blog.Offense{}}, f.clock))

	// The edit of a published post waits beside it: the public still sees the published version.
	status, body, resp := do(t, f.posts.Update, newRequest("PUT", "/posts/{id}", v.ID, "writer", `{"title":"New title","paragraphs":["q","r"]}`, ""))
	edit, _ := body["pending_edit"].(map[string]any)
	if status != 200 || body["status"] != "published" || body["version"] != 2.0 || body["title"] != "Old title" ||
		edit["title"] != "New title" || edit["version"] != 2.0 || edit["author"] != "ann" || body["blogpost_slug"] != v.Slug {
		t.Fatalf("PUT = %d %s", status, resp.Body)
	}
	if got := f.queued(t); len(got) != 2 || got[1] != (blog.ModerationRequest{ID: v.ID, Version: 2}) {
		t.Errorf("queued %+v", got)
	}
	_, body, resp = do(t, f.posts.Get, newRequest("GET", "/posts/{id}", v.ID, "", "", ""))
	if body["title"] != "Old title" || body["pending_edit"] != nil {
		t.Errorf("public GET during moderation: %s", resp.Body)
	}
	if _, body, _ := do(t, f.posts.List, newRequest("GET", "/posts", "", "", "", "")); len(body["items"].([]any)) != 1 {
		t.Errorf("the published post left the listing while its edit waits: %v", body)
	}
	worker := &Moderator{Store: f.store, Classifier: &wordClassifier{}, Now: f.posts.Now, MaxWarmWait: time.Minute}
	must(t, worker.Moderate(ctx, blog.ModerationRequest{ID: v.ID, Version: 2}))
	_, body, resp = do(t, f.posts.Get, newRequest("GET", "/posts/{id}", v.ID, "", "", ""))
	if body["title"] != "New title" || body["status"] != "published" || len(body["paragraphs"].([]any)) != 2 {
		t.Errorf("after moderation: %s", resp.Body)
	}
	for _, tc := range []struct {
		name, id, role, body string
		status               int
	}{
		{"reader", v.ID, "reader", `{"title":"t","paragraphs":["p"]}`, 403},
		{"unknown", "0123456789abcdef", "writer", `{"title":"t","paragraphs":["p"]}`, 404},
		{"invalid", v.ID, "writer", `{"title":"","paragraphs":["p"]}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, _, resp := do(t, f.posts.Update, newRequest("PUT", "/posts/{id}", tc.id, tc.role, tc.body, "")); status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, resp.Body)
			}
		})
	}
}

func TestDeletePost(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, `{"title":"t","paragraphs":["p"]}`)
	if status, _, _ := do(t, f.posts.Delete, newRequest("DELETE", "/posts/{id}", v.ID, "writer", "", "")); status != 403 {
		t.Errorf("writer delete = %d", status)
	}
	if status, _, _ := do(t, f.posts.Delete, newRequest("DELETE", "/posts/{id}", v.ID, "admin", "", "")); status != 204 {
		t.Errorf("admin delete = %d", status)
	}
	if status, _, _ := do(t, f.posts.Delete, newRequest("DELETE", "/posts/{id}", v.ID, "admin", "", "")); status != 404 {
		t.Errorf("second delete = %d", status)
	}
}

// raceStore changes the post between the handler's read and its conditional write.
type raceStore struct {
	blog.Store
	meanwhile func()
}

func (r raceStore) Review(ctx context.Context, id string, version int64, from []blog.Status, to blog.Status, rv blog.Review, now time.Time) (blog.Post, error) {
	r.meanwhile()
	return r.Store.Review(ctx, id, version, from, to, rv, now)
}

func TestReviewPost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	v := f.create(t, `{"title":"t","paragraphs":["clean","darn"]}`)
	must(t, f.store.Moderate(ctx, v.ID, 1, blog.Flagged, blog.Moderation{HasFoulLanguage: true, Offending: []blog.Offense{{Index: 1, TopLabel: "profanity", Labels: nil}}}, f.clock))
	review := func(role, decision string) (int, map[string]any) {
		status, body, _ := do(t, f.posts.Review, newRequest("POST", "/posts/{id}/review", v.ID, role, `{"decision":"`+decision+`"}`, ""))
		return status, body
	}
	if status, _ := review("writer", "approve"); status != 403 {
		t.Errorf("writer review = %d", status)
	}
	if status, _ := review("admin", "maybe"); status != 400 {
		t.Errorf("bad decision = %d", status)
	}
	status, body := review("admin", "approve")
	mod, _ := body["moderation"].(map[string]any)
	if status != 200 || body["status"] != "published" || body["version"] != 2.0 || body["has_foul_language"] != true ||
		mod["review"].(map[string]any)["decision"] != "approve" || mod["offending_paragraphs"].([]any)[0].(map[string]any)["text"] != "darn" {
		t.Fatalf("approve = %d %v", status, body)
	}
	if status, body := review("admin", "approve"); status != 200 || body["version"] != 2.0 {
		t.Errorf("repeated approve = %d %v", status, body)
	}
	if status, body := review("admin", "reject"); status != 200 || body["status"] != "rejected" || body["version"] != 3.0 {
		t.Errorf("reject = %d %v", status, body)
	}

	// An edit between the admin's read and the decision's write wins: 409.
	f.posts.Store = raceStore{f.store, func() {
		_, _, err := f.store.Edit(ctx, v.ID, blog.Content{Title: "t", Paragraphs: []string{"new"}}, f.clock)
		must(t, err)
	}}
	if status, body := review("admin", "approve"); status != 409 {
		t.Errorf("review racing an edit = %d %v", status, body)
	}
	if p, _ := f.store.Get(ctx, v.ID); p.Status != blog.Pending || p.Version != 4 {
		t.Errorf("after the race: %+v", p)
	}
}

// TestUpdateRejectedPostGoesBackToAnAdmin: an edit of a rejected post is
// moderated again, but even a clean verdict leaves it flagged, in the review
// queue with the rejection shown; only an admin publishes it.
func TestUpdateRejectedPostGoesBackToAnAdmin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	v := f.create(t, `{"title":"t","paragraphs":["What a darn shame."]}`)
	worker := &Moderator{Store: f.store, Classifier: &wordClassifier{}, Now: f.posts.Now, MaxWarmWait: time.Minute}
	must(t, worker.Moderate(ctx, blog.ModerationRequest{ID: v.ID, Version: 1}))
	if status, body, _ := do(t, f.posts.Review, newRequest("POST", "/posts/{id}/review", v.ID, "admin", `{"decision":"reject"}`, "")); status != 200 || body["status"] != "rejected" {
		t.Fatalf("reject = %d %v", status, body)
	}

	status, body, resp := do(t, f.posts.Update, newRequest("PUT", "/posts/{id}", v.ID, "writer", `{"title":"t","paragraphs":["What a shame."]}`, ""))
	prior, _ := body["prior_rejection"].(map[string]any)
	if status != 200 || body["status"] != "pending" || body["version"] != 3.0 || prior["decision"] != "reject" {
		t.Fatalf("PUT of a rejected post = %d %s", status, resp.Body)
	}
	msgs := f.queued(t)
	must(t, worker.Moderate(ctx, msgs[len(msgs)-1]))

	_, body, resp = do(t, f.posts.Get, newRequest("GET", "/posts/{id}", v.ID, "writer", "", ""))
	prior, _ = body["prior_rejection"].(map[string]any)
	if body["status"] != "flagged" || body["has_foul_language"] != false || prior["decision"] != "reject" {
		t.Fatalf("a clean edit of a rejected post: %s", resp.Body)
	}
	if _, body, _ := do(t, f.posts.List, newRequest("GET", "/posts", "", "", "", "")); len(body["items"].([]any)) != 0 {
		t.Errorf("published without an admin: %v", body)
	}
	if _, body, _ := do(t, f.posts.List, newRequest("GET", "/posts", "", "admin", "", "status=flagged")); len(body["items"].([]any)) != 1 {
		t.Errorf("not in the review queue: %v", body)
	}
	if status, body, _ := do(t, f.posts.Get, newRequest("GET", "/posts/{id}", v.ID, "", "", "")); status != 404 {
		t.Errorf("public GET = %d %v", status, body)
	}

	status, body, resp = do(t, f.posts.Review, newRequest("POST", "/posts/{id}/review", v.ID, "admin", `{"decision":"approve"}`, ""))
	if status != 200 || body["status"] != "published" || body["prior_rejection"] != nil {
		t.Fatalf("approve = %d %s", status, resp.Body)
	}
}

// TestUpdatePostWhenTheQueueFailsLeavesTheWorkToTheRelay: the edit is
// stored with its moderation work and answered 200; the published version
// stays listed until the relay's message has the edit moderated.
func TestUpdatePostWhenTheQueueFailsLeavesTheWorkToTheRelay(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.create(t, `{"title":"Old","paragraphs":["p"]}`)
	must(t, f.store.Moderate(ctx, v.ID, 1, blog.Published, blog.Moderation{Offending: []blog.Offense{}, Version: 1}, f.clock))
	f.queue.Fail(errors.New("queue down"))
	if status, _, resp := do(t, f.posts.Update, newRequest("PUT", "/posts/{id}", v.ID, "writer", `{"title":"New","paragraphs":["q"]}`, "")); status != 200 {
		t.Fatalf("PUT = %d %s", status, resp.Body)
	}
	if _, body, _ := do(t, f.posts.List, newRequest("GET", "/posts", "", "", "", "")); len(body["items"].([]any)) != 1 ||
		body["items"].([]any)[0].(map[string]any)["title"] != "Old" {
		t.Errorf("the published version left the listing: %v", body)
	}
	f.queue.Fail(nil)
	if r, err := f.posts.Outbox.Relay(ctx, f.clock.Add(outbox.Grace)); err != nil || r.Sent != 1 {
		t.Fatalf("relay = %+v, %v", r, err)
	}
	worker := &Moderator{Store: f.store, Classifier: &wordClassifier{}, Now: f.posts.Now, MaxWarmWait: time.Minute}
	for _, m := range f.queued(t) {
		must(t, worker.Moderate(ctx, m))
	}
	if _, body, _ := do(t, f.posts.List, newRequest("GET", "/posts", "", "", "", "")); len(body["items"].([]any)) != 1 ||
		body["items"].([]any)[0].(map[string]any)["title"] != "New" {
		t.Errorf("the edit is not published after the relay: %v", body)
	}
}

func TestListPostsKeepsAPageUnderTheResponseLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// 30 posts of 256 KiB of text, quotes and backslashes included (they grow
	// once in the body's JSON and again in Lambda's response envelope).
	para := strings.Repeat(`Say "hi" \ `, blog.MaxParagraphChars/11)
	paragraphs := make([]string, 0, blog.MaxParagraphs)
	for size := 0; size+len(para) <= blog.MaxContentBytes; size += len(para) {
		paragraphs = append(paragraphs, para)
	}
	content, err := json.Marshal(blog.Content{Title: "Big", Paragraphs: paragraphs})
	must(t, err)
	const total = 30
	var want []string
	for range total {
		v := f.create(t, string(content))
		must(t, f.store.Moderate(ctx, v.ID, 1, blog.Published, blog.Moderation{Offending: []blog.Offense{}}, f.clock))
		want = append([]string{v.ID}, want...)
	}

	var got []string
	query, pages := "limit=100", 0
	for ; pages < total; pages++ {
		status, body, resp := do(t, f.posts.List, newRequest("GET", "/posts", "", "", "", query))
		if status != 200 {
			t.Fatalf("status %d", status)
		}
		// What Lambda counts against its 6 MB: the response as the runtime encodes it.
		var envelope strings.Builder
		enc := json.NewEncoder(&envelope)
		enc.SetEscapeHTML(false)
		must(t, enc.Encode(resp))
		if n := envelope.Len(); n > 6<<20 {
			t.Fatalf("page %d: a response of %d bytes, over Lambda's 6 MB", pages, n)
		}
		items := body["items"].([]any)
		if len(items) == 0 {
			t.Fatalf("page %d is empty", pages)
		}
		for _, it := range items {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			break
		}
		query = "limit=100&cursor=" + url.QueryEscape(next)
	}
	if pages == 0 {
		t.Errorf("every post fit in one page: the test's posts are too small")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("listed %v, want %v", got, want)
	}
}
