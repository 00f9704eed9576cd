package transit

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"

	"github.com/mosaic-platform/mosaic/internal/transit/records"
)

// recompute derives a city file's statistics with encoding/json and plain
// loops, sharing no code with records' streaming parser: the tests' oracle.
func recompute(t testing.TB, body []byte) records.Stats {
	t.Helper()
	var recs []struct {
		Departure  string `json:"departure-time"`
		Passengers int64  `json:"passengers"`
		Delay      string `json:"delay"`
		Accident   bool   `json:"accident"`
	}
	if err := json.Unmarshal(body, &recs); err != nil {
		t.Fatal(err)
	}
	var s records.Stats
	for i, r := range recs {
		dep, err := time.Parse("2006-01-02T15:04:05", r.Departure)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 || dep.Before(s.MinDeparture) {
			s.MinDeparture = dep
		}
		if i == 0 || dep.After(s.MaxDeparture) {
			s.MaxDeparture = dep
		}
		var secs int64
		if r.Delay != "P0D" {
			secs, err = strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(r.Delay, "PT"), "S"), 10, 64)
			if err != nil {
				t.Fatalf("delay %q: %v", r.Delay, err)
			}
		}
		s.Records++
		s.Passengers += r.Passengers
		s.DelayMicros += secs * 1e6
		s.DelayCount++
		if r.Accident {
			s.Accidents++
		}
	}
	return s
}

func TestParseEqualsRecomputation(t *testing.T) {
	sim, err := refserver.New(refserver.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	for _, date := range []string{"2024-05-01", "2024-02-29", "2025-12-31"} {
		for _, city := range []int{0, 7, 19} {
			resp, err := http.Get(srv.URL + "/cities/" + strconv.Itoa(city) + "/stats?date=" + date)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			got, err := records.Parse(strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			if want := recompute(t, body); got != want {
				t.Errorf("%s city %d: parser %+v, recomputed %+v", date, city, got, want)
			}
		}
	}
}
