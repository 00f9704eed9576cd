package lambdatest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// rieVersion pins the Runtime Interface Emulator module (it has no tags).
const rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"

const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// Tokens the stack's token-hashes secret knows, as the fixtures carry them.
var devTokens = map[string]string{"admin": "dev-admin", "writer": "dev-writer", "reader": "dev-reader"}

var repoRoot = func() string { r, _ := filepath.Abs("../.."); return r }()

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// need fails under CI and skips elsewhere when a tool is missing.
func need(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (.ci/run installs it)", tool)
		}
		t.Skipf("%s is not installed", tool)
	}
	return p
}

var rieOnce struct {
	sync.Once
	path string
	err  error
}

// rie returns the emulator binary, built once into bin/ from the module proxy.
func rie(t testing.TB) string {
	t.Helper()
	rieOnce.Do(func() {
		path := filepath.Join(repoRoot, "bin", "aws-lambda-rie-"+rieVersion)
		if _, err := os.Stat(path); err == nil {
			rieOnce.path = path
			return
		}
		gobin := t.TempDir()
		cmd := exec.Command("go", "install", rieModule+"@"+rieVersion)
		cmd.Dir = os.TempDir() // outside this module: its own go.mod decides
		cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			rieOnce.err = fmt.Errorf("go install %s: %v\n%s", rieModule, err, out)
			return
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			rieOnce.err = err
			return
		}
		if err := os.Rename(filepath.Join(gobin, "aws-lambda-rie"), path); err != nil {
			rieOnce.err = err
			return
		}
		rieOnce.path = path
	})
	if rieOnce.err != nil {
		t.Fatal(rieOnce.err)
	}
	return rieOnce.path
}

// build runs `make build-<id>` in src as sam build does, for the host's
// architecture, and returns the bootstrap.
func build(t testing.TB, src, logicalID string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("make", "-s", "build-"+logicalID, "ARTIFACTS_DIR="+dir, "LAMBDA_ARCH="+runtime.GOARCH)
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build-%s: %v\n%s", logicalID, err, out)
	}
	return filepath.Join(dir, "bootstrap")
}

// moto is one moto_server: DynamoDB, SQS, S3 and Secrets Manager on one endpoint.
type moto struct {
	endpoint string
	cfg      aws.Config
}

func startMoto(t testing.TB) *moto {
	t.Helper()
	bin := need(t, "moto_server")
	port := freePort(t)
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	m := &moto{endpoint: fmt.Sprintf("http://127.0.0.1:%d", port)}
	waitHTTP(t, m.endpoint+"/moto-api/", 60*time.Second)
	m.cfg = aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(m.endpoint),
	}
	return m
}

func waitHTTP(t testing.TB, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer within %s: %v", url, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stack is the template's resources created in moto, and how to resolve a
// function's environment against them.
type stack struct {
	tpl    *samtemplate.Template
	res    samtemplate.Resolver
	aws    *moto
	cities []refclient.City // what the reference-server simulator lists, once started
}

func provision(t testing.TB, m *moto) *stack {
	t.Helper()
	ctx := context.Background()
	tpl, err := samtemplate.Load(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := samtemplate.Resolver{Params: map[string]string{}, Refs: map[string]string{}, Atts: map[string]map[string]string{}}
	for k, v := range tpl.Parameters {
		r.Params[k] = v
	}
	for k, v := range map[string]string{"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::StackName": "mosaic-rie",
		"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "ReferenceServerUrl": "http://127.0.0.1:9"} {
		r.Params[k] = v
	}
	ddb := awsclients.DynamoDB(m.cfg)
	for _, tb := range tpl.Tables {
		if _, err := ddb.CreateTable(ctx, tb.CreateInput(tb.LogicalID)); err != nil {
			t.Fatalf("create table %s: %v", tb.LogicalID, err)
		}
		r.Refs[tb.LogicalID] = tb.LogicalID
		r.Atts[tb.LogicalID] = map[string]string{"Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/" + tb.LogicalID}
	}
	q := sqs.NewFromConfig(m.cfg)
	for _, qu := range tpl.Queues {
		out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(qu.LogicalID)})
		if err != nil {
			t.Fatalf("create queue %s: %v", qu.LogicalID, err)
		}
		arn := "arn:aws:sqs:us-east-1:123456789012:" + qu.LogicalID
		r.Refs[qu.LogicalID] = *out.QueueUrl
		r.Atts[qu.LogicalID] = map[string]string{"Arn": arn, "QueueName": qu.LogicalID, "QueueUrl": *out.QueueUrl}
	}
	s3c := s3.NewFromConfig(m.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range tpl.Buckets {
		name := strings.ToLower(b)
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Fatalf("create bucket %s: %v", name, err)
		}
		r.Refs[b] = name
		r.Atts[b] = map[string]string{"Arn": "arn:aws:s3:::" + name}
	}
	var hashes []string
	for role, token := range devTokens {
		sum := sha256.Sum256([]byte(token))
		hashes = append(hashes, role+":"+hex.EncodeToString(sum[:]))
	}
	values := map[string]string{
		"TokenHashesSecret":   strings.Join(hashes, ","),
		"CursorSigningSecret": strings.Repeat("k", 64),
		"HfTokenSecret":       "unset",
	}
	sm := secretsmanager.NewFromConfig(m.cfg)
	for _, id := range tpl.ResourcesOfType("AWS::SecretsManager::Secret") {
		v, ok := values[id]
		if !ok {
			t.Fatalf("secret %s: no test value", id)
		}
		out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("mosaic-rie/" + id), SecretString: aws.String(v)})
		if err != nil {
			t.Fatalf("create secret %s: %v", id, err)
		}
		r.Refs[id] = *out.ARN
	}
	for _, f := range tpl.Functions {
		r.Refs[f.LogicalID] = f.LogicalID
		r.Atts[f.LogicalID] = map[string]string{"Arn": "arn:aws:lambda:us-east-1:123456789012:function:" + f.LogicalID}
	}
	return &stack{tpl: tpl, res: r, aws: m}
}

// env is the process environment of a function: the template's variables,
// resolved, and what Lambda adds. AWS_CA_BUNDLE is left out, as on Lambda.
func (s *stack) env(t testing.TB, f samtemplate.Function) []string {
	t.Helper()
	vars, err := s.res.Environment(f)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=test",
		"AWS_LAMBDA_FUNCTION_NAME=" + f.LogicalID,
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", f.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
	}
	if s.aws != nil {
		env = append(env, "AWS_ENDPOINT_URL="+s.aws.endpoint)
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// syncBuffer is a bytes.Buffer the emulator's output goroutine writes while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// invoke starts bootstrap under the emulator with env, sends event and
// returns the function's answer and the emulator's output (the function's
// logs), read once the emulator has reported the invocation.
func invoke(t testing.TB, bootstrap string, env []string, event []byte) (answer []byte, logs string) {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(rie(t), "--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", port), bootstrap)
	cmd.Env = env
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }()
	url := fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Post(url, "application/json", bytes.NewReader(event))
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr != nil {
				t.Fatal(rerr)
			}
			// The emulator prints REPORT after the runtime's own output.
			for end := time.Now().Add(2 * time.Second); !strings.Contains(out.String(), "REPORT RequestId") && time.Now().Before(end); {
				time.Sleep(10 * time.Millisecond)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("emulator answered %d: %s\nlogs:\n%s", resp.StatusCode, body, out.String())
			}
			if bytes.Contains(body, []byte(`"errorType"`)) {
				t.Fatalf("the function failed: %s\nlogs:\n%s", body, out.String())
			}
			return body, out.String()
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator did not answer: %v\nlogs:\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
