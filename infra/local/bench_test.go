package main

// Benchmarks of `make run` at real volume: the server runs as its own process
// (the binary `make run` builds), loaded through its public API. They are
// heavy: run them one at a time, on a quiet machine, with the commands in
// docs/local-stack.md. Sizes come from the environment:
//
//	MOSAIC_BENCH_DIALOGS  dialogs (3 messages each, all consented) for the listing and restart benchmarks (10000)
//	MOSAIC_BENCH_POSTS    published posts for the listing benchmark (10000)
//	MOSAIC_BENCH_CITY_MB  size of the one city ingested by BenchmarkCityIngest (256)
//	MOSAIC_BENCH_OBJECTS_GB  bodies added to the data directory by BenchmarkRestart (2)
//	MOSAIC_BENCH_DATA_DIR keep the loaded data directory there, and reuse it in later runs (default: a temporary one)

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/emulators/s3local"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// loaded is a data directory filled once per test binary through the API:
// dialogs (seeddata) and published posts.
var loaded struct {
	once           sync.Once
	dir            string
	dialogs, posts int
	err            error
}

func loadedDataDir(b *testing.B) string {
	b.Helper()
	loaded.once.Do(func() {
		loaded.dialogs, loaded.posts = envInt("MOSAIC_BENCH_DIALOGS", 10_000), envInt("MOSAIC_BENCH_POSTS", 10_000)
		dir := os.Getenv("MOSAIC_BENCH_DATA_DIR")
		if dir == "" {
			if loaded.dir, loaded.err = os.MkdirTemp("", "mosaic-bench-"); loaded.err != nil {
				return
			}
			dir = loaded.dir // removed by TestMain
		}
		loaded.err = fill(b, dir, loaded.dialogs, loaded.posts)
		loadedDir = dir
	})
	if loaded.err != nil {
		b.Fatal(loaded.err)
	}
	return loadedDir
}

// loadedDir is the directory loadedDataDir filled (or found filled).
var loadedDir string

