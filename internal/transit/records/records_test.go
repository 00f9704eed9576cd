package records

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(DepartureLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Stats
	}{
		{"empty array", `[]`, Stats{}},
		{"spaces", " [ \n] \n", Stats{}},
		{"one record", `[{"departure-time":"2024-05-01T11:59:00","bus-type":"BUS-113","passengers":100,"delay":"PT5340S","accident":false}]`,
			Stats{Records: 1, Passengers: 100, DelayMicros: 5340e6, DelayCount: 1,
				MinDeparture: mustTime("2024-05-01T11:59:00"), MaxDeparture: mustTime("2024-05-01T11:59:00")}},
		{"two records, any key order, unknown fields, null delay", `[
			{"accident": true, "delay": "P0D", "passengers": 3, "departure-time": "2024-05-01T23:00:00", "extra": {"a": [1, -2.5e3, null, "x\"y"]}},
			{"departure-time": "2024-05-01T01:00:00", "bus-type": "B\u00e9", "passengers": 0, "delay": null, "accident": false}
		]`, Stats{Records: 2, Passengers: 3, DelayMicros: 0, DelayCount: 1, Accidents: 1,
			MinDeparture: mustTime("2024-05-01T01:00:00"), MaxDeparture: mustTime("2024-05-01T23:00:00")}},
		{"fractional and compound durations", `[{"departure-time":"2024-05-01T00:00:00","passengers":1,"delay":"P1DT1H1M1.5S","accident":false}]`,
			Stats{Records: 1, Passengers: 1, DelayMicros: (86400+3600+60+1)*1e6 + 500000, DelayCount: 1,
				MinDeparture: mustTime("2024-05-01T00:00:00"), MaxDeparture: mustTime("2024-05-01T00:00:00")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One byte at a time too: no assumption about read boundaries.
			for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
				got, err := Parse(r)
				if err != nil {
					t.Fatal(err)
				}
				if got != tc.want {
					t.Fatalf("got %+v, want %+v", got, tc.want)
				}
			}
		})
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	const ok = `{"departure-time":"2024-05-01T11:59:00","passengers":1,"delay":"P0D","accident":false}`
	tests := map[string]string{
		"empty":              ``,
		"object":             `{}`,
		"unterminated":       `[` + ok,
		"trailing comma":     `[` + ok + `,]`,
		"trailing data":      `[` + ok + `]x`,
		"two arrays":         `[][]`,
		"half a record":      `[` + ok[:40],
		"missing accident":   `[{"departure-time":"2024-05-01T11:59:00","passengers":1,"delay":"P0D"}]`,
		"duplicate field":    `[{"departure-time":"2024-05-01T11:59:00","passengers":1,"passengers":2,"delay":"P0D","accident":false}]`,
		"bad time":           `[{"departure-time":"2024-13-01T11:59:00","passengers":1,"delay":"P0D","accident":false}]`,
		"negative passenger": `[{"departure-time":"2024-05-01T11:59:00","passengers":-1,"delay":"P0D","accident":false}]`,
		"float passengers":   `[{"departure-time":"2024-05-01T11:59:00","passengers":1.5,"delay":"P0D","accident":false}]`,
		"string passengers":  `[{"departure-time":"2024-05-01T11:59:00","passengers":"1","delay":"P0D","accident":false}]`,
		"bad delay":          `[{"departure-time":"2024-05-01T11:59:00","passengers":1,"delay":"5 minutes","accident":false}]`,
		"months":             `[{"departure-time":"2024-05-01T11:59:00","passengers":1,"delay":"P1M","accident":false}]`,
		"bad accident":       `[{"departure-time":"2024-05-01T11:59:00","passengers":1,"delay":"P0D","accident":"no"}]`,
		"bad unknown value":  `[{"departure-time":"2024-05-01T11:59:00","passengers":1,"delay":"P0D","accident":false,"x":01}]`,
		"control char":       "[{\"departure-time\":\"2024-05-01T11:59:00\",\"passengers\":1,\"delay\":\"P0D\",\"accident\":false,\"x\":\"a\nb\"}]",
		"record not object":  `[1]`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(in))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse(%q) = %v, want a malformed-records error", in, err)
			}
		})
	}
}

func TestParseKeepsReadErrors(t *testing.T) {
	cut := io.MultiReader(strings.NewReader(`[{"departure-time":"2024-05-`), iotest.ErrReader(io.ErrUnexpectedEOF))
	_, err := Parse(cut)
	if !errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrMalformed) {
		t.Fatalf("got %v, want the reader's error and not a malformed-records error", err)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"P0D", 0, true}, {"PT5340S", 5340e6, true}, {"PT1H", 3600e6, true}, {"P1W", 7 * 86400e6, true},
		{"PT0.000001S", 1, true}, {"PT0.0000001S", 0, false}, {"P", 0, false}, {"PT", 0, false},
		{"P1Y", 0, false}, {"PT1D", 0, false}, {"-PT1S", 0, false}, {"PT1.2.3S", 0, false}, {"PTS", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseDuration([]byte(tc.in))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzParse checks that Parse never panics and, when it accepts input,
// agrees with encoding/json on what the records are.
func FuzzParse(f *testing.F) {
	f.Add(`[{"departure-time":"2024-05-01T11:59:00","bus-type":"BUS-113","passengers":100,"delay":"PT5340S","accident":false}]`)
	f.Add(`[]`)
	f.Add(`[{"accident":true,"delay":null,"passengers":0,"departure-time":"2024-05-01T00:00:00","x":[{"y":"\u00e9"}]}]`)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		var recs []map[string]json.RawMessage
		if jerr := json.Unmarshal([]byte(in), &recs); jerr != nil {
			t.Fatalf("Parse accepted what encoding/json rejects (%v): %q", jerr, in)
		}
		if int64(len(recs)) != got.Records {
			t.Fatalf("records %d, encoding/json sees %d", got.Records, len(recs))
		}
	})
}

