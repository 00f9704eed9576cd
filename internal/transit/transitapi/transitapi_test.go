package transitapi

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/transit"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

// embeddedTasks is a task store on a fresh TransitTable of the embedded emulator.
func embeddedTasks(t *testing.T) *transit.TaskTable {
	db, table := emutest.EmbeddedTable(t, "TransitTable")
	return transit.NewTaskTable(db, table, nil)
}

// fixture is the city worker's world on the emulator stack: a table, a
// bucket, a simulator and an ingester between them.
type fixture struct {
	Ctx    context.Context
	s3     *s3.Client
	bucket string
	tasks  *transit.TaskTable
	sim    *refserver.Server
	url    string
	in     *transit.Ingester
}

func setup(t *testing.T, c refserver.Config) fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f := fixture{Ctx: ctx}
	f.s3, f.bucket = emutest.Bucket(t, "transit")
	db, table := emutest.Table(t, "TransitTable")
	f.tasks = transit.NewTaskTable(db, table, nil)
	f.sim, f.url = emutest.Simulator(t, c)
	ref, err := refclient.New(f.url, refclient.WithRetries(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	f.in = &transit.Ingester{Ref: ref, Bucket: transit.NewBucket(f.s3, f.bucket), Catalog: transit.NewCatalog(db, table), TempDir: t.TempDir()}
	return f
}

func (f fixture) city(t *testing.T, id int) refclient.City {
	t.Helper()
	c := f.sim.Cities()[id]
	return refclient.City{ID: c.ID, Name: c.Name, Country: c.Country}
}

// keys lists every object of the bucket, and fails on a pending multipart upload.
func (f fixture) keys(t *testing.T) []string {
	t.Helper()
	out, err := f.s3.ListObjectsV2(f.Ctx, &s3.ListObjectsV2Input{Bucket: aws.String(f.bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	mp, err := f.s3.ListMultipartUploads(f.Ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(f.bucket)})
	// gofakes3 answers NoSuchUpload, not an empty list, for a bucket where no
	// multipart upload ever began (the city workers' files here are below one
	// part: every upload is a single PutObject).
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload" {
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
