package transit

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"
)

// countryNames is n long country names.
func countryNames(n int) []string {
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("République démocratique n°%03d", i))
	}
	return names
}

// TestResponseBoundHolds: the bound is never below the real encoding, even
// with every count at its largest, and a range past it is refused.
func TestResponseBoundHolds(t *testing.T) {
	list := countryNames(7)
	avg := 1.2345678901234567e-308
	worst := DayStats{BusesStarted: math.MaxInt64, Passengers: math.MaxInt64, AverageDelaySeconds: &avg, CitiesIngested: math.MaxInt32}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, days := range []int{1, 31, 366} {
		r := CountryStats{From: "2024-01-01", To: from.AddDate(0, 0, days-1).Format(time.DateOnly), Countries: map[string]map[string]DayStats{}}
		for _, n := range list {
			r.Countries[n] = map[string]DayStats{}
			for d := range days {
				r.Countries[n][from.AddDate(0, 0, d).Format(time.DateOnly)] = worst
			}
		}
		b, _ := json.Marshal(r)
		if bound := responseBound(list, days); len(b) > bound || bound-len(b) > 8 {
			t.Errorf("%d days: encoded %d bytes, bound %d", days, len(b), bound)
		}
	}
}
