package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
	"github.com/mosaic-platform/mosaic/internal/transit/catalog"
	"github.com/mosaic-platform/mosaic/internal/transit/ingest"
	"github.com/mosaic-platform/mosaic/internal/transit/objects"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
	"github.com/mosaic-platform/mosaic/internal/transit/tasks"
	"github.com/mosaic-platform/mosaic/internal/transit/transittest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

// countingObjects counts uploads on top of the real S3 implementation.
type countingObjects struct {
	ingest.Objects
	uploads atomic.Int64
}

func (c *countingObjects) Upload(ctx context.Context, key string, body io.Reader, meta map[string]string) error {
	c.uploads.Add(1)
	return c.Objects.Upload(ctx, key, body, meta)
}

// s3Calls watches the multipart calls the uploader makes, and can fail one part.
type s3Calls struct {
	failPart     int32        // UploadPart of this part number fails (0: none); set before the upload
	creates      atomic.Int64 // CreateMultipartUpload calls
	parts        atomic.Int64 // UploadPart calls that succeeded
	aborts       atomic.Int64 // AbortMultipartUpload calls
	partsAtAbort atomic.Int64 // parts uploaded when the last abort was sent
	completes    atomic.Int64 // CompleteMultipartUpload calls
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
	case *s3.CreateMultipartUploadInput:
		c.creates.Add(1)
	case *s3.AbortMultipartUploadInput:
		c.partsAtAbort.Store(c.parts.Load())
		c.aborts.Add(1)
	case *s3.CompleteMultipartUploadInput:
		c.completes.Add(1)
	}
	return next.HandleInitialize(ctx, in)
}

type fixture struct {
	transittest.Env
	sim     *refserver.Server
	url     string
	objects *countingObjects
	s3      *s3Calls // the calls objects makes
	in      *ingest.Ingester
}

