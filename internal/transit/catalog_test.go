package transit

import (
	"fmt"
	"sync"
	"testing"
)

func sumsOf(n int64) Sums {
	return Sums{Records: n, Passengers: 10 * n, DelayMicros: 1e6 * n, DelayCount: n, Accidents: n % 2}
}

func TestRecordKeepsCountryDaysExact(t *testing.T) {
	t.Parallel()
	env := startStack(t)
	c := NewCatalog(env.DB, env.Table)
	rec := func(d CityDay, wantWrote bool) {
		t.Helper()
		wrote, err := c.Record(env.Ctx, d)
		if err != nil || wrote != wantWrote {
			t.Fatalf("Record(%+v) = %v, %v; want wrote=%v", d, wrote, err, wantWrote)
		}
	}
	// Names differing only by case, accents or script stay apart.
	for i, country := range []string{"Norway", "norway", "Côte d'Ivoire", "Cote d'Ivoire", "日本", "Россия"} {
		rec(CityDay{Date: "2024-05-31", Country: country, City: "Ōsaka", CityID: 1, SHA256: "a", Sums: sumsOf(int64(i + 1))}, true)
	}
	day := CityDay{Date: "2024-06-01", Country: "Norway", City: "Tromsø", CityID: 7, SHA256: "a", Sums: sumsOf(5)}
	rec(day, true)
	rec(day, false) // a redelivery: nothing counted twice
	day.SHA256, day.Sums = "b", sumsOf(3)
	rec(day, true) // new data for the city-day replaces its old contribution
	other := CityDay{Date: "2024-06-01", Country: "Norway", City: "Oslo", CityID: 8, SHA256: "c", Sums: sumsOf(4)}
	rec(other, true)

	got, err := c.Days(env.Ctx, "2024-05-31", "2024-06-02")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 {
		t.Fatalf("%d country-days: %+v", len(got), got)
	}
	byCountry := map[string]CountryDay{}
	for _, d := range got[:6] {
		if d.Date != "2024-05-31" || d.Cities != 1 {
			t.Errorf("May day %+v", d)
		}
		byCountry[d.Country] = d
	}
	for i, country := range []string{"Norway", "norway", "Côte d'Ivoire", "Cote d'Ivoire", "日本", "Россия"} {
		if byCountry[country].Sums != sumsOf(int64(i+1)) {
			t.Errorf("%s: %+v, want %+v", country, byCountry[country], sumsOf(int64(i+1)))
		}
	}
	if d := got[6]; d.Date != "2024-06-01" || d.Country != "Norway" || d.Cities != 2 || d.Sums != sumsOf(7) {
		t.Errorf("June day: %+v, want 2 cities and %+v", d, sumsOf(7))
	}
	if days, err := c.Days(env.Ctx, "2024-06-02", "2024-07-30"); err != nil || len(days) != 0 {
		t.Errorf("days without data: %+v %v", days, err)
	}
}

// TestConcurrentRecordsOfOneCountryDay: cities of one country-day recorded
// at once (each transaction conflicting with the others) all count, once.
func TestConcurrentRecordsOfOneCountryDay(t *testing.T) {
	t.Parallel()
	env := startStack(t)
	c := NewCatalog(env.DB, env.Table)
	const cities = 12
	var wg sync.WaitGroup
	for id := range cities {
		wg.Go(func() {
			for range 2 { // each one twice, as a redelivery would
				d := CityDay{Date: "2024-05-01", Country: "Tuvalu", City: fmt.Sprint("City ", id), CityID: id,
					SHA256: "s", Sums: sumsOf(int64(id + 1))}
				if _, err := c.Record(env.Ctx, d); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := c.Days(env.Ctx, "2024-05-01", "2024-05-01")
	if err != nil || len(got) != 1 {
		t.Fatalf("days: %+v %v", got, err)
	}
	if want := sumsOf(cities * (cities + 1) / 2); got[0].Cities != cities || got[0].Sums.Records != want.Records || got[0].Sums.Passengers != want.Passengers {
		t.Fatalf("country-day %+v, want %d cities and %+v", got[0], cities, want)
	}
}

func TestCountries(t *testing.T) {
	t.Parallel()
	env := startStack(t)
	c := NewCatalog(env.DB, env.Table)
	var names []string
	for i := range 30 { // more than one BatchWriteItem
		names = append(names, "Country "+string(rune('A'+i)))
	}
	names = append(names, "norway", "Norway", "Norway", "日本")
	if err := c.AddCountries(env.Ctx, names); err != nil {
		t.Fatal(err)
	}
	got, err := c.Countries(env.Ctx)
	if err != nil || len(got) != 33 {
		t.Fatalf("countries: %d %v", len(got), err)
	}
	seen := map[string]bool{}
	for _, n := range got {
		seen[n] = true
	}
	for _, n := range []string{"Country B", "norway", "Norway", "日本"} {
		if !seen[n] {
			t.Errorf("%q missing from %v", n, got)
		}
	}
}
