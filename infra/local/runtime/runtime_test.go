package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// deliveries records what the test worker saw: id -> receive counts.
type deliveries struct {
	mu   sync.Mutex
	seen map[string][]int
}

func (d *deliveries) add(id string, receiveCount int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen[id] = append(d.seen[id], receiveCount)
}

func (d *deliveries) get(id string) []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]int(nil), d.seen[id]...)
}

type job struct {
	ID   string `json:"id"`
	Fail int    `json:"fail"` // fail the first Fail receives
}

// testFunctions wires the testdata template's functions through the production
// plumbing: the real authorizer, apigw, the SQS publisher and batch handling.
func testFunctions(got *deliveries) map[string]function.Constructor {
	return map[string]function.Constructor{
		"authorizer": auth.NewAuthorizer,
		"enqueue": func(ctx context.Context, d function.Deps) (any, error) {
			l := config.New(d.Env)
			url := l.String("QUEUE_URL")
			echo := map[string]string{}
			for _, k := range []string{"QUEUE_URL", "TABLE_NAME", "BUCKET", "QUEUE_ARN", "REGION", "STAGE"} {
				echo[k] = l.String(k)
			}
			if err := l.Err(); err != nil {
				return nil, err
			}
			pub := queue.NewSQSPublisher(awsclients.SQS(d.AWS), url)
			return apigw.Handle(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				if _, err := auth.Require(req, auth.Writer); err != nil {
					return events.APIGatewayV2HTTPResponse{}, err
				}
				var j job
				if err := apigw.DecodeJSON(req, &j, 0); err != nil {
					return events.APIGatewayV2HTTPResponse{}, err
				}
				if err := pub.Publish(ctx, j); err != nil {
					return events.APIGatewayV2HTTPResponse{}, err
				}
				return apigw.JSON(http.StatusAccepted, echo)
			}), nil
		},
		"worker": func(ctx context.Context, d function.Deps) (any, error) {
			return queue.Worker(func(ctx context.Context, m events.SQSMessage) error {
				var j job
				if err := json.Unmarshal([]byte(m.Body), &j); err != nil {
					return queue.Permanent(err)
				}
				n, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
				got.add(j.ID, n)
				if n <= j.Fail {
					return fmt.Errorf("job %s: failing receive %d on purpose", j.ID, n)
				}
				return nil
			}), nil
		},
	}
}

