// Package countrystats answers GET /country-stats: per country and day, the
// buses started, passengers, whether any bus had an accident and the exact
// average delay, from the city files' S3 metadata and cached per country-day
// aggregates under agg/, never by reading a raw file.
//
// Freshness: every city ingest bumps its country-day's generation in the
// catalog after the file is stored. An aggregate records the generation it was
// computed at and is used only while that is still the current one; it is
// written with If-Match / If-None-Match so that a slower query can never
// replace a newer aggregate, and only when the generation did not move while
// it was computed. So a query racing an ingest answers either the state
// before or after that city, never a stale cache, and never caches a mix.
package countrystats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/transit/catalog"
	"github.com/mosaic-platform/mosaic/internal/transit/objects"
	"github.com/mosaic-platform/mosaic/internal/transit/records"
)

// MaxDays is the longest range one call may ask for.
const MaxDays = 366

// MaxResponseBytes bounds the encoded JSON body of GET /country-stats, which
// must fit Lambda's 6 MB response payload (where API Gateway's envelope
// escapes every quote of the body: 10 per country-day, +7 % at worst, so
// 5 MB of body is under 5.4 MB of payload). A range is refused up front when
// its days × countries, each country-day counted at its largest possible
// encoding (dayBytes: 149 bytes, every count at the int64 maximum), could
// exceed it: a full year then fits up to 91 countries, 183 countries up to
// 183 days. Real answers are smaller (≈ 94 bytes a country-day).
const MaxResponseBytes = 5_000_000

// dayBytes is the longest encoding of one country-day in the answer,
// `"YYYY-MM-DD":{...},`, measured on encoding/json's output.
var dayBytes = func() int {
	avg := 1.2345678901234567e-308 // the longest encoding of a non-negative float64
	b, err := json.Marshal(map[string]DayStats{"2024-05-01": {BusesStarted: math.MaxInt64,
		Passengers: math.MaxInt64, AverageDelaySeconds: &avg}})
	if err != nil {
		panic(err)
	}
	return len(b) - len("{}") + len(",")
}()

// responseBound is the largest encoded answer for these countries over days days.
func responseBound(countries []string, days int) int {
	n := len(`{"from":"2024-05-01","to":"2024-05-01","countries":{}}`)
	for _, c := range countries {
		n += countryBytes(c) + days*dayBytes
	}
	return n
}

// countryBytes is a country's share of the answer without its days: `"<name>":{},`.
func countryBytes(name string) int {
	b, _ := json.Marshal(name)
	return len(b) + len(":{},")
}

// maxDaysFor is the longest range whose answer for countries stays within MaxResponseBytes.
func maxDaysFor(countries []string) int {
	if len(countries) == 0 {
		return MaxDays
	}
	room := MaxResponseBytes - responseBound(countries, 0)
	return min(max(room/(len(countries)*dayBytes), 0), MaxDays)
}

// Catalog is what the query needs from the catalog.
type Catalog interface {
	Days(ctx context.Context, from, to string) ([]catalog.Day, error)
	Gen(ctx context.Context, date, slug string) (int64, error)
	Countries(ctx context.Context) (map[string]string, error)
}

// ErrPrecondition is a conditional write that lost a race.
var ErrPrecondition = errors.New("precondition failed")

// Objects is what the query needs from the transit bucket.
type Objects interface {
	// List returns the keys under prefix.
	List(ctx context.Context, prefix string) ([]string, error)
	// Head returns an object's user metadata.
	Head(ctx context.Context, key string) (map[string]string, error)
	// Get returns an object's body and ETag, or found false.
	Get(ctx context.Context, key string) (body []byte, etag string, found bool, err error)
	// Put writes body if the object's ETag is still ifMatch, or, when ifMatch
	// is "", if there is no object yet; otherwise ErrPrecondition.
	Put(ctx context.Context, key string, body []byte, ifMatch string) error
}

// DayStats is one country-day of the answer.
type DayStats struct {
	BusesStarted        int64    `json:"buses_started"`
	Passengers          int64    `json:"passengers"`
	Accident            bool     `json:"accident"`
	AverageDelaySeconds *float64 `json:"average_delay_seconds"`
}

// Response is the body of GET /country-stats.
type Response struct {
	From      string                         `json:"from"`
	To        string                         `json:"to"`
	Countries map[string]map[string]DayStats `json:"countries"`
}

// aggregate is the cached sum of one country-day's city files.
type aggregate struct {
	Version     int    `json:"version"`
	Gen         int64  `json:"gen"`
	Country     string `json:"country"`
	Date        string `json:"date"`
	Cities      int    `json:"cities"`
	Records     int64  `json:"records"`
	Passengers  int64  `json:"passengers"`
	DelayMicros int64  `json:"delay_micros"`
	DelayCount  int64  `json:"delay_count"`
	Accidents   int64  `json:"accidents"`
}

const aggVersion = 1

// Service computes country statistics.
type Service struct {
	Catalog     Catalog
	Objects     Objects
	Concurrency int // country-days computed at once (default 64: S3 latency, not CPU, bounds a cold year)

	// memo keeps the aggregates this execution environment has seen, keyed by
	// country-day and generation: the generation is read from the catalog on
	// every call, so a memoised aggregate is exactly as fresh as one read
	// from S3, and a warm Lambda answers without any S3 request.
	mu   sync.Mutex
	memo map[memoKey]aggregate
}

type memoKey struct {
	date, slug string
	gen        int64
}

// memoLimit bounds the memo (≈ 100 bytes an entry): 40 countries × 5 years.
const memoLimit = 80_000

