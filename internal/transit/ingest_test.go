package transit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/transit/records"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// s3Calls watches the multipart calls the uploader makes, and can fail one part.
type s3Calls struct {
	failPart     int32        // UploadPart of this part number fails (0: none); set before the upload
	creates      atomic.Int64 // CreateMultipartUpload calls
	parts        atomic.Int64 // UploadPart calls that succeeded
	aborts       atomic.Int64 // AbortMultipartUpload calls
	partsAtAbort atomic.Int64 // parts uploaded when the last abort was sent
	completes    atomic.Int64 // CompleteMultipartUpload calls
	uploads      atomic.Int64 // PutObject and CreateMultipartUpload calls: one per file uploaded
}

var errPartFailed = errors.New("injected UploadPart failure")

// client returns a copy of base whose calls go through c.
func (c *s3Calls) client(base *s3.Client) *s3.Client {
	return s3.New(base.Options(), func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("s3Calls", c.handle), middleware.After)
		})
	})
}

func (c *s3Calls) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	switch p := in.Parameters.(type) {
	case *s3.UploadPartInput:
		if c.failPart != 0 && aws.ToInt32(p.PartNumber) == c.failPart {
			return middleware.InitializeOutput{}, middleware.Metadata{}, errPartFailed
		}
		out, md, err := next.HandleInitialize(ctx, in)
		if err == nil {
			c.parts.Add(1)
		}
		return out, md, err
	case *s3.PutObjectInput:
		c.uploads.Add(1)
	case *s3.CreateMultipartUploadInput:
		c.creates.Add(1)
		c.uploads.Add(1)
	case *s3.AbortMultipartUploadInput:
		c.partsAtAbort.Store(c.parts.Load())
		c.aborts.Add(1)
	case *s3.CompleteMultipartUploadInput:
		c.completes.Add(1)
	}
	return next.HandleInitialize(ctx, in)
}

// fixture is a stack, a simulator and an ingester between them; stats is
// the catalog on a DynamoDB client whose requests reads counts.
type fixture struct {
	stackEnv
	sim   *refserver.Server
	url   string
	s3    *s3Calls // the calls the ingester's bucket makes
	in    *Ingester
	reads *requests
	stats *Catalog
}

