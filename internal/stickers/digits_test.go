package stickers

import (
	"math/big"
	"strconv"
	"strings"
	"testing"
)

func TestExamples(t *testing.T) {
	for _, tc := range []struct {
		n           string
		d           int
		occurrences string
		containing  string
	}{
		{"1000", 7, "300", "271"},
		{"1000", 0, "192", "181"},
		{"1", 0, "0", "0"},
		{"10", 0, "1", "1"},
		{"100", 1, "21", "20"},
		{"0", 5, "0", "0"},
		{"99", 9, "20", "19"},
	} {
		if got := Occurrences(tc.n, tc.d); got != tc.occurrences {
			t.Errorf("Occurrences(%s, %d) = %s, want %s", tc.n, tc.d, got, tc.occurrences)
		}
		if got := Containing(tc.n, tc.d); got != tc.containing {
			t.Errorf("Containing(%s, %d) = %s, want %s", tc.n, tc.d, got, tc.containing)
		}
	}
}

// TestAgainstBruteForce checks every digit and every n up to 100,000 against a
// running tally kept while counting up, so the brute force stays linear.
func TestAgainstBruteForce(t *testing.T) {
	const limit = 100000
	var occ, cont [10]int64
	var seen [10]bool
	for n := 1; n <= limit; n++ {
		s := strconv.Itoa(n)
		seen = [10]bool{}
		for i := 0; i < len(s); i++ {
			occ[s[i]-'0']++
			seen[s[i]-'0'] = true
		}
		for d := range 10 {
			if seen[d] {
				cont[d]++
			}
		}
		for d := range 10 {
			if got := Occurrences(s, d); got != strconv.FormatInt(occ[d], 10) {
				t.Fatalf("Occurrences(%d, %d) = %s, want %d", n, d, got, occ[d])
			}
			if got := Containing(s, d); got != strconv.FormatInt(cont[d], 10) {
				t.Fatalf("Containing(%d, %d) = %s, want %d", n, d, got, cont[d])
			}
		}
	}
}

// TestHugeN checks n = 10^1000 against closed forms: each non-zero digit occurs
// k*10^(k-1) times below 10^k (plus one 1 in 10^k itself), 9^k-1 integers below
// 10^k lack a given non-zero digit, and all ten counts add up to the digits written.
func TestHugeN(t *testing.T) {
	k := 1000
	n := "1" + strings.Repeat("0", k)
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k-1)), nil)
	want := new(big.Int).Mul(big.NewInt(int64(k)), pow) // k*10^(k-1)
	for d := 1; d <= 9; d++ {
		w := new(big.Int).Set(want)
		if d == 1 {
			w.Add(w, big.NewInt(1))
		}
		if got := Occurrences(n, d); got != w.String() {
			t.Fatalf("Occurrences(10^%d, %d) wrong: %d digits", k, d, len(got))
		}
		// Integers below 10^k without d: 9^k including 0; plus 10^k itself (has 1 and 0).
		free := new(big.Int).Exp(big.NewInt(9), big.NewInt(int64(k)), nil)
		free.Sub(free, big.NewInt(1))
		if d != 1 {
			free.Add(free, big.NewInt(1))
		}
		c := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
		c.Sub(c, free)
		if got := Containing(n, d); got != c.String() {
			t.Fatalf("Containing(10^%d, %d) wrong", k, d)
		}
	}
	// Every digit position of 1..10^k-1 together with 10^k: total digits written
	// equals Σ_d Occurrences(n, d).
	total := new(big.Int)
	for d := 0; d <= 9; d++ {
		v, _ := new(big.Int).SetString(Occurrences(n, d), 10)
		total.Add(total, v)
	}
	// Σ_{j=1}^{k} j*9*10^(j-1) + (k+1)
	ref := new(big.Int)
	for j := 1; j <= k; j++ {
		term := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(j-1)), nil)
		term.Mul(term, big.NewInt(int64(9*j)))
		ref.Add(ref, term)
	}
	ref.Add(ref, big.NewInt(int64(k+1)))
	if total.Cmp(ref) != 0 {
		t.Fatalf("total digits of 1..10^%d wrong", k)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"1000", "1000", true},
		{"007", "7", true},
		{"0", "0", true},
		{"000", "0", true},
		{"", "", false},
		{"-1", "", false},
		{"+1", "", false},
		{"1e3", "", false},
		{" 1", "", false},
		{"1_000", "", false},
		{strings.Repeat("9", MaxNDigits), strings.Repeat("9", MaxNDigits), true},
		{strings.Repeat("9", MaxNDigits+1), "", false},
	} {
		got, err := ParseN(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseN(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{{"0", 0, true}, {"9", 9, true}, {"10", 0, false}, {"", 0, false}, {"a", 0, false}, {"-1", 0, false}} {
		got, err := ParseDigit(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDigit(%q) = %d, %v", tc.in, got, err)
		}
	}
}

func FuzzParseN(f *testing.F) {
	for _, s := range []string{"1000", "0", "007", "", "-5", "99999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseN(s)
		if err != nil {
			return
		}
		if n != "0" && n[0] == '0' {
			t.Fatalf("ParseN(%q) = %q keeps a leading zero", s, n)
		}
		// Counting must agree with math/big on the parsed value and never panic.
		v, ok := new(big.Int).SetString(n, 10)
		if !ok || v.String() != n {
			t.Fatalf("ParseN(%q) = %q is not canonical", s, n)
		}
		for d := range 10 {
			occ, _ := new(big.Int).SetString(Occurrences(n, d), 10)
			cont, _ := new(big.Int).SetString(Containing(n, d), 10)
			if occ == nil || cont == nil || cont.Cmp(occ) > 0 || cont.Cmp(v) > 0 || cont.Sign() < 0 {
				t.Fatalf("n=%s d=%d: occurrences %v, containing %v", n, d, occ, cont)
			}
		}
	})
}

func BenchmarkOccurrences1000Digits(b *testing.B) {
	n := strings.Repeat("7391", 250)
	for b.Loop() {
		Occurrences(n, 7)
	}
}

func BenchmarkContaining1000Digits(b *testing.B) {
	n := strings.Repeat("7391", 250)
	for b.Loop() {
		Containing(n, 7)
	}
}

func BenchmarkOccurrences10000Digits(b *testing.B) {
	n := strings.Repeat("7391", 2500)
	for b.Loop() {
		Occurrences(n, 7)
	}
}
