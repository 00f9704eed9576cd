package openapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidateResponse returns an error unless resp is a response the document
// describes for method and path (a path template, or a concrete path that
// matches one): its status is documented (exactly, as a range such as 4XX, or
// by default), every required header is present and valid, a body comes with a
// documented Content-Type and is valid against that content's schema, and a
// response documented without content has no body.
func (d *Document) ValidateResponse(method, path string, resp events.APIGatewayV2HTTPResponse) error {
	opPtr, err := d.operation(method, path)
	if err != nil {
		return err
	}
	respPtr, err := d.response(opPtr, resp.StatusCode)
	if err != nil {
		return err
	}
	spec := members(d.root, respPtr)
	errs := d.checkHeaders(respPtr, spec, resp.Headers)
	body, err := decodeBody(resp)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if len(asObject(spec["content"])) == 0 {
		if len(body) > 0 {
			errs = append(errs, fmt.Errorf("status %d is documented without a body, got %d bytes", resp.StatusCode, len(body)))
		}
		return errors.Join(errs...)
	}
	contentType, _ := lookupHeader(resp.Headers, "Content-Type")
	if err := d.checkContent(respPtr, contentType, body); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// operation returns the pointer of the operation for method and path. A path
// that is not a template of the document matches the template whose literal
// segments agree with it, the one with most literal segments first.
func (d *Document) operation(method, path string) (string, error) {
	paths := members(d.root, "/paths")
	template, best := "", -1
	if _, ok := paths[path]; ok {
		template = path
	} else {
		for _, t := range sortedKeys(paths) {
			if n, ok := matchTemplate(t, path); ok && n > best {
				template, best = t, n
			}
		}
	}
	if template == "" {
		// API Gateway sends "/x/" to the route "/x" (HTTP API routes cannot end in "/").
		if trimmed, ok := strings.CutSuffix(path, "/"); ok && trimmed != "" {
			return d.operation(method, trimmed)
		}
		return "", fmt.Errorf("no path of the document matches %s", path)
	}
	item, itemPtr, err := deref(d.root, ptr("/paths", template))
	if err != nil {
		return "", err
	}
	m := strings.ToLower(method)
	if _, ok := item[m]; !ok {
		return "", fmt.Errorf("%s has no %s operation in the document", template, strings.ToUpper(method))
	}
	return ptr(itemPtr, m), nil
}

// matchTemplate reports whether path fits template, and how many of its
// segments are literal.
func matchTemplate(template, path string) (literal int, ok bool) {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return 0, false
	}
	for i, t := range ts {
		switch {
		case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
			if ps[i] == "" {
				return 0, false
			}
		case t == ps[i]:
			literal++
		default:
			return 0, false
		}
	}
	return literal, true
}

// response returns the pointer of the response documented for status: the
// status itself, else its range (4XX), else default.
func (d *Document) response(opPtr string, status int) (string, error) {
	responses := members(d.root, opPtr+"/responses")
	code := strconv.Itoa(status)
	for _, key := range []string{code, code[:1] + "XX", "default"} {
		if _, ok := responses[key]; ok {
			_, p, err := deref(d.root, ptr(opPtr, "responses", key))
			return p, err
		}
	}
	return "", fmt.Errorf("status %d is not documented (documented: %s)", status, strings.Join(sortedKeys(responses), ", "))
}

// checkHeaders checks that the response has every required header of spec,
// each valid against its schema. Content-Type is checked with the content.
func (d *Document) checkHeaders(respPtr string, spec map[string]any, got map[string]string) []error {
	var errs []error
	for _, name := range sortedKeys(asObject(spec["headers"])) {
		if strings.EqualFold(name, "Content-Type") {
			continue // ignored in a Response Object's headers (OpenAPI 3.1 §4.8.17.1)
		}
		h, hp, err := deref(d.root, ptr(respPtr, "headers", name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		value, present := lookupHeader(got, name)
		if !present {
			if h["required"] == true {
				errs = append(errs, fmt.Errorf("header %s is required", name))
			}
			continue
		}
		if _, ok := h["schema"]; !ok {
			continue
		}
		s, err := d.schema(hp + "/schema")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.Validate(headerInstance(h, value)); err != nil {
			errs = append(errs, fmt.Errorf("header %s: %q: %w", name, value, err))
		}
	}
	return errs
}

// headerInstance is a header's value as its schema sees it: a number when the
// schema wants one and the value is numeric, a string otherwise.
func headerInstance(h map[string]any, value string) any {
	typ, _ := asObject(h["schema"])["type"].(string)
	if typ == "integer" || typ == "number" {
		if _, err := strconv.ParseFloat(value, 64); err == nil {
			return json.Number(value)
		}
	}
	return value
}

// checkContent checks that contentType is documented for the response at
// respPtr and that body is valid against its schema.
func (d *Document) checkContent(respPtr, contentType string, body []byte) error {
	if contentType == "" {
		return errors.New("no Content-Type header for a response with content")
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %w", contentType, err)
	}
	content := members(d.root, respPtr+"/content")
	key, ok := matchMediaType(content, mt)
	if !ok {
		return fmt.Errorf("Content-Type %s is not documented for this status (documented: %s)", mt, strings.Join(sortedKeys(content), ", "))
	}
	schemaPtr := ptr(respPtr, "content", key, "schema")
	var instance any
	switch {
	case isJSON(mt):
		if !utf8.Valid(body) {
			return errors.New("the JSON body is not valid UTF-8")
		}
		if instance, err = jsonschema.UnmarshalJSON(bytes.NewReader(body)); err != nil {
			return fmt.Errorf("the body is not JSON: %w", err)
		}
	case strings.HasPrefix(mt, "text/"):
		if !utf8.Valid(body) {
			return fmt.Errorf("the %s body is not valid UTF-8", mt)
		}
		instance = string(body)
	default:
		instance = string(body)
	}
	if _, ok := asObject(content[key])["schema"]; !ok {
		return nil
	}
	s, err := d.schema(schemaPtr)
	if err != nil {
		return err
	}
	if err := s.Validate(instance); err != nil {
		return fmt.Errorf("the %s body does not match its schema: %w", mt, err)
	}
	return nil
}
