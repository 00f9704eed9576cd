package emutest

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"os"

	"github.com/mosaic-platform/mosaic/internal/emulators/sqslocal"
)

// startSQS serves the SQS emulator `make run` uses (sqslocal, the SQS JSON
// protocol) from this process. Its directory is removed when the server stops.
func startSQS() (server, error) {
	dir, err := os.MkdirTemp("", "emutest-sqs-")
	if err != nil {
		return server{}, fmt.Errorf("SQS emulator: %w", err)
	}
	broker, err := sqslocal.New(dir, nil)
	if err != nil {
		_ = os.RemoveAll(dir)
		return server{}, fmt.Errorf("SQS emulator: %w", err)
	}
	srv := httptest.NewServer(broker.Handler())
	return server{url: srv.URL, close: func() error {
		srv.Close()
		return errors.Join(broker.Close(), os.RemoveAll(dir))
	}}, nil
}
