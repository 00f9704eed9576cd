package transit

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

// stackEnv is one test's AWS resources on the emulator stack.
type stackEnv struct {
	Ctx    context.Context
	DB     *dynamodb.Client
	S3     *s3.Client
	Table  string
	Bucket string
}

// startStack creates a fresh TransitTable (as template.yaml declares it) and bucket on the emulator stack.
func startStack(t testing.TB) stackEnv {
	t.Helper()
	emutest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cfg, err := awsclients.Load(ctx, config.OS)
	if err != nil {
		t.Fatal(err)
	}
	e := stackEnv{Ctx: ctx, S3: awsclients.S3(cfg), Bucket: emutest.Name("transit")}
	if _, err := e.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(e.Bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	e.DB, e.Table = emutest.Table(t, "TransitTable")
	return e
}

// simulator serves a reference-server simulator for the test and returns it with its URL.
func simulator(t testing.TB, c refserver.Config) (*refserver.Server, string) {
	t.Helper()
	s, err := refserver.New(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}
