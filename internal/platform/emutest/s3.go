package emutest

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"

	"github.com/mosaic-platform/mosaic/infra/local/s3local"
)

// s3Server is gofakes3 served on loopback from this process.
type s3Server struct {
	url   string
	close func() error
}

// startS3 serves gofakes3 from a bolt file: its memory backend ignores
// If-None-Match and If-Match, the bolt one checks them. The file is unlinked
// once open, so nothing is left behind however the test binary ends.
func startS3() (s3Server, error) {
	dir, err := os.MkdirTemp("", "emutest-s3-")
	if err != nil {
		return s3Server{}, fmt.Errorf("S3 emulator: %w", err)
	}
	// NoSync: the data lives only as long as the test binary.
	db, err := bolt.Open(filepath.Join(dir, "s3.bolt"), 0o600, &bolt.Options{NoSync: true})
	rmErr := os.RemoveAll(dir)
	if err != nil {
		return s3Server{}, fmt.Errorf("S3 emulator: %w", err)
	}
	if rmErr != nil {
		_ = db.Close()
		return s3Server{}, fmt.Errorf("S3 emulator: %w", rmErr)
	}
	srv := httptest.NewServer(s3local.Handler(db))
	return s3Server{url: srv.URL, close: func() error {
		srv.Close()
		return db.Close()
	}}, nil
}
