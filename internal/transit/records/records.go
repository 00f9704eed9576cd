// Package records reads a reference-server city-day file — a JSON array of bus
// records — in one streaming pass and computes its statistics, holding no more
// than one record in memory whatever the file's size.
//
// It is a package of its own, apart from transit, because it is a
// self-contained parser of outside input with its own fuzz targets and
// benchmarks, and its internals (scanner, fast path, number and duration
// grammar) would crowd the domain's namespace.
package records

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// DepartureLayout is how the reference server writes departure times.
const DepartureLayout = "2006-01-02T15:04:05"

// Stats are the sums and counts of one city-day (or of several added up);
// never averages, so that they add up exactly.
type Stats struct {
	Records      int64     // buses that started
	Passengers   int64     // passengers over all records
	DelayMicros  int64     // delays over the records that have one, in microseconds
	DelayCount   int64     // records with a delay (a null delay is not counted)
	Accidents    int64     // records with accident true
	MinDeparture time.Time // earliest departure; zero when there are no records
	MaxDeparture time.Time // latest departure; zero when there are no records
}

// Error is a malformed file: what was wrong and where.
type Error struct {
	Offset int64 // byte offset where the problem was found
	Record int64 // index of the record being read
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("malformed records at byte %d (record %d): %s", e.Offset, e.Record, e.Msg)
}

// ErrMalformed matches every *Error with errors.Is.
var ErrMalformed = errors.New("malformed records")

// Is makes errors.Is(err, ErrMalformed) true for every *Error.
func (e *Error) Is(target error) bool { return target == ErrMalformed }

// Parse reads a whole JSON array of records from r and returns its statistics.
// Unknown fields are skipped; a record missing departure-time, passengers,
// delay or accident, or with a value of the wrong kind, is an *Error. An error
// from r is returned as it is (wrapped), so a cut connection is not mistaken
// for bad data.
func Parse(r io.Reader) (Stats, error) {
	p := parser{sc: scanner{r: r, buf: make([]byte, bufferSize)}}
	return p.parse()
}

// bufferSize is what one read asks for: large enough that read calls cost
// little next to parsing, small enough to stay out of the way of the memory.
const bufferSize = 256 << 10

type parser struct {
	sc   scanner
	st   Stats
	fast fast
	slow bool // parseRecord counted a record: st's departures are set
	// generalOnly turns fastRecord off (tests compare the two).
	generalOnly bool
	record      int64
	str         []byte // scratch for string values
}

