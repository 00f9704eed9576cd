package apigw

import (
	"errors"
	"testing"
)

func TestValidator(t *testing.T) {
	var v Validator
	if v.Err() != nil || !v.Valid() {
		t.Fatal("a fresh Validator should be valid")
	}
	text := ""
	if v.Check(text != "", "text", "is required") {
		t.Error("Check should return false for a failed check")
	}
	v.Check(len(text) <= 3, "text", "is too long") // passes: must not be recorded
	v.Check(false, "text", "second failure")       // same field: ignored
	v.Check(true, "language", "never recorded")
	v.Add("language", "must be an ISO 639-1 code")

	err := v.Err()
	var p *Problem
	if !errors.As(err, &p) {
		t.Fatalf("Err() = %v, want a *Problem", err)
	}
	want := []FieldError{{"text", "is required"}, {"language", "must be an ISO 639-1 code"}}
	if p.Status != 400 || p.Type != TypeValidation || len(p.Errors) != len(want) {
		t.Fatalf("problem = %+v", p)
	}
	for i := range want {
		if p.Errors[i] != want[i] {
			t.Errorf("errors[%d] = %+v, want %+v", i, p.Errors[i], want[i])
		}
	}
	if !v.Has("text") || v.Has("title") {
		t.Error("Has is wrong")
	}
	v.Add("title", "is required")
	if len(p.Errors) != 2 {
		t.Error("a returned Problem changed after a later Add")
	}
}
