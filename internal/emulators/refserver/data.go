package refserver

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"
)

// City is one entry of GET /cities, in the original server's wire format.
type City struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`
}

// countryNames are real country names, so that slugs and non-ASCII handling
// are exercised the way the original's faker-generated data did.
var countryNames = []string{
	"Tuvalu", "Bolivia", "Côte d'Ivoire", "New Zealand", "Czech Republic", "Japan", "Brazil",
	"Canada", "Norway", "Kenya", "Peru", "Viet Nam", "Iceland", "Morocco", "Chile", "Portugal",
	"Nepal", "Ghana", "Uruguay", "Estonia", "Fiji", "Mongolia", "Jordan", "Latvia", "Malta",
	"Namibia", "Oman", "Panama", "Qatar", "Rwanda", "Senegal", "Tonga", "Uganda", "Vanuatu",
	"Zambia", "Åland Islands", "São Tomé and Príncipe", "Bosnia and Herzegovina", "Sri Lanka",
	"Trinidad and Tobago",
}

// Name sets (Config.Names).
const (
	NamesPlain     = "plain"      // real country names, mostly ASCII, and faker-like city names
	NamesAnyScript = "any-script" // names in several scripts, and pairs differing only by case or accents
)

type nameSet struct {
	countries []string
	city      func(r *rand.Rand) string
}

var nameSets = map[string]nameSet{
	"":             {countryNames, plainCity},
	NamesPlain:     {countryNames, plainCity},
	NamesAnyScript: {anyScriptCountries, anyScriptCity},
}

// anyScriptCountries are names a naive slug merges: other scripts (all of
// which fold to nothing in ASCII), and pairs differing only by case or accents.
var anyScriptCountries = []string{
	"日本", "Россия", "Norway", "norway", "Côte d'Ivoire", "Cote d'Ivoire", "Ελλάδα", "مصر",
	"대한민국", "ประเทศไทย", "Ísland", "Iceland",
}

var anyScriptCities = []string{
	"東京", "Москва", "Tromsø", "tromsø", "Αθήνα", "القاهرة", "서울", "กรุงเทพ", "São Paulo", "Sao Paulo",
	"Zürich", "ZÜRICH", "Ḩalab", "Ñuñoa", "İzmir", "izmir", "Kraków", "Łódź", "🚌 Depot", "a/b=c?d",
}

func anyScriptCity(r *rand.Rand) string { return anyScriptCities[r.IntN(len(anyScriptCities))] }

func plainCity(r *rand.Rand) string {
	return cityPrefixes[r.IntN(len(cityPrefixes))] + cityRoots[r.IntN(len(cityRoots))] +
		citySuffixes[r.IntN(len(citySuffixes))]
}

var (
	cityPrefixes = []string{"", "", "Port ", "New ", "East ", "West ", "North ", "South ", "Lake ", "Saint "}
	cityRoots    = []string{"Jessica", "Michael", "Laura", "Brian", "Amanda", "Carlos", "Diane", "Edward",
		"Fiona", "Gabriel", "Hannah", "Isaac", "Julia", "Kevin", "Linda", "Marcus", "Nora", "Oscar",
		"Paula", "Quentin", "Rosa", "Samuel", "Tina", "Victor", "Wendy", "Xavier", "Yvonne", "Zach"}
	citySuffixes = []string{"", "", "", "ville", "town", "burgh", "side", "haven", "berg", "mouth", "fort"}
)

// Cities returns the deterministic city list of a configuration.
func (c Config) cities() []City {
	r := rand.New(rand.NewPCG(uint64(c.Seed), 0x636974696573)) // "cities"
	names := nameSets[c.Names]
	nc := min(max(c.Countries, 1), len(names.countries))
	out := make([]City, c.Cities)
	for i := range out {
		name := names.city(r)
		// Every country gets a city before any gets a second one.
		country := names.countries[i%nc]
		if i >= nc {
			country = names.countries[r.IntN(nc)]
		}
		out[i] = City{ID: i, Name: name, Country: country}
	}
	return out
}

// dayRand is the random source of one (seed, date, city): the same triple
// always yields the same bytes.
func dayRand(seed int64, day time.Time, city int) *rand.Rand {
	h := fnv.New64a()
	var b [24]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(seed))
	binary.LittleEndian.PutUint64(b[8:], uint64(day.Unix()))
	binary.LittleEndian.PutUint64(b[16:], uint64(city))
	_, _ = h.Write(b[:])
	s := h.Sum64()
	return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
}

// appendRecord appends one bus record as the original server encoded it.
func appendRecord(b []byte, r *rand.Rand, day time.Time) []byte {
	dep := day.Add(time.Duration(r.IntN(24*60)) * time.Minute)
	b = append(b, `{"departure-time":"`...)
	b = dep.AppendFormat(b, "2006-01-02T15:04:05")
	b = append(b, `","bus-type":"BUS-`...)
	b = strconv.AppendInt(b, int64(100+r.IntN(900)), 10)
	b = append(b, `","passengers":`...)
	b = strconv.AppendInt(b, int64(r.IntN(121)), 10)
	b = append(b, `,"delay":"`...)
	if r.IntN(4) == 0 {
		b = append(b, "P0D"...)
	} else {
		b = append(b, "PT"...)
		b = strconv.AppendInt(b, int64(1+r.IntN(7200)), 10)
		b = append(b, 'S')
	}
	b = append(b, `","accident":`...)
	b = strconv.AppendBool(b, r.IntN(1000) == 0)
	return append(b, '}')
}
