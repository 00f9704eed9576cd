package transit

import (
	"regexp"
	"testing"
	"testing/quick"
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
	key := RawKey("Côte d'Ivoire", "2024-05-01", 7, "Port Jessica")
	want := regexp.MustCompile(`^raw/country=cote-d-ivoire-[0-9a-f]{16}/date=2024-05-01/city=7-port-jessica-[0-9a-f]{16}\.json$`)
	if !want.MatchString(key) {
		t.Errorf("RawKey = %q, want %s", key, want)
	}
}

// TestNameKeysNeverCollide: names a slug alone merges (other scripts, case,
// accents) get distinct keys, and so do any two distinct random names.
func TestNameKeysNeverCollide(t *testing.T) {
	tricky := []string{"日本", "Россия", "Norway", "norway", "NORWAY", "Côte d'Ivoire", "Cote d'Ivoire", "Cote d’Ivoire",
		"Ελλάδα", "مصر", "x", "X", "", " ", "a-b", "a b", "a/b", "Ísland", "Iceland", "e\u0301", "é"}
	seen := map[string]string{}
	for _, n := range tricky {
		k := NameKey(n)
		if prev, ok := seen[k]; ok {
			t.Errorf("%q and %q share the key %q", prev, n, k)
		}
		seen[k] = n
		if !keyShape.MatchString(k) {
			t.Errorf("NameKey(%q) = %q: not a readable key segment", n, k)
		}
	}
	distinct := func(a, b string) bool { return a == b || NameKey(a) != NameKey(b) }
	if err := quick.Check(distinct, &quick.Config{MaxCount: 20_000}); err != nil {
		t.Error(err)
	}
	// Near-identical names: one rune changed, in any script.
	near := func(s string, r rune) bool {
		rs := []rune(s)
		if len(rs) == 0 {
			return true
		}
		rs[len(rs)/2] = r
		return distinct(s, string(rs))
	}
	if err := quick.Check(near, &quick.Config{MaxCount: 20_000}); err != nil {
		t.Error(err)
	}
	// Keys are valid in S3 and DynamoDB whatever the name: ASCII, no separator.
	if err := quick.Check(func(s string) bool { return keyShape.MatchString(NameKey(s)) }, nil); err != nil {
		t.Error(err)
	}
}

var keyShape = regexp.MustCompile(`^[a-z0-9-]{1,40}-[0-9a-f]{16}$`)

// TestNamesRoundTripThroughMetadata: any name, in any script, comes back
// exactly from the object's metadata, which stays ASCII.
func TestNamesRoundTripThroughMetadata(t *testing.T) {
	roundTrip := func(country, city string) bool {
		f := CityFile{Country: country, City: city, CityID: 1, Date: "2024-05-01", SHA256: "00"}
		m := f.Metadata()
		for _, v := range m {
			for _, r := range v {
				if r > 127 {
					return false
				}
			}
		}
		got, err := ParseMetadata(m)
		return err == nil && got.Country == country && got.City == city
	}
	if err := quick.Check(roundTrip, &quick.Config{MaxCount: 5_000}); err != nil {
		t.Error(err)
	}
	for _, n := range []string{"日本", "Côte d'Ivoire", "a%2Fb", "100%", "🚌 Depot", "a/b=c?d"} {
		if !roundTrip(n, n) {
			t.Errorf("%q does not round-trip", n)
		}
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
