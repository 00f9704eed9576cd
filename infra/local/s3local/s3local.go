// Package s3local serves the S3 API from a bolt file with gofakes3, for the
// local runtime and the integration tests alike.
package s3local

import (
	"net/http"
	"strings"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	bolt "go.etcd.io/bbolt"
)

// Handler serves the S3 API over the objects in db. The bolt backend, unlike
// gofakes3's memory one, honours If-None-Match and If-Match.
func Handler(db *bolt.DB) http.Handler {
	return withoutRangeChecksums(gofakes3.New(s3bolt.New(db)).Server())
}

// withoutRangeChecksums drops x-amz-checksum-* from ranged GETs, as S3 does.
// gofakes3 stores a PUT's X-Amz-* headers as metadata and replays them on every
// read, so a ranged read would carry the whole object's checksum and fail the
// SDK's response validation.
func withoutRangeChecksums(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") == "" {
			h.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(&checksumStripper{ResponseWriter: w}, r)
	})
}

type checksumStripper struct {
	http.ResponseWriter
	wrote bool
}

func (c *checksumStripper) WriteHeader(code int) {
	if !c.wrote {
		c.wrote = true
		for k := range c.Header() {
			if strings.HasPrefix(k, "X-Amz-Checksum-") {
				c.Header().Del(k)
			}
		}
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *checksumStripper) Write(b []byte) (int, error) {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}
