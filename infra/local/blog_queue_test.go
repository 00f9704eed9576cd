package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mosaic-platform/mosaic/infra/local/runtime"
	"github.com/mosaic-platform/mosaic/internal/blog"
	"github.com/mosaic-platform/mosaic/internal/blog/blogapi"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

// fakeModel is a Hugging Face Inference API compatible server: 500 to every
// request while failing is set, else Koala-style scores ("V" for texts that
// say "kill", "OK" otherwise).
type fakeModel struct {
	failing atomic.Bool
	calls   atomic.Int64
}

func (m *fakeModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.calls.Add(1)
	if m.failing.Load() {
		http.Error(w, `{"error": "internal error"}`, http.StatusInternalServerError)
		return
	}
	var in struct {
		Inputs []string `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	type pair struct {
		Label string  `json:"label"`
		Score float64 `json:"score"`
	}
	out := make([][]pair, len(in.Inputs))
	for i, text := range in.Inputs {
		out[i] = []pair{{"OK", 0.98}, {"V", 0.01}}
		if strings.Contains(text, "kill") {
			out[i] = []pair{{"V", 0.97}, {"OK", 0.02}}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// TestBlogQueuePathThroughTheLocalRuntime runs the moderation queue as Lambda's
// event source would (testdata/blog_queue.yaml: visibility 1 s, 2 receives,
// then the DLQ), with the worker's classifier built by classifyapi.FromEnv for a
// fake remote model: a model that keeps failing dead-letters the message and
// leaves the post pending; the redrive route brings it back; a duplicate
// delivery changes nothing.
func TestBlogQueuePathThroughTheLocalRuntime(t *testing.T) {
	// The stack points the process's SDK environment at its emulators; restore it after.
	for _, k := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_S3"} {
		t.Setenv(k, "")
	}
	model := &fakeModel{}
	model.failing.Store(true)
	server := httptest.NewServer(model)
	defer server.Close()
	ctx := context.Background()
	stack, err := runtime.Start(ctx, runtime.Options{
		Template: "testdata/blog_queue.yaml", DataDir: t.TempDir(), Addr: "127.0.0.1:0", Tokens: runtime.DevTokens,
		Functions: map[string]function.Constructor{
			"authorizer":     auth.NewAuthorizer,
			"create-post":    blogapi.NewCreatePost,
			"get-post":       blogapi.NewGetPost,
			"redrive-posts":  blogapi.NewRedrivePosts,
			"moderate-posts": blogapi.NewModeratePosts,
		},
		Env:    config.Map(map[string]string{"MOSAIC_CLASSIFIER": "huggingface", "HF_API_URL": server.URL + "/models/koala"}),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start the local runtime: %v", err)
	}
	defer stack.Close(ctx)
	cfg, err := awsclients.Load(ctx, config.Map(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	client := awsclients.SQS(cfg)
	dlqURL := queueURL(t, client, "PostsDeadLetterQueue")

	status, created := httpCall(t, "POST", stack.URL+"/posts", "dev-writer", `{"title":"Hello","paragraphs":["A fine day."]}`)
	if status != 201 {
		t.Fatalf("POST /posts = %d %v", status, created)
	}
	id := created["id"].(string)

	eventually(t, 20*time.Second, "the message reaches the dead-letter queue", func() bool {
		return visibleMessages(t, client, dlqURL) == 1
	})
	if n := model.calls.Load(); n != 4 {
		t.Errorf("model called %d times, want 4 (2 receives x CLASSIFIER_MAX_ATTEMPTS 2)", n)
	}
	if _, post := httpCall(t, "GET", stack.URL+"/posts/"+id, "dev-writer", ""); post["status"] != "pending" || post["has_foul_language"] != false {
		t.Fatalf("after dead-lettering the post is %v, want pending (not lost, not flagged)", post)
	}

	model.failing.Store(false)
	if status, body := httpCall(t, "POST", stack.URL+"/posts/dead-letters/redrive", "dev-writer", ""); status != 403 {
		t.Errorf("redrive as writer = %d %v", status, body)
	}
	if status, body := httpCall(t, "POST", stack.URL+"/posts/dead-letters/redrive", "dev-admin", ""); status != 202 || body["task_handle"] == "" {
		t.Fatalf("redrive = %d %v", status, body)
	}
	var moderated map[string]any
	eventually(t, 20*time.Second, "the redriven post is published", func() bool {
		_, moderated = httpCall(t, "GET", stack.URL+"/posts/"+id, "", "")
		return moderated["status"] == "published"
	})
	if visibleMessages(t, client, dlqURL) != 0 {
		t.Error("the dead-letter queue still holds the message")
	}

	// The same message delivered again (SQS is at-least-once) changes nothing.
	calls := model.calls.Load()
	body, _ := json.Marshal(blog.ModerationRequest{ID: id, Version: 1})
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL(t, client, "PostsQueue")), MessageBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the duplicate is consumed", func() bool {
		return visibleMessages(t, client, queueURL(t, client, "PostsQueue")) == 0 && inFlight(t, client, queueURL(t, client, "PostsQueue")) == 0
	})
	_, again := httpCall(t, "GET", stack.URL+"/posts/"+id, "", "")
	if again["updated_at"] != moderated["updated_at"] || again["version"] != 1.0 || model.calls.Load() != calls {
		t.Errorf("a duplicate delivery changed the post or was classified: %v then %v", moderated, again)
	}

	// The model's Koala codes come through as labels of the flagged paragraph.
	_, foul := httpCall(t, "POST", stack.URL+"/posts", "dev-writer", `{"title":"Threat","paragraphs":["Hi.","I will kill you."]}`)
	var flagged map[string]any
	eventually(t, 20*time.Second, "the threatening post is flagged", func() bool {
		_, flagged = httpCall(t, "GET", stack.URL+"/posts/"+foul["id"].(string), "dev-writer", "")
		return flagged["status"] == "flagged"
	})
	offense := flagged["moderation"].(map[string]any)["offending_paragraphs"].([]any)[0].(map[string]any)
	if offense["index"] != 1.0 || offense["top_label"] != "violence" || offense["text"] != "I will kill you." {
		t.Errorf("offending paragraph = %v", offense)
	}
}

func queueURL(t *testing.T, c *sqs.Client, name string) string {
	t.Helper()
	out, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}

func queueAttribute(t *testing.T, c *sqs.Client, url string, name sqstypes.QueueAttributeName) string {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{name}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes[string(name)]
}

func visibleMessages(t *testing.T, c *sqs.Client, url string) int {
	return atoi(queueAttribute(t, c, url, sqstypes.QueueAttributeNameApproximateNumberOfMessages))
}

func inFlight(t *testing.T, c *sqs.Client, url string) int {
	return atoi(queueAttribute(t, c, url, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible))
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// httpCall is call with a dev token's name and a JSON body as strings.
func httpCall(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	if token != "" {
		token = "Bearer " + token
	}
	resp := call(t, method, url, token, r)
	return resp.status, resp.decoded
}

func eventually(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
