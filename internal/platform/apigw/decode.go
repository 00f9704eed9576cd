package apigw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// DefaultMaxBody is the body limit DecodeJSON applies when given none.
const DefaultMaxBody = 1 << 20

// DecodeJSON decodes the request body into dst, a non-nil pointer, strictly:
// the body must be one JSON value of at most maxBytes decoded bytes (0 means
// DefaultMaxBody), in valid UTF-8, with no field dst does not declare and
// nothing after it. Content-Type may be absent, application/json or any
// +json type. Every failure caused by the input is a *Problem (400, 413 or
// 415) that says where the body is wrong; only a bad dst is another error.
func DecodeJSON(req events.APIGatewayV2HTTPRequest, dst any, maxBytes int) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	if err := checkContentType(Header(req, "Content-Type")); err != nil {
		return err
	}
	data, err := body(req, maxBytes)
	if err != nil {
		return err
	}
	want := describe(reflect.TypeOf(dst))
	start := skipSpace(data, 0)
	if start == len(data) {
		return BadRequest("request body is empty; send " + want)
	}
	if bytes.Equal(bytes.TrimRight(data[start:], " \t\r\n"), []byte("null")) && !nullable(dst) {
		return BadRequest("request body must be " + want + ", not null")
	}
	// Text that encoding/json would rewrite (invalid UTF-8, lone surrogates)
	// or keep (NUL) is refused, field by field, before anything is decoded.
	var textErrs []FieldError
	if json.Valid(data) {
		textErrs = checkText(data)
	} else if !utf8.Valid(data) {
		return BadRequest("request body is not valid UTF-8 (first bad byte at " + position(data, firstInvalidUTF8(data)) + ")")
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		err = decodeError(data, dst, err)
		var p *Problem
		if len(textErrs) > 0 && errors.As(err, &p) && (p.Type == TypeValidation || p.Status == 400) {
			return Validation(mergeFieldErrors(textErrs, p.Errors)...)
		}
		return err
	}
	if end := skipSpace(data, int(dec.InputOffset())); end < len(data) {
		return BadRequest("request body has data after the JSON value, at " + position(data, end) +
			"; send exactly one JSON value")
	}
	if len(textErrs) > 0 {
		return Validation(textErrs...)
	}
	return nil
}

// mergeFieldErrors is a followed by the errors of b for fields a does not name.
func mergeFieldErrors(a, b []FieldError) []FieldError {
	out := append([]FieldError(nil), a...)
	for _, e := range b {
		if !slices.ContainsFunc(out, func(o FieldError) bool { return o.Field == e.Field }) {
			out = append(out, e)
		}
	}
	return out
}

// fieldErrors names every field of data that dst cannot take: values of the
// wrong kind and fields dst does not declare, all at once.
func fieldErrors(data []byte, dst any) []FieldError {
	errs := typeErrors(data, reflect.TypeOf(dst))
	var unknown []FieldError
	for _, f := range unknownFields(data, reflect.TypeOf(dst)) {
		unknown = append(unknown, FieldError{Field: f, Message: "is not an accepted field"})
	}
	return mergeFieldErrors(errs, unknown)
}

// nullable reports whether a top-level JSON null means something for dst:
// a pointer or interface it points to can hold "nothing"; a struct cannot.
func nullable(dst any) bool {
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer {
		return true // not a valid dst: let encoding/json report it
	}
	k := t.Elem().Kind()
	return k == reflect.Pointer || k == reflect.Interface || custom(t.Elem())
}

// checkContentType accepts no Content-Type, application/json and application/*+json in UTF-8.
func checkContentType(ct string) error {
	if strings.TrimSpace(ct) == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return UnsupportedMediaType(ct)
	}
	if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return UnsupportedMediaType(ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return UnsupportedMediaType(ct)
	}
	return nil
}

// body returns the decoded request body, or a problem when it is too large or badly encoded.
func body(req events.APIGatewayV2HTTPRequest, maxBytes int) ([]byte, error) {
	if !req.IsBase64Encoded {
		if len(req.Body) > maxBytes {
			return nil, PayloadTooLarge(len(req.Body), maxBytes)
		}
		return []byte(req.Body), nil
	}
	// Reject before allocating when even the smallest possible decoding is too large.
	if n := base64.StdEncoding.DecodedLen(len(req.Body)) - 2; n > maxBytes {
		return nil, PayloadTooLarge(n, maxBytes)
	}
	data, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, BadRequest("request body is marked base64-encoded but is not valid base64")
	}
	if len(data) > maxBytes {
		return nil, PayloadTooLarge(len(data), maxBytes)
	}
	return data, nil
}

