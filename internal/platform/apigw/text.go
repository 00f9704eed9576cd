package apigw

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text that Mosaic refuses rather than rewrites. encoding/json would store
// U+FFFD in place of invalid UTF-8 and of a lone surrogate escape (\ud800),
// and keep \u0000; either way the stored text is not what the client meant.
const (
	msgInvalidUTF8   = "is not valid UTF-8 text: it holds a byte sequence that encodes no character; send UTF-8"
	msgLoneSurrogate = `holds a lone surrogate escape (such as \ud800), half of a UTF-16 pair that encodes no character; send the character itself or both halves of the pair`
	msgNUL           = `holds the NUL character (\u0000), which Mosaic does not store in text`
	msgBadKey        = "has a field name that "
)

// textScanner walks a syntactically valid JSON document and names every
// string (value or field name) whose text Mosaic refuses.
type textScanner struct {
	data []byte
	pos  int
	errs []FieldError
}

// checkText returns a FieldError for each string of the valid JSON document
// data that holds invalid UTF-8, a lone surrogate escape or NUL. The root
// value's own path is "body".
func checkText(data []byte) []FieldError {
	s := &textScanner{data: data}
	s.value("")
	return s.errs
}

func (s *textScanner) add(field, message string) {
	if field == "" {
		field = "body"
	}
	for _, e := range s.errs {
		if e.Field == field {
			return
		}
	}
	s.errs = append(s.errs, FieldError{Field: field, Message: message})
}

func (s *textScanner) skipSpace() { s.pos = skipSpace(s.data, s.pos) }

// value scans the value at s.pos, whose path is path.
func (s *textScanner) value(path string) {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return
	}
	switch s.data[s.pos] {
	case '{', '[': // the document is valid, so '}' and ']' close only what they match
		object := s.data[s.pos] == '{'
		s.pos++
		for i := 0; ; i++ {
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] == '}' || s.data[s.pos] == ']' {
				s.pos++
				return
			}
			if s.data[s.pos] == ',' {
				s.pos++
				s.skipSpace()
			}
			field := path + "[" + strconv.Itoa(i) + "]"
			if object {
				key, problem := s.str()
				if field = joinKey(path, key); problem != "" {
					s.add(path, msgBadKey+problem)
				}
				s.skipSpace()
				s.pos++ // ':'
			}
			s.value(field)
		}
	case '"':
		if _, problem := s.str(); problem != "" {
			s.add(path, problem)
		}
	default: // a number, true, false or null
		for s.pos < len(s.data) && !strings.ContainsRune(",]} \t\r\n", rune(s.data[s.pos])) {
			s.pos++
		}
	}
}

// str scans the string literal at s.pos and returns its text (with U+FFFD for
// what it refuses, enough to name a field) and the first problem, if any.
func (s *textScanner) str() (string, string) {
	var (
		b       strings.Builder
		problem string
	)
	note := func(p string) {
		if problem == "" {
			problem = p
		}
		b.WriteRune(utf8.RuneError)
	}
	s.pos++ // the opening quote
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return b.String(), problem
		case c == '\\':
			s.pos++
			if s.pos >= len(s.data) {
				return b.String(), problem
			}
			esc := s.data[s.pos]
			s.pos++
			if esc != 'u' {
				b.WriteByte(esc)
				continue
			}
			r, ok := s.hex4()
			switch {
			case !ok:
			case r == 0:
				note(msgNUL)
			case r >= 0xDC00 && r <= 0xDFFF:
				note(msgLoneSurrogate)
			case r >= 0xD800 && r <= 0xDBFF:
				// Only a low-surrogate escape right after completes the pair.
				if s.pos+1 < len(s.data) && s.data[s.pos] == '\\' && s.data[s.pos+1] == 'u' {
					save := s.pos
					s.pos += 2
					if lo, ok := s.hex4(); ok && lo >= 0xDC00 && lo <= 0xDFFF {
						b.WriteRune(0x10000 + (r-0xD800)<<10 + (lo - 0xDC00))
						continue
					}
					s.pos = save
				}
				note(msgLoneSurrogate)
			default:
				b.WriteRune(r)
			}
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			s.pos++
		default:
			r, n := utf8.DecodeRune(s.data[s.pos:])
			s.pos += n
			if r == utf8.RuneError && n <= 1 {
				note(msgInvalidUTF8)
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String(), problem
}

// hex4 reads the four hex digits of a \u escape.
func (s *textScanner) hex4() (rune, bool) {
	if s.pos+4 > len(s.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(s.data[s.pos:s.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	s.pos += 4
	return rune(n), true
}

// textProblem names what is wrong with the text of a query or header value, or "".
func textProblem(v string) string {
	switch {
	case !utf8.ValidString(v):
		return msgInvalidUTF8
	case strings.ContainsRune(v, 0):
		return msgNUL
	}
	return ""
}
