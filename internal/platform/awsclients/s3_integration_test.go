package awsclients_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestS3(t *testing.T) {
	t.Parallel()
	ctx, cfg := stackConfig(t)
	c := awsclients.S3(cfg)
	bucket := emutest.Name("transit")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}

	put := func(key, body string, edit ...func(*s3.PutObjectInput)) (*s3.PutObjectOutput, error) {
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}
		for _, e := range edit {
			e(in)
		}
		return c.PutObject(ctx, in)
	}
	get := func(t *testing.T, key string, edit ...func(*s3.GetObjectInput)) (*s3.GetObjectOutput, string) {
		t.Helper()
		in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
		for _, e := range edit {
			e(in)
		}
		out, err := c.GetObject(ctx, in)
		if err != nil {
			t.Fatalf("GetObject %s: %v", key, err)
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		if err != nil {
			t.Fatal(err)
		}
		return out, string(b)
	}

	t.Run("user metadata", func(t *testing.T) {
		meta := map[string]string{"passengers-sum": "1234", "buses-count": "17"}
		key := "raw/country=tuvalu/date=2024-05-01/city=0-port-jessica.json"
		if _, err := put(key, `[]`, func(in *s3.PutObjectInput) {
			in.Metadata, in.ContentType = meta, aws.String("application/json")
		}); err != nil {
			t.Fatal(err)
		}
		out, body := get(t, key)
		if body != `[]` || !maps.Equal(out.Metadata, meta) || aws.ToString(out.ContentType) != "application/json" {
			t.Errorf("got %q %v %q, want [] %v application/json", body, out.Metadata, aws.ToString(out.ContentType), meta)
		}
	})

	t.Run("conditional writes", func(t *testing.T) {
		ifNoneMatch := func(in *s3.PutObjectInput) { in.IfNoneMatch = aws.String("*") }
		first, err := put("agg/once", "v1", ifNoneMatch)
		if err != nil {
			t.Fatalf("first If-None-Match put: %v", err)
		}
		_, err = put("agg/once", "v2", ifNoneMatch)
		wantStatus(t, "second If-None-Match put", err, 412)

		_, err = put("agg/once", "v3", func(in *s3.PutObjectInput) { in.IfMatch = aws.String(`"not-the-etag"`) })
		wantStatus(t, "If-Match with a stale ETag", err, 412)
		if _, err := put("agg/once", "v4", func(in *s3.PutObjectInput) { in.IfMatch = first.ETag }); err != nil {
			t.Errorf("If-Match with the current ETag: %v", err)
		}
		if _, body := get(t, "agg/once"); body != "v4" {
			t.Errorf("body %q, want v4", body)
		}
	})

	t.Run("range", func(t *testing.T) {
		if _, err := put("ranged", "abcdefghij"); err != nil {
			t.Fatal(err)
		}
		out, body := get(t, "ranged", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=2-5") })
		if body != "cdef" || aws.ToString(out.ContentRange) != "bytes 2-5/10" {
			t.Errorf("got %q (%s), want cdef (bytes 2-5/10)", body, aws.ToString(out.ContentRange))
		}
	})

	t.Run("paged listing", func(t *testing.T) {
		var want []string
		for i := range 7 {
			key := fmt.Sprintf("list/date=2024-05-%02d/city.json", i+1)
			want = append(want, key)
			if _, err := put(key, "x"); err != nil {
				t.Fatal(err)
			}
		}
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{
			Bucket: aws.String(bucket), Prefix: aws.String("list/"), MaxKeys: aws.Int32(3),
		})
		var got []string
		pages := 0
		for p.HasMorePages() {
			if pages++; pages > 20 {
				t.Fatal("listing did not end after 20 pages")
			}
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range out.Contents {
				got = append(got, aws.ToString(o.Key))
			}
		}
		if !slices.Equal(got, want) || pages != 3 {
			t.Errorf("got %v in %d pages, want %v in 3", got, pages, want)
		}
	})

	t.Run("multipart upload", func(t *testing.T) {
		data := bytes.Repeat([]byte("0123456789abcdef"), (11<<20)/16) // 11 MiB: three parts
		// manager is deprecated in favour of feature/s3/transfermanager, which is
		// still v0; manager v1.23.21 is the release matching SDK core v1.47.7.
		//lint:ignore SA1019 see above
		up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
		//lint:ignore SA1019 see above
		res, err := up.Upload(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String("big"), Body: bytes.NewReader(data),
			Metadata: map[string]string{"rows": "42"},
		})
		if err != nil {
			t.Fatalf("Upload: %v", err)
		}
		if res.UploadID == "" {
			t.Error("upload went as a single PUT, want multipart")
		}
		out, body := get(t, "big")
		if sha256.Sum256([]byte(body)) != sha256.Sum256(data) || out.Metadata["rows"] != "42" {
			t.Errorf("read back %d bytes, metadata %v; want the %d uploaded, rows=42", len(body), out.Metadata, len(data))
		}
	})
}

// wantStatus fails the test unless err is an HTTP response with that status.
func wantStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Errorf("%s: %v, want HTTP %d", what, err, status)
	}
}
