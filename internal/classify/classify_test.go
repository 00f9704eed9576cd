package classify

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestResultJSONMirrorsResult keeps resultJSON, which MarshalJSON writes, in
// step with Result: the same fields, names and tags, in the same order.
func TestResultJSONMirrorsResult(t *testing.T) {
	r, j := reflect.TypeFor[Result](), reflect.TypeFor[resultJSON]()
	if r.NumField() != j.NumField() {
		t.Fatalf("Result has %d fields, resultJSON %d", r.NumField(), j.NumField())
	}
	for i := range r.NumField() {
		a, b := r.Field(i), j.Field(i)
		if a.Name != b.Name || a.Tag != b.Tag || (a.Type != b.Type && a.Name != "TopLabel") {
			t.Errorf("field %d: Result %s %s %q, resultJSON %s %s %q", i, a.Name, a.Type, a.Tag, b.Name, b.Type, b.Tag)
		}
	}
	got, err := json.Marshal(Result{Flagged: true, TopLabel: Hate, Labels: []Score{{Label: Hate, Score: 1}}, Model: "m", Cached: true})
	if want := `{"flagged":true,"top_label":"hate","labels":[{"label":"hate","score":1}],"model":"m","cached":true}`; err != nil || string(got) != want {
		t.Errorf("%s %v, want %s", got, err, want)
	}
}
