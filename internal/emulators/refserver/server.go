// Package refserver simulates the transit reference server: the original's API
// and wire format (GET /cities, GET /cities/{id}/stats?date=YYYY-MM-DD),
// deterministic data per (seed, date, city), sizes from the original's ~200 KB
// per city-day to gigabytes streamed in constant memory, and injectable faults.
//
// Faults come from Config.Faults or, per request, from headers that override it:
//
//	X-Fault-Error-Rate: 0.3        answer that share of requests 503
//	X-Fault-Fail-First: 2          answer the first 2 requests to each path 503
//	X-Fault-Latency: 500ms         wait before answering
//	X-Fault-Cut-After: 10000       close the connection after that many body bytes
//	X-Fault-Malformed-Every: 1000  make every 1000th record invalid JSON
//	X-Fault-City-List: duplicate-ids  answer GET /cities wrongly (see CityListFaults)
//	X-Fault-Missing-Cities: 3,5    answer the stats of cities 3 and 5 404, for good
//
// Names in any script (Config.Names = NamesAnyScript) give countries and
// cities that differ only by script, case or accents, as real upstreams do.
package refserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config describes the simulated world and its faults.
type Config struct {
	Seed       int64  // data differ per seed, and are identical for the same seed
	Cities     int    // number of cities (ids 0..Cities-1)
	Countries  int    // number of countries the cities are spread over (at most 40)
	Names      string // NamesPlain (the default) or NamesAnyScript
	MinRecords int64  // records per city-day, drawn uniformly in [MinRecords, MaxRecords]
	MaxRecords int64
	Faults     Faults
}

// Faults are injected failures; the zero value injects none.
type Faults struct {
	ErrorRate      float64       // share of requests answered 503
	FailFirst      int           // the first FailFirst requests to each path are answered 503
	Latency        time.Duration // delay before every answer
	CutAfter       int64         // cut /stats connections after this many body bytes (0: never)
	MalformedEvery int64         // every Nth record of /stats is invalid JSON (0: never)
	CityList       string        // how GET /cities misbehaves: one of CityListFaults ("" answers correctly)
	MissingCities  []int         // cities whose stats answer 404 "City not found", on every request
}

// CityListFaults are the wrong answers GET /cities can give (Faults.CityList).
var CityListFaults = map[string]string{
	"empty":           "an empty array",
	"null":            "null instead of an array",
	"object":          "an object instead of an array",
	"duplicate-ids":   "the second city repeated with the first city's id",
	"identical-twice": "the first city listed twice, identically",
	"bad-entry":       "a city without a name and one with a string id",
}

// DefaultConfig is the original server's shape: ~200 KB per city-day.
func DefaultConfig() Config {
	return Config{Seed: 1, Cities: 20, Countries: 8, Names: NamesPlain, MinRecords: 1000, MaxRecords: 3000}
}

// Validate reports a configuration the simulator cannot serve.
func (c Config) Validate() error {
	var errs []error
	if c.Cities < 1 || c.Cities > 1_000_000 {
		errs = append(errs, fmt.Errorf("cities %d: must be 1..1000000", c.Cities))
	}
	if names, ok := nameSets[c.Names]; !ok {
		errs = append(errs, fmt.Errorf("names %q: must be %q or %q", c.Names, NamesPlain, NamesAnyScript))
	} else if c.Countries < 1 || c.Countries > len(names.countries) {
		errs = append(errs, fmt.Errorf("countries %d: must be 1..%d", c.Countries, len(names.countries)))
	}
	if err := c.Faults.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.MinRecords < 0 || c.MaxRecords < c.MinRecords {
		errs = append(errs, fmt.Errorf("records %d..%d: need 0 <= min <= max", c.MinRecords, c.MaxRecords))
	}
	return errors.Join(errs...)
}

// Server is the simulator as an http.Handler.
type Server struct {
	cfg    Config
	cities []City
	body   []byte // GET /cities, encoded once

	mu       sync.Mutex
	attempts map[string]int // requests seen per path, for FailFirst
	requests int
}

// New returns a simulator for cfg.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("refserver: %w", err)
	}
	s := &Server{cfg: cfg, cities: cfg.cities(), attempts: map[string]int{}}
	b, err := json.Marshal(s.cities)
	if err != nil {
		return nil, fmt.Errorf("refserver: encode cities: %w", err)
	}
	s.body = b
	return s, nil
}

func (f Faults) validate() error {
	var errs []error
	if _, ok := CityListFaults[f.CityList]; f.CityList != "" && !ok {
		errs = append(errs, fmt.Errorf("city list fault %q: must be one of %s", f.CityList, strings.Join(slices.Sorted(maps.Keys(CityListFaults)), ", ")))
	}
	if f.ErrorRate < 0 || f.ErrorRate > 1 {
		errs = append(errs, fmt.Errorf("error rate %v: must be 0..1", f.ErrorRate))
	}
	return errors.Join(errs...)
}

// cityList is the body of GET /cities, as the fault f has it.
func (s *Server) cityList(fault string) []byte {
	first := s.cities[0]
	second := first
	if len(s.cities) > 1 {
		second = s.cities[1]
	}
	enc := func(v any) []byte { b, _ := json.Marshal(v); return b }
	switch fault {
	case "empty":
		return []byte("[]")
	case "null":
		return []byte("null")
	case "object":
		return enc(map[string]any{"cities": s.cities})
	case "duplicate-ids":
		dup := second
		dup.ID = first.ID
		return enc(append(append([]City(nil), s.cities...), dup))
	case "identical-twice":
		return enc(append(append([]City(nil), s.cities...), first))
	case "bad-entry":
		list := []any{}
		for _, c := range s.cities {
			list = append(list, c)
		}
		return enc(append(list, map[string]any{"id": len(s.cities), "country": first.Country},
			map[string]any{"id": "x", "name": first.Name, "country": first.Country}))
	}
	return s.body
}

