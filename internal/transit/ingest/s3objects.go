package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3Objects is Objects on an S3 bucket.
//
// feature/s3/manager is deprecated in favour of feature/s3/transfermanager,
// which needs a newer SDK core than the v1.47.7 this module pins; manager
// v1.23.21 is the release that matches it.
type S3Objects struct {
	client *s3.Client
	//lint:ignore SA1019 transfermanager needs a newer SDK core (see the type's comment)
	uploader *manager.Uploader
	bucket   string
}

// NewS3Objects returns Objects on bucket. Uploads go in 16 MiB parts, two at a
// time: about 32 MiB of buffers whatever the file's size.
func NewS3Objects(client *s3.Client, bucket string) *S3Objects {
	//lint:ignore SA1019 transfermanager needs a newer SDK core (see S3Objects)
	up := manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = 16 << 20
		u.Concurrency = 2
		u.LeavePartsOnError = false // abort: never an orphaned or partial upload
	})
	return &S3Objects{client: client, uploader: up, bucket: bucket}
}

// Head returns the object's user metadata.
func (o *S3Objects) Head(ctx context.Context, key string) (map[string]string, bool, error) {
	out, err := o.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key)})
	if IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("head %s: %w", key, err)
	}
	return out.Metadata, true, nil
}

// Upload stores body under key with meta.
func (o *S3Objects) Upload(ctx context.Context, key string, body io.Reader, meta map[string]string) error {
	//lint:ignore SA1019 transfermanager needs a newer SDK core (see S3Objects)
	_, err := o.uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String(o.bucket), Key: aws.String(key), Body: body,
		ContentType: aws.String("application/json"), Metadata: meta,
	})
	if err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	return nil
}

// IsNotFound reports an S3 404 (NotFound, NoSuchKey).
func IsNotFound(err error) bool {
	if err == nil {
		return false
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}
