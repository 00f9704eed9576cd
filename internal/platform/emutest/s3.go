package emutest

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"os"

	"github.com/mosaic-platform/mosaic/internal/emulators/s3local"
)

// s3Server is gofakes3 served on loopback from this process.
type s3Server struct {
	url   string
	close func() error
}

// startS3 serves the S3 emulator `make run` uses (gofakes3 on a file-backed
// store). Its directory is removed when the server stops.
func startS3() (s3Server, error) {
	dir, err := os.MkdirTemp("", "emutest-s3-")
	if err != nil {
		return s3Server{}, fmt.Errorf("S3 emulator: %w", err)
	}
	store, err := s3local.OpenTemporary(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return s3Server{}, fmt.Errorf("S3 emulator: %w", err)
	}
	srv := httptest.NewServer(store.Handler())
	return s3Server{url: srv.URL, close: func() error {
		srv.Close()
		return errors.Join(store.Close(), os.RemoveAll(dir))
	}}, nil
}
