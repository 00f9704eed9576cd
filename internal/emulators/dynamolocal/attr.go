package dynamolocal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/truora/minidyn/types"
)

// item is one DynamoDB item in the form minidyn's expression interpreter reads.
type item = map[string]*types.Item

// wireItem marshals an item in DynamoDB's JSON wire format, with one member
// per attribute value (empty lists and maps kept, nulls left out).
type wireItem item

// MarshalJSON writes the item as {"name":{"S":"..."},...}.
func (w wireItem) MarshalJSON() ([]byte, error) { return appendItem(nil, item(w)), nil }

// encodedItem is an item in wire form. Stored items are kept so: a page of
// a query that needs neither a filter nor a projection answers with the
// bytes as they are, and the garbage collector has no pointers to follow
// through tens of thousands of items (with decoded items, its marking was
// the tail of every listing's latency).
type encodedItem []byte

// MarshalJSON returns the encoded item.
func (e encodedItem) MarshalJSON() ([]byte, error) { return e, nil }

// UnmarshalJSON keeps a copy of the encoded item.
func (e *encodedItem) UnmarshalJSON(b []byte) error {
	*e = append(encodedItem(nil), b...)
	return nil
}

// decode reads an encoded item.
func (e encodedItem) decode() (item, error) {
	var it item
	if err := json.Unmarshal(e, &it); err != nil {
		return nil, fmt.Errorf("stored item: %w", err)
	}
	return it, nil
}

func appendItem(b []byte, it item) []byte {
	b = append(b, '{')
	first := true
	for name, v := range it {
		if v == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, name)
		b = append(b, ':')
		b = appendValue(b, v)
	}
	return append(b, '}')
}

func appendValue(b []byte, v *types.Item) []byte {
	str := func(s string) []byte { return appendString(nil, s) }
	switch {
	case v.S != nil:
		return append(append(append(b, `{"S":`...), str(*v.S)...), '}')
	case v.N != nil:
		return append(append(append(b, `{"N":`...), str(*v.N)...), '}')
	case v.B != nil:
		return append(append(append(b, `{"B":"`...), base64.StdEncoding.EncodeToString(v.B)...), `"}`...)
	case v.BOOL != nil:
		return append(append(b, `{"BOOL":`...), strconv.FormatBool(*v.BOOL)+"}"...)
	case v.NULL != nil:
		return append(b, `{"NULL":true}`...)
	case v.SS != nil, v.NS != nil:
		tag, set := `{"SS":[`, v.SS
		if v.NS != nil {
			tag, set = `{"NS":[`, v.NS
		}
		b = append(b, tag...)
		for i, s := range set {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, str(*s)...)
		}
		return append(b, "]}"...)
	case v.BS != nil:
		b = append(b, `{"BS":[`...)
		for i, s := range v.BS {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(append(append(b, '"'), base64.StdEncoding.EncodeToString(s)...), '"')
		}
		return append(b, "]}"...)
	case v.L != nil:
		b = append(b, `{"L":[`...)
		for i, e := range v.L {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, "]}"...)
	case v.M != nil:
		return append(appendItem(append(b, `{"M":`...), v.M), '}')
	}
	return append(b, `{"NULL":true}`...) // an empty value: only reachable from a malformed request
}

// appendString appends s as a JSON string, as encoding/json writes it
// except that <, > and & are left as they are. It is the hot path of every
// answer, where json.Marshal of each string cost a fifth of a listing's CPU.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(append(b, s[start:i]...), `\ufffd`...)
		} else {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
		}
		i++
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

// clone copies an item deeply, so that an update never changes the stored original.
func clone(it item) item {
	if it == nil {
		return nil
	}
	out := make(item, len(it))
	for k, v := range it {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v *types.Item) *types.Item {
	if v == nil {
		return nil
	}
	c := *v
	if v.L != nil {
		c.L = make([]*types.Item, len(v.L))
		for i, e := range v.L {
			c.L[i] = cloneValue(e)
		}
	}
	if v.M != nil {
		c.M = clone(v.M)
	}
	return &c
}

// keyValue is a key attribute's value in comparable form.
type keyValue struct {
	typ string   // S, N or B
	s   string   // S, or B's bytes
	n   *big.Rat // N
}

func toKeyValue(v *types.Item, typ string) (keyValue, error) {
	switch {
	case typ == "S" && v != nil && v.S != nil && *v.S != "":
		return keyValue{typ: "S", s: *v.S}, nil
	case typ == "N" && v != nil && v.N != nil:
		r, ok := new(big.Rat).SetString(*v.N)
		if !ok {
			return keyValue{}, fmt.Errorf("invalid number %q", *v.N)
		}
		return keyValue{typ: "N", n: r}, nil
	case typ == "B" && v != nil && len(v.B) > 0:
		return keyValue{typ: "B", s: string(v.B)}, nil
	}
	return keyValue{}, fmt.Errorf("must be a non-empty %s", typ)
}

// compare orders two values of one key attribute as DynamoDB does: numbers by
// value, strings and binaries by their bytes.
func (a keyValue) compare(b keyValue) int {
	if a.typ == "N" {
		return a.n.Cmp(b.n)
	}
	return bytes.Compare([]byte(a.s), []byte(b.s))
}

// String is the canonical text of the value: equal values, equal text.
func (a keyValue) String() string {
	if a.typ == "N" {
		return "N" + a.n.RatString()
	}
	return a.typ + a.s
}
