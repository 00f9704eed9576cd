package emutest

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"os"

	"github.com/mosaic-platform/mosaic/internal/emulators/s3local"
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
