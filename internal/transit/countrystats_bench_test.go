package transit

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/transit/records"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkCountryStatsYear asks for 365 days × every country on the emulator
// stack, after ingesting (through the real city ingester) every city of the
// simulator's world for each day: TRANSIT_BENCH_CITIES cities (default 20)
// over TRANSIT_BENCH_COUNTRIES countries (default 8), TRANSIT_BENCH_RECORDS
// records per city-day (default 1000, about 110 KB, the smallest of the
// original server's files: smaller files would make the baseline faster).
//
// It reports the storage requests (DynamoDB and S3) of a query in a new
// execution environment (cold: the first query after seeding; warm: the most
// of the next ones), the time of the first one and the median time of the next
// coldQueries, and, as the baseline measured in the same run, the time of
// recomputing the same answer from the raw files (LIST and GET each
// country-day's files and parse them).
func BenchmarkCountryStatsYear(b *testing.B) {
	env := startStack(b)
	c := refserver.DefaultConfig()
	c.Cities, c.Countries = envInt("TRANSIT_BENCH_CITIES", 20), envInt("TRANSIT_BENCH_COUNTRIES", 8)
	c.MinRecords = int64(envInt("TRANSIT_BENCH_RECORDS", 1000))
	c.MaxRecords = c.MinRecords
	sim, url := emutest.Simulator(b, c)
	ref, err := refclient.New(url)
	if err != nil {
		b.Fatal(err)
	}
	cat := NewCatalog(env.DB, env.Table)
	var names []string
	for _, city := range sim.Cities() {
		names = append(names, city.Country)
	}
	if err := cat.AddCountries(context.Background(), names); err != nil {
		b.Fatal(err)
	}
	s3Requests := &requests{}
	s3c := s3.New(env.S3.Options(), func(o *s3.Options) { o.APIOptions = append(o.APIOptions, s3Requests.middleware) })
	in := &Ingester{Ref: ref, Bucket: NewBucket(s3c, env.Bucket), Catalog: cat, TempDir: b.TempDir()}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 364)
	// Months in parallel, each month's city-days one after another (cities of
	// one month conflict on its sums item, which the tests cover).
	ctx := context.Background() // seeding outlasts env.Ctx's two minutes
	months := make(chan time.Time)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for m := range months {
				for day := m; day.Month() == m.Month() && !day.After(to); day = day.AddDate(0, 0, 1) {
					for _, c := range sim.Cities() {
						if _, err := in.City(ctx, day.Format(time.DateOnly), refclient.City{ID: c.ID, Name: c.Name, Country: c.Country}); err != nil {
							b.Error(err)
						}
					}
				}
			}
		})
	}
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		months <- m
	}
	close(months)
	wg.Wait()
	if b.Failed() {
		return
	}

	countries := map[string]bool{}
	for _, n := range names {
		countries[n] = true
	}
	var first, cold, raw time.Duration
	var coldReq, warmReq, rawReq, queryS3 int64
	dynamoRequests := &requests{}
	db := countedDB(env.DB, dynamoRequests)
	for b.Loop() {
		// Every query runs in a new execution environment (a new Service):
		// there is no cache to warm, so each one is "cold". The first one
		// after the seeding is reported alone; the figure compared with the
		// baseline is the median of queries, which a busy machine skews less.
		query := func() (CountryStats, time.Duration, int64) {
			stats := NewCatalog(db, env.Table)
			dynamoRequests.n.Store(0)
			s3Before := s3Requests.n.Load()
			start := time.Now()
			resp, err := stats.CountryStats(ctx, from, to)
			if err != nil {
				b.Fatal(err)
			}
			took := time.Since(start)
			queryS3 += s3Requests.n.Load() - s3Before
			return resp, took, dynamoRequests.n.Load() + s3Requests.n.Load() - s3Before
		}
		resp, d, n := query()
		first, coldReq = first+d, n
		if len(resp.Countries) != len(countries) {
			b.Fatalf("%d countries, want %d", len(resp.Countries), len(countries))
		}
		var times []time.Duration
		for range coldQueries {
			_, d, n := query()
			times, warmReq = append(times, d), max(warmReq, n)
		}
		slices.Sort(times)
		cold += times[len(times)/2]

		s3Requests.n.Store(0)
		start := time.Now()
		want := recomputeFromRaw(b, s3c, env.Bucket, names, from, to)
		raw += time.Since(start)
		rawReq = s3Requests.n.Load()
		for country, days := range want {
			for date, st := range days {
				if got := resp.Countries[country][date]; got.BusesStarted != st.Records || got.Passengers != st.Passengers {
					b.Fatalf("%s %s: query %+v, raw files %+v", country, date, got, st)
				}
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(len(countries)*365), "country-days")
	b.ReportMetric(first.Seconds()*1000/n, "first-query-ms")
	b.ReportMetric(cold.Seconds()*1000/n, "cold-ms")
	b.ReportMetric(raw.Seconds()*1000/n, "raw-recompute-ms")
	b.ReportMetric(float64(raw)/float64(cold), "raw/cold-time")
	b.ReportMetric(float64(raw)/float64(first), "raw/first-query-time")
	b.ReportMetric(float64(coldReq), "cold-requests")
	b.ReportMetric(float64(warmReq), "warm-requests")
	b.ReportMetric(float64(rawReq), "raw-recompute-requests")
	b.ReportMetric(float64(queryS3), "query-S3-requests")
}

// coldQueries is how many queries, each in a new execution environment, the
// median cold time is taken over.
const coldQueries = 9

// recomputeFromRaw is the baseline: every raw file of every country-day of
// the range, listed, read and parsed.
func recomputeFromRaw(b *testing.B, s3c *s3.Client, bucket string, countries []string, from, to time.Time) map[string]map[string]Sums {
	out := map[string]map[string]Sums{}
	seen := map[string]bool{}
	var mu sync.Mutex
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for _, country := range countries {
		if seen[country] {
			continue
		}
		seen[country] = true
		out[country] = map[string]Sums{}
		for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
			date := day.Format(time.DateOnly)
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				prefix := "raw/country=" + NameKey(country) + "/date=" + date + "/"
				p := s3.NewListObjectsV2Paginator(s3c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
				var total Sums
				for p.HasMorePages() {
					page, err := p.NextPage(context.Background())
					if err != nil {
						b.Error(err)
						return
					}
					for _, o := range page.Contents {
						obj, err := s3c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
						if err != nil {
							b.Error(err)
							return
						}
						st, err := records.Parse(obj.Body)
						_ = obj.Body.Close()
						if err != nil {
							b.Error(err)
							return
						}
						total.Records += st.Records
						total.Passengers += st.Passengers
					}
				}
				mu.Lock()
				out[country][date] = total
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return out
}
