package emutest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/emulators/s3local"
	"github.com/mosaic-platform/mosaic/internal/emulators/sqslocal"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
)

// server is an emulator served on loopback from this process.
type server struct {
	url   string
	close func() error
}

// emulator is what sqslocal and s3local give to serve: their handler, and Close.
type emulator interface {
	Handler() http.Handler
	Close() error
}

// serve serves an emulator `make run` uses, keeping its data in a fresh
// temporary directory that is removed when the server stops.
func serve[E emulator](name string, open func(dir string) (E, error)) (server, error) {
	dir, err := os.MkdirTemp("", "emutest-"+name+"-")
	if err != nil {
		return server{}, fmt.Errorf("%s emulator: %w", name, err)
	}
	emu, err := open(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return server{}, fmt.Errorf("%s emulator: %w", name, err)
	}
	srv := httptest.NewServer(emu.Handler())
	return server{url: srv.URL, close: func() error {
		srv.Close()
		return errors.Join(emu.Close(), os.RemoveAll(dir))
	}}, nil
}

// startS3 serves s3local (gofakes3 on a file-backed store).
func startS3() (server, error) { return serve("S3", s3local.OpenTemporary) }

// startSQS serves sqslocal (the SQS JSON protocol).
func startSQS() (server, error) {
	return serve("SQS", func(dir string) (*sqslocal.Broker, error) { return sqslocal.New(dir, nil) })
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
