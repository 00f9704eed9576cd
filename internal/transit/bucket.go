package transit

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

// Bucket is the transit bucket (S3), where the city worker stores raw files.
//
// feature/s3/manager is deprecated in favour of feature/s3/transfermanager,
// which needs a newer SDK core than the v1.47.7 this module pins; manager
// v1.23.21 is the release that matches it.
type Bucket struct {
	client *s3.Client
	//lint:ignore SA1019 transfermanager needs a newer SDK core (see the type's comment)
	uploader *manager.Uploader
	bucket   string
}

// NewBucket returns the Bucket called bucket. Uploads go in 16 MiB parts, two at a
// time: about 32 MiB of buffers whatever the file's size.
func NewBucket(client *s3.Client, bucket string) *Bucket {
	//lint:ignore SA1019 transfermanager needs a newer SDK core (see Bucket)
	up := manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = 16 << 20
		u.Concurrency = 2
		u.LeavePartsOnError = false // abort: never an orphaned or partial upload
	})
	return &Bucket{client: client, uploader: up, bucket: bucket}
}

// Head returns an object's user metadata, or found false when it does not exist.
func (o *Bucket) Head(ctx context.Context, key string) (map[string]string, bool, error) {
	out, err := o.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key)})
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("head %s: %w", key, err)
	}
	return out.Metadata, true, nil
}

// Upload stores body under key with meta, atomically: the object appears
// whole or not at all (multipart upload, aborted on failure).
func (o *Bucket) Upload(ctx context.Context, key string, body io.Reader, meta map[string]string) error {
	//lint:ignore SA1019 transfermanager needs a newer SDK core (see Bucket)
	_, err := o.uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String(o.bucket), Key: aws.String(key), Body: body,
		ContentType: aws.String("application/json"), Metadata: meta,
	})
	if err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	return nil
}

// isNotFound reports an S3 404 (NotFound, NoSuchKey).
func isNotFound(err error) bool {
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
