// Command refserver runs the transit reference-server simulator on its own.
//
//	go run ./internal/emulators/refserver/cmd/refserver -addr 127.0.0.1:8090 -cities 50 -min-records 1000000 -max-records 1000000
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/mosaic-platform/mosaic/internal/emulators/refserver"
)

func main() {
	c := refserver.DefaultConfig()
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	flag.Int64Var(&c.Seed, "seed", c.Seed, "data seed: the same seed always serves the same data")
	flag.IntVar(&c.Cities, "cities", c.Cities, "number of cities")
	flag.IntVar(&c.Countries, "countries", c.Countries, "number of countries (at most 40)")
	flag.Int64Var(&c.MinRecords, "min-records", c.MinRecords, "fewest records per city-day")
	flag.Int64Var(&c.MaxRecords, "max-records", c.MaxRecords, "most records per city-day")
	flag.Float64Var(&c.Faults.ErrorRate, "error-rate", 0, "share of requests answered 503")
	flag.IntVar(&c.Faults.FailFirst, "fail-first", 0, "answer the first N requests to each path 503")
	flag.DurationVar(&c.Faults.Latency, "latency", 0, "delay before every answer")
	flag.Int64Var(&c.Faults.CutAfter, "cut-after", 0, "cut stats connections after N body bytes")
	flag.Int64Var(&c.Faults.MalformedEvery, "malformed-every", 0, "make every Nth record invalid JSON")
	flag.StringVar(&c.Names, "names", refserver.NamesPlain, "name set: plain, or any-script (several scripts, names differing only by case or accents)")
	flag.StringVar(&c.Faults.CityList, "city-list", "", "answer GET /cities wrongly: empty, null, object, duplicate-ids, identical-twice or bad-entry")
	missing := flag.String("missing-cities", "", "comma-separated city ids whose stats answer 404 for good")
	flag.Parse()
	var err error
	if c.Faults.MissingCities, err = refserver.ParseIDs(*missing); err != nil {
		fmt.Fprintln(os.Stderr, "-missing-cities:", err)
		os.Exit(2)
	}
	s, err := refserver.New(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("reference-server simulator on http://%s (%d cities, %d countries, %d-%d records per city-day)\n",
		*addr, c.Cities, c.Countries, c.MinRecords, c.MaxRecords)
	srv := &http.Server{Addr: *addr, Handler: s, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
