package apigw

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// typeErrors returns a FieldError for every value of the valid JSON document
// data whose kind t cannot hold: encoding/json reports only the first, and a
// client should learn of every bad field at once. Values of types with their
// own unmarshaler are left to customError.
func typeErrors(data []byte, t reflect.Type) []FieldError {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	var errs []FieldError
	mismatches(v, t, "", &errs)
	return errs
}

// mismatches appends to errs each place under v (at path) that t cannot hold.
func mismatches(v any, t reflect.Type, path string, errs *[]FieldError) {
	if t == nil || v == nil { // null fits every type: encoding/json leaves the value as it is
		return
	}
	if custom(t) {
		return
	}
	t = deref(t)
	bad := func(kind string) {
		field := path
		if field == "" {
			field = "body"
		}
		*errs = append(*errs, FieldError{Field: field, Message: typeMessage(&json.UnmarshalTypeError{Value: kind, Type: t})})
	}
	switch t.Kind() {
	case reflect.Interface:
	case reflect.String:
		if _, ok := v.(string); !ok {
			bad(jsonKind(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			bad(jsonKind(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			bad(jsonKind(v))
		} else if !fits(string(n), t) {
			bad("number " + string(n))
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			if _, ok := v.(string); !ok { // []byte is base64 text
				bad(jsonKind(v))
			}
			return
		}
		items, ok := v.([]any)
		if !ok {
			bad(jsonKind(v))
			return
		}
		for i, item := range items {
			mismatches(item, t.Elem(), path+"["+strconv.Itoa(i)+"]", errs)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			bad(jsonKind(v))
			return
		}
		for k, item := range obj {
			mismatches(item, t.Elem(), joinKey(path, k), errs)
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			bad(jsonKind(v))
			return
		}
		for k, item := range obj {
			if ft, ok := structField(t, k, 0); ok {
				mismatches(item, ft, joinKey(path, k), errs)
			}
		}
	}
}

// fits reports whether the JSON number n parses as a value of the numeric type t.
func fits(n string, t reflect.Type) bool {
	var err error
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		_, err = strconv.ParseFloat(n, t.Bits())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		_, err = strconv.ParseUint(n, 10, t.Bits())
	default:
		_, err = strconv.ParseInt(n, 10, t.Bits())
	}
	return err == nil
}

// jsonKind names a decoded value's JSON kind as encoding/json's errors do.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "value"
}
