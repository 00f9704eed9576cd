package transit

import "testing"

func TestNewReportStatuses(t *testing.T) {
	for _, tc := range []struct {
		task   Task
		cities []City
		want   string
	}{
		{Task{CitiesTotal: -1}, nil, StatusQueued},
		{Task{CitiesTotal: 0}, nil, StatusSucceeded},
		{Task{CitiesTotal: -1, FanOutError: "down"}, nil, StatusFailed},
		{Task{CitiesTotal: 1}, []City{{Status: CityFailed}}, StatusFailed},
		{Task{CitiesTotal: 2}, []City{{City: 0, Status: CitySucceeded}, {City: 1, Status: CitySucceeded}}, StatusSucceeded},
	} {
		if got := NewReport(tc.task, tc.cities).Status; got != tc.want {
			t.Errorf("%+v %+v: %s, want %s", tc.task, tc.cities, got, tc.want)
		}
	}
}
