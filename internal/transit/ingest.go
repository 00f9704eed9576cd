package transit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/mosaic-platform/mosaic/internal/transit/records"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// Ingester stores city-day files in the bucket and their statistics in the
// catalog, where country-stats reads them.
type Ingester struct {
	Ref     *refclient.Client
	Bucket  *Bucket
	Catalog *Catalog
	TempDir string // where a file is spooled while it streams in (Lambda: /tmp)
}

// Result is what ingesting one city-day did.
type Result struct {
	Key       string
	Unchanged bool // an object with the same SHA-256 was stored already: nothing uploaded
}

// City fetches one city-day, spooling it to a temporary file while hashing
// and parsing it in the same pass, and uploads it unless the stored object has
// the same checksum. A file cut mid-stream is fetched again (with backoff); a
// malformed one fails. Either way nothing is uploaded, so no partial object exists.
func (in *Ingester) City(ctx context.Context, date string, city refclient.City) (Result, error) {
	tmp, err := os.CreateTemp(in.TempDir, "city-*.json")
	if err != nil {
		return Result{}, fmt.Errorf("spool file: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	f := CityFile{Country: city.Country, City: city.Name, CityID: city.ID, Date: date}
	err = in.Ref.Stats(ctx, city.ID, date, func(body io.Reader) error {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("spool file: %w", err)
		}
		if err := tmp.Truncate(0); err != nil {
			return fmt.Errorf("spool file: %w", err)
		}
		h := sha256.New()
		st, err := records.Parse(io.TeeReader(body, &spool{f: tmp, h: h}))
		if err != nil {
			return err
		}
		f.Stats, f.SHA256 = st, hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("city %d on %s: %w", city.ID, date, err)
	}
	res := Result{Key: RawKey(city.Country, date, city.ID, city.Name)}
	meta, found, err := in.Bucket.Head(ctx, res.Key)
	if err != nil {
		return Result{}, fmt.Errorf("check %s: %w", res.Key, err)
	}
	if stored, perr := ParseMetadata(meta); found && perr == nil && stored.SHA256 == f.SHA256 {
		res.Unchanged = true
	} else {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return Result{}, fmt.Errorf("spool file: %w", err)
		}
		if err := in.Bucket.Upload(ctx, res.Key, tmp, f.Metadata()); err != nil {
			return Result{}, fmt.Errorf("upload %s: %w", res.Key, err)
		}
	}
	// Recorded even when unchanged: an earlier attempt may have uploaded and
	// then died before recording (Record is idempotent).
	st := f.Stats
	if _, err := in.Catalog.Record(ctx, CityDay{Date: date, Country: city.Country, City: city.Name, CityID: city.ID,
		SHA256: f.SHA256, Sums: Sums{Records: st.Records, Passengers: st.Passengers, DelayMicros: st.DelayMicros,
			DelayCount: st.DelayCount, Accidents: st.Accidents}}); err != nil {
		return Result{}, err
	}
	return res, nil
}

// spool writes what the parser reads to the temporary file and the hash.
// A write error surfaces as the parser's read error, so a full disk fails the
// city instead of storing a truncated file.
type spool struct {
	f *os.File
	h io.Writer
}

func (s *spool) Write(p []byte) (int, error) {
	_, _ = s.h.Write(p) // a hash never fails
	n, err := s.f.Write(p)
	if err != nil {
		return n, fmt.Errorf("write spool file: %w", err)
	}
	return n, nil
}
