package countrystats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3Objects is Objects on the transit bucket.
type S3Objects struct {
	client *s3.Client
	bucket string
}

// NewS3Objects returns Objects on bucket.
func NewS3Objects(client *s3.Client, bucket string) *S3Objects {
	return &S3Objects{client: client, bucket: bucket}
}

// List returns the keys under prefix.
func (o *S3Objects) List(ctx context.Context, prefix string) ([]string, error) {
	p := s3.NewListObjectsV2Paginator(o.client, &s3.ListObjectsV2Input{Bucket: aws.String(o.bucket), Prefix: aws.String(prefix)})
	var keys []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, obj := range page.Contents {
			keys = append(keys, aws.ToString(obj.Key))
		}
	}
	return keys, nil
}

// Head returns an object's user metadata.
func (o *S3Objects) Head(ctx context.Context, key string) (map[string]string, error) {
	out, err := o.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("head %s: %w", key, err)
	}
	return out.Metadata, nil
}

// Get returns an object's body and ETag.
func (o *S3Objects) Get(ctx context.Context, key string) ([]byte, string, bool, error) {
	out, err := o.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key)})
	if status(err) == http.StatusNotFound {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("get %s: %w", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, 1<<20)) // an aggregate is a few hundred bytes
	if err != nil {
		return nil, "", false, fmt.Errorf("get %s: %w", key, err)
	}
	return b, aws.ToString(out.ETag), true, nil
}

// Put writes body conditionally: If-Match etag, or If-None-Match * when etag is "".
func (o *S3Objects) Put(ctx context.Context, key string, body []byte, etag string) error {
	in := &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentType: aws.String("application/json")}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	_, err := o.client.PutObject(ctx, in)
	switch status(err) {
	case 0:
		return nil
	case http.StatusPreconditionFailed, http.StatusConflict: // 409: a concurrent conditional write
		return fmt.Errorf("put %s: %w", key, ErrPrecondition)
	}
	return fmt.Errorf("put %s: %w", key, err)
}

// status is err's HTTP status code, 0 for nil, -1 when it has none.
func status(err error) int {
	if err == nil {
		return 0
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound") {
		return http.StatusNotFound
	}
	return -1
}