// setup starts a fixture whose catalog lists the simulator's countries.
func setup(t *testing.T, c refserver.Config) fixture {
	t.Helper()
	env := startStack(t)
	sim, url := emutest.Simulator(t, c)
	ref, err := refclient.New(url, refclient.WithRetries(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	cat := NewCatalog(env.DB, env.Table)
	var names []string
	for _, c := range sim.Cities() {
		names = append(names, c.Country)
	}
	if err := cat.AddCountries(env.Ctx, names); err != nil {
		t.Fatal(err)
	}
	calls, reads := &s3Calls{}, &requests{}
	return fixture{stackEnv: env, sim: sim, url: url, s3: calls, reads: reads,
		in:    &Ingester{Ref: ref, Bucket: NewBucket(calls.client(env.S3), env.Bucket), Catalog: cat, TempDir: t.TempDir()},
		stats: NewCatalog(countedDB(env.DB, reads), env.Table)}
}

func (f fixture) city(t *testing.T, id int) refclient.City {
	t.Helper()
	c := f.sim.Cities()[id]
	return refclient.City{ID: c.ID, Name: c.Name, Country: c.Country}
}

func (f fixture) get(t *testing.T, key string) ([]byte, map[string]string) {
	t.Helper()
	out, err := f.S3.GetObject(f.Ctx, &s3.GetObjectInput{Bucket: aws.String(f.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, out.Metadata
}

// keys lists every object of the bucket, and fails on a pending multipart upload.
func (f fixture) keys(t *testing.T) []string {
	t.Helper()
	out, err := f.S3.ListObjectsV2(f.Ctx, &s3.ListObjectsV2Input{Bucket: aws.String(f.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	mp, err := f.S3.ListMultipartUploads(f.Ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(f.Bucket)})
	// gofakes3 answers NoSuchUpload, not an empty list, for a bucket where no
	// multipart upload ever began; once one has, it lists (even when empty).
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload" && f.s3.creates.Load() == 0 {
		return keys
	}
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(mp.Uploads) > 0 {
		t.Fatalf("%d multipart uploads left pending", len(mp.Uploads))
	}
	return keys
}

func TestIngestStoresFileAndStatistics(t *testing.T) {
	t.Parallel()
	f := setup(t, refserver.DefaultConfig())
	for _, date := range []string{"2024-05-01", "2024-05-02"} {
		for _, id := range []int{0, 5, 11} {
			c := f.city(t, id)
			res, err := f.in.City(f.Ctx, date, c)
			if err != nil {
				t.Fatal(err)
			}
			if res.Unchanged || res.Key != RawKey(c.Country, date, c.ID, c.Name) {
				t.Fatalf("result %+v", res)
			}
			body, meta := f.get(t, res.Key)
			resp, err := http.Get(f.url + "/cities/" + strconv.Itoa(id) + "/stats?date=" + date)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(body, want) {
				t.Fatalf("%s: stored bytes differ from the reference server's", res.Key)
			}
			stored, err := ParseMetadata(meta)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := stored.Stats, recompute(t, body); got != want {
				t.Errorf("%s: metadata %+v, recomputed %+v", res.Key, got, want)
			}
			if stored.Country != c.Country || stored.City != c.Name || stored.CityID != id || stored.Date != date {
				t.Errorf("%s: metadata names %+v", res.Key, stored)
			}
		}
	}
}

func TestIngestTwiceUploadsOnce(t *testing.T) {
	t.Parallel()
	f := setup(t, refserver.DefaultConfig())
	days := NewCatalog(f.DB, f.Table)
	for round := range 2 {
		for id := range 4 {
			res, err := f.in.City(f.Ctx, "2024-05-01", f.city(t, id))
			if err != nil {
				t.Fatal(err)
			}
			if res.Unchanged != (round == 1) {
				t.Fatalf("round %d city %d: unchanged=%v", round, id, res.Unchanged)
			}
		}
	}
	if n := f.s3.uploads.Load(); n != 4 {
		t.Fatalf("%d uploads, want 4 (the second ingest uploads nothing)", n)
	}
	got, err := days.Days(f.Ctx, "2024-05-01", "2024-05-01")
	var cities int
	for _, d := range got {
		cities += d.Cities
	}
	if err != nil || cities != 4 {
		t.Fatalf("catalog: %d cities recorded (%+v), want 4: %v", cities, got, err)
	}
}

func TestIngestLargeCityUsesMultipart(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.MinRecords, c.MaxRecords = 170_000, 170_000 // ≈ 18 MB: two 16 MiB parts
	f := setup(t, c)
	res, err := f.in.City(f.Ctx, "2024-05-01", f.city(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	body, meta := f.get(t, res.Key)
	stored, err := ParseMetadata(meta)
	if err != nil || stored.Stats.Records != 170_000 || stored.Stats != recompute(t, body) {
		t.Fatalf("large city: %+v %v", stored.Stats, err)
	}
	// The file went up as a multipart upload of ⌈size / 16 MiB⌉ parts, completed once.
	wantParts := (int64(len(body)) + 16<<20 - 1) / (16 << 20)
	if wantParts < 2 {
		t.Fatalf("the file is %d bytes: too small to need two parts", len(body))
	}
	if n, c := f.s3.parts.Load(), f.s3.completes.Load(); n != wantParts || c != 1 {
		t.Fatalf("%d parts uploaded and %d uploads completed, want %d parts and 1 completed multipart upload", n, c, wantParts)
	}
}

func TestIngestFaultsLeaveNoObject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		faults    refserver.Faults
		malformed bool
	}{
		{"5xx every time", refserver.Faults{ErrorRate: 1}, false},
		{"cut mid-stream every time", refserver.Faults{CutAfter: 50_000}, false},
		{"malformed record", refserver.Faults{MalformedEvery: 500}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := refserver.DefaultConfig()
			c.Faults = tc.faults
			f := setup(t, c)
			before := f.sim.Requests()
			_, err := f.in.City(f.Ctx, "2024-05-01", f.city(t, 2))
			if err == nil {
				t.Fatal("ingest succeeded")
			}
			if errors.Is(err, records.ErrMalformed) != tc.malformed {
				t.Fatalf("malformed=%v: %v", errors.Is(err, records.ErrMalformed), err)
			}
			if tc.malformed != (f.sim.Requests()-before == 1) {
				t.Errorf("%d requests: transient faults are retried, malformed data is not", f.sim.Requests()-before)
			}
			if keys := f.keys(t); len(keys) != 0 {
				t.Fatalf("objects left: %v", keys)
			}
		})
	}
	// The upload fails after two 16 MiB parts are stored: the uploader aborts
	// it, so neither the object nor the pending upload and its parts remain.
	t.Run("upload fails after two parts", func(t *testing.T) {
		t.Parallel()
		c := refserver.DefaultConfig()
		c.MinRecords, c.MaxRecords = 340_000, 340_000 // ≈ 36 MB: three parts
		f := setup(t, c)
		f.s3.failPart = 3
		_, err := f.in.City(f.Ctx, "2024-05-01", f.city(t, 2))
		if !errors.Is(err, errPartFailed) {
			t.Fatalf("ingest: %v, want the injected part failure", err)
		}
		if n, a, c := f.s3.partsAtAbort.Load(), f.s3.aborts.Load(), f.s3.completes.Load(); n < 2 || a != 1 || c != 0 {
			t.Fatalf("%d parts uploaded when aborting, %d aborts, %d completes: want ≥ 2 parts, then 1 abort and no complete", n, a, c)
		}
		if keys := f.keys(t); len(keys) != 0 {
			t.Fatalf("objects left: %v", keys)
		}
	})
	t.Run("transient 5xx then success", func(t *testing.T) {
		t.Parallel()
		c := refserver.DefaultConfig()
		c.Faults.FailFirst = 2
		f := setup(t, c)
		if _, err := f.in.City(f.Ctx, "2024-05-01", f.city(t, 2)); err != nil {
			t.Fatalf("retries inside the worker should absorb two 503s: %v", err)
		}
	})
}
