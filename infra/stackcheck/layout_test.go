package stackcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mosaic-platform/mosaic/"

// services are the five services; each has the one shape docs/architecture.md draws.
var services = []string{"dialogs", "blog", "stickers", "transit", "classify"}

// goFile is one parsed Go file of the repository.
type goFile struct {
	path    string // from the repository root, with slashes
	test    bool
	ast     *ast.File
	imports []string
}

func parseTree(t *testing.T, dir string) []goFile {
	t.Helper()
	var files []goFile
	err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		g := goFile{path: filepath.ToSlash(rel), test: strings.HasSuffix(path, "_test.go"), ast: f}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			g.imports = append(g.imports, p)
		}
		files = append(files, g)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestInternalNeverImportsInfra: infra/ (the local runtime, tools, stack
// checks) builds on internal/, never the other way round, tests included.
func TestInternalNeverImportsInfra(t *testing.T) {
	for _, f := range parseTree(t, "internal") {
		for _, imp := range f.imports {
			if strings.HasPrefix(imp, module+"infra/") {
				t.Errorf("%s imports %s: internal/ must not import infra/ (move the helper under internal/ or the test to infra/)", f.path, imp)
			}
		}
	}
}

// TestDomainsKnowNoHTTP: a service's domain package holds types, rules and
// stores; requests, responses and problems belong to its api package, and so
// does reading the function's environment (deps.go).
func TestDomainsKnowNoHTTP(t *testing.T) {
	forbidden := []string{"github.com/aws/aws-lambda-go/events", module + "internal/platform/apigw",
		module + "internal/platform/function", module + "internal/platform/config", module + "internal/platform/awsclients"}
	for _, svc := range services {
		for _, f := range parseTree(t, "internal/"+svc) {
			if f.test || filepath.Dir(f.path) != "internal/"+svc {
				continue
			}
			for _, imp := range f.imports {
				if slices.Contains(forbidden, imp) {
					t.Errorf("%s imports %s: the %s domain must not know HTTP nor its function's wiring (that is internal/%s/%sapi's job)", f.path, imp, svc, svc, svc)
				}
			}
		}
	}
}

// TestEveryServiceHasItsAPIPackage: internal/<service>/<service>api holds the
// routes and workers, and every function of a service starts a constructor
// from it (platform functions start theirs from internal/platform or apidocs).
func TestEveryServiceHasItsAPIPackage(t *testing.T) {
	for _, svc := range services {
		if _, err := os.Stat(filepath.Join(root, "internal", svc, svc+"api")); err != nil {
			t.Errorf("service %s has no internal/%s/%sapi package: %v", svc, svc, svc, err)
		}
	}
	apiPkg := regexp.MustCompile(`^` + regexp.QuoteMeta(module) + `internal/(\w+)/(\w+)api$`)
	for _, f := range parseTree(t, "functions") {
		var from []string
		for _, imp := range f.imports {
			if strings.HasPrefix(imp, module+"internal/") && imp != module+"internal/platform/function" {
				from = append(from, imp)
			}
		}
		if len(from) != 1 {
			t.Errorf("%s imports %v: a function's main.go starts one constructor", f.path, from)
			continue
		}
		m := apiPkg.FindStringSubmatch(from[0])
		switch {
		case m != nil && m[1] == m[2] && slices.Contains(services, m[1]):
		case strings.HasPrefix(from[0], module+"internal/platform/"), from[0] == module+"internal/apidocs":
		default:
			t.Errorf("%s starts a constructor of %s, not of a service's api package (internal/<service>/<service>api) nor of the platform", f.path, from[0])
		}
	}
}

// TestNoExportedInMemoryDoubles: tests run on the embedded emulators or on
// unexported fakes beside them, so production packages export no stand-in
// stores that could drift from the real ones.
func TestNoExportedInMemoryDoubles(t *testing.T) {
	double := regexp.MustCompile(`^(Mem|Memory|InMemory|Fake)($|[A-Z])`)
	for _, f := range parseTree(t, "internal") {
		if f.test || strings.HasPrefix(f.path, "internal/emulators/") {
			continue
		}
		for _, decl := range f.ast.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				if name := spec.(*ast.TypeSpec).Name.Name; double.MatchString(name) {
					t.Errorf("%s declares %s: an exported in-memory double; use emutest.EmbeddedTable or an unexported fake in a _test.go file", f.path, name)
				}
			}
		}
	}
}

// TestNoConstructorTakesAFlag: a constructor that takes booleans builds one of
// several things; name each thing's constructor instead.
func TestNoConstructorTakesAFlag(t *testing.T) {
	for _, f := range parseTree(t, "internal") {
		if f.test {
			continue
		}
		for _, decl := range f.ast.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil {
				continue
			}
			lower := strings.ToLower(fn.Name.Name)
			if !strings.HasPrefix(lower, "new") && !strings.HasSuffix(lower, "fromenv") && !strings.HasSuffix(lower, "fromdeps") {
				continue
			}
			for _, p := range fn.Type.Params.List {
				if id, ok := p.Type.(*ast.Ident); ok && id.Name == "bool" {
					t.Errorf("%s: %s takes a bool: give each variant its own constructor", f.path, fn.Name.Name)
				}
			}
		}
	}
}

// TestStoresMapItemsThroughPlatformDynamo: items are mapped by attributevalue
// (struct tags, dynamo.Values) and failed conditions recognised in one place,
// internal/platform/dynamo; no store builds attribute values by hand.
func TestStoresMapItemsThroughPlatformDynamo(t *testing.T) {
	handMade := regexp.MustCompile(`AttributeValueMember[A-Z]+\{|ConditionalCheckFailed|TransactionCanceledException`)
	for _, f := range parseTree(t, "internal") {
		if f.test || strings.HasPrefix(f.path, "internal/platform/dynamo/") || strings.HasPrefix(f.path, "internal/emulators/") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, f.path))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range handMade.FindAllString(string(src), -1) {
			t.Errorf("%s uses %s: map items with dynamo.Marshal/dynamo.Values and check conditions with dynamo.IsConditionFailed", f.path, m)
		}
	}
}