func (s *Service) remembered(d catalog.Day) (aggregate, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.memo[memoKey{d.Date, d.Slug, d.Gen}]
	return a, ok
}

func (s *Service) remember(d catalog.Day, a aggregate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.memo == nil || len(s.memo) >= memoLimit {
		s.memo = map[memoKey]aggregate{} // simple and bounded; a miss only costs one S3 GET
	}
	s.memo[memoKey{d.Date, d.Slug, a.Gen}] = a
}

// Query returns every known country for every day of [from, to] (dates
// already validated).
func (s *Service) Query(ctx context.Context, from, to time.Time) (Response, error) {
	f, t := from.Format(time.DateOnly), to.Format(time.DateOnly)
	countries, err := s.Catalog.Countries(ctx)
	if err != nil {
		return Response{}, err
	}
	days, err := s.Catalog.Days(ctx, f, t)
	if err != nil {
		return Response{}, err
	}
	resp := Response{From: f, To: t, Countries: map[string]map[string]DayStats{}}
	names := make([]string, 0, len(countries))
	for name := range countries {
		names = append(names, name)
	}
	for _, d := range days {
		if _, listed := countries[d.Country]; !listed && !slices.Contains(names[len(countries):], d.Country) {
			names = append(names, d.Country) // a country may be in the data before its list entry
		}
	}
	if span := int(to.Sub(from).Hours()/24) + 1; responseBound(names, span) > MaxResponseBytes {
		msg := fmt.Sprintf("from %s to %s is %d days of %d countries, more than one response holds (%d bytes); ask for at most %d days",
			f, t, span, len(names), MaxResponseBytes, maxDaysFor(names))
		return Response{}, apigw.Validation(apigw.FieldError{Field: "from", Message: msg}, apigw.FieldError{Field: "to", Message: msg})
	}
	for _, name := range names {
		if resp.Countries[name] == nil {
			resp.Countries[name] = map[string]DayStats{}
			for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
				resp.Countries[name][day.Format(time.DateOnly)] = DayStats{}
			}
		}
	}

	aggs := make([]aggregate, len(days))
	errs := make([]error, len(days))
	n := s.Concurrency
	if n <= 0 {
		n = 64
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, d := range days {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			aggs[i], errs[i] = s.countryDay(ctx, d)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Response{}, err
	}
	for i, a := range aggs {
		ds := DayStats{BusesStarted: a.Records, Passengers: a.Passengers, Accident: a.Accidents > 0}
		if a.DelayCount > 0 {
			// One correctly rounded division of the exact integer sums over every
			// bus of the country that day (both operands are exact in a float64
			// below 2^53 µs ≈ 285 years of delay), never an average of averages.
			avg := float64(a.DelayMicros) / (float64(a.DelayCount) * 1e6)
			ds.AverageDelaySeconds = &avg
		}
		resp.Countries[days[i].Country][days[i].Date] = ds
	}
	return resp, nil
}

// countryDay returns the aggregate of one country-day, from the cache when it
// is current, else from the city files' metadata (and then caches it).
func (s *Service) countryDay(ctx context.Context, d catalog.Day) (aggregate, error) {
	if a, ok := s.remembered(d); ok {
		return a, nil
	}
	a, err := s.load(ctx, d)
	if err == nil && a.Gen == d.Gen {
		s.remember(d, a)
	}
	return a, err
}

// load reads the cached aggregate of a country-day, or computes and caches it.
func (s *Service) load(ctx context.Context, d catalog.Day) (aggregate, error) {
	key := objects.AggKey(d.Slug, d.Date)
	body, etag, found, err := s.Objects.Get(ctx, key)
	if err != nil {
		return aggregate{}, err
	}
	if found {
		var a aggregate
		if json.Unmarshal(body, &a) == nil && a.Version == aggVersion && a.Gen == d.Gen {
			return a, nil
		}
	} else {
		etag = ""
	}
	gen := d.Gen
	var a aggregate
	for range 3 {
		if a, err = s.compute(ctx, d, gen); err != nil {
			return aggregate{}, err
		}
		now, err := s.Catalog.Gen(ctx, d.Date, d.Slug)
		if err != nil {
			return aggregate{}, err
		}
		if now == gen {
			b, err := json.Marshal(a)
			if err != nil {
				return aggregate{}, fmt.Errorf("encode aggregate: %w", err)
			}
			if err := s.Objects.Put(ctx, key, b, etag); err != nil && !errors.Is(err, ErrPrecondition) {
				return aggregate{}, err
			} // lost the race: another query cached a newer one; ours is still right for gen
			return a, nil
		}
		gen = now // an ingest landed meanwhile: compute again rather than cache a mix
	}
	return a, nil // still moving: answer, but cache nothing
}

// compute sums the metadata of every city file of the country-day.
func (s *Service) compute(ctx context.Context, d catalog.Day, gen int64) (aggregate, error) {
	keys, err := s.Objects.List(ctx, objects.RawPrefix(d.Slug, d.Date))
	if err != nil {
		return aggregate{}, err
	}
	sort.Strings(keys)
	var total records.Stats
	for _, k := range keys {
		meta, err := s.Objects.Head(ctx, k)
		if err != nil {
			return aggregate{}, err
		}
		f, err := objects.ParseMetadata(meta)
		if err != nil {
			return aggregate{}, fmt.Errorf("%s: %w", k, err)
		}
		total.Add(f.Stats)
	}
	return aggregate{Version: aggVersion, Gen: gen, Country: d.Country, Date: d.Date, Cities: len(keys),
		Records: total.Records, Passengers: total.Passengers, DelayMicros: total.DelayMicros,
		DelayCount: total.DelayCount, Accidents: total.Accidents}, nil
}
