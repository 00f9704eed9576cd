package transit

// The bucket's objects are named here, with a city-day's statistics encoded
// in their S3 user metadata.
//
// Layout (Hive-style, so Athena or Glue can query it later):
//
//	raw/country=<country key>/date=<YYYY-MM-DD>/city=<id>-<city key>.json   the file as received
//
// where a key is NameKey of the exact name: a readable slug and a hash of the
// name ("cote-d-ivoire-3c1f0d5e8a9b7c2d"), so that names differing only by
// script, case or accents never share a key. The exact names are in the
// object's metadata.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mosaic-platform/mosaic/internal/transit/records"
)

// RawKey is the key of one city-day file.
func RawKey(country, date string, cityID int, city string) string {
	return fmt.Sprintf("raw/country=%s/date=%s/city=%d-%s.json", NameKey(country), date, cityID, NameKey(city))
}

// NameKey is how a name appears in storage keys: its Slug (at most
// maxSlugBytes) and the first 64 bits of the SHA-256 of the exact name, in
// hex. Two distinct names share a key only if their hashes collide: for a
// million distinct names, a chance below 3 in 10^8.
func NameKey(name string) string {
	sum := sha256.Sum256([]byte(name))
	return Slug(name) + "-" + hex.EncodeToString(sum[:8])
}

// maxSlugBytes keeps keys short whatever the name's length.
const maxSlugBytes = 40

// folds turns the accented Latin letters of country and city names into ASCII.
var folds = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'æ': "ae", 'ç': "c", 'è': "e", 'é': "e",
	'ê': "e", 'ë': "e", 'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n", 'ò': "o", 'ó': "o", 'ô': "o",
	'õ': "o", 'ö': "o", 'ø': "o", 'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y", 'ß': "ss",
	'œ': "oe", 'ł': "l", 'ś': "s", 'š': "s", 'ž': "z", 'č': "c", 'ř': "r", 'ğ': "g", 'ı': "i", 'ş': "s",
}

// Slug is a name as lower-case ASCII letters and digits joined by single
// dashes ("Côte d'Ivoire" → "cote-d-ivoire"); "x" for a name with none.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case folds[r] != "":
			b.WriteString(folds[r])
			dash = false
		default:
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	s := b.String()
	if len(s) > maxSlugBytes {
		s = s[:maxSlugBytes]
	}
	s = strings.TrimSuffix(s, "-")
	if s == "" {
		return "x"
	}
	return s
}

// Metadata keys (S3 user metadata, x-amz-meta-*), all lower case.
const (
	MetaVersion      = "stats-version"
	MetaSHA256       = "sha256"
	MetaRecords      = "records"
	MetaPassengers   = "passengers"
	MetaDelayMicros  = "delay-micros"
	MetaDelayCount   = "delay-count"
	MetaAccidents    = "accidents"
	MetaMinDeparture = "min-departure"
	MetaMaxDeparture = "max-departure"
	MetaCountry      = "country" // percent-encoded: metadata must be ASCII
	MetaCity         = "city"    // percent-encoded
	MetaCityID       = "city-id"
	MetaDate         = "date"
)

// statsVersion is written with every object so that a future change of the
// metadata can tell old objects apart.
const statsVersion = "1"

// CityFile describes one stored city-day file.
type CityFile struct {
	Country string
	City    string
	CityID  int
	Date    string
	SHA256  string // hex
	Stats   records.Stats
}

// Metadata encodes f as user metadata: sums and counts, never averages, a
// few hundred bytes, well within S3's 2 KB.
func (f CityFile) Metadata() map[string]string {
	m := map[string]string{
		MetaVersion: statsVersion, MetaSHA256: f.SHA256,
		MetaRecords:     strconv.FormatInt(f.Stats.Records, 10),
		MetaPassengers:  strconv.FormatInt(f.Stats.Passengers, 10),
		MetaDelayMicros: strconv.FormatInt(f.Stats.DelayMicros, 10),
		MetaDelayCount:  strconv.FormatInt(f.Stats.DelayCount, 10),
		MetaAccidents:   strconv.FormatInt(f.Stats.Accidents, 10),
		MetaCountry:     url.PathEscape(f.Country), MetaCity: url.PathEscape(f.City),
		MetaCityID: strconv.Itoa(f.CityID), MetaDate: f.Date,
	}
	if f.Stats.Records > 0 {
		m[MetaMinDeparture] = f.Stats.MinDeparture.Format(records.DepartureLayout)
		m[MetaMaxDeparture] = f.Stats.MaxDeparture.Format(records.DepartureLayout)
	}
	return m
}

// ParseMetadata decodes what Metadata encoded; keys are matched case-insensitively.
func ParseMetadata(raw map[string]string) (CityFile, error) {
	m := make(map[string]string, len(raw))
	for k, v := range raw {
		m[strings.ToLower(k)] = v
	}
	if m[MetaVersion] != statsVersion {
		return CityFile{}, fmt.Errorf("metadata version %q, want %s", m[MetaVersion], statsVersion)
	}
	var errs []string
	n := func(k string) int64 {
		v, err := strconv.ParseInt(m[k], 10, 64)
		if err != nil || v < 0 {
			errs = append(errs, k)
		}
		return v
	}
	f := CityFile{SHA256: m[MetaSHA256], Date: m[MetaDate], CityID: int(n(MetaCityID))}
	f.Stats = records.Stats{Records: n(MetaRecords), Passengers: n(MetaPassengers), DelayMicros: n(MetaDelayMicros),
		DelayCount: n(MetaDelayCount), Accidents: n(MetaAccidents)}
	var err error
	if f.Country, err = url.PathUnescape(m[MetaCountry]); err != nil {
		errs = append(errs, MetaCountry)
	}
	if f.City, err = url.PathUnescape(m[MetaCity]); err != nil {
		errs = append(errs, MetaCity)
	}
	if f.Stats.Records > 0 {
		if f.Stats.MinDeparture, err = time.Parse(records.DepartureLayout, m[MetaMinDeparture]); err != nil {
			errs = append(errs, MetaMinDeparture)
		}
		if f.Stats.MaxDeparture, err = time.Parse(records.DepartureLayout, m[MetaMaxDeparture]); err != nil {
			errs = append(errs, MetaMaxDeparture)
		}
	}
	if len(errs) > 0 {
		return CityFile{}, fmt.Errorf("metadata: bad %s", strings.Join(errs, ", "))
	}
	return f, nil
}