// Cities returns the simulated cities.
func (s *Server) Cities() []City { return append([]City(nil), s.cities...) }

// Requests returns how many requests the server has received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// ServeHTTP answers GET /cities and GET /cities/{id}/stats?date=.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, err := s.faults(r.Header)
	if err != nil {
		detail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	s.requests++
	s.attempts[r.URL.Path]++
	attempt := s.attempts[r.URL.Path]
	s.mu.Unlock()
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if attempt <= f.FailFirst || (f.ErrorRate > 0 && rand.Float64() < f.ErrorRate) {
		detail(w, http.StatusServiceUnavailable, "injected fault")
		return
	}
	if r.Method != http.MethodGet {
		detail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	path := strings.Trim(r.URL.Path, "/")
	switch parts := strings.Split(path, "/"); {
	case path == "cities":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.cityList(f.CityList))
	case len(parts) == 3 && parts[0] == "cities" && parts[2] == "stats":
		s.stats(w, r, parts[1], f)
	default:
		detail(w, http.StatusNotFound, "Not Found")
	}
}

// stats streams one city-day: a JSON array written record by record.
func (s *Server) stats(w http.ResponseWriter, r *http.Request, idText string, f Faults) {
	id, err := strconv.Atoi(idText)
	if err != nil || id < 0 || id >= len(s.cities) || slices.Contains(f.MissingCities, id) {
		detail(w, http.StatusNotFound, "City not found")
		return
	}
	day, err := time.Parse(time.DateOnly, r.URL.Query().Get("date"))
	if err != nil {
		detail(w, http.StatusUnprocessableEntity, "date: expected YYYY-MM-DD")
		return
	}
	rnd := dayRand(s.cfg.Seed, day, id)
	n := s.cfg.MinRecords
	if span := s.cfg.MaxRecords - s.cfg.MinRecords; span > 0 {
		n += rnd.Int64N(span + 1)
	}
	w.Header().Set("Content-Type", "application/json")
	out := &cutWriter{w: w, left: f.CutAfter}
	buf := make([]byte, 0, 64<<10)
	buf = append(buf, '[')
	for i := int64(0); i < n; i++ {
		if i > 0 {
			buf = append(buf, ',')
		}
		start := len(buf)
		buf = appendRecord(buf, rnd, day)
		if f.MalformedEvery > 0 && (i+1)%f.MalformedEvery == 0 {
			buf = buf[:start+len(buf[start:])/2] // a record cut in half is not JSON
		}
		if len(buf) >= 60<<10 {
			if out.write(buf) != nil {
				return
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, ']')
	_ = out.write(buf)
}

// cutWriter writes at most left bytes (when left > 0), then aborts the
// connection so that the client sees a body that ends mid-stream.
type cutWriter struct {
	w    http.ResponseWriter
	left int64
}

func (c *cutWriter) write(b []byte) error {
	if c.left <= 0 {
		_, err := c.w.Write(b)
		return err
	}
	if int64(len(b)) < c.left {
		c.left -= int64(len(b))
		_, err := c.w.Write(b)
		return err
	}
	_, _ = c.w.Write(b[:c.left])
	_ = http.NewResponseController(c.w).Flush()
	panic(http.ErrAbortHandler) // net/http closes the connection without logging
}

// faults are the configured faults overridden by the request's X-Fault-* headers.
func (s *Server) faults(h http.Header) (Faults, error) {
	f := s.cfg.Faults
	var errs []error
	parse := func(name string, set func(string) error) {
		if v := h.Get(name); v != "" {
			if err := set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	parse("X-Fault-Error-Rate", func(v string) (err error) { f.ErrorRate, err = strconv.ParseFloat(v, 64); return })
	parse("X-Fault-Fail-First", func(v string) (err error) { f.FailFirst, err = strconv.Atoi(v); return })
	parse("X-Fault-Latency", func(v string) (err error) { f.Latency, err = time.ParseDuration(v); return })
	parse("X-Fault-Cut-After", func(v string) (err error) { f.CutAfter, err = strconv.ParseInt(v, 10, 64); return })
	parse("X-Fault-Malformed-Every", func(v string) (err error) {
		f.MalformedEvery, err = strconv.ParseInt(v, 10, 64)
		return
	})
	parse("X-Fault-City-List", func(v string) error { f.CityList = v; return f.validate() })
	parse("X-Fault-Missing-Cities", func(v string) (err error) { f.MissingCities, err = ParseIDs(v); return })
	return f, errors.Join(errs...)
}

// ParseIDs reads a comma-separated list of city ids ("3,5").
func ParseIDs(v string) ([]int, error) {
	var ids []int
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		id, err := strconv.Atoi(part)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("%q is not a city id", part)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// detail answers an error the way the original (FastAPI) server did.
func detail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"detail": msg})
	_, _ = w.Write(b)
}

// Listen serves s on addr (e.g. 127.0.0.1:0) in the background and returns its
// base URL and a function that stops it.
func Listen(s *Server, addr string) (url string, stop func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("refserver: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), srv.Close, nil
}
