package awsclients_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

// The integration tests run the clients awsclients builds against the emulator
// stack, configured only through the environment, as a function is.

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

// stackConfig starts the shared stack and loads the SDK configuration the way
// every function does.
func stackConfig(t *testing.T) (context.Context, aws.Config) {
	t.Helper()
	emutest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cfg, err := awsclients.Load(ctx, config.OS)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, cfg
}
