package refserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
)

func start(t *testing.T, c Config) string {
	t.Helper()
	s, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t *testing.T, url string, header ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// record is the original server's record, decoded strictly.
type record struct {
	DepartureTime string `json:"departure-time"`
	BusType       string `json:"bus-type"`
	Passengers    int    `json:"passengers"`
	Delay         string `json:"delay"`
	Accident      bool   `json:"accident"`
}

func TestWireFormat(t *testing.T) {
	url := start(t, DefaultConfig())
	resp, body, err := get(t, url+"/cities")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /cities: %v %v", resp.Status, err)
	}
	var cities []map[string]any
	if err := json.Unmarshal(body, &cities); err != nil || len(cities) != 20 {
		t.Fatalf("cities: %v, %d", err, len(cities))
	}
	for i, c := range cities {
		if len(c) != 3 || c["id"] != float64(i) || c["name"] == "" || c["country"] == "" {
			t.Fatalf("city %d: %v", i, c)
		}
	}
	resp, body, err = get(t, url+"/cities/3/stats?date=2024-05-01")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET stats: %v %v", resp.Status, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var recs []record
	if err := dec.Decode(&recs); err != nil {
		t.Fatal(err)
	}
	if len(recs) < 1000 || len(recs) > 3000 {
		t.Fatalf("%d records, want 1000..3000", len(recs))
	}
	timeRe := regexp.MustCompile(`^2024-05-01T\d\d:\d\d:00$`)
	delayRe := regexp.MustCompile(`^(P0D|PT[1-9]\d*S)$`)
	for _, r := range recs {
		if !timeRe.MatchString(r.DepartureTime) || !delayRe.MatchString(r.Delay) || r.Passengers < 0 {
			t.Fatalf("bad record %+v", r)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := start(t, DefaultConfig()), start(t, DefaultConfig())
	other := DefaultConfig()
	other.Seed = 2
	c := start(t, other)
	_, x, _ := get(t, a+"/cities/1/stats?date=2024-05-01")
	_, y, _ := get(t, b+"/cities/1/stats?date=2024-05-01")
	_, z, _ := get(t, c+"/cities/1/stats?date=2024-05-01")
	_, w, _ := get(t, a+"/cities/1/stats?date=2024-05-02")
	if !bytes.Equal(x, y) {
		t.Fatal("same seed, date and city gave different data")
	}
	if bytes.Equal(x, z) || bytes.Equal(x, w) {
		t.Fatal("another seed or date gave the same data")
	}
}

func TestErrors(t *testing.T) {
	url := start(t, DefaultConfig())
	for path, want := range map[string]int{
		"/cities/99/stats?date=2024-05-01": 404,
		"/cities/x/stats?date=2024-05-01":  404,
		"/cities/1/stats?date=2024-02-30":  422,
		"/cities/1/stats":                  422,
		"/nowhere":                         404,
	} {
		resp, body, _ := get(t, url+path)
		if resp.StatusCode != want || !bytes.Contains(body, []byte(`"detail"`)) {
			t.Errorf("%s: %d %s, want %d with a detail", path, resp.StatusCode, body, want)
		}
	}
}

func TestFaults(t *testing.T) {
	url := start(t, DefaultConfig())
	stats := url + "/cities/2/stats?date=2024-05-01"
	_, full, _ := get(t, stats)

	resp, _, _ := get(t, stats, "X-Fault-Error-Rate", "1")
	if resp.StatusCode != 503 {
		t.Errorf("error rate 1: %d", resp.StatusCode)
	}
	_, cut, err := get(t, stats, "X-Fault-Cut-After", "1000")
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(cut) != 1000 || !bytes.Equal(cut, full[:1000]) {
		t.Errorf("cut after 1000: %d bytes, %v", len(cut), err)
	}
	_, bad, err := get(t, stats, "X-Fault-Malformed-Every", "10")
	if err != nil || json.Valid(bad) {
		t.Errorf("malformed every 10: valid=%v err=%v", json.Valid(bad), err)
	}
	resp, _, _ = get(t, stats, "X-Fault-Latency", "nonsense")
	if resp.StatusCode != 400 {
		t.Errorf("bad fault header: %d", resp.StatusCode)
	}

	c := DefaultConfig()
	c.Faults.FailFirst = 2
	url = start(t, c)
	var codes []int
	for range 3 {
		resp, _, _ := get(t, url+"/cities")
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 503 || codes[1] != 503 || codes[2] != 200 {
		t.Errorf("fail first 2: %v", codes)
	}
}

// TestCityListFaults: each wrong answer of GET /cities, from configuration
// or from the X-Fault-City-List header, is what its name says.
func TestCityListFaults(t *testing.T) {
	c := DefaultConfig()
	c.Cities = 3
	url := start(t, c)
	decode := func(body []byte) []map[string]any {
		var list []map[string]any
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return list
	}
	for fault, check := range map[string]func(body []byte) bool{
		"empty":  func(b []byte) bool { return string(b) == "[]" },
		"null":   func(b []byte) bool { return string(b) == "null" },
		"object": func(b []byte) bool { return bytes.HasPrefix(b, []byte(`{"cities":[`)) },
		"duplicate-ids": func(b []byte) bool {
			l := decode(b)
			return len(l) == 4 && l[3]["id"] == l[0]["id"] && l[3]["name"] == l[1]["name"]
		},
		"identical-twice": func(b []byte) bool {
			l := decode(b)
			return len(l) == 4 && fmt.Sprint(l[3]) == fmt.Sprint(l[0])
		},
		"bad-entry": func(b []byte) bool {
			l := decode(b)
			return len(l) == 5 && l[3]["name"] == nil && l[4]["id"] == "x"
		},
	} {
		resp, body, err := get(t, url+"/cities", "X-Fault-City-List", fault)
		if err != nil || resp.StatusCode != 200 || !check(body) {
			t.Errorf("%s: %v %v %s", fault, resp.Status, err, body)
		}
	}
	c.Faults.CityList = "empty"
	if _, body, _ := get(t, start(t, c)+"/cities"); string(body) != "[]" {
		t.Errorf("configured empty list: %s", body)
	}
	if resp, _, _ := get(t, url+"/cities", "X-Fault-City-List", "sometimes"); resp.StatusCode != 400 {
		t.Errorf("unknown city list fault: %d", resp.StatusCode)
	}
}

// TestMissingCities: the listed cities answer 404 on every request, others 200.
func TestMissingCities(t *testing.T) {
	c := DefaultConfig()
	c.Faults.MissingCities = []int{1}
	url := start(t, c)
	for range 3 {
		if resp, _, _ := get(t, url+"/cities/1/stats?date=2024-05-01"); resp.StatusCode != 404 {
			t.Fatalf("missing city: %d", resp.StatusCode)
		}
	}
	if resp, _, _ := get(t, url+"/cities/2/stats?date=2024-05-01"); resp.StatusCode != 200 {
		t.Fatalf("other city: %d", resp.StatusCode)
	}
	if resp, _, _ := get(t, url+"/cities/2/stats?date=2024-05-01", "X-Fault-Missing-Cities", "0, 2"); resp.StatusCode != 404 {
		t.Fatalf("missing by header: %d", resp.StatusCode)
	}
}

// TestAnyScriptNames: countries in several scripts and pairs differing only by
// case or accents, each with at least one city.
func TestAnyScriptNames(t *testing.T) {
	c := DefaultConfig()
	c.Names, c.Countries, c.Cities = NamesAnyScript, 12, 30
	_, body, _ := get(t, start(t, c)+"/cities")
	var cities []City
	if err := json.Unmarshal(body, &cities); err != nil {
		t.Fatal(err)
	}
	countries := map[string]bool{}
	for _, city := range cities {
		countries[city.Country] = true
	}
	for _, want := range []string{"日本", "Россия", "Norway", "norway", "Côte d'Ivoire", "Cote d'Ivoire"} {
		if !countries[want] {
			t.Errorf("no city in %q", want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{Cities: 0, Countries: 1},
		{Cities: 1, Countries: 0},
		{Cities: 1, Countries: 41},
		{Cities: 1, Countries: 1, MinRecords: 5, MaxRecords: 4},
		{Cities: 1, Countries: 1, Faults: Faults{ErrorRate: 2}},
		{Cities: 1, Countries: 1, Faults: Faults{CityList: "sometimes"}},
		{Cities: 1, Countries: 13, Names: NamesAnyScript},
		{Cities: 1, Countries: 1, Names: "klingon"},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

// TestLargeCityStreams checks that a big city-day is streamed, not built in memory.
func TestLargeCityStreams(t *testing.T) {
	c := DefaultConfig()
	c.MinRecords, c.MaxRecords = 300_000, 300_000 // ≈ 30 MB
	s, _ := New(c)
	rec := &countingWriter{header: http.Header{}}
	req := httptest.NewRequest(http.MethodGet, "/cities/0/stats?date=2024-05-01", nil)
	s.ServeHTTP(rec, req)
	if rec.n < 25<<20 || rec.maxWrite > 128<<10 {
		t.Fatalf("wrote %d bytes, largest write %d", rec.n, rec.maxWrite)
	}
}

type countingWriter struct {
	header      http.Header
	n, maxWrite int
}

func (c *countingWriter) Header() http.Header { return c.header }
func (c *countingWriter) WriteHeader(int)     {}
func (c *countingWriter) Write(b []byte) (int, error) {
	c.n += len(b)
	c.maxWrite = max(c.maxWrite, len(b))
	return len(b), nil
}