func (p *parser) fail(format string, args ...any) error {
	if p.sc.err != nil && p.sc.err != io.EOF {
		return fmt.Errorf("read records: %w", p.sc.err)
	}
	return &Error{Offset: p.sc.offset(), Record: p.record, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parse() (Stats, error) {
	if !p.sc.expect('[') {
		return Stats{}, p.fail("expected '[' starting the array")
	}
	if c, ok := p.sc.peekNonSpace(); ok && c == ']' {
		p.sc.pos++
	} else {
		for {
			if p.generalOnly || !p.fastRecord() {
				if err := p.parseRecord(); err != nil {
					return Stats{}, err
				}
			}
			p.record++
			c, ok := p.sc.nextNonSpace()
			if !ok {
				return Stats{}, p.fail("unexpected end of input after a record")
			}
			if c == ']' {
				break
			}
			if c != ',' {
				return Stats{}, p.fail("expected ',' or ']' after a record, found %q", c)
			}
		}
	}
	if c, ok := p.sc.nextNonSpace(); ok {
		return Stats{}, p.fail("unexpected %q after the array", c)
	}
	if p.sc.err != io.EOF {
		return Stats{}, p.fail("read after the array")
	}
	p.fast.merge(&p.st, p.slow)
	return p.st, nil
}

const (
	seenDeparture = 1 << iota
	seenPassengers
	seenDelay
	seenAccident
	seenAll = seenDeparture | seenPassengers | seenDelay | seenAccident
)

func (p *parser) parseRecord() error {
	if !p.sc.expect('{') {
		return p.fail("expected '{' starting a record")
	}
	var (
		seen       int
		departure  time.Time
		passengers int64
		delay      int64
		hasDelay   bool
		accident   bool
	)
	if c, ok := p.sc.peekNonSpace(); ok && c == '}' {
		p.sc.pos++
		return p.fail("empty record")
	}
	for {
		key, err := p.string()
		if err != nil {
			return err
		}
		if !p.sc.expect(':') {
			return p.fail("expected ':' after a key")
		}
		var bit int
		switch string(key) { // no allocation: the compiler optimises this conversion
		case "departure-time":
			bit = seenDeparture
			v, err := p.string()
			if err != nil {
				return err
			}
			var ok bool
			if departure, ok = parseDeparture(v); !ok {
				return p.fail("departure-time %q: expected %s", v, DepartureLayout)
			}
		case "passengers":
			bit = seenPassengers
			if passengers, err = p.count(); err != nil {
				return err
			}
		case "delay":
			bit = seenDelay
			if c, _ := p.sc.peekNonSpace(); c == 'n' {
				if !p.literal("null") {
					return p.fail("delay: expected an ISO 8601 duration or null")
				}
				break
			}
			v, err := p.string()
			if err != nil {
				return err
			}
			if delay, err = ParseDuration(v); err != nil {
				return p.fail("delay %q: %v", v, err)
			}
			hasDelay = true
		case "accident":
			bit = seenAccident
			switch c, _ := p.sc.peekNonSpace(); c {
			case 't':
				accident = p.literal("true")
				if !accident {
					return p.fail("accident: expected true or false")
				}
			default:
				if !p.literal("false") {
					return p.fail("accident: expected true or false")
				}
			}
		default:
			if err := p.skipValue(0); err != nil {
				return err
			}
		}
		if seen&bit != 0 {
			return p.fail("field %s appears twice", key)
		}
		seen |= bit
		c, ok := p.sc.nextNonSpace()
		if !ok {
			return p.fail("unexpected end of input in a record")
		}
		if c == '}' {
			break
		}
		if c != ',' {
			return p.fail("expected ',' or '}' in a record, found %q", c)
		}
	}
	if seen != seenAll {
		return p.fail("record lacks %s", missing(seen))
	}
	st := &p.st
	if !p.slow || departure.Before(st.MinDeparture) {
		st.MinDeparture = departure
	}
	if !p.slow || departure.After(st.MaxDeparture) {
		st.MaxDeparture = departure
	}
	p.slow = true
	st.Records++
	if st.Passengers > math.MaxInt64-passengers || (hasDelay && st.DelayMicros > math.MaxInt64-delay) {
		return p.fail("sums overflow 64 bits")
	}
	st.Passengers += passengers
	if hasDelay {
		st.DelayMicros += delay
		st.DelayCount++
	}
	if accident {
		st.Accidents++
	}
	return nil
}

func missing(seen int) string {
	var names []byte
	for _, f := range []struct {
		bit  int
		name string
	}{{seenDeparture, "departure-time"}, {seenPassengers, "passengers"}, {seenDelay, "delay"}, {seenAccident, "accident"}} {
		if seen&f.bit == 0 {
			if len(names) > 0 {
				names = append(names, ", "...)
			}
			names = append(names, f.name...)
		}
	}
	return string(names)
}

// count reads a non-negative JSON integer.
func (p *parser) count() (int64, error) {
	c, ok := p.sc.peekNonSpace()
	if !ok || c < '0' || c > '9' {
		return 0, p.fail("passengers: expected a non-negative integer")
	}
	var n int64
	digits := 0
	for {
		c, ok := p.sc.peek()
		if !ok || c < '0' || c > '9' {
			break
		}
		if digits == 1 && n == 0 {
			return 0, p.fail("passengers: leading zero")
		}
		if n > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, p.fail("passengers: too large")
		}
		n = n*10 + int64(c-'0')
		digits++
		p.sc.pos++
	}
	if c, ok := p.sc.peek(); ok && (c == '.' || c == 'e' || c == 'E') {
		return 0, p.fail("passengers: expected an integer")
	}
	return n, nil
}

// literal consumes word (true, false, null) after optional space.
func (p *parser) literal(word string) bool {
	if _, ok := p.sc.peekNonSpace(); !ok {
		return false
	}
	for i := 0; i < len(word); i++ {
		c, ok := p.sc.peek()
		if !ok || c != word[i] {
			return false
		}
		p.sc.pos++
	}
	return true
}

// string reads a JSON string and returns its decoded bytes, valid until the next call.
func (p *parser) string() ([]byte, error) {
	if !p.sc.expect('"') {
		return nil, p.fail("expected a string")
	}
	p.str = p.str[:0]
	for {
		// Copy the run of plain bytes in one go: the common case.
		chunk := p.sc.buf[p.sc.pos:p.sc.end]
		i := 0
		for i < len(chunk) && chunk[i] != '"' && chunk[i] != '\\' && chunk[i] >= 0x20 {
			i++
		}
		if len(p.str)+i > maxString {
			return nil, p.fail("string longer than %d bytes", maxString)
		}
		p.str = append(p.str, chunk[:i]...)
		p.sc.pos += i
		if i == len(chunk) {
			if !p.sc.fill() {
				return nil, p.fail("unexpected end of input in a string")
			}
			continue
		}
		p.sc.pos++
		switch chunk[i] {
		case '"':
			return p.str, nil
		case '\\':
		default:
			return nil, p.fail("control character in a string")
		}
		c, ok := p.sc.next()
		if !ok {
			return nil, p.fail("unexpected end of input in a string")
		}
		switch c {
		case '"', '\\', '/':
			p.str = append(p.str, c)
		case 'b':
			p.str = append(p.str, '\b')
		case 'f':
			p.str = append(p.str, '\f')
		case 'n':
			p.str = append(p.str, '\n')
		case 'r':
			p.str = append(p.str, '\r')
		case 't':
			p.str = append(p.str, '\t')
		case 'u':
			var v rune
			for range 4 {
				h, ok := p.sc.next()
				d := unhex(h)
				if !ok || d < 0 {
					return nil, p.fail("bad \\u escape")
				}
				v = v<<4 | rune(d)
			}
			p.str = append(p.str, string(v)...) // a lone surrogate becomes U+FFFD, as in encoding/json
		default:
			return nil, p.fail("bad escape \\%c", c)
		}
	}
}

// maxString bounds one string so that a hostile file cannot make a record huge.
const maxString = 64 << 10

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// maxDepth bounds the nesting of skipped unknown values.
const maxDepth = 64

// skipValue consumes any JSON value (of a field this parser does not use).
func (p *parser) skipValue(depth int) error {
	if depth > maxDepth {
		return p.fail("value nested deeper than %d", maxDepth)
	}
	c, ok := p.sc.peekNonSpace()
	if !ok {
		return p.fail("unexpected end of input, expected a value")
	}
	switch {
	case c == '"':
		_, err := p.string()
		return err
	case c == 't':
		return p.must(p.literal("true"), "bad literal")
	case c == 'f':
		return p.must(p.literal("false"), "bad literal")
	case c == 'n':
		return p.must(p.literal("null"), "bad literal")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.skipNumber()
	case c == '[' || c == '{':
		p.sc.pos++
		closer := byte(']')
		if c == '{' {
			closer = '}'
		}
		if d, ok := p.sc.peekNonSpace(); ok && d == closer {
			p.sc.pos++
			return nil
		}
		for {
			if c == '{' {
				if _, err := p.string(); err != nil {
					return err
				}
				if !p.sc.expect(':') {
					return p.fail("expected ':' after a key")
				}
			}
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			d, ok := p.sc.nextNonSpace()
			if !ok {
				return p.fail("unexpected end of input")
			}
			if d == closer {
				return nil
			}
			if d != ',' {
				return p.fail("expected ',' or %q, found %q", closer, d)
			}
		}
	}
	return p.fail("unexpected %q, expected a value", c)
}

func (p *parser) must(ok bool, msg string) error {
	if ok {
		return nil
	}
	return p.fail("%s", msg)
}

// skipNumber consumes a JSON number, checking its grammar.
func (p *parser) skipNumber() error {
	var num []byte
	for {
		c, ok := p.sc.peek()
		if !ok || !(c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9')) {
			break
		}
		if len(num) > 64 {
			return p.fail("number too long")
		}
		num = append(num, c)
		p.sc.pos++
	}
	if !json.Valid(num) { // num holds number characters only: valid JSON iff a valid number
		return p.fail("bad number %q", num)
	}
	return nil
}

// ParseDuration reads the ISO 8601 durations the reference server writes
// ("PT5340S", "P0D", "P1DT2H3M4.5S") and returns microseconds. Years and
// months have no fixed length and are refused; so are negative durations.
func ParseDuration(b []byte) (int64, error) {
	if len(b) < 3 || b[0] != 'P' {
		return 0, errors.New("expected an ISO 8601 duration such as PT90S")
	}
	var total int64
	inTime, hasValue := false, false
	for i := 1; i < len(b); {
		if b[i] == 'T' {
			if inTime || i == len(b)-1 {
				return 0, errors.New("misplaced T")
			}
			inTime = true
			i++
			continue
		}
		start := i
		for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '.') {
			i++
		}
		if i == start || i == len(b) {
			return 0, errors.New("expected a number followed by a unit")
		}
		micros, err := unitMicros(b[i], inTime)
		if err != nil {
			return 0, err
		}
		v, err := decimalTimes(b[start:i], micros)
		if err != nil {
			return 0, err
		}
		if total > math.MaxInt64-v {
			return 0, errors.New("duration too long")
		}
		total += v
		hasValue = true
		i++
	}
	if !hasValue {
		return 0, errors.New("duration has no value")
	}
	return total, nil
}

