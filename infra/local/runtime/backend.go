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

	"github.com/mosaic-platform/mosaic/internal/emulators/dynamodblocal"
	"github.com/mosaic-platform/mosaic/internal/emulators/dynamolocal"
	"github.com/mosaic-platform/mosaic/internal/emulators/s3local"
	"github.com/mosaic-platform/mosaic/internal/emulators/sqslocal"
)

// localAWS are the AWS stand-ins, each on its own loopback port.
type localAWS struct {
	dynamo  *dynamolocal.Server    // the embedded DynamoDB; nil when DynamoDB Local runs instead
	javaDDB *dynamodblocal.Process // DynamoDB Local, when asked for
	s3      *s3local.Store
	broker  *sqslocal.Broker
	servers []*http.Server
	env     map[string]string // AWS_ENDPOINT_URL_* and credentials pointing the SDK at them
}

// startEmulators opens the durable emulators under dir and serves them. With
// dynamoDBLocal, AWS's DynamoDB Local (installed by `make emulators`, run on
// Java) replaces the embedded one: AWS's own semantics, at the cost
// of a JVM that listens on every interface.
func startEmulators(ctx context.Context, dir string, dynamoDBLocal bool) (_ *localAWS, err error) {
	e := &localAWS{env: map[string]string{
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
	handlers := map[string]http.Handler{}
	if dynamoDBLocal {
		if e.javaDDB, err = startDynamoDBLocal(ctx, filepath.Join(dir, "dynamodb-local")); err != nil {
			return nil, err
		}
		e.env["AWS_ENDPOINT_URL_DYNAMODB"] = e.javaDDB.URL()
	} else {
		if e.dynamo, err = dynamolocal.Open(filepath.Join(dir, "dynamodb")); err != nil {
			return nil, err
		}
		handlers["AWS_ENDPOINT_URL_DYNAMODB"] = e.dynamo
	}
	if e.s3, err = s3local.Open(filepath.Join(dir, "s3")); err != nil {
		return nil, err
	}
	if e.broker, err = sqslocal.New(filepath.Join(dir, "sqs"), nil); err != nil {
		return nil, err
	}
	handlers["AWS_ENDPOINT_URL_S3"] = e.s3.Handler()
	handlers["AWS_ENDPOINT_URL_SQS"] = e.broker.Handler()
	for name, h := range handlers {
		url, err := e.serve(h)
		if err != nil {
			return nil, err
		}
		e.env[name] = url
	}
	return e, nil
}

func (e *localAWS) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for an emulator: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	e.servers = append(e.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

func (e *localAWS) close(ctx context.Context) error {
	var errs []error
	for _, s := range e.servers {
		errs = append(errs, s.Shutdown(ctx))
	}
	if e.broker != nil {
		errs = append(errs, e.broker.Close())
	}
	if e.s3 != nil {
		errs = append(errs, e.s3.Close())
	}
	if e.dynamo != nil {
		errs = append(errs, e.dynamo.Close())
	}
	if e.javaDDB != nil {
		errs = append(errs, e.javaDDB.Stop())
	}
	return errors.Join(errs...)
}

// startDynamoDBLocal runs DynamoDB Local on disk under dir.
func startDynamoDBLocal(ctx context.Context, dir string) (*dynamodblocal.Process, error) {
	tools, err := dynamodblocal.FindTools()
	if err != nil {
		return nil, fmt.Errorf("MOSAIC_DYNAMODB=dynamodb-local: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dynamodb data directory: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return dynamodblocal.StartDynamoDB(ctx, tools, dir)
}
