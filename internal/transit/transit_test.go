package transit

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	e := stackEnv{Ctx: ctx}
	e.S3, e.Bucket = emutest.Bucket(t, "transit")
	e.DB, e.Table = emutest.Table(t, "TransitTable")
	return e
}
