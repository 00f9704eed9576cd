package apigw

import (
	"errors"

	"github.com/aws/aws-lambda-go/events"
)

// Validator collects field errors so that one 400 names every bad field.
// The zero value is ready to use.
type Validator struct {
	errs []FieldError
}

// Check records message for field when ok is false, and returns ok.
// Only the first failure of each field is kept, so later checks may assume
// the earlier ones on the same field passed.
func (v *Validator) Check(ok bool, field, message string) bool {
	if !ok {
		v.Add(field, message)
	}
	return ok
}

// Add records message for field unless field already has an error.
func (v *Validator) Add(field, message string) {
	if v.Has(field) {
		return
	}
	v.errs = append(v.errs, FieldError{Field: field, Message: message})
}

// Has reports whether field already has an error.
func (v *Validator) Has(field string) bool {
	for _, e := range v.errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Valid reports whether no error was recorded.
func (v *Validator) Valid() bool { return len(v.errs) == 0 }

// Err returns a validation *Problem naming every recorded field, or nil.
func (v *Validator) Err() error {
	if v.Valid() {
		return nil
	}
	return Validation(append([]FieldError(nil), v.errs...)...)
}

// DecodeJSON is DecodeJSON that records the body's field errors (bad text,
// wrong kinds, unknown fields) in v instead of returning them, so that the
// checks that follow add their own and one 400 names every bad field. dst is
// filled as far as the body allows; a field already named is not checked
// again (see Add). Only a body that cannot be read at all is returned.
func (v *Validator) DecodeJSON(req events.APIGatewayV2HTTPRequest, dst any, maxBytes int) error {
	err := DecodeJSON(req, dst, maxBytes)
	var p *Problem
	if errors.As(err, &p) && p.Type == TypeValidation && len(p.Errors) > 0 {
		for _, e := range p.Errors {
			v.Add(e.Field, e.Message)
		}
		return nil
	}
	return err
}
