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

	"github.com/mosaic-platform/mosaic/infra/refserver"
	"github.com/mosaic-platform/mosaic/internal/transit/records"
)

// benchFile writes a city-day of about mb megabytes (TRANSIT_BENCH_MB, default
// 200) from the simulator, one record per line so that `wc -l` counts records.
func benchFile(b *testing.B) (string, int64) {
	b.Helper()
	mb := 200
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
	w := bufio.NewWriterSize(f, 1<<20)
	sim.ServeHTTP(&lineWriter{w: w}, httptest.NewRequest("GET", "/cities/0/stats?date=2024-05-01", nil))
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	_ = f.Close()
	return path, st.Size()
}

// lineWriter is an http.ResponseWriter that puts each record on its own line
// (valid JSON still: whitespace between array elements).
type lineWriter struct {
	w    *bufio.Writer
	prev byte
}

func (l *lineWriter) Header() http.Header { return http.Header{} }
func (l *lineWriter) WriteHeader(int)     {}
func (l *lineWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		if c == '{' && l.prev == ',' || c == '{' && l.prev == '[' {
			_ = l.w.WriteByte('\n')
		}
		_ = l.w.WriteByte(c)
		l.prev = c
	}
	return len(p), nil
}

// BenchmarkParseVsBaselines times records.Parse on one large city file against
// `wc -l` and, when installed, `jq` computing the same sums on the same file,
// and reports each one's MB/s and Parse's speed as a multiple of theirs.
func BenchmarkParseVsBaselines(b *testing.B) {
	path, size := benchFile(b)
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
		if _, err := records.Parse(f); err != nil {
			b.Fatal(err)
		}
		parse += time.Since(start)
		_ = f.Close()

		start = time.Now()
		if out, err := exec.Command("wc", "-l", path).CombinedOutput(); err != nil {
			b.Fatalf("wc: %v %s", err, out)
		}
		wc += time.Since(start)

		if jqErr == nil {
			start = time.Now()
			prog := `[length, (map(.passengers)|add), (map(select(.accident))|length), (map(.["departure-time"])|min, max)]`
			if out, err := exec.Command("jq", "-c", prog, path).CombinedOutput(); err != nil {
				b.Fatalf("jq: %v %s", err, out)
			}
			jq += time.Since(start)
		}
	}
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
	b.ReportMetric(mbps(parse), "parse-MB/s")
	b.ReportMetric(mbps(wc), "wc-l-MB/s")
	b.ReportMetric(float64(wc)/float64(parse), "parse/wc-speed")
	if jqErr == nil {
		b.ReportMetric(mbps(jq), "jq-MB/s")
		b.ReportMetric(float64(jq)/float64(parse), "parse/jq-speed")
	} else {
		b.Log("jq is not installed: no jq baseline")
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
