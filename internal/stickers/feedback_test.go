package stickers

import (
	"math"
	"testing"
)

func TestWilsonLower(t *testing.T) {
	for _, tc := range []struct {
		k, n int64
		want float64
	}{
		{0, 0, 0}, {0, 10, 0}, {1, 1, 0.2065}, {100, 100, 0.9630}, {50, 100, 0.4038}, {5, -1, 0},
	} {
		if got := WilsonLower(tc.k, tc.n); math.Abs(got-tc.want) > 1e-4 {
			t.Errorf("WilsonLower(%d, %d) = %.4f, want %.4f", tc.k, tc.n, got, tc.want)
		}
	}
}

func TestScoreOrdersByEvidence(t *testing.T) {
	one := Score(Counts{Positives: 1})
	hundred := Score(Counts{Positives: 100})
	mixed := Score(Counts{Positives: 60, Negatives: 40})
	bad := Score(Counts{Negatives: 3})
	if !(hundred > one && one > 0 && mixed > 0 && bad < 0) {
		t.Fatalf("scores: one %.3f hundred %.3f mixed %.3f bad %.3f", one, hundred, mixed, bad)
	}
	if Score(Counts{}) != 0 {
		t.Fatal("no votes must score 0")
	}
}
