package countrystats_test

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mosaic-platform/mosaic/infra/refserver"
	"github.com/mosaic-platform/mosaic/internal/transit/catalog"
	"github.com/mosaic-platform/mosaic/internal/transit/countrystats"
	"github.com/mosaic-platform/mosaic/internal/transit/objects"
	"github.com/mosaic-platform/mosaic/internal/transit/records"
	"github.com/mosaic-platform/mosaic/internal/transit/transittest"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkCountryStatsYear asks for 365 days × every country, cold (no
// cached aggregate), warm in a new execution environment (aggregates from S3)
// and warm in the same one (memoised), on the emulator stack, and reports the
// time and the S3 requests of each. The bucket is seeded with city files that carry
// only their metadata (what the query reads), one per city and day, for the
// simulator's world (TRANSIT_BENCH_CITIES, default 20, over
// TRANSIT_BENCH_COUNTRIES, default 8).
func BenchmarkCountryStatsYear(b *testing.B) {
	env := transittest.Start(b)
	c := refserver.DefaultConfig()
	c.Cities, c.Countries = envInt("TRANSIT_BENCH_CITIES", 20), envInt("TRANSIT_BENCH_COUNTRIES", 8)
	sim, err := refserver.New(c)
	if err != nil {
		b.Fatal(err)
	}
	cat := catalog.New(env.DB, env.Table)
	names := map[string]string{}
	for _, city := range sim.Cities() {
		names[city.Country] = objects.Slug(city.Country)
	}
	if err := cat.AddCountries(env.Ctx, names); err != nil {
		b.Fatal(err)
	}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 364)
	type job struct {
		day  time.Time
		city refserver.City
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				date := j.day.Format(time.DateOnly)
				f := objects.CityFile{Country: j.city.Country, City: j.city.Name, CityID: j.city.ID, Date: date, SHA256: "0",
					Stats: records.Stats{Records: 2000, Passengers: 120000, DelayMicros: 5e12, DelayCount: 2000, Accidents: 1,
						MinDeparture: j.day, MaxDeparture: j.day.Add(23 * time.Hour)}}
				_, err := env.S3.PutObject(env.Ctx, &s3.PutObjectInput{Bucket: aws.String(env.Bucket),
					Key:  aws.String(objects.RawKey(j.city.Country, date, j.city.ID, j.city.Name)),
					Body: bytes.NewReader(nil), Metadata: f.Metadata()})
				if err == nil {
					_, err = cat.Bump(env.Ctx, date, j.city.Country, objects.Slug(j.city.Country))
				}
				if err != nil {
					b.Error(err)
				}
			}
		})
	}
	for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
		for _, city := range sim.Cities() {
			jobs <- job{day, city}
		}
	}
	close(jobs)
	wg.Wait()

	objs := &counted{Objects: countrystats.NewS3Objects(env.S3, env.Bucket)}
	svc := &countrystats.Service{Catalog: cat, Objects: objs}
	var cold, warm, memo time.Duration
	var coldReq, warmReq, memoReq int64
	requests := func() int64 { return objs.list.Load() + objs.head.Load() + objs.get.Load() + objs.put.Load() }
	for b.Loop() {
		// Cold: delete every cached aggregate.
		b.StopTimer()
		keys, err := objs.Objects.List(env.Ctx, "agg/")
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			if _, err := env.S3.DeleteObject(env.Ctx, &s3.DeleteObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String(k)}); err != nil {
				b.Fatal(err)
			}
		}
		objs.reset()
		b.StartTimer()
		start := time.Now()
		resp, err := svc.Query(env.Ctx, from, to)
		if err != nil {
			b.Fatal(err)
		}
		cold += time.Since(start)
		coldReq = requests()
		if len(resp.Countries) != len(names) {
			b.Fatalf("%d countries", len(resp.Countries))
		}
		objs.reset()
		fresh := &countrystats.Service{Catalog: cat, Objects: objs} // a new execution environment
		start = time.Now()
		if _, err := fresh.Query(env.Ctx, from, to); err != nil {
			b.Fatal(err)
		}
		warm += time.Since(start)
		warmReq = requests()
		objs.reset()
		start = time.Now()
		if _, err := fresh.Query(env.Ctx, from, to); err != nil {
			b.Fatal(err)
		}
		memo += time.Since(start)
		memoReq = requests()
	}
	n := float64(b.N)
	b.ReportMetric(float64(len(names)*365), "country-days")
	b.ReportMetric(cold.Seconds()*1000/n, "cold-ms")
	b.ReportMetric(warm.Seconds()*1000/n, "warm-ms")
	b.ReportMetric(float64(cold)/float64(warm), "cold/warm-time")
	b.ReportMetric(float64(coldReq), "cold-S3-requests")
	b.ReportMetric(float64(warmReq), "warm-S3-requests")
	b.ReportMetric(memo.Seconds()*1000/n, "warm-same-env-ms")
	b.ReportMetric(float64(memoReq), "warm-same-env-S3-requests")
}
