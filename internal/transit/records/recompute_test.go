package records_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/transit/records"
	"github.com/mosaic-platform/mosaic/internal/transit/transittest"
)

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
			if want := transittest.Recompute(t, body); got != want {
				t.Errorf("%s city %d: parser %+v, recomputed %+v", date, city, got, want)
			}
		}
	}
}