// fill loads dialogs with seeddata and creates posts, then waits until every
// post is moderated. Each step leaves a marker in dir, so a kept directory
// is loaded once.
func fill(b *testing.B, dir string, dialogs, posts int) error {
	dialogsDone := filepath.Join(dir, fmt.Sprintf("bench-loaded-%d-dialogs", dialogs))
	postsDone := filepath.Join(dir, fmt.Sprintf("bench-loaded-%d-posts", posts))
	_, errD := os.Stat(dialogsDone)
	_, errP := os.Stat(postsDone)
	if errD == nil && errP == nil {
		return nil
	}
	s := startServer(b, buildServer(b), dir)
	defer s.stop(b)
	if errD != nil {
		start := time.Now()
		seed := exec.Command("go", "run", "../seeddata", "-url", s.url, "-d", strconv.Itoa(dialogs), "-c", strconv.Itoa(dialogs),
			"-u", "200", "-m", "3", "-concurrency", "8", "-prefix", "bench")
		if out, err := seed.CombinedOutput(); err != nil {
			return fmt.Errorf("seeddata: %v\n%s", err, out)
		}
		b.Logf("loaded %d dialogs in %s", dialogs, time.Since(start).Round(time.Second))
		if err := os.WriteFile(dialogsDone, nil, 0o644); err != nil {
			return err
		}
	}
	if errP != nil {
		if err := createPosts(b, s, posts); err != nil {
			return err
		}
		if err := os.WriteFile(postsDone, nil, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// createPosts creates n posts, 8 at a time (retrying when every execution
// environment is busy), and waits until each is moderated.
func createPosts(b *testing.B, s *localServer, n int) error {
	start := time.Now()
	ids := make([]string, n)
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				body := fmt.Sprintf(`{"title": "Post %d", "paragraphs": ["A calm paragraph number %d about trains and weather."]}`, i, i)
				r := call(b, "POST", s.url+"/posts", "Bearer dev-writer", strings.NewReader(body))
				for tries := 0; (r.status == 503 || r.status == 429) && tries < 50; tries++ {
					time.Sleep(100 * time.Millisecond)
					r = call(b, "POST", s.url+"/posts", "Bearer dev-writer", strings.NewReader(body))
				}
				if r.status != 201 {
					mu.Lock()
					firstErr = fmt.Errorf("POST /posts = %d %s", r.status, r.body)
					mu.Unlock()
					continue
				}
				ids[i] = r.decoded["id"].(string)
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	// Moderation runs behind the queue: wait until every post has left pending.
	for _, id := range ids {
		for deadline := time.Now().Add(5 * time.Minute); ; {
			r := call(b, "GET", s.url+"/posts/"+id, "Bearer dev-writer", nil)
			if r.status == 200 && r.decoded["status"] != "pending" {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("post %s not moderated after 5 minutes", id)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	b.Logf("created and moderated %d posts in %s", n, time.Since(start).Round(time.Second))
	return nil
}

// latencies collects request durations.
type latencies []time.Duration

func (l latencies) quantile(q float64) float64 {
	s := append(latencies{}, l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return float64(s[max(i, 0)].Microseconds()) / 1000
}

// timedGet returns the duration of one GET and its next_cursor.
func timedGet(b *testing.B, url, token string) (time.Duration, string) {
	start := time.Now()
	r := call(b, "GET", url, token, nil)
	d := time.Since(start)
	if r.status != 200 {
		b.Fatalf("GET %s = %d %.300s", url, r.status, r.body)
	}
	next, _ := r.decoded["next_cursor"].(string)
	return d, next
}

// BenchmarkListingPages times the first and the 25th page (limit 20) of
// GET /data and GET /posts over HTTP, alternately, on a data directory loaded
// with MOSAIC_BENCH_DIALOGS dialogs and MOSAIC_BENCH_POSTS posts. It reports
// each page's p50 and p99 in ms and the ratio of the 25th page's p50 to the
// first's (1 when a page costs the same wherever it is).
func BenchmarkListingPages(b *testing.B) {
	dir := loadedDataDir(b)
	s := startServer(b, buildServer(b), dir)
	defer s.stop(b)
	waitForItems(b, s)
	for _, l := range []struct{ name, path, token string }{
		{"dialogs", "/data?limit=20", "Bearer dev-reader"},
		{"posts", "/posts?limit=20", ""},
	} {
		b.Run(l.name, func(b *testing.B) {
			// The cursor of page 25: follow 24 pages once.
			cursor := ""
			for i := 0; i < 24; i++ {
				url := s.url + l.path
				if cursor != "" {
					url += "&cursor=" + cursor
				}
				if _, cursor = timedGet(b, url, l.token); cursor == "" {
					b.Fatalf("%s has fewer than 25 pages", l.path)
				}
			}
			var first, deep latencies
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d, _ := timedGet(b, s.url+l.path, l.token)
				first = append(first, d)
				d, _ = timedGet(b, s.url+l.path+"&cursor="+cursor, l.token)
				deep = append(deep, d)
			}
			b.StopTimer()
			b.ReportMetric(first.quantile(0.5), "p50-ms-page1")
			b.ReportMetric(first.quantile(0.99), "p99-ms-page1")
			b.ReportMetric(deep.quantile(0.5), "p50-ms-page25")
			b.ReportMetric(deep.quantile(0.99), "p99-ms-page25")
			b.ReportMetric(deep.quantile(0.5)/first.quantile(0.5), "page25/page1")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkRestart times a restart of `make run` on the loaded data directory
// plus MOSAIC_BENCH_OBJECTS_GB of object bodies: from starting the process
// to the first 200 from /health (polled every 100 ms), and to the first page
// of GET /data (which waits until the items are loaded).
func BenchmarkRestart(b *testing.B) {
	dir := loadedDataDir(b)
	gb := envInt("MOSAIC_BENCH_OBJECTS_GB", 2)
	if err := addObjects(filepath.Join(dir, "s3"), int64(gb)<<30); err != nil {
		b.Fatal(err)
	}
	bin := buildServer(b)
	var took, listed latencies
	var rss int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		s := startServer(b, bin, dir)
		took = append(took, time.Since(start))
		waitForItems(b, s)
		listed = append(listed, time.Since(start))
		b.StopTimer()
		rss = max(rss, peakRSS(s.cmd.Process.Pid))
		s.stop(b)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(took.quantile(0.5), "ms-to-health-p50")
	b.ReportMetric(took.quantile(1), "ms-to-health-max")
	b.ReportMetric(listed.quantile(0.5), "ms-to-first-page-p50")
	b.ReportMetric(listed.quantile(1), "ms-to-first-page-max")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(0, "ns/op")
}

// waitForItems returns once GET /data answers. A page asked for while the
// items load waits for them; past the function's timeout (a 500) on a large
// table or a busy machine: ask again.
func waitForItems(b *testing.B, s *localServer) {
	b.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		r := call(b, "GET", s.url+"/data?limit=20", "Bearer dev-reader", nil)
		if r.status == 200 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("GET /data = %d %s two minutes after the start", r.status, r.body)
		}
	}
}

// addObjects writes bodies of 64 MB up to total bytes into the S3 store at
// dir, once (a marker object says how much is there).
func addObjects(dir string, total int64) error {
	st, err := s3local.Open(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	const bucket, each = "bench-objects", 64 << 20
	if ok, _ := st.BucketExists(bucket); !ok {
		if err := st.CreateBucket(bucket); err != nil {
			return err
		}
	}
	chunk := make([]byte, 1<<20)
	_, _ = rand.Read(chunk)
	for n := int64(0); n*each < total; n++ {
		key := fmt.Sprintf("raw/bench-%05d.bin", n)
		if _, err := st.HeadObject(bucket, key); err == nil {
			continue
		}
		r := io.LimitReader(repeatReader(chunk), each)
		if _, err := st.PutObject(bucket, key, map[string]string{}, r, each, nil); err != nil {
			return err
		}
	}
	return nil
}

func repeatReader(chunk []byte) io.Reader {
	return readerFunc(func(p []byte) (int, error) { return copy(p, chunk), nil })
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// BenchmarkCityIngest ingests one city of MOSAIC_BENCH_CITY_MB through
// `make run` (reference server → TransitCityFunction → S3 multipart upload),
// sampling the server's resident memory, then restarts it and checks that
// every object is still there (country stats unchanged). Reports the
// server's peak RSS (VmHWM) and the ingest rate.
func BenchmarkCityIngest(b *testing.B) {
	mb := envInt("MOSAIC_BENCH_CITY_MB", 256)
	perRecord, err := recordBytes()
	if err != nil {
		b.Fatal(err)
	}
	c := refserver.DefaultConfig()
	c.Cities, c.Countries = 1, 1
	c.MinRecords = int64(mb) << 20 / perRecord
	c.MaxRecords = c.MinRecords
	sim, err := refserver.New(c)
	if err != nil {
		b.Fatal(err)
	}
	ref := httptest.NewServer(sim)
	defer ref.Close()
	bin := buildServer(b)
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		s := startServer(b, bin, dir, "REFERENCE_SERVER_URL="+ref.URL)
		start := time.Now()
		task := processDate(b, s, "2024-05-01")
		took := time.Since(start)
		hwm := peakRSS(s.cmd.Process.Pid)
		if task["status"] != "succeeded" {
			b.Fatalf("ingest task: %v", task)
		}
		before := call(b, "GET", s.url+"/country-stats?from=2024-05-01&to=2024-05-01", "Bearer dev-reader", nil)
		s.stop(b)
		s = startServer(b, bin, dir, "REFERENCE_SERVER_URL="+ref.URL)
		after := call(b, "GET", s.url+"/country-stats?from=2024-05-01&to=2024-05-01", "Bearer dev-reader", nil)
		s.stop(b)
		if before.status != 200 || string(before.body) != string(after.body) {
			b.Fatalf("country stats changed across a restart:\nbefore %d %s\nafter %d %s", before.status, before.body, after.status, after.body)
		}
		b.ReportMetric(float64(hwm)/1024, "peak-RSS-MB")
		b.ReportMetric(float64(mb)/took.Seconds(), "MB/s")
		b.ReportMetric(float64(mb), "city-MB")
	}
	b.ReportMetric(0, "ns/op")
}

// recordBytes measures the simulator's mean record size on a sample.
func recordBytes() (int64, error) {
	c := refserver.DefaultConfig()
	c.Cities, c.Countries, c.MinRecords, c.MaxRecords = 1, 1, 10_000, 10_000
	sim, err := refserver.New(c)
	if err != nil {
		return 0, err
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/cities/0/stats?date=2024-05-01")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return 0, fmt.Errorf("sample city: %d %v", resp.StatusCode, err)
	}
	return n / 10_000, nil
}

// processDate starts an ingest of date and waits (up to 30 minutes) for its end.
func processDate(b *testing.B, s *localServer, date string) map[string]any {
	r := call(b, "POST", s.url+"/process-request?date="+date, "Bearer dev-writer", nil)
	if r.status != 202 {
		b.Fatalf("POST /process-request = %d %s", r.status, r.body)
	}
	id := r.decoded["task_id"].(string)
	for deadline := time.Now().Add(30 * time.Minute); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		r := call(b, "GET", s.url+"/process-request/"+id, "Bearer dev-reader", nil)
		switch r.decoded["status"] {
		case "succeeded", "partial", "failed":
			return r.decoded
		}
	}
	b.Fatalf("task %s not finished after 30 minutes", id)
	return nil
}

// peakRSS returns a process's peak resident set so far (VmHWM, kB).
func peakRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return -1
}
