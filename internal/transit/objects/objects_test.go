package objects

import (
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/transit/records"
)

func TestSlugAndKeys(t *testing.T) {
	for in, want := range map[string]string{
		"Tuvalu": "tuvalu", "Côte d'Ivoire": "cote-d-ivoire", "São Tomé and Príncipe": "sao-tome-and-principe",
		"  New  Zealand ": "new-zealand", "Åland Islands": "aland-islands", "!!!": "x", "": "x", "日本": "x",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := RawKey("Côte d'Ivoire", "2024-05-01", 7, "Port Jessica"), "raw/country=cote-d-ivoire/date=2024-05-01/city=7-port-jessica.json"; got != want {
		t.Errorf("RawKey = %q, want %q", got, want)
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	dep := time.Date(2024, 5, 1, 11, 59, 0, 0, time.UTC)
	f := CityFile{Country: "Côte d'Ivoire", City: "Port Jessica", CityID: 7, Date: "2024-05-01", SHA256: "ab12",
		Stats: records.Stats{Records: 3, Passengers: 40, DelayMicros: 5e6, DelayCount: 2, Accidents: 1, MinDeparture: dep, MaxDeparture: dep.Add(time.Hour)}}
	m := f.Metadata()
	size := 0
	for k, v := range m {
		size += len(k) + len(v) + len("x-amz-meta-")
		if k != MetaCountry && k != MetaCity {
			for _, r := range v {
				if r > 127 {
					t.Fatalf("%s is not ASCII: %q", k, v)
				}
			}
		}
	}
	if size > 600 {
		t.Errorf("metadata is %d bytes", size)
	}
	upper := map[string]string{}
	for k, v := range m {
		upper["X-"+k] = v // not a key we read: must not confuse the parser
		upper[k] = v
	}
	got, err := ParseMetadata(upper)
	if err != nil || got != f {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, f)
	}
	delete(m, MetaRecords)
	if _, err := ParseMetadata(m); err == nil {
		t.Fatal("missing records accepted")
	}
}
