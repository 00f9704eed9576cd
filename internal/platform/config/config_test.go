package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoaderReadsTypedValues(t *testing.T) {
	l := New(Map(map[string]string{
		"NAME": " orders ", "SIZE": "42", "TTL": "7d", "WAIT": "90s", "ON": "true", "EMPTY": "  ",
	}))
	if got := l.String("NAME"); got != "orders" {
		t.Errorf("String = %q", got)
	}
	if got := l.IntOr("SIZE", 1, 1, 100); got != 42 {
		t.Errorf("IntOr = %d", got)
	}
	if got := l.DurationOr("TTL", time.Hour); got != 7*24*time.Hour {
		t.Errorf("DurationOr(7d) = %s", got)
	}
	if got := l.DurationOr("WAIT", time.Hour); got != 90*time.Second {
		t.Errorf("DurationOr(90s) = %s", got)
	}
	if got := l.BoolOr("ON", false); !got {
		t.Error("BoolOr = false")
	}
	if got := l.StringOr("EMPTY", "default"); got != "default" {
		t.Errorf("an empty variable counts as unset: got %q", got)
	}
	if got := l.IntOr("MISSING", 5, 1, 10); got != 5 {
		t.Errorf("IntOr default = %d", got)
	}
	if err := l.Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
}

func TestLoaderReportsEveryProblemAtOnce(t *testing.T) {
	l := New(Map(map[string]string{"SIZE": "lots", "RANGE": "500", "TTL": "-3s", "ON": "maybe", "DAYS": "xd"}))
	l.String("TABLE_NAME")
	l.IntOr("SIZE", 1, 1, 100)
	l.IntOr("RANGE", 1, 1, 100)
	l.DurationOr("TTL", time.Second)
	l.DurationOr("DAYS", time.Second)
	l.BoolOr("ON", false)
	err := l.Err()
	if err == nil {
		t.Fatal("Err = nil, want every problem")
	}
	for _, want := range []string{
		"TABLE_NAME: is required but not set",
		`SIZE: "lots" is not an integer`,
		"RANGE: 500 is outside 1..100",
		`TTL: "-3s" is not a positive duration`,
		`DAYS: "xd" is not a positive duration`,
		`ON: "maybe" is not a boolean`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"0d", 0, true},
		{"36h", 36 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"week", 0, false},
	} {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
