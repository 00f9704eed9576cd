// Package emutest runs the wire-protocol emulator stack that integration tests
// talk to: DynamoDB Local (Java, AWS's reference DynamoDB), and the SQS and S3
// emulators `make run` uses, sqslocal and s3local (in process). One stack serves a whole test binary; it is started by the first
// test that asks for it and stopped by Run, or by the kernel when the binary dies.
//
//	func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }
//
//	func TestSomething(t *testing.T) {
//		st := emutest.Start(t)
//		db := awsclients.DynamoDB(st.AWS)
//		...
//	}
//
// DynamoDB Local is installed by `make emulators` (internal/emulators/dynamodblocal/install.sh).
package emutest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mosaic-platform/mosaic/internal/emulators/dynamodblocal"
)

// Region is the region every emulator and client of the stack uses.
const Region = "us-east-1"

// startTimeout bounds the start of the whole stack: a cold JVM on a busy
// two-core machine takes a few seconds, never this long.
const startTimeout = 60 * time.Second

// Stack is a running emulator stack.
type Stack struct {
	DynamoDBEndpoint string     // DynamoDB Local, http://127.0.0.1:<port>
	SQSEndpoint      string     // sqslocal, http://127.0.0.1:<port>
	S3Endpoint       string     // s3local, http://127.0.0.1:<port>
	AWS              aws.Config // static credentials, Region, and each service's endpoint

	dynamoDBLocal *dynamodblocal.Process // the one emulator running as a child process
	stops         []func() error         // run in reverse order by stop
}

var (
	mu      sync.Mutex
	shared  *Stack
	failure error // a failed start is not retried: every test reports the same cause
)

// Start returns the test binary's stack, starting it on first use, and sets the
// process environment (see Env) so that code reading it, such as
// awsclients.Load, reaches the stack. It fails the test, naming the fix, when the
// stack cannot start.
func Start(t testing.TB) *Stack {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the emulator stack (Java): skipped by -short (make test-unit); make test runs it")
	}
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && failure == nil {
		shared, failure = start()
		if failure == nil {
			failure = shared.setenv()
		}
	}
	if failure != nil {
		t.Fatalf("emulator stack: %v", failure)
	}
	return shared
}

// Run runs the tests and then stops the stack if one was started; use it from
// TestMain. Without it the kernel still kills the emulators when the test binary
// exits (Linux).
func Run(m *testing.M) int {
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "emulator stack: %v\n", err)
	}
	return code
}

// Stop stops the stack, if it runs; the next Start starts a new one.
func Stop() error {
	mu.Lock()
	defer mu.Unlock()
	if shared == nil {
		return nil
	}
	err := shared.stop()
	shared = nil
	return err
}

// Env is the environment that points the AWS SDK at the stack: static
// credentials, the region, one endpoint per service, and X-Ray kept quiet.
func (s *Stack) Env() map[string]string {
	return map[string]string{
		"AWS_REGION":                Region,
		"AWS_ACCESS_KEY_ID":         "emutest",
		"AWS_SECRET_ACCESS_KEY":     "emutest",
		"AWS_ENDPOINT_URL_DYNAMODB": s.DynamoDBEndpoint,
		"AWS_ENDPOINT_URL_SQS":      s.SQSEndpoint,
		"AWS_ENDPOINT_URL_S3":       s.S3Endpoint,
		"AWS_EC2_METADATA_DISABLED": "true",
		"AWS_XRAY_CONTEXT_MISSING":  "IGNORE_ERROR",
	}
}

// setenv exports Env and drops the variables that would send the SDK to a real
// account's profile or session, or make it ignore the endpoint variables.
func (s *Stack) setenv() error {
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"} {
		if err := os.Unsetenv(k); err != nil {
			return err
		}
	}
	for k, v := range s.Env() {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

var nameSeq atomic.Uint64

// Name returns a fresh name for a table, queue or bucket: tests share one stack,
// so each creates its own resources. Valid for all three services.
func Name(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", strings.ToLower(prefix), nameSeq.Add(1), hex.EncodeToString(b))
}

func start() (*Stack, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tl, err := dynamodblocal.FindTools()
	if err != nil {
		return nil, err
	}
	s := &Stack{}
	s3, err := startS3()
	if err != nil {
		return nil, err
	}
	s.S3Endpoint, s.stops = s3.url, append(s.stops, s3.close)
	sqs, err := startSQS()
	if err != nil {
		return nil, errors.Join(err, s.stop())
	}
	s.SQSEndpoint, s.stops = sqs.url, append(s.stops, sqs.close)
	ddb, err := dynamodblocal.StartDynamoDB(ctx, tl, "")
	if err != nil {
		return nil, errors.Join(err, s.stop())
	}
	s.dynamoDBLocal, s.stops = ddb, append(s.stops, ddb.Stop)
	s.DynamoDBEndpoint = ddb.URL()
	s.AWS = aws.Config{
		Region:      Region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("emutest", "emutest", "")),
		ConfigSources: []any{endpoints{
			"DynamoDB": s.DynamoDBEndpoint,
			"SQS":      s.SQSEndpoint,
			"S3":       s.S3Endpoint,
		}},
	}
	return s, nil
}

func (s *Stack) stop() error {
	var errs []error
	for i := len(s.stops) - 1; i >= 0; i-- {
		errs = append(errs, s.stops[i]())
	}
	return errors.Join(errs...)
}

// endpoints gives each service client its base endpoint, the way
// AWS_ENDPOINT_URL_<SERVICE> does, without reading the environment.
type endpoints map[string]string

// GetServiceBaseEndpoint is the SDK's per-service endpoint hook (sdkID: "S3", "SQS", "DynamoDB").
func (e endpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := e[sdkID]
	return v, ok, nil
}