func startTestStack(t *testing.T, dataDir string, got *deliveries) *Stack {
	t.Helper()
	s, err := Start(context.Background(), Options{
		Template:  "testdata/template.yaml",
		DataDir:   dataDir,
		Addr:      "127.0.0.1:0",
		Tokens:    DevTokens,
		Functions: testFunctions(got),
		Env:       config.Map(map[string]string{}),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return s
}

func post(t *testing.T, url, token, body string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
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

func TestStackRunsTheTemplate(t *testing.T) {
	dataDir := t.TempDir()
	got := &deliveries{seen: map[string][]int{}}
	s := startTestStack(t, dataDir, got)
	ctx := context.Background()

	t.Run("environment resolves to the local resources", func(t *testing.T) {
		status, env := post(t, s.URL+"/jobs", "dev-writer", `{"id":"ok"}`)
		if status != http.StatusAccepted {
			t.Fatalf("POST /jobs = %d %v", status, env)
		}
		want := map[string]string{
			"TABLE_NAME": "ItemsTable", "BUCKET": "rawbucket", "STAGE": "local", "REGION": "us-east-1",
			"QUEUE_ARN": "arn:aws:sqs:us-east-1:000000000000:JobsQueue",
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s = %q, want %q", k, env[k], v)
			}
		}
		if !strings.HasPrefix(env["QUEUE_URL"], "http://127.0.0.1:") || !strings.HasSuffix(env["QUEUE_URL"], "/JobsQueue") {
			t.Errorf("QUEUE_URL = %q", env["QUEUE_URL"])
		}
	})
	t.Run("the authorizer guards the route", func(t *testing.T) {
		if status, _ := post(t, s.URL+"/jobs", "", `{"id":"x"}`); status != http.StatusUnauthorized {
			t.Errorf("no token: %d, want 401", status)
		}
		if status, _ := post(t, s.URL+"/jobs", "dev-reader", `{"id":"x"}`); status != http.StatusForbidden {
			t.Errorf("reader token: %d, want 403", status)
		}
	})
	t.Run("SQS event source: retries, partial failures and the DLQ", func(t *testing.T) {
		for _, body := range []string{`{"id":"flaky","fail":1}`, `{"id":"poison","fail":99}`} {
			if status, _ := post(t, s.URL+"/jobs", "dev-writer", body); status != http.StatusAccepted {
				t.Fatalf("POST /jobs %s = %d", body, status)
			}
		}
		eventually(t, 20*time.Second, "flaky succeeds on its second receive", func() bool {
			return fmt.Sprint(got.get("flaky")) == "[1 2]"
		})
		eventually(t, 20*time.Second, "poison is tried maxReceiveCount (2) times", func() bool {
			return fmt.Sprint(got.get("poison")) == "[1 2]"
		})
		client := awsclients.SQS(awsConfig(t))
		dlq, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("JobsDeadLetterQueue")})
		if err != nil {
			t.Fatal(err)
		}
		var body string
		eventually(t, 10*time.Second, "poison reaches the dead-letter queue", func() bool {
			out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 1, VisibilityTimeout: 1})
			if err == nil && len(out.Messages) == 1 {
				body = aws.ToString(out.Messages[0].Body)
			}
			return body != ""
		})
		if !strings.Contains(body, `"poison"`) {
			t.Errorf("DLQ message = %s", body)
		}
		if n := got.get("ok"); len(n) != 1 {
			t.Errorf("a message that succeeded was delivered %d times, want once", len(n))
		}
	})

	// Leave data in each service, restart on the same directory, find it again.
	cfg := awsConfig(t)
	ddb, s3c := awsclients.DynamoDB(cfg), awsclients.S3(cfg)
	if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ItemsTable"), Item: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "kept"},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rawbucket"), Key: aws.String("raw/kept.json"),
		Body: strings.NewReader(`{}`), Metadata: map[string]string{"count": "3"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}

	s = startTestStack(t, dataDir, got)
	defer s.Close(ctx)
	cfg = awsConfig(t)
	ddb, s3c = awsclients.DynamoDB(cfg), awsclients.S3(cfg)
	item, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ItemsTable"), Key: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "kept"},
	}})
	if err != nil || item.Item == nil {
		t.Errorf("DynamoDB item lost across a restart: %v", err)
	}
	head, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("rawbucket"), Key: aws.String("raw/kept.json")})
	if err != nil || head.Metadata["count"] != "3" {
		t.Errorf("S3 object lost across a restart: %v %v", err, head)
	}
	client := awsclients.SQS(cfg)
	dlq, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("JobsDeadLetterQueue")})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the dead-lettered message survives a restart", func() bool {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 1})
		return err == nil && len(out.Messages) == 1 && strings.Contains(aws.ToString(out.Messages[0].Body), "poison")
	})
}

func TestTTLSweepDeletesExpiredItems(t *testing.T) {
	s := startTestStack(t, t.TempDir(), &deliveries{seen: map[string][]int{}})
	ctx := context.Background()
	defer s.Close(ctx)
	ddb := awsclients.DynamoDB(awsConfig(t))
	now := time.Now()
	for id, expires := range map[string]time.Time{"old": now.Add(-time.Hour), "fresh": now.Add(time.Hour)} {
		if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ItemsTable"), Item: map[string]ddbtypes.AttributeValue{
			"pk":         &ddbtypes.AttributeValueMemberS{Value: id},
			"expires_at": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(expires.Unix(), 10)},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	deleted, err := s.emu.dynamo.ExpireItems(now)
	if err != nil || deleted["ItemsTable"] != 1 {
		t.Fatalf("the sweep deleted %v (%v), want 1 of ItemsTable", deleted, err)
	}
	for id, wantKept := range map[string]bool{"old": false, "fresh": true} {
		out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ItemsTable"), Key: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: id},
		}})
		if err != nil || (out.Item != nil) != wantKept {
			t.Errorf("%s kept = %v, want %v (%v)", id, out.Item != nil, wantKept, err)
		}
	}
}

