package s3local

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

type running struct {
	store  *Store
	srv    *httptest.Server
	client *s3.Client
}

func serve(t *testing.T, dir string) *running {
	t.Helper()
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(st.Handler())
	r := &running{store: st, srv: srv, client: s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})}
	t.Cleanup(r.stop)
	return r
}

func (r *running) stop() {
	if r.srv != nil {
		r.srv.Close()
		_ = r.store.Close()
		r.srv = nil
	}
}

func TestObjectsStreamAndSurviveRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := serve(t, dir)
	c := r.client
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	small := []byte("hello, objects")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("raw/a.json"), Body: bytes.NewReader(small),
		Metadata: map[string]string{"sum": "42"}}); err != nil {
		t.Fatal(err)
	}
	// A multipart upload: parts go to files, the object is their concatenation.
	big := make([]byte, 11<<20+123)
	_, _ = rand.Read(big)
	//lint:ignore SA1019 the transit worker uploads with manager (transfermanager needs a newer SDK core); test the same path
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	//lint:ignore SA1019 see above
	if _, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("raw/big.bin"), Body: bytes.NewReader(big)}); err != nil {
		t.Fatal(err)
	}
	// Only written, not-replaced bodies remain; no upload is left behind.
	if blobs, _ := os.ReadDir(filepath.Join(dir, "blobs")); len(blobs) != 2 {
		t.Errorf("%d body files, want 2", len(blobs))
	}
	if ups, _ := os.ReadDir(filepath.Join(dir, "uploads")); len(ups) != 0 {
		t.Errorf("%d uploads left, want 0", len(ups))
	}
	// A conditional create of an existing key fails; an overwrite replaces the body file.
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("raw/a.json"), Body: bytes.NewReader(small), IfNoneMatch: aws.String("*")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "PreconditionFailed" {
		t.Errorf("conditional create over an existing key: %v, want PreconditionFailed", err)
	}
	r.stop()

	r = serve(t, dir)
	c = r.client
	get := func(key, rng string) []byte {
		t.Helper()
		in := &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)}
		if rng != "" {
			in.Range = aws.String(rng)
		}
		out, err := c.GetObject(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return b
	}
	if got := get("raw/a.json", ""); !bytes.Equal(got, small) {
		t.Errorf("after restart: %q", got)
	}
	if got := get("raw/big.bin", ""); !bytes.Equal(got, big) {
		t.Errorf("after restart: big object differs (%d bytes)", len(got))
	}
	if got := get("raw/big.bin", "bytes=6000000-6000009"); !bytes.Equal(got, big[6000000:6000010]) {
		t.Errorf("range: %v", got)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("raw/"), MaxKeys: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "raw/a.json" || !aws.ToBool(list.IsTruncated) {
		t.Errorf("list page: %+v", list.Contents)
	}

	// HEAD reads metadata only: it still answers with the body file gone.
	blobs, _ := os.ReadDir(filepath.Join(dir, "blobs"))
	for _, b := range blobs {
		if err := os.Remove(filepath.Join(dir, "blobs", b.Name())); err != nil {
			t.Fatal(err)
		}
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("raw/big.bin")})
	if err != nil {
		t.Fatalf("HEAD without a body file: %v", err)
	}
	if aws.ToInt64(head.ContentLength) != int64(len(big)) {
		t.Errorf("HEAD size %d, want %d", aws.ToInt64(head.ContentLength), len(big))
	}
	head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("raw/a.json")})
	if err != nil || head.Metadata["sum"] != "42" {
		t.Errorf("HEAD metadata = %v, %v", head, err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("nope")})
	var nf *s3types.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("HEAD of a missing key: %v", err)
	}
}

// TestOrphanBodiesRemoved: a body written but never named (a crash between
// the two steps) is removed at start.
func TestOrphanBodiesRemoved(t *testing.T) {
	dir := t.TempDir()
	r := serve(t, dir)
	r.stop()
	orphan := filepath.Join(dir, "blobs", "deadbeef")
	if err := os.WriteFile(orphan, []byte("half an upload"), 0o600); err != nil {
		t.Fatal(err)
	}
	serve(t, dir)
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("orphan body still there: %v", err)
	}
}
