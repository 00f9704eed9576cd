package s3local

import (
	"net/http"
	"strings"
)

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
