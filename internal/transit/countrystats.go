package transit

// Country stats: per country and day, the buses started, passengers, whether
// any bus had an accident, the exact average delay, and whether the day was
// ingested at all.
//
// They are read from the sums per day and country the catalog keeps (one
// BatchGetItem of the range's months, and one Query for the country list, at
// once), never a raw file and never an object of the bucket: the city worker
// adds each city-day's sums to its month in the same DynamoDB transaction that
// records the city-day, so every answer is exactly the state before or after
// each city, never a stale cache nor a mix.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// MaxDays is the longest range one call may ask for.
const MaxDays = 366

// MaxResponseBytes bounds the encoded JSON body of GET /country-stats, which
// must fit Lambda's 6 MB response payload (where API Gateway's envelope
// escapes every quote of the body: 10 per country-day, +7 % at worst, so
// 5 MB of body is under 5.4 MB of payload). A range is refused up front when
// its days × countries, each country-day counted at its largest possible
// encoding (dayBytes, every count at the int64 maximum), could exceed it.
// Real answers are about half that size.
const MaxResponseBytes = 5_000_000

// dayBytes is the longest encoding of one country-day in the answer,
// `"YYYY-MM-DD":{...},`, measured on encoding/json's output.
var dayBytes = func() int {
	avg := 1.2345678901234567e-308 // the longest encoding of a non-negative float64
	b, err := json.Marshal(map[string]DayStats{"2024-05-01": {BusesStarted: math.MaxInt64,
		Passengers: math.MaxInt64, AverageDelaySeconds: &avg, CitiesIngested: math.MaxInt32}}) // at most one city per id, and ids are below 2^31
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

// DayStats is one country-day of the answer.
type DayStats struct {
	BusesStarted        int64    `json:"buses_started"`
	Passengers          int64    `json:"passengers"`
	Accident            bool     `json:"accident"`
	AverageDelaySeconds *float64 `json:"average_delay_seconds"`
	// Ingested says whether any city (of any country) was ingested for the
	// date: false means "no data", true with zeros means "no buses".
	Ingested bool `json:"ingested"`
	// CitiesIngested counts this country's cities ingested for the date.
	CitiesIngested int `json:"cities_ingested"`
}

// CountryStats is the body of GET /country-stats.
type CountryStats struct {
	From      string                         `json:"from"`
	To        string                         `json:"to"`
	Countries map[string]map[string]DayStats `json:"countries"`
}

// TooLargeError refuses a range whose answer could exceed MaxResponseBytes.
type TooLargeError struct{ Msg string }

func (e *TooLargeError) Error() string { return e.Msg }

// CountryStats returns every known country for every day of [from, to]
// (dates already validated), or a *TooLargeError.
func (c *Catalog) CountryStats(ctx context.Context, from, to time.Time) (CountryStats, error) {
	f, t := from.Format(time.DateOnly), to.Format(time.DateOnly)
	var (
		names, days = []string(nil), []CountryDay(nil)
		cerr, derr  error
		wg          sync.WaitGroup
	)
	wg.Go(func() { names, cerr = c.Countries(ctx) }) // in parallel: one round trip, not two
	days, derr = c.Days(ctx, f, t)
	wg.Wait()
	if err := errors.Join(cerr, derr); err != nil {
		return CountryStats{}, err
	}
	ingested := map[string]bool{}
	for _, d := range days {
		ingested[d.Date] = true
		if !slices.Contains(names, d.Country) {
			names = append(names, d.Country) // a country may be in the data before its list entry
		}
	}
	if span := int(to.Sub(from).Hours()/24) + 1; responseBound(names, span) > MaxResponseBytes {
		msg := fmt.Sprintf("from %s to %s is %d days of %d countries, more than one response holds (%d bytes); ask for at most %d days",
			f, t, span, len(names), MaxResponseBytes, maxDaysFor(names))
		return CountryStats{}, &TooLargeError{Msg: msg}
	}
	resp := CountryStats{From: f, To: t, Countries: make(map[string]map[string]DayStats, len(names))}
	for _, name := range names {
		if resp.Countries[name] == nil {
			resp.Countries[name] = map[string]DayStats{}
			for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
				date := day.Format(time.DateOnly)
				resp.Countries[name][date] = DayStats{Ingested: ingested[date]}
			}
		}
	}
	for _, d := range days {
		ds := DayStats{BusesStarted: d.Sums.Records, Passengers: d.Sums.Passengers, Accident: d.Sums.Accidents > 0,
			Ingested: true, CitiesIngested: d.Cities}
		if d.Sums.DelayCount > 0 {
			// One correctly rounded division of the exact integer sums over every
			// bus of the country that day (both operands are exact in a float64
			// below 2^53 µs ≈ 285 years of delay), never an average of averages.
			avg := float64(d.Sums.DelayMicros) / (float64(d.Sums.DelayCount) * 1e6)
			ds.AverageDelaySeconds = &avg
		}
		resp.Countries[d.Country][d.Date] = ds
	}
	return resp, nil
}
