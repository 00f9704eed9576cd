package countrystats_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/infra/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/transit/catalog"
	"github.com/mosaic-platform/mosaic/internal/transit/countrystats"
	"github.com/mosaic-platform/mosaic/internal/transit/ingest"
	"github.com/mosaic-platform/mosaic/internal/transit/objects"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
	"github.com/mosaic-platform/mosaic/internal/transit/transittest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

// counted counts the S3 requests of a countrystats.Objects.
type counted struct {
	countrystats.Objects
	list, head, get, put atomic.Int64
}

func (c *counted) List(ctx context.Context, p string) ([]string, error) {
	c.list.Add(1)
	return c.Objects.List(ctx, p)
}
func (c *counted) Head(ctx context.Context, k string) (map[string]string, error) {
	c.head.Add(1)
	return c.Objects.Head(ctx, k)
}
func (c *counted) Get(ctx context.Context, k string) ([]byte, string, bool, error) {
	c.get.Add(1)
	return c.Objects.Get(ctx, k)
}
func (c *counted) Put(ctx context.Context, k string, b []byte, etag string) error {
	c.put.Add(1)
	return c.Objects.Put(ctx, k, b, etag)
}
func (c *counted) reset() { c.list.Store(0); c.head.Store(0); c.get.Store(0); c.put.Store(0) }

type fixture struct {
	transittest.Env
	sim  *refserver.Server
	url  string
	in   *ingest.Ingester
	objs *counted
	svc  *countrystats.Service
	cat  *catalog.Catalog
}

func setup(t *testing.T, c refserver.Config) fixture {
	t.Helper()
	env := transittest.Start(t)
	sim, url := transittest.Simulator(t, c)
	ref, _ := refclient.New(url, refclient.WithRetries(2, time.Millisecond))
	cat := catalog.New(env.DB, env.Table)
	objs := &counted{Objects: countrystats.NewS3Objects(env.S3, env.Bucket)}
	names := map[string]string{}
	for _, c := range sim.Cities() {
		names[c.Country] = objects.Slug(c.Country)
	}
	if err := cat.AddCountries(env.Ctx, names); err != nil {
		t.Fatal(err)
	}
	return fixture{Env: env, sim: sim, url: url, cat: cat, objs: objs,
		in:  &ingest.Ingester{Ref: ref, Objects: ingest.NewS3Objects(env.S3, env.Bucket), Days: cat, TempDir: t.TempDir()},
		svc: &countrystats.Service{Catalog: cat, Objects: objs}}
}

func (f fixture) ingest(t *testing.T, date string, id int) {
	t.Helper()
	c := f.sim.Cities()[id]
	if _, err := f.in.City(f.Ctx, date, refclient.City{ID: c.ID, Name: c.Name, Country: c.Country}); err != nil {
		t.Error(err)
	}
}

func (f fixture) query(t *testing.T, from, to string) countrystats.Response {
	t.Helper()
	a, _ := time.Parse(time.DateOnly, from)
	b, _ := time.Parse(time.DateOnly, to)
	r, err := f.svc.Query(f.Ctx, a, b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// expected recomputes one country-day from the reference server's raw records
// of the given cities, with encoding/json: the independent answer.
type sums struct{ buses, passengers, delay, delays, accidents int64 }

func expected(t *testing.T, url, date string, ids []int) sums {
	t.Helper()
	var s sums
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

func check(t *testing.T, got countrystats.DayStats, want sums, what string) {
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
	cold := f.query(t, "2024-04-30", "2024-05-03")
	coldCounts := [4]int64{f.objs.get.Load(), f.objs.list.Load(), f.objs.head.Load(), f.objs.put.Load()}
	f.objs.reset()
	// Warm, in a new execution environment: the cached aggregates from S3.
	f.svc = &countrystats.Service{Catalog: f.cat, Objects: f.objs}
	warm := f.query(t, "2024-04-30", "2024-05-03")
	warmGets := f.objs.get.Load()
	// Warm, in the same environment: no S3 request at all.
	f.objs.reset()
	again := f.query(t, "2024-04-30", "2024-05-03")
	if n := f.objs.get.Load() + f.objs.list.Load() + f.objs.head.Load() + f.objs.put.Load(); n != 0 {
		t.Errorf("same environment, unchanged data: %d S3 requests, want 0", n)
	}
	if len(cold.Countries) != len(byCountry) {
		t.Fatalf("%d countries, want %d", len(cold.Countries), len(byCountry))
	}
	for country, ids := range byCountry {
		for _, d := range dates {
			want := expected(t, f.url, d, ids)
			check(t, cold.Countries[country][d], want, "cold "+country+" "+d)
			check(t, warm.Countries[country][d], want, "warm "+country+" "+d)
			check(t, again.Countries[country][d], want, "memoised "+country+" "+d)
		}
		for _, d := range []string{"2024-04-30", "2024-05-02"} { // no data: zeros and null
			if z := cold.Countries[country][d]; z.BusesStarted != 0 || z.Accident || z.AverageDelaySeconds != nil {
				t.Errorf("%s %s without data: %+v", country, d, z)
			}
		}
	}
	countryDays := int64(len(byCountry) * len(dates))
	if coldCounts != [4]int64{countryDays, countryDays, int64(2 * len(f.sim.Cities())), countryDays} {
		t.Errorf("cold S3 requests get/list/head/put = %v, want %d/%d/%d/%d", coldCounts, countryDays, countryDays, 2*len(f.sim.Cities()), countryDays)
	}
	if warmGets != countryDays {
		t.Errorf("warm query in a new environment: %d GETs, want one per country-day (%d)", warmGets, countryDays)
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