// decodeError turns an encoding/json error into a problem that locates it.
func decodeError(data []byte, dst any, err error) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		invalid *json.InvalidUnmarshalError
		prob    *Problem
	)
	switch {
	case errors.As(err, &invalid):
		return fmt.Errorf("apigw: decode body: %w", err) // a bug in the caller, not bad input
	case errors.As(err, &prob):
		return prob // from a field type's own UnmarshalJSON
	case errors.As(err, &syntax):
		at := max(int(syntax.Offset)-1, 0)
		return BadRequest("request body is not valid JSON: " + syntax.Error() + " at " + position(data, at))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("request body is not valid JSON: it ends before the value is complete, at " +
			position(data, len(data)))
	case errors.As(err, &typ):
		field := pathAt(data, typ.Offset)
		if field == "" {
			if typ.Field != "" {
				field = typ.Field
			} else {
				return BadRequest("request body must be " + describe(typ.Type) + ", not " + article(typ.Value))
			}
		}
		if all := fieldErrors(data, dst); len(all) > 0 {
			return Validation(all...)
		}
		return Invalid(field, typeMessage(typ))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if all := fieldErrors(data, dst); len(all) > 0 {
			return Validation(all...)
		}
		fields := unknownFields(data, reflect.TypeOf(dst))
		if len(fields) == 0 {
			if s, err := strconv.Unquote(name); err == nil {
				name = s
			}
			fields = []string{name}
		}
		errs := make([]FieldError, len(fields))
		for i, f := range fields {
			errs[i] = FieldError{Field: f, Message: "is not an accepted field"}
		}
		return Validation(errs...)
	}
	// An error from a field type's own UnmarshalJSON or UnmarshalText (time.Time, ...),
	// which encoding/json does not locate: find the value that fails again.
	if fe, ok := customError(data, reflect.TypeOf(dst)); ok {
		return Validation(fe)
	}
	return BadRequest("request body has a value that cannot be read: " + err.Error())
}

// typeMessage says what a field must be, and what it got when that is useful.
func typeMessage(e *json.UnmarshalTypeError) string {
	t := deref(e.Type)
	if num, ok := strings.CutPrefix(e.Value, "number "); ok {
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if strings.ContainsAny(num, ".eE") {
				return "must be an integer, not " + num
			}
			lo, hi := -(int64(1) << (t.Bits() - 1)), int64(1)<<(t.Bits()-1)-1
			return fmt.Sprintf("must be an integer from %d to %d", lo, hi)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			if strings.ContainsAny(num, ".eE") {
				return "must be an integer, not " + num
			}
			return fmt.Sprintf("must be an integer from 0 to %d", uint64(1)<<t.Bits()-1)
		case reflect.Float32, reflect.Float64:
			return "is out of range"
		}
	}
	return "must be " + describe(e.Type) + ", not " + article(e.Value)
}

// describe names the JSON a Go type accepts: "a string", "an array", ...
func describe(t reflect.Type) string {
	t = deref(t)
	if t == nil {
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	}
	return "a JSON value"
}

// article puts "a"/"an" before an encoding/json value kind: "a string", "an object".
func article(kind string) string {
	kind, _, _ = strings.Cut(kind, " ") // "number 1.5" -> "number"
	switch kind {
	case "":
		return "this value"
	case "object", "array":
		return "an " + kind
	case "bool":
		return "a boolean"
	}
	return "a " + kind
}

// position renders a byte offset of data as a 1-based line and column (in characters).
func position(data []byte, off int) string {
	off = min(max(off, 0), len(data))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:off], '\n')+1:off])
	return fmt.Sprintf("line %d, column %d", line, col)
}

// firstInvalidUTF8 returns the offset of the first byte that is not valid UTF-8.
func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// skipSpace returns the offset of the first non-whitespace byte (in JSON's sense) from off.
func skipSpace(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\n', '\r':
			off++
		default:
			return off
		}
	}
	return off
}
