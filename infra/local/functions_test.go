package main

import (
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"sort"
	"strings"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// TestEveryFunctionIsWired checks that template.yaml, functions/ and the
// constructors map name the same functions, and that each main.go starts the
// constructor the local runtime uses.
func TestEveryFunctionIsWired(t *testing.T) {
	tpl, err := samtemplate.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inTemplate := map[string]bool{}
	for _, f := range tpl.Functions {
		inTemplate[f.Dir] = true
	}
	dirs, err := filepath.Glob("../../functions/*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	inFunctions := map[string]bool{}
	for _, d := range dirs {
		inFunctions[filepath.Base(filepath.Dir(d))] = true
	}
	inRegistry := map[string]bool{}
	for dir := range constructors {
		inRegistry[dir] = true
	}
	if a, b, c := keys(inTemplate), keys(inFunctions), keys(inRegistry); a != b || b != c {
		t.Fatalf("function sets differ:\n template.yaml: %s\n functions/:    %s\n constructors:  %s", a, b, c)
	}
	for dir, build := range constructors {
		src, err := os.ReadFile("../../functions/" + dir + "/main.go")
		if err != nil {
			t.Fatal(err)
		}
		// "github.com/.../internal/platform/health.New" -> "health.New"
		name := goruntime.FuncForPC(reflect.ValueOf(build).Pointer()).Name()
		want := "function.Start(" + name[strings.LastIndex(name, "/")+1:] + ")"
		if !strings.Contains(string(src), want) {
			t.Errorf("functions/%s/main.go does not call %s, which the local runtime runs", dir, want)
		}
	}
}

// TestEveryFunctionHasASampleEvent checks events/ has an event for every function.
func TestEveryFunctionHasASampleEvent(t *testing.T) {
	tpl, err := samtemplate.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tpl.Functions {
		matches, _ := filepath.Glob("../../events/" + f.Dir + "*.json")
		if len(matches) == 0 {
			t.Errorf("%s has no sample event events/%s.json", f.LogicalID, f.Dir)
		}
	}
}

func keys(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}
