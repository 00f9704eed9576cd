package transit

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// requests counts the calls a DynamoDB or S3 client sends, retries included.
type requests struct{ n atomic.Int64 }

func (r *requests) middleware(st *middleware.Stack) error {
	return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("countRequests",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			r.n.Add(1)
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// countedDB returns a copy of db whose requests r counts.
func countedDB(db *dynamodb.Client, r *requests) *dynamodb.Client {
	return dynamodb.New(db.Options(), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, r.middleware) })
}

func (f fixture) ingest(t *testing.T, date string, id int) {
	t.Helper()
	c := f.sim.Cities()[id]
	if _, err := f.in.City(f.Ctx, date, refclient.City{ID: c.ID, Name: c.Name, Country: c.Country}); err != nil {
		t.Error(err)
	}
}

func (f fixture) query(t *testing.T, from, to string) CountryStats {
	t.Helper()
	a, _ := time.Parse(time.DateOnly, from)
	b, _ := time.Parse(time.DateOnly, to)
	r, err := f.stats.CountryStats(f.Ctx, a, b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// expected recomputes one country-day from the reference server's raw records
// of the given cities, with encoding/json: the independent answer.
type wantSums struct{ buses, passengers, delay, delays, accidents int64 }

func expected(t *testing.T, url, date string, ids []int) wantSums {
	t.Helper()
	var s wantSums
	for _, id := range ids {
		resp, err := http.Get(url + "/cities/" + strconv.Itoa(id) + "/stats?date=" + date)
		if err != nil {
			t.Fatal(err)
		}
		var recs []struct {
			Passengers int64  `json:"passengers"`
			Delay      string `json:"delay"`
			Accident   bool   `json:"accident"`
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			s.buses++
			s.passengers += r.Passengers
			s.delays++
			if r.Delay != "P0D" {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(r.Delay, "PT"), "S"), 10, 64)
				s.delay += n
			}
			if r.Accident {
				s.accidents++
			}
		}
	}
	return s
}

func check(t *testing.T, got DayStats, want wantSums, what string) {
	t.Helper()
	avg := float64(want.delay) / float64(want.delays)
	if got.BusesStarted != want.buses || got.Passengers != want.passengers || got.Accident != (want.accidents > 0) ||
		got.AverageDelaySeconds == nil || *got.AverageDelaySeconds != avg {
		t.Errorf("%s: got %+v (avg %v), want %+v (avg %v)", what, got, got.AverageDelaySeconds, want, avg)
	}
}

func TestCountryStatsEqualRecomputation(t *testing.T) {
	t.Parallel()
	f := setup(t, refserver.DefaultConfig())
	dates := []string{"2024-05-01", "2024-05-03"}
	for _, d := range dates {
		for id := range f.sim.Cities() {
			f.ingest(t, d, id)
		}
	}
	byCountry := map[string][]int{}
	for _, c := range f.sim.Cities() {
		byCountry[c.Country] = append(byCountry[c.Country], c.ID)
	}
	f.reads.n.Store(0)
	got := f.query(t, "2024-04-30", "2024-05-03")
	// The country list, and one BatchGetItem of the two months (April and
	// May): nothing per city or per day.
	if n := f.reads.n.Load(); n != 2 {
		t.Errorf("%d DynamoDB requests, want 2", n)
	}
	if len(got.Countries) != len(byCountry) {
		t.Fatalf("%d countries, want %d", len(got.Countries), len(byCountry))
	}
	for country, ids := range byCountry {
		for _, d := range dates {
			check(t, got.Countries[country][d], expected(t, f.url, d, ids), country+" "+d)
			if c := got.Countries[country][d].CitiesIngested; c != len(ids) {
				t.Errorf("%s %s: %d cities ingested, want %d", country, d, c, len(ids))
			}
		}
		for _, d := range []string{"2024-04-30", "2024-05-02"} { // never ingested: zeros, null, and said so
			if z := got.Countries[country][d]; z.BusesStarted != 0 || z.Accident || z.AverageDelaySeconds != nil || z.Ingested {
				t.Errorf("%s %s without data: %+v", country, d, z)
			}
		}
	}
}

// TestCountryStatsKeepsEveryNameApart: countries named in other scripts, or
// differing only by case or accents, each get exactly their own cities' buses,
// under their exact names.
func TestCountryStatsKeepsEveryNameApart(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.Names, c.Cities, c.Countries = refserver.NamesAnyScript, 24, 12
	c.MinRecords, c.MaxRecords = 50, 200
	f := setup(t, c)
	const date = "2024-05-01"
	byCountry := map[string][]int{}
	for _, city := range f.sim.Cities() {
		f.ingest(t, date, city.ID)
		byCountry[city.Country] = append(byCountry[city.Country], city.ID)
	}
	got := f.query(t, date, date)
	if len(got.Countries) != 12 || len(byCountry) != 12 {
		t.Fatalf("%d countries answered, %d listed: %v", len(got.Countries), len(byCountry), got.Countries)
	}
	for _, name := range []string{"日本", "Россия", "Norway", "norway", "Côte d'Ivoire", "Cote d'Ivoire"} {
		ids := byCountry[name]
		if len(ids) == 0 {
			t.Fatalf("the simulator lists no city in %q", name)
		}
		check(t, got.Countries[name][date], expected(t, f.url, date, ids), name)
	}
}

func TestNewDataInvalidatesTheDay(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.Cities, c.Countries = 6, 1
	f := setup(t, c)
	country := f.sim.Cities()[0].Country
	for id := range 3 {
		f.ingest(t, "2024-05-01", id)
	}
	check(t, f.query(t, "2024-05-01", "2024-05-01").Countries[country]["2024-05-01"], expected(t, f.url, "2024-05-01", []int{0, 1, 2}), "before")
	for id := 3; id < 6; id++ {
		f.ingest(t, "2024-05-01", id)
	}
	check(t, f.query(t, "2024-05-01", "2024-05-01").Countries[country]["2024-05-01"], expected(t, f.url, "2024-05-01", []int{0, 1, 2, 3, 4, 5}), "after")
}

// TestConcurrentIngestAndQuery queries while cities of one country-day are
// ingested one after another: every answer must be exactly the sum of the
// first k cities, with k at least the number completed before the query began.
func TestConcurrentIngestAndQuery(t *testing.T) {
	t.Parallel()
	c := refserver.DefaultConfig()
	c.Cities, c.Countries = 8, 1
	f := setup(t, c)
	country := f.sim.Cities()[0].Country
	const date = "2024-05-01"
	prefix := make([]int64, c.Cities+1) // buses of the first k cities
	for k := 1; k <= c.Cities; k++ {
		prefix[k] = prefix[k-1] + expected(t, f.url, date, []int{k - 1}).buses
	}
	var done atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for id := range c.Cities {
			f.ingest(t, date, id)
			done.Store(int64(id + 1))
		}
	})
	for range 4 {
		wg.Go(func() {
			for done.Load() < int64(c.Cities) {
				before := done.Load()
				got := f.query(t, date, date).Countries[country][date].BusesStarted
				k := -1
				for i, p := range prefix {
					if p == got {
						k = i
					}
				}
				if k < int(before) {
					t.Errorf("query answered %d buses (prefix %d) after %d cities were stored: stale or mixed", got, k, before)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := f.query(t, date, date).Countries[country][date].BusesStarted; got != prefix[c.Cities] {
		t.Fatalf("final answer %d, want %d", got, prefix[c.Cities])
	}
}
