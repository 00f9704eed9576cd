package records_test

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/transit/records"
)

// benchFile writes a city-day of about mb megabytes (TRANSIT_BENCH_MB,
// default 100) exactly as the simulator sends it over HTTP: its own encoder,
// one JSON array on one line.
func benchFile(b *testing.B) (string, int64) {
	b.Helper()
	mb := 100
	if v, err := strconv.Atoi(os.Getenv("TRANSIT_BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	c := refserver.DefaultConfig()
	c.MinRecords = int64(mb) << 20 / 110 // a record is ≈ 110 bytes
	c.MaxRecords = c.MinRecords
	sim, err := refserver.New(c)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "city.json")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := &fileWriter{w: bufio.NewWriterSize(f, 1<<20)}
	sim.ServeHTTP(w, httptest.NewRequest("GET", "/cities/0/stats?date=2024-05-01", nil))
	if err := w.w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	_ = f.Close()
	return path, st.Size()
}

// fileWriter is an http.ResponseWriter that writes the body, byte for byte.
type fileWriter struct{ w *bufio.Writer }

func (f *fileWriter) Header() http.Header         { return http.Header{} }
func (f *fileWriter) WriteHeader(int)             {}
func (f *fileWriter) Write(p []byte) (int, error) { return f.w.Write(p) }

// BenchmarkParseVsBaselines times records.Parse reading one large city file
// in the wire format against `cat FILE | wc -c` (reading and counting the
// bytes, no parsing) and, when installed, `jq '[.[].passengers]|add' FILE`,
// on the same file in the same run, and reports each one's MB/s and Parse's
// speed as a share of cat|wc's and a multiple of jq's. Targets: ≥ 0.5 and ≥ 40.
func BenchmarkParseVsBaselines(b *testing.B) {
	path, size := benchFile(b)
	if body, err := os.ReadFile(path); err != nil || bytes.Count(body, []byte("\n")) != 0 || body[0] != '[' {
		b.Fatalf("the file is not one JSON array on one line: %v", err)
	}
	mbps := func(d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }
	var parse, wc, jq time.Duration
	_, jqErr := exec.LookPath("jq")
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		st, err := records.Parse(f)
		if err != nil {
			b.Fatal(err)
		}
		parse += time.Since(start)
		_ = f.Close()

		start = time.Now()
		out, err := exec.Command("sh", "-c", `cat "$1" | wc -c`, "sh", path).CombinedOutput()
		if err != nil {
			b.Fatalf("cat | wc -c: %v %s", err, out)
		}
		wc += time.Since(start)
		if n, _ := strconv.ParseInt(string(bytes.TrimSpace(out)), 10, 64); n != size {
			b.Fatalf("wc -c counted %s bytes, the file has %d", out, size)
		}

		if jqErr == nil {
			start = time.Now()
			out, err := exec.Command("jq", "[.[].passengers]|add", path).CombinedOutput()
			if err != nil {
				b.Fatalf("jq: %v %s", err, out)
			}
			jq += time.Since(start)
			if n, _ := strconv.ParseInt(string(bytes.TrimSpace(out)), 10, 64); n != st.Passengers {
				b.Fatalf("jq sums %s passengers, Parse %d", out, st.Passengers)
			}
		}
	}
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
	b.ReportMetric(mbps(parse), "parse-MB/s")
	b.ReportMetric(mbps(wc), "cat|wc-c-MB/s")
	b.ReportMetric(float64(wc)/float64(parse), "parse/cat|wc-speed")
	if jqErr == nil {
		b.ReportMetric(mbps(jq), "jq-MB/s")
		b.ReportMetric(float64(jq)/float64(parse), "parse/jq-speed")
	} else {
		b.Log("jq is not installed (apt-get install jq): the jq ratio is skipped")
	}
}

// BenchmarkParse is the parser alone on an in-memory city-day of 20,000 records.
func BenchmarkParse(b *testing.B) {
	c := refserver.DefaultConfig()
	c.MinRecords, c.MaxRecords = 20_000, 20_000
	sim, err := refserver.New(c)
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest("GET", "/cities/0/stats?date=2024-05-01", nil))
	data := rec.Body.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := records.Parse(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
