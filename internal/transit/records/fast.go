package records

import (
	"math"
	"time"
)

// The reference server writes every record the same way: the same keys in
// the same order, no spaces, and departures of one day. fastRecord reads a
// record written exactly so straight from the buffer, checking it byte by
// byte, and leaves anything else (other key orders, spaces, escapes, null
// delays, nested values, errors) to parseRecord, which accepts the whole
// grammar and names what is wrong. Both count a record the same way.
//
//	{"departure-time":"2024-05-01T11:59:00","bus-type":"BUS-113","passengers":100,"delay":"PT5340S","accident":false}

const (
	keyDeparture  = `{"departure-time":"`
	keyBusType    = `","bus-type":"`
	keyPassengers = `","passengers":`
	keyDelay      = `,"delay":"`
	keyAccident   = `","accident":`
)

// shortestRecord is the length of the shortest record fastRecord reads.
const shortestRecord = len(keyDeparture) + len(DepartureLayout) + len(keyBusType) + len(keyPassengers) + 1 +
	len(keyDelay) + len("P0D") + len(keyAccident) + len("true}")

// fast is what fastRecord keeps between records.
type fast struct {
	date     [10]byte // the last departure date seen, "YYYY-MM-DD"
	dateUnix int64    // its midnight, in Unix seconds; valid when dateOK
	dateOK   bool
	any      bool  // a record was counted by fastRecord
	min, max int64 // earliest and latest departure it counted, Unix seconds
}

// fastLookahead is how many bytes fastRecord wants buffered before it
// starts: more than any record it reads.
const fastLookahead = 512

// fastRecord counts the record at the read position if it is written
// exactly as the reference server writes it, and reports whether it did; if
// not, it has consumed nothing.
func (p *parser) fastRecord() bool {
	sc := &p.sc
	if sc.end-sc.pos < fastLookahead && !sc.more() && sc.end-sc.pos < shortestRecord {
		return false
	}
	b := sc.buf[sc.pos:sc.end]
	if len(b) < shortestRecord || string(b[:len(keyDeparture)]) != keyDeparture {
		return false
	}
	i := len(keyDeparture)
	dep, ok := p.fast.departure(b[i : i+len(DepartureLayout)])
	if !ok {
		return false
	}
	i += len(DepartureLayout)
	if string(b[i:i+len(keyBusType)]) != keyBusType {
		return false
	}
	i += len(keyBusType)
	for ; i < len(b) && b[i] != '"'; i++ { // the bus type: any plain string
		if b[i] < 0x20 || b[i] == '\\' {
			return false
		}
	}
	if len(b)-i < len(keyPassengers)+1 || string(b[i:i+len(keyPassengers)]) != keyPassengers {
		return false
	}
	i += len(keyPassengers)
	start := i
	var passengers int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		passengers = passengers*10 + int64(b[i]-'0')
	}
	if digits := i - start; digits == 0 || digits > 18 || (digits > 1 && b[start] == '0') {
		return false
	}
	if len(b)-i < len(keyDelay) || string(b[i:i+len(keyDelay)]) != keyDelay {
		return false
	}
	i += len(keyDelay)
	start = i
	for ; i < len(b) && b[i] != '"'; i++ {
	}
	delay, ok := fastDuration(b[start:i])
	if !ok || len(b)-i < len(keyAccident)+len("true}") || string(b[i:i+len(keyAccident)]) != keyAccident {
		return false
	}
	i += len(keyAccident)
	var accident bool
	switch {
	case string(b[i:i+5]) == "true}":
		accident, i = true, i+5
	case len(b)-i >= 6 && string(b[i:i+6]) == "false}":
		i += 6
	default:
		return false
	}
	st := &p.st
	if st.Passengers > math.MaxInt64-passengers || st.DelayMicros > math.MaxInt64-delay {
		return false // parseRecord reports the overflow
	}
	st.Records++
	st.Passengers += passengers
	st.DelayMicros += delay
	st.DelayCount++
	if accident {
		st.Accidents++
	}
	f := &p.fast
	if !f.any || dep < f.min {
		f.min = dep
	}
	if !f.any || dep > f.max {
		f.max = dep
	}
	f.any = true
	sc.pos += i
	return true
}

// departure reads "YYYY-MM-DDTHH:MM:SS" as Unix seconds, validating the date
// with parseDeparture the first time it is seen.
func (f *fast) departure(b []byte) (int64, bool) {
	if b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	if !f.dateOK || string(b[:10]) != string(f.date[:]) {
		t, ok := parseDeparture(b)
		if !ok {
			return 0, false
		}
		copy(f.date[:], b[:10])
		f.dateUnix = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix()
		f.dateOK = true
	}
	h, ok1 := twoDigits(b[11], b[12])
	m, ok2 := twoDigits(b[14], b[15])
	s, ok3 := twoDigits(b[17], b[18])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 59 {
		return 0, false
	}
	return f.dateUnix + int64(h*3600+m*60+s), true
}

func twoDigits(a, b byte) (int, bool) {
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return 0, false
	}
	return int(a-'0')*10 + int(b-'0'), true
}

// fastDuration reads the two forms the reference server writes, "P0D" and
// "PT<seconds>S", as microseconds; anything else goes to ParseDuration.
func fastDuration(b []byte) (int64, bool) {
	if len(b) == 3 && b[0] == 'P' && b[1] == '0' && b[2] == 'D' {
		return 0, true
	}
	if len(b) >= 4 && len(b) <= 14 && b[0] == 'P' && b[1] == 'T' && b[len(b)-1] == 'S' {
		var s int64
		for _, c := range b[2 : len(b)-1] {
			if c < '0' || c > '9' {
				v, err := ParseDuration(b)
				return v, err == nil
			}
			s = s*10 + int64(c-'0')
		}
		return s * 1_000_000, true // at most 11 digits: no overflow
	}
	v, err := ParseDuration(b)
	return v, err == nil
}

// merge adds what fastRecord counted of the departures to st.
func (f *fast) merge(st *Stats, slowRecords bool) {
	if !f.any {
		return
	}
	lo, hi := time.Unix(f.min, 0).UTC(), time.Unix(f.max, 0).UTC()
	if !slowRecords || lo.Before(st.MinDeparture) {
		st.MinDeparture = lo
	}
	if !slowRecords || hi.After(st.MaxDeparture) {
		st.MaxDeparture = hi
	}
}