// awsConfig is the SDK configuration the stack's functions use.
func awsConfig(t *testing.T) aws.Config {
	t.Helper()
	cfg, err := awsclients.Load(context.Background(), config.Map(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestTemplateChangeKeepsData restarts on the same data directory with a queue
// whose settings changed, as after an edit of template.yaml.
func TestTemplateChangeKeepsData(t *testing.T) {
	dir, dataDir := t.TempDir(), t.TempDir()
	src, err := os.ReadFile("testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl := filepath.Join(dir, "template.yaml")
	start := func(body string) *Stack {
		if err := os.WriteFile(tpl, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Start(context.Background(), Options{
			Template: tpl, DataDir: dataDir, Addr: "127.0.0.1:0", Tokens: DevTokens,
			Functions: testFunctions(&deliveries{seen: map[string][]int{}}),
			Env:       config.Map(map[string]string{}), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		return s
	}
	s := start(string(src))
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), "VisibilityTimeout: 1", "VisibilityTimeout: 7", 1)
	s = start(changed)
	defer s.Close(context.Background())
	c := awsclients.SQS(awsConfig(t))
	url, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("JobsQueue")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"VisibilityTimeout"}})
	if err != nil || attrs.Attributes["VisibilityTimeout"] != "7" {
		t.Fatalf("VisibilityTimeout after the template changed = %v (%v), want 7", attrs.Attributes, err)
	}
}

// TestDynamoDBLocalOnRequest runs the stack on AWS's DynamoDB Local instead of
// minidyn (MOSAIC_DYNAMODB=dynamodb-local) and keeps its data across a restart.
func TestDynamoDBLocalOnRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("needs DynamoDB Local (Java): skipped by -short (make test-unit)")
	}
	dataDir := t.TempDir()
	ctx := context.Background()
	start := func() *Stack {
		s, err := Start(ctx, Options{
			Template: "testdata/template.yaml", DataDir: dataDir, Addr: "127.0.0.1:0", Tokens: DevTokens,
			Functions: testFunctions(&deliveries{seen: map[string][]int{}}),
			Env:       config.Map(map[string]string{"MOSAIC_DYNAMODB": "dynamodb-local"}),
			Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		return s
	}
	s := start()
	if !strings.Contains(s.Backend, "dynamodb-local") {
		t.Fatalf("backend = %q", s.Backend)
	}
	ddb := awsclients.DynamoDB(awsConfig(t))
	if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ItemsTable"), Item: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "kept"},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = start()
	defer s.Close(ctx)
	ddb = awsclients.DynamoDB(awsConfig(t))
	out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ItemsTable"), Key: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "kept"},
	}})
	if err != nil || out.Item == nil {
		t.Fatalf("item lost across a restart on DynamoDB Local: %v", err)
	}
}

// TestStartRefusesWhatWouldGoWrong: a data directory in use, a taken port and
// bad settings stop the start with a message that says what to do.
func TestStartRefusesWhatWouldGoWrong(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	opts := func(env map[string]string) Options {
		return Options{
			Template: "testdata/template.yaml", DataDir: dataDir, Addr: "127.0.0.1:0", Tokens: DevTokens,
			Functions: testFunctions(&deliveries{seen: map[string][]int{}}),
			Env:       config.Map(env), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		}
	}
	first, err := Start(ctx, opts(nil))
	if err != nil {
		t.Fatal(err)
	}
	taken := strings.TrimPrefix(first.URL, "http://")
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"the data directory is in use", opts(nil), "another make run (pid"},
		{"the port is taken", func() Options { o := opts(nil); o.DataDir = t.TempDir(); o.Addr = taken; return o }(), "set PORT"},
		{"an unknown backend", func() Options {
			o := opts(map[string]string{"MOSAIC_BACKEND": "AWS"})
			o.DataDir = t.TempDir()
			return o
		}(), `MOSAIC_BACKEND: "AWS" is not a backend`},
		{"a short cursor secret", func() Options {
			o := opts(map[string]string{"MOSAIC_CURSOR_SECRET": "short"})
			o.DataDir = t.TempDir()
			return o
		}(), "MOSAIC_CURSOR_SECRET: 5 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(ctx, tc.o)
			if err == nil {
				s.Close(ctx)
				t.Fatalf("started, want an error mentioning %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want one mentioning %q", err, tc.want)
			}
		})
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := Start(ctx, opts(nil))
	if err != nil {
		t.Fatalf("the data directory stayed locked after Close: %v", err)
	}
	again.Close(ctx)
}
