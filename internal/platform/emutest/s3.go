package emutest

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/emulators/s3local"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
)

// server is an emulator served on loopback from this process.
type server struct {
	url   string
	close func() error
}

// startS3 serves the S3 emulator `make run` uses (gofakes3 on a file-backed
// store). Its directory is removed when the server stops.
func startS3() (server, error) {
	dir, err := os.MkdirTemp("", "emutest-s3-")
	if err != nil {
		return server{}, fmt.Errorf("S3 emulator: %w", err)
	}
	store, err := s3local.OpenTemporary(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return server{}, fmt.Errorf("S3 emulator: %w", err)
	}
	srv := httptest.NewServer(store.Handler())
	return server{url: srv.URL, close: func() error {
		srv.Close()
		return errors.Join(store.Close(), os.RemoveAll(dir))
	}}, nil
}

// Bucket creates a fresh bucket in the stack's S3 and returns an S3 client of
// the stack and the bucket's name.
func Bucket(t testing.TB, prefix string) (*s3.Client, string) {
	t.Helper()
	client, name := awsclients.S3(Start(t).AWS), Name(prefix)
	if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	return client, name
}

// Simulator serves a reference-server simulator (the transit upstream) for
// the test and returns it with its URL.
func Simulator(t testing.TB, c refserver.Config) (*refserver.Server, string) {
	t.Helper()
	s, err := refserver.New(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}