func TestParseDepartureAgreesWithTimeParse(t *testing.T) {
	for _, s := range []string{"2024-05-01T11:59:00", "2024-02-29T00:00:00", "2023-02-29T00:00:00", "2024-13-01T00:00:00",
		"2024-04-31T00:00:00", "2024-05-01T24:00:00", "2024-05-01T23:60:00", "2024-05-01T23:59:60", "2024-05-01 23:59:00",
		"2024-05-01T23:59:00.5", "0000-01-01T00:00:00", "+024-05-01T00:00:00", "2024-5-01T00:00:00"} {
		want, werr := time.Parse(DepartureLayout, s)
		got, ok := parseDeparture([]byte(s))
		if ok != (werr == nil) || !got.Equal(want) {
			t.Errorf("%s: got %v %v, time.Parse %v %v", s, got, ok, want, werr)
		}
	}
}

// canonical is a record as the reference server writes it.
const canonical = `{"departure-time":"2024-05-01T11:59:00","bus-type":"BUS-113","passengers":100,"delay":"PT5340S","accident":false}`

// FuzzFastPathMatchesGeneral: whatever the input, Parse (which reads the
// reference server's own layout on a fast path) and the general parser alone
// agree exactly: the same statistics, or the same error.
func FuzzFastPathMatchesGeneral(f *testing.F) {
	for _, s := range []string{
		"[" + canonical + "," + canonical + "]",
		"[" + canonical + "]",
		`[{"departure-time":"2024-02-30T11:59:00","bus-type":"BUS-113","passengers":100,"delay":"PT5340S","accident":false}]`,
		`[{"departure-time":"2024-05-01T24:00:00","bus-type":"BUS-113","passengers":100,"delay":"PT5340S","accident":true}]`,
		`[{"departure-time":"2024-05-01T11:59:00","bus-type":"B}US","passengers":01,"delay":"P0D","accident":false}]`,
		`[{"departure-time":"2024-05-01T11:59:00","bus-type":"BUS\u0001","passengers":9223372036854775807,"delay":"PT1.5S","accident":false}]`,
		`[{"departure-time":"2024-05-01T11:59:00","bus-type":"BUS-113","passengers":100,"delay":"PT99999999999S","accident":false}, {"departure-time":"2023-05-01T11:59:00","bus-type":"","passengers":0,"delay":"P1D","accident":true}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Parse(strings.NewReader(in))
		want, werr := parseGeneral(strings.NewReader(in))
		if got != want || fmt.Sprint(err) != fmt.Sprint(werr) {
			t.Fatalf("%q:\nParse   %+v, %v\ngeneral %+v, %v", in, got, err, want, werr)
		}
		// Read boundaries change nothing either.
		got, err = Parse(iotest.HalfReader(strings.NewReader(in)))
		if got != want || fmt.Sprint(err) != fmt.Sprint(werr) {
			t.Fatalf("%q in halves: %+v, %v; want %+v, %v", in, got, err, want, werr)
		}
	})
}

// TestFastPathMatchesGeneralOnTheWire: the simulator's output over many days
// and cities, through both.
func TestFastPathMatchesGeneralOnTheWire(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 3000 {
		if i > 0 {
			b.WriteString(",")
		}
		day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%400)
		fmt.Fprintf(&b, `{"departure-time":"%s","bus-type":"BUS-%d","passengers":%d,"delay":"%s","accident":%v}`,
			day.Add(time.Duration(i*37%86400)*time.Second).Format(DepartureLayout), i%900, i%121,
			[]string{"P0D", fmt.Sprintf("PT%dS", i), "PT1H2M", "P1DT0.5S"}[i%4], i%997 == 0)
	}
	b.WriteString("]")
	got, err := Parse(strings.NewReader(b.String()))
	want, werr := parseGeneral(strings.NewReader(b.String()))
	if err != nil || werr != nil || got != want || got.Records != 3000 {
		t.Fatalf("Parse %+v %v, general %+v %v", got, err, want, werr)
	}
}

// parseGeneral is Parse without fastRecord: the tests' reference for it.
func parseGeneral(r io.Reader) (Stats, error) {
	p := parser{sc: scanner{r: r, buf: make([]byte, bufferSize)}, generalOnly: true}
	return p.parse()
}