func unitMicros(unit byte, inTime bool) (int64, error) {
	switch {
	case !inTime && unit == 'D':
		return 86_400_000_000, nil
	case !inTime && unit == 'W':
		return 7 * 86_400_000_000, nil
	case inTime && unit == 'H':
		return 3_600_000_000, nil
	case inTime && unit == 'M':
		return 60_000_000, nil
	case inTime && unit == 'S':
		return 1_000_000, nil
	case !inTime && (unit == 'Y' || unit == 'M'):
		return 0, errors.New("years and months have no fixed length")
	}
	return 0, fmt.Errorf("unknown unit %q", unit)
}

// decimalTimes returns the decimal number text times unit, exactly, with at
// most microsecond precision.
func decimalTimes(text []byte, unit int64) (int64, error) {
	whole, frac, _ := bytes.Cut(text, []byte{'.'})
	if len(whole) == 0 || len(whole) > 12 || bytes.IndexByte(frac, '.') >= 0 {
		return 0, fmt.Errorf("bad number %q", text)
	}
	var w int64
	for _, c := range whole {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad number %q", text)
		}
		w = w*10 + int64(c-'0') // at most 12 digits: no overflow
	}
	if w > math.MaxInt64/unit {
		return 0, errors.New("duration too long")
	}
	v := w * unit
	scale := unit
	for _, c := range frac {
		scale /= 10
		if c != '0' && scale == 0 {
			return 0, errors.New("finer than a microsecond")
		}
		v += int64(c-'0') * scale
	}
	return v, nil
}

// parseDeparture reads DepartureLayout without time.Parse's generality (a
// third of the parser's time went there); other forms time.Parse accepts for
// that layout, such as fractional seconds, take the slow path.
func parseDeparture(b []byte) (time.Time, bool) {
	if len(b) != len(DepartureLayout) || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		t, err := time.Parse(DepartureLayout, string(b))
		return t, err == nil
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, sec := num(11, 2), num(14, 2), num(17, 2)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // 2023-02-29 normalised into March
		return time.Time{}, false
	}
	return t, true
}