func setup(t *testing.T, c refserver.Config) fixture {
	t.Helper()
	env := transittest.Start(t)
	sim, url := transittest.Simulator(t, c)
	ref, err := refclient.New(url, refclient.WithRetries(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	calls := &s3Calls{}
	objs := &countingObjects{Objects: ingest.NewS3Objects(calls.client(env.S3), env.Bucket)}
	return fixture{Env: env, sim: sim, url: url, objects: objs, s3: calls,
		in: &ingest.Ingester{Ref: ref, Objects: objs, Days: catalog.New(env.DB, env.Table), TempDir: t.TempDir()}}
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
			if res.Unchanged || res.Key != objects.RawKey(c.Country, date, c.ID, c.Name) {
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
			stored, err := objects.ParseMetadata(meta)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := stored.Stats, transittest.Recompute(t, body); got != want {
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
	days := catalog.New(f.DB, f.Table)
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
	if n := f.objects.uploads.Load(); n != 4 {
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
	stored, err := objects.ParseMetadata(meta)
	if err != nil || stored.Stats.Records != 170_000 || stored.Stats != transittest.Recompute(t, body) {
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
			if errors.Is(err, ingest.ErrMalformed) != tc.malformed {
				t.Fatalf("malformed=%v: %v", errors.Is(err, ingest.ErrMalformed), err)
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

func TestCityWorkerReportsFailures(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.Faults.MalformedEvery = 100
	f := setup(t, c)
	store := tasks.NewMemStore()
	if err := store.Create(f.Ctx, tasks.Task{ID: "t1", Date: "2024-05-01"}); err != nil {
		t.Fatal(err)
	}
	w := &ingest.CityWorker{Ingester: f.in, Tasks: store, MaxReceive: 3}
	msg := func(id, receive int) events.SQSMessage {
		body, _ := json.Marshal(ingest.CityMessage{TaskID: "t1", Date: "2024-05-01", City: f.city(t, id)})
		return events.SQSMessage{MessageId: "m" + strconv.Itoa(id), Body: string(body),
			Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(receive)}}
	}
	err := w.Handle(f.Ctx, msg(3, 1))
	if !queue.IsPermanent(err) {
		t.Fatalf("malformed city: %v, want a permanent error (dead-lettered at once)", err)
	}
	// A transient failure is "retrying" until the last delivery, then "failed".
	f.in.Ref, _ = refclient.New("http://127.0.0.1:1", refclient.WithRetries(1, time.Millisecond))
	if err := w.Handle(f.Ctx, msg(4, 1)); err == nil || queue.IsPermanent(err) {
		t.Fatalf("unreachable server, first delivery: %v", err)
	}
	_, cities, _ := store.Get(f.Ctx, "t1")
	if len(cities) != 2 || cities[0].Status != tasks.CityFailed || cities[1].Status != tasks.CityRetrying {
		t.Fatalf("cities after first deliveries: %+v", cities)
	}
	if err := w.Handle(f.Ctx, msg(4, 3)); err == nil {
		t.Fatal("last delivery succeeded")
	}
	if err := store.SetCitiesTotal(f.Ctx, "t1", 2); err != nil {
		t.Fatal(err)
	}
	task, cities, _ := store.Get(f.Ctx, "t1")
	r := tasks.NewReport(task, cities)
	if r.Status != tasks.StatusFailed || len(r.CitiesFailed) != 2 || r.CitiesFailed[1].City != 4 ||
		!strings.Contains(r.CitiesFailed[0].Error, "malformed") {
		t.Fatalf("report %+v", r)
	}
}

// TestCityWorkerLastDeliveryReportsTransientFaults: a city that keeps
// answering 5xx or cutting the connection is retried inside the worker, then
// by the queue, and on the last delivery the task reports it; nothing is stored.
func TestCityWorkerLastDeliveryReportsTransientFaults(t *testing.T) {
	t.Parallel()
	for name, faults := range map[string]refserver.Faults{
		"5xx": {ErrorRate: 1},
		"cut": {CutAfter: 20_000},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := refserver.DefaultConfig()
			c.Faults = faults
			f := setup(t, c)
			store := tasks.NewMemStore()
			_ = store.Create(f.Ctx, tasks.Task{ID: "t", Date: "2024-05-01"})
			_ = store.SetCitiesTotal(f.Ctx, "t", 1)
			w := &ingest.CityWorker{Ingester: f.in, Tasks: store, MaxReceive: 3}
			body, _ := json.Marshal(ingest.CityMessage{TaskID: "t", Date: "2024-05-01", City: f.city(t, 0)})
			for receive := 1; receive <= 3; receive++ {
				before := f.sim.Requests()
				err := w.Handle(f.Ctx, events.SQSMessage{Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(receive)}})
				if err == nil || queue.IsPermanent(err) {
					t.Fatalf("delivery %d: %v, want a retryable error", receive, err)
				}
				if n := f.sim.Requests() - before; n != 3 {
					t.Fatalf("delivery %d made %d requests, want 3 (retries inside the worker)", receive, n)
				}
				task, cities, _ := store.Get(f.Ctx, "t")
				r := tasks.NewReport(task, cities)
				want := tasks.StatusRunning
				if receive == 3 {
					want = tasks.StatusFailed
				}
				if r.Status != want || cities[0].Attempts != receive {
					t.Fatalf("delivery %d: report %+v", receive, r)
				}
			}
			if keys := f.keys(t); len(keys) != 0 {
				t.Fatalf("objects left: %v", keys)
			}
		})
	}
}

// TestCityWorkerFailsAPermanent404AtOnce: a city the reference server answers
// 404 for fails on the first answer, named with the status in the task.
func TestCityWorkerFailsAPermanent404AtOnce(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.Faults.MissingCities = []int{2}
	f := setup(t, c)
	store := tasks.NewMemStore()
	_ = store.Create(f.Ctx, tasks.Task{ID: "t", Date: "2024-05-01"})
	_ = store.SetCitiesTotal(f.Ctx, "t", 1)
	w := &ingest.CityWorker{Ingester: f.in, Tasks: store, MaxReceive: 3, Budget: time.Hour}
	body, _ := json.Marshal(ingest.CityMessage{TaskID: "t", Date: "2024-05-01", City: f.city(t, 2)})
	before := f.sim.Requests()
	err := w.Handle(f.Ctx, events.SQSMessage{Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": "1"}})
	if !queue.IsPermanent(err) {
		t.Fatalf("404: %v, want a permanent error", err)
	}
	if n := f.sim.Requests() - before; n != 1 {
		t.Errorf("%d requests for a 404, want 1", n)
	}
	task, cities, _ := store.Get(f.Ctx, "t")
	r := tasks.NewReport(task, cities)
	if r.Status != tasks.StatusFailed || len(r.CitiesFailed) != 1 || !strings.Contains(r.CitiesFailed[0].Error, "404 Not Found") {
		t.Fatalf("report %+v", r)
	}
}

// TestCityWorkerTimeBudget: a city that keeps answering 5xx is retried within
// its delivery until its time budget is spent, then fails for good; a
// delivery that arrives after the budget fails at once, asking nothing.
func TestCityWorkerTimeBudget(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.Faults.ErrorRate = 1
	f := setup(t, c)
	f.in.Ref, _ = refclient.New(f.url, refclient.WithRetries(1_000_000, time.Millisecond))
	store := tasks.NewMemStore()
	_ = store.Create(f.Ctx, tasks.Task{ID: "t", Date: "2024-05-01"})
	_ = store.SetCitiesTotal(f.Ctx, "t", 2)
	const budget = 300 * time.Millisecond
	w := &ingest.CityWorker{Ingester: f.in, Tasks: store, MaxReceive: 3, Budget: budget}
	msg := func(id int, first time.Time) events.SQSMessage {
		body, _ := json.Marshal(ingest.CityMessage{TaskID: "t", Date: "2024-05-01", City: f.city(t, id)})
		return events.SQSMessage{Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": "1",
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(first.UnixMilli(), 10)}}
	}
	before := f.sim.Requests()
	err := w.Handle(f.Ctx, msg(0, time.Now()))
	if !queue.IsPermanent(err) || !strings.Contains(err.Error(), "time budget") {
		t.Fatalf("5xx for the whole budget: %v, want a permanent budget error", err)
	}
	if n := f.sim.Requests() - before; n < 3 {
		t.Errorf("%d requests within the budget: transient failures should be retried", n)
	}
	before = f.sim.Requests()
	err = w.Handle(f.Ctx, msg(1, time.Now().Add(-time.Hour)))
	if !queue.IsPermanent(err) || f.sim.Requests() != before {
		t.Fatalf("late delivery: %v after %d requests, want a permanent error and none", err, f.sim.Requests()-before)
	}
	task, cities, _ := store.Get(f.Ctx, "t")
	if r := tasks.NewReport(task, cities); r.Status != tasks.StatusFailed || len(r.CitiesFailed) != 2 {
		t.Fatalf("report %+v", r)
	}
}
