package apigw

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// errFound stops a walk early: the value sought was reached.
type errFound struct{}

func (errFound) Error() string { return "found" }

// walker visits a syntactically valid JSON document value by value, keeping
// the path ("messages[0].text") of each, to locate errors encoding/json reports
// without a path (unknown fields) or without array indices (type errors).
type walker struct {
	dec *json.Decoder

	at   int64  // pathAt: the offset just after the first token of the value sought
	path string // pathAt: the result

	unknown []string // unknownFields: paths of object keys the Go type does not declare

	retry   bool         // customError: decode each custom-type value again
	err     error        // customError: the first such value's error, at path
	errType reflect.Type // customError: the type that rejected it
}

func newWalker(data []byte) *walker {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers out of float64 range are still tokens
	return &walker{dec: dec, at: -1}
}

// pathAt returns the path of the value whose first token ends at or after offset.
func pathAt(data []byte, offset int64) string {
	w := newWalker(data)
	w.at = offset
	if err := w.value(nil, ""); errors.Is(err, errFound{}) {
		return w.path
	}
	return ""
}

// unknownFields returns the paths of every object key that t does not declare.
func unknownFields(data []byte, t reflect.Type) []string {
	w := newWalker(data)
	_ = w.value(t, "") // on error the keys found so far are still right
	return w.unknown
}

// customError finds the first value whose type's own unmarshaler rejects it.
func customError(data []byte, t reflect.Type) (FieldError, bool) {
	w := newWalker(data)
	w.retry = true
	if err := w.value(t, ""); !errors.Is(err, errFound{}) || w.path == "" {
		return FieldError{}, false
	}
	msg := w.err.Error()
	if t := deref(w.errType); t == reflect.TypeFor[time.Time]() {
		msg = "must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z"
	}
	return FieldError{Field: w.path, Message: msg}, true
}

// value walks one value that should decode into t (nil: any value).
func (w *walker) value(t reflect.Type, path string) error {
	if custom(t) {
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return err
		}
		if w.at >= 0 && w.dec.InputOffset() >= w.at {
			w.path = path
			return errFound{}
		}
		if w.retry {
			if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
				w.path, w.err, w.errType = path, err, t
				return errFound{}
			}
		}
		return nil
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	if w.at >= 0 && w.dec.InputOffset() >= w.at {
		w.path = path
		return errFound{}
	}
	t = decodeTarget(t)
	switch tok {
	case json.Delim('{'):
		for w.dec.More() {
			k, err := w.dec.Token()
			if err != nil {
				return err
			}
			key, _ := k.(string)
			child, known := memberType(t, key)
			if !known {
				w.unknown = append(w.unknown, joinKey(path, key))
			}
			if err := w.value(child, joinKey(path, key)); err != nil {
				return err
			}
		}
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = w.dec.Token() // the closing delimiter
	return err
}

// custom reports whether t, or what it points to, decodes itself.
func custom(t reflect.Type) bool {
	ju := reflect.TypeFor[json.Unmarshaler]()
	tu := reflect.TypeFor[encoding.TextUnmarshaler]()
	for ; t != nil; t = t.Elem() {
		if t.Implements(ju) || t.Implements(tu) || reflect.PointerTo(t).Implements(ju) || reflect.PointerTo(t).Implements(tu) {
			return true
		}
		if t.Kind() != reflect.Pointer {
			return false
		}
	}
	return false
}

// deref returns the type t points to, through any number of pointers.
func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// decodeTarget returns the type whose members the walk checks, or nil when
// encoding/json does not look into it.
func decodeTarget(t reflect.Type) reflect.Type {
	t = deref(t)
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
		return t
	}
	return nil
}

// memberType returns the type of member key of an object decoded into t, and
// whether t accepts that key (anything but a struct accepts every key).
func memberType(t reflect.Type, key string) (reflect.Type, bool) {
	if t == nil {
		return nil, true
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem(), true
	case reflect.Struct:
		if f, ok := structField(t, key, 0); ok {
			return f, true
		}
		return nil, false
	}
	return nil, true
}

// structField finds the field encoding/json would fill for key: its exact
// name first, else a case-insensitive match, looking into embedded structs.
func structField(t reflect.Type, key string, depth int) (reflect.Type, bool) {
	if depth > 8 {
		return nil, false
	}
	var folded reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if typ, ok := structField(ft, key, depth+1); ok {
					return typ, true
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f.Type, true
		}
		if folded == nil && strings.EqualFold(name, key) {
			folded = f.Type
		}
	}
	return folded, folded != nil
}

// joinKey appends an object key to a path, quoting keys that are not plain names.
func joinKey(path, key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}
