package lambdatest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/health"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// TestVersionSurvivesSamBuild builds HealthFunction the way sam build
// does, from a copy of the source without .git after `make sam-build`
// wrote VERSION, and reads the version /health reports.
func TestVersionSurvivesSamBuild(t *testing.T) {
	need(t, "git")
	describe, err := exec.Command("git", "-C", repoRoot, "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		t.Fatalf("git describe: %v", err)
	}
	want := strings.TrimSpace(string(describe))
	src := copySource(t)
	if err := os.WriteFile(filepath.Join(src, "VERSION"), []byte(want+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bootstrap := build(t, src, "HealthFunction")
	s := &stack{tpl: loadTemplate(t)}
	s.res = samtemplate.Resolver{Params: map[string]string{"Stage": "dev", "LogLevel": "INFO"}}
	for k, v := range s.tpl.Parameters {
		if _, ok := s.res.Params[k]; !ok {
			s.res.Params[k] = v
		}
	}
	out, _ := invoke(t, bootstrap, s.env(t, *s.tpl.Function("HealthFunction")), fixture(t, "health.json"))
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	var st health.Status
	if err := json.Unmarshal([]byte(resp.Body), &st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /health = %d %s", resp.StatusCode, resp.Body)
	}
	if st.Version != want {
		t.Fatalf("version %q, want %q (git describe): the stamp did not survive sam build's copy", st.Version, want)
	}
}

// copySource copies the tracked and untracked-but-not-ignored files, as
// sam build copies CodeUri: no .git.
func copySource(t *testing.T) string {
	t.Helper()
	list, err := exec.Command("git", "-C", repoRoot, "ls-files", "-z", "-co", "--exclude-standard").Output()
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(repoRoot, name))
		if err != nil {
			continue // deleted in the work tree
		}
		p := filepath.Join(dst, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func loadTemplate(t testing.TB) *samtemplate.Template {
	t.Helper()
	tpl, err := samtemplate.Load(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// subset runs on every `make test`: the authorizer and the two secrets it
// and the listings read, a write through the outbox to SQS, a queue worker.
var subset = map[string]bool{
	"AuthorizerFunction": true, "CreatePostFunction": true, "ListPostsFunction": true, "ModeratePostsFunction": true,
}

// TestFunctionsUnderTheEmulator invokes each function's bootstrap with its
// fixtures and checks the answer: the subset in detail, every function
// (MOSAIC_LAMBDA_ALL=1) for an answer of the right shape and no 5xx, the
// transit workers against the reference-server simulator and a seeded task.
func TestFunctionsUnderTheEmulator(t *testing.T) {
	all := os.Getenv("MOSAIC_LAMBDA_ALL") != ""
	s := provision(t, startMoto(t))
	var run []samtemplate.Function
	transit := false
	for _, f := range s.tpl.Functions {
		if all || subset[f.LogicalID] {
			run = append(run, f)
			transit = transit || usesRefServer(f) || usesTransitTable(f)
		}
	}
	if transit {
		s.startRefServer(t)
	}
	for _, f := range run {
		fixtures, _ := filepath.Glob(filepath.Join(repoRoot, "events", f.Dir+"*.json"))
		t.Run(f.LogicalID, func(t *testing.T) {
			bootstrap := build(t, repoRoot, f.LogicalID)
			for _, p := range fixtures {
				name := filepath.Base(p)
				if strings.TrimSuffix(name, ".json") != f.Dir && !strings.HasPrefix(name, f.Dir+"-") {
					continue
				}
				event := s.prepare(t, f, name)
				env := s.env(t, f)
				out, logs := invoke(t, bootstrap, env, event)
				if f.LogicalID == "RedrivePostsFunction" {
					checkRedrive(t, s, bootstrap, env, name, httpAnswer(t, name, out), logs)
					continue
				}
				check(t, s, f, name, event, out, logs)
			}
		})
	}
}

func httpAnswer(t *testing.T, name string, out []byte) events.APIGatewayV2HTTPResponse {
	t.Helper()
	var r events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &r); err != nil || r.StatusCode == 0 {
		t.Fatalf("%s: not an HTTP API answer: %s", name, out)
	}
	return r
}

func check(t *testing.T, s *stack, f samtemplate.Function, name string, event, out []byte, logs string) {
	t.Helper()
	ctx := context.Background()
	switch {
	case f.LogicalID == "AuthorizerFunction":
		var r events.APIGatewayV2CustomAuthorizerSimpleResponse
		if err := json.Unmarshal(out, &r); err != nil || !r.IsAuthorized || r.Context["role"] != "admin" {
			t.Fatalf("%s: %s; want role admin from the hashes in Secrets Manager", name, out)
		}
	case len(f.Routes) > 0:
		r := httpAnswer(t, name, out)
		if r.StatusCode >= 500 {
			t.Fatalf("%s: %d %s\nlogs:\n%s", name, r.StatusCode, r.Body, logs)
		}
		switch f.LogicalID {
		case "CreatePostFunction":
			if r.StatusCode != 201 && r.StatusCode != 202 {
				t.Fatalf("%s: %d %s", name, r.StatusCode, r.Body)
			}
			items, err := awsclients.DynamoDB(s.aws.cfg).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(s.res.Refs["PostsTable"])})
			if err != nil || items.Count != 1 {
				t.Fatalf("PostsTable after POST /posts: %v items, %v", items, err)
			}
			msgs, err := sqs.NewFromConfig(s.aws.cfg).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(s.res.Refs["PostsQueue"]), WaitTimeSeconds: 1})
			if err != nil || len(msgs.Messages) != 1 {
				t.Fatalf("PostsQueue after POST /posts: %v, %v; want the moderation message", msgs, err)
			}
		case "ListPostsFunction":
			if r.StatusCode != 200 || !strings.Contains(r.Body, `"items"`) {
				t.Fatalf("%s: %d %s", name, r.StatusCode, r.Body)
			}
		case "ProcessRequestStatusFunction":
			id, _, _ := taskOf(t, event)
			if r.StatusCode != 200 || !strings.Contains(r.Body, `"task_id":"`+id+`"`) || !strings.Contains(r.Body, `"status":"queued"`) {
				t.Fatalf("%s: %d %s; want the seeded task, queued", name, r.StatusCode, r.Body)
			}
		}
	case len(f.QueueEvents) > 0:
		var r events.SQSEventResponse
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%s: not a batch response: %s", name, out)
		}
		var in events.SQSEvent
		_ = json.Unmarshal(event, &in)
		for _, fail := range r.BatchItemFailures {
			found := false
			for _, rec := range in.Records {
				found = found || rec.MessageId == fail.ItemIdentifier
			}
			if !found {
				t.Fatalf("%s: failure %q names no message of the batch", name, fail.ItemIdentifier)
			}
		}
		if usesTransitTable(f) {
			checkTransit(t, s, f, name, event, r, logs)
		}
	}
}
