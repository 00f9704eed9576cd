package records

import "io"

// scanner is a minimal buffered byte reader: cheaper than bufio.Reader for
// byte-at-a-time parsing because its hot paths inline.
type scanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	consumed int64 // bytes before buf[0]
	err      error
}

// fill reads more input once buf is used up; false at EOF or on error.
func (s *scanner) fill() bool {
	for s.pos >= s.end {
		if s.err != nil {
			return false
		}
		s.consumed += int64(s.end)
		s.pos, s.end = 0, 0
		n, err := s.r.Read(s.buf)
		s.end = n
		if err != nil {
			s.err = err
		}
		if n == 0 && err == nil {
			continue
		}
	}
	return true
}

// more moves the unread bytes to the front of buf and reads more after them;
// false when no more came (end of input, an error, or buf full).
func (s *scanner) more() bool {
	if s.err != nil {
		return false
	}
	n := copy(s.buf, s.buf[s.pos:s.end])
	s.consumed += int64(s.pos)
	s.pos, s.end = 0, n
	for s.end < len(s.buf) {
		m, err := s.r.Read(s.buf[s.end:])
		s.end += m
		if err != nil {
			s.err = err
			return m > 0
		}
		if m > 0 {
			return true
		}
	}
	return false
}

func (s *scanner) offset() int64 { return s.consumed + int64(s.pos) }

func (s *scanner) peek() (byte, bool) {
	if s.pos < s.end || s.fill() {
		return s.buf[s.pos], true
	}
	return 0, false
}

func (s *scanner) next() (byte, bool) {
	c, ok := s.peek()
	if ok {
		s.pos++
	}
	return c, ok
}

func (s *scanner) peekNonSpace() (byte, bool) {
	for {
		c, ok := s.peek()
		if !ok {
			return 0, false
		}
		if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return c, true
		}
		s.pos++
	}
}

func (s *scanner) nextNonSpace() (byte, bool) {
	c, ok := s.peekNonSpace()
	if ok {
		s.pos++
	}
	return c, ok
}

// expect consumes c after optional space.
func (s *scanner) expect(c byte) bool {
	d, ok := s.peekNonSpace()
	if ok && d == c {
		s.pos++
		return true
	}
	return false
}
