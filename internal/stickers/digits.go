package stickers

// Digit counts over the integers 1..n, for n of any size (GET /api/counter/).
//
// Both counts run in time linear in the number of digits of n: Occurrences sums
// per-column contributions into one small integer per decimal column and carries
// once; Containing walks the digits once to build a base-9 numeral and converts it
// to decimal with math/big (the only step that is not strictly linear, and it is
// microseconds for thousands of digits).

import (
	"fmt"
	"math/big"
	"strings"
)

// MaxNDigits is the longest n, in decimal digits, that ParseN accepts.
const MaxNDigits = 10000

// ParseN reads n as a non-negative decimal integer with no sign, spaces or
// separators. Leading zeros are dropped; the result is the canonical numeral
// ("0" for zero).
func ParseN(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("is required: a non-negative integer such as 1000")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", fmt.Errorf("must be a non-negative integer written with the digits 0-9 only")
		}
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		s = "0"
	}
	if len(s) > MaxNDigits {
		return "", fmt.Errorf("has %d digits; at most %d are accepted", len(s), MaxNDigits)
	}
	return s, nil
}

// ParseDigit reads one decimal digit, 0 to 9.
func ParseDigit(s string) (int, error) {
	if len(s) != 1 || s[0] < '0' || s[0] > '9' {
		return 0, fmt.Errorf("must be one decimal digit, 0 to 9")
	}
	return int(s[0] - '0'), nil
}

// Occurrences returns how many times digit d is written when writing every
// integer from 1 to n in decimal without leading zeros. n must be canonical
// (as returned by ParseN) and d in 0..9.
func Occurrences(n string, d int) string {
	L := len(n)
	if n == "0" {
		return "0"
	}
	a := make([]int, L) // a[i] is the digit of weight 10^i
	for i := 0; i < L; i++ {
		a[i] = int(n[L-1-i] - '0')
	}
	// col[k] accumulates the coefficient of 10^k; values stay within ±(9L+L).
	col := make([]int64, L+1)
	// For each position i with p = 10^i, high = n / (10p), cur = a[i], low = n mod p:
	//   d > 0: high*p + [cur > d]*p + [cur == d]*(low+1)
	//   d = 0: positions below the leading one only, (high-1)*p + [cur > 0]*p + [cur == 0]*(low+1)
	// Σ_i high_i*10^i = Σ_j a[j]*j*10^(j-1): digit j appears in the high part of the j positions below it.
	for j := 1; j < L; j++ {
		col[j-1] += int64(a[j]) * int64(j)
	}
	top := L // positions counted: all for d > 0, all but the leading one for d = 0
	if d == 0 {
		top = L - 1
		for i := 0; i < top; i++ {
			col[i]-- // the -1 of (high-1)
		}
	}
	above := int64(0) // positions i > k (and < top) with a[i] == d
	for i := top - 1; i >= 0; i-- {
		if a[i] > d {
			col[i]++
		}
		// Σ over positions above i holding d of their low part: a[i]*10^i once per such position.
		col[i] += int64(a[i]) * above
		if a[i] == d {
			col[0]++ // the +1 of low+1
			above++
		}
	}
	return carry(col)
}

// carry turns signed column coefficients of a non-negative total into a canonical numeral.
func carry(col []int64) string {
	var c int64
	out := make([]byte, 0, len(col)+20)
	for k := 0; k < len(col); k++ {
		v := col[k] + c
		r := v % 10
		c = v / 10
		if r < 0 {
			r += 10
			c--
		}
		out = append(out, byte('0'+r))
	}
	for c > 0 {
		out = append(out, byte('0'+c%10))
		c /= 10
	}
	// c < 0 would mean a negative total, which the formulas never produce.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	s := strings.TrimLeft(string(out), "0")
	if s == "" {
		return "0"
	}
	return s
}

// Containing returns how many integers from 1 to n contain digit d at least
// once (leading zeros are never written, so they never count for d = 0).
// n must be canonical (as returned by ParseN) and d in 0..9.
func Containing(n string, d int) string {
	if n == "0" {
		return "0"
	}
	free := without(n, d) // integers in 1..n with no digit d, as base-9 digits (most significant first)
	var freeN big.Int
	if len(free) <= 19 { // 9^19 < 2^63: stay off the big path for everyday n
		var v uint64
		for _, c := range free {
			v = v*9 + uint64(c)
		}
		freeN.SetUint64(v)
	} else {
		b := make([]byte, len(free))
		for i, c := range free {
			b[i] = '0' + c
		}
		freeN.SetString(string(b), 9)
	}
	var nn big.Int
	nn.SetString(n, 10)
	return nn.Sub(&nn, &freeN).String()
}

// without returns, as base-9 digits most significant first, how many integers
// in 1..n have no digit d. Every term of the count is (a digit 0..8) * 9^i, so
// the count is itself a base-9 numeral built in one pass.
func without(n string, d int) []byte {
	L := len(n)
	acc := make([]byte, L+1) // acc[i]: coefficient of 9^i; one spare column for carries
	if d == 0 {
		// Shorter integers: Σ_{k=1}^{L-1} 9^k, base-9 digits 1 at 1..L-1.
		for k := 1; k < L; k++ {
			acc[k] = 1
		}
		// L-digit integers ≤ n with digits 1..9 only.
		hit := false
		for i := 0; i < L; i++ {
			c := int(n[i] - '0')
			w := L - 1 - i
			if c == 0 {
				hit = true
				break
			}
			acc[w] += byte(c - 1)
		}
		if !hit {
			acc[0]++ // n itself
		}
	} else {
		// Integers 0..n with no digit d (shorter ones padded with zeros, which are
		// not d), minus the 0 itself.
		hit := false
		for i := 0; i < L; i++ {
			c := int(n[i] - '0')
			w := L - 1 - i
			less := c
			if d < c {
				less--
			}
			acc[w] += byte(less)
			if c == d {
				hit = true
				break
			}
		}
		if !hit {
			acc[0]++ // n itself
		}
		// minus one for 0: acc ≥ 1 here since 0 always counted (every walk adds it).
		for i := 0; ; i++ {
			if acc[i] > 0 {
				acc[i]--
				break
			}
			acc[i] = 8
		}
	}
	for i := 0; i < L; i++ { // normalise base-9 digits (each column ≤ 9+1 before carrying)
		if acc[i] >= 9 {
			acc[i+1] += acc[i] / 9
			acc[i] %= 9
		}
	}
	k := L
	for k > 0 && acc[k] == 0 {
		k--
	}
	out := make([]byte, k+1)
	for i := 0; i <= k; i++ {
		out[i] = acc[k-i]
	}
	return out
}
