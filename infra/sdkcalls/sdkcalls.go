// Package sdkcalls finds the AWS SDK operations each Lambda function's code
// can reach, by static analysis of the whole program: a least-privilege test
// compares them with the IAM actions the function declares and template.yaml
// grants.
//
// Reachability starts at a main package's main and init, follows every
// function referenced by reachable code (calls, closures and function values
// alike, so handlers started through reflection count), and resolves
// interface method calls against the types that reachable code converts to
// interfaces (rapid type analysis). It over-approximates — code that can be
// reached, not code that runs — which is the safe side for permissions.
package sdkcalls

import (
	"fmt"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// Op is one AWS API operation, such as dynamodb:PutItem.
type Op struct {
	Service string // the SDK package's name: dynamodb, s3, sqs, secretsmanager
	Name    string // the operation: PutItem, HeadObject, SendMessageBatch
}

func (o Op) String() string { return o.Service + ":" + o.Name }

// Services are the SDK service packages whose operations need IAM
// permissions in a function's role (credential providers such as STS and SSO
// are left out: the role's own credentials need none).
var Services = []string{"dynamodb", "s3", "sqs", "secretsmanager"}

const sdkService = "github.com/aws/aws-sdk-go-v2/service/"

// Find loads the main packages matched by patterns (relative to dir) and
// returns, by package path, the SDK operations each can reach, sorted.
func Find(dir string, patterns ...string) (map[string][]Op, error) {
	cfg := &packages.Config{Mode: packages.LoadAllSyntax, Dir: dir}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("load %v: %w", patterns, err)
	}
	if n := packages.PrintErrors(pkgs); n > 0 {
		return nil, fmt.Errorf("load %v: %d errors", patterns, n)
	}
	prog, ssaPkgs := ssautil.AllPackages(pkgs, ssa.InstantiateGenerics)
	prog.Build()
	out := map[string][]Op{}
	for _, p := range ssaPkgs {
		if p == nil || p.Pkg.Name() != "main" {
			continue
		}
		out[p.Pkg.Path()] = reach(prog, p).ops()
	}
	return out, nil
}

// analysis is one main package's reachability state.
type analysis struct {
	prog      *ssa.Program
	reached   map[*ssa.Function]bool
	queue     []*ssa.Function
	runtime   map[types.Type]bool      // types converted to an interface
	invokes   map[*types.Func]bool     // interface methods called
	byName    map[string][]*types.Func // invoked methods by name
	typesByMN map[string][]types.Type  // runtime types by method name they have
}

func reach(prog *ssa.Program, main *ssa.Package) *analysis {
	a := &analysis{prog: prog, reached: map[*ssa.Function]bool{}, runtime: map[types.Type]bool{},
		invokes: map[*types.Func]bool{}, byName: map[string][]*types.Func{}, typesByMN: map[string][]types.Type{}}
	for _, name := range []string{"main", "init"} {
		if f := main.Func(name); f != nil {
			a.add(f)
		}
	}
	for len(a.queue) > 0 {
		f := a.queue[len(a.queue)-1]
		a.queue = a.queue[:len(a.queue)-1]
		a.visit(f)
	}
	return a
}

func (a *analysis) add(f *ssa.Function) {
	if f == nil || a.reached[f] {
		return
	}
	a.reached[f] = true
	a.queue = append(a.queue, f)
}

func (a *analysis) visit(f *ssa.Function) {
	// Package initialisers reach every package init they depend on.
	if f.Pkg != nil && f.Name() == "init" {
		for _, imp := range f.Pkg.Pkg.Imports() {
			if p := a.prog.Package(imp); p != nil {
				a.add(p.Func("init"))
			}
		}
	}
	for _, anon := range f.AnonFuncs {
		a.add(anon)
	}
	for _, b := range f.Blocks {
		for _, instr := range b.Instrs {
			var ops []*ssa.Value
			for _, op := range instr.Operands(ops) {
				if op == nil || *op == nil {
					continue
				}
				if g, ok := (*op).(*ssa.Function); ok {
					a.add(g)
				}
			}
			switch in := instr.(type) {
			case *ssa.MakeInterface:
				a.addRuntime(in.X.Type())
			case ssa.CallInstruction:
				if c := in.Common(); c.IsInvoke() {
					a.addInvoke(c.Method)
				}
			}
		}
	}
}

// addRuntime records t as converted to an interface, and links it to every
// interface method already called that it implements.
func (a *analysis) addRuntime(t types.Type) {
	if a.runtime[t] {
		return
	}
	a.runtime[t] = true
	ms := a.prog.MethodSets.MethodSet(t)
	for i := range ms.Len() {
		sel := ms.At(i)
		name := sel.Obj().Name()
		a.typesByMN[name] = append(a.typesByMN[name], t)
		for _, m := range a.byName[name] {
			a.link(t, m)
		}
	}
}

func (a *analysis) addInvoke(m *types.Func) {
	if a.invokes[m] {
		return
	}
	a.invokes[m] = true
	a.byName[m.Name()] = append(a.byName[m.Name()], m)
	for _, t := range a.typesByMN[m.Name()] {
		a.link(t, m)
	}
}

// link reaches t's method m when t implements the interface that declares m.
func (a *analysis) link(t types.Type, m *types.Func) {
	recv := m.Type().(*types.Signature).Recv()
	if recv == nil {
		return
	}
	iface, ok := recv.Type().Underlying().(*types.Interface)
	if !ok || !types.Implements(t, iface) {
		return
	}
	sel := a.prog.MethodSets.MethodSet(t).Lookup(m.Pkg(), m.Name())
	if sel == nil {
		return
	}
	a.add(a.prog.MethodValue(sel))
}

// ops returns the SDK client operations among the reached functions.
func (a *analysis) ops() []Op {
	seen := map[Op]bool{}
	for f := range a.reached {
		recv := f.Signature.Recv()
		if recv == nil || f.Pkg == nil || !f.Object().Exported() {
			continue
		}
		path := f.Pkg.Pkg.Path()
		svc, ok := strings.CutPrefix(path, sdkService)
		if !ok || strings.Contains(svc, "/") {
			continue
		}
		ptr, ok := recv.Type().(*types.Pointer)
		if !ok {
			continue
		}
		if named, ok := ptr.Elem().(*types.Named); !ok || named.Obj().Name() != "Client" {
			continue
		}
		for _, s := range Services {
			if s == svc {
				seen[Op{Service: svc, Name: f.Name()}] = true
			}
		}
	}
	out := make([]Op, 0, len(seen))
	for o := range seen {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
