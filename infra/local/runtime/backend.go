package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/mosaic-platform/mosaic/infra/local/dynamolocal"
	"github.com/mosaic-platform/mosaic/infra/local/s3local"
	"github.com/mosaic-platform/mosaic/infra/local/sqslocal"
)

// emulators are the in-process AWS stand-ins, each on its own loopback port.
type emulators struct {
	dynamo  *dynamolocal.Server
	s3db    *bolt.DB
	broker  *sqslocal.Broker
	servers []*http.Server
	env     map[string]string // AWS_ENDPOINT_URL_* and credentials pointing the SDK at them
}

// startEmulators opens the durable emulators under dir and serves them.
func startEmulators(dir string) (_ *emulators, err error) {
	e := &emulators{env: map[string]string{
		"AWS_REGION":            "us-east-1",
		"AWS_ACCESS_KEY_ID":     "local",
		"AWS_SECRET_ACCESS_KEY": "local",
		"AWS_SESSION_TOKEN":     "",
	}}
	defer func() {
		if err != nil {
			e.close(context.Background())
		}
	}()
	if e.dynamo, err = dynamolocal.Open(filepath.Join(dir, "dynamodb")); err != nil {
		return nil, err
	}
	if err = os.MkdirAll(filepath.Join(dir, "s3"), 0o755); err != nil {
		return nil, fmt.Errorf("s3 data directory: %w", err)
	}
	if e.s3db, err = bolt.Open(filepath.Join(dir, "s3", "s3.bolt"), 0o600, &bolt.Options{Timeout: 2 * time.Second}); err != nil {
		return nil, fmt.Errorf("open s3 store (is another `make run` using %s?): %w", dir, err)
	}
	if e.broker, err = sqslocal.New(filepath.Join(dir, "sqs"), nil); err != nil {
		return nil, err
	}
	for name, h := range map[string]http.Handler{
		"AWS_ENDPOINT_URL_DYNAMODB": e.dynamo,
		"AWS_ENDPOINT_URL_S3":       s3local.Handler(e.s3db),
		"AWS_ENDPOINT_URL_SQS":      e.broker.Handler(),
	} {
		url, err := e.serve(h)
		if err != nil {
			return nil, err
		}
		e.env[name] = url
	}
	return e, nil
}

func (e *emulators) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for an emulator: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	e.servers = append(e.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

func (e *emulators) close(ctx context.Context) error {
	var errs []error
	for _, s := range e.servers {
		errs = append(errs, s.Shutdown(ctx))
	}
	if e.broker != nil {
		errs = append(errs, e.broker.Close())
	}
	if e.s3db != nil {
		errs = append(errs, e.s3db.Close())
	}
	if e.dynamo != nil {
		errs = append(errs, e.dynamo.Close())
	}
	return errors.Join(errs...)
}
