package transit

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// sinkS3 answers just enough of S3 (HEAD 404, PUT, multipart) for the
// uploader, discarding every byte, so that a benchmark measures the
// ingester's memory and not an emulator's.
type sinkS3 struct{ received atomic.Int64 }

func (s *sinkS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	s.received.Add(n)
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodHead:
		w.WriteHeader(http.StatusNotFound)
	case r.Method == http.MethodPost && q.Has("uploads"):
		fmt.Fprint(w, `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodPost && q.Has("uploadId"):
		fmt.Fprint(w, `<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"e"</ETag></CompleteMultipartUploadResult>`)
	case r.Method == http.MethodPut:
		w.Header().Set("ETag", `"e`+q.Get("partNumber")+`"`)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNotImplemented)
	}
}

// peakHeap runs f while sampling the heap in use and returns the peak.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	return peak.Load()
}

// peakRSS runs f and returns the process's peak resident set size while it
// ran (Linux: VmHWM, reset through /proc/self/clear_refs first), or 0 where
// that cannot be read.
func peakRSS(f func()) uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		f()
		return 0
	}
	f()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkIngestPeakMemory ingests a small and a large city (64 MB and
// TRANSIT_BENCH_INGEST_MB, default 1024) through the real uploader and
// reports the peak heap and the peak RSS of the whole test process (the
// simulator serving the file included) for each: neither may grow with the
// file's size, and the RSS of the large one must stay under 64 MB.
func BenchmarkIngestPeakMemory(b *testing.B) {
	large := 1024
	if v, err := strconv.Atoi(os.Getenv("TRANSIT_BENCH_INGEST_MB")); err == nil && v > 0 {
		large = v
	}
	sink := &sinkS3{}
	s3srv := httptest.NewServer(sink)
	defer s3srv.Close()
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s3srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
	})
	db, table := emutest.EmbeddedTable(b, "TransitTable") // in process: a few KB for the catalog's items
	catalog := NewCatalog(db, table)
	peaks, rss := map[int]uint64{}, map[int]uint64{}
	for b.Loop() {
		for _, mb := range []int{64, large} {
			c := refserver.DefaultConfig()
			c.MinRecords = int64(mb) << 20 / 110
			c.MaxRecords = c.MinRecords
			sim, _ := refserver.New(c)
			ref := httptest.NewServer(sim)
			rc, _ := refclient.New(ref.URL)
			in := &Ingester{Ref: rc, Bucket: NewBucket(client, "b"), Catalog: catalog, TempDir: b.TempDir()}
			city := sim.Cities()[0]
			before := sink.received.Load()
			var heap uint64
			rss[mb] = max(rss[mb], peakRSS(func() {
				heap = peakHeap(func() {
					if _, err := in.City(context.Background(), "2024-05-01", refclient.City{ID: city.ID, Name: city.Name, Country: city.Country}); err != nil {
						b.Fatal(err)
					}
				})
			}))
			peaks[mb] = max(peaks[mb], heap)
			ref.Close()
			if got := sink.received.Load() - before; got < int64(mb)<<20*9/10 {
				b.Fatalf("uploaded %d bytes for a %d MB city", got, mb)
			}
		}
	}
	b.ReportMetric(float64(peaks[64])/(1<<20), "peak-heap-MB-64MB-city")
	b.ReportMetric(float64(peaks[large])/(1<<20), fmt.Sprintf("peak-heap-MB-%dMB-city", large))
	b.ReportMetric(float64(peaks[large])/float64(peaks[64]), "large/small-peak")
	b.ReportMetric(float64(rss[64])/(1<<20), "peak-RSS-MB-64MB-city")
	b.ReportMetric(float64(rss[large])/(1<<20), fmt.Sprintf("peak-RSS-MB-%dMB-city", large))
}
