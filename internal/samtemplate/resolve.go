package samtemplate

import (
	"fmt"
	"regexp"
	"strings"
)

// Resolver evaluates the intrinsic functions found in environment variables
// (Ref, Fn::GetAtt, Fn::Sub, Fn::Join) against local values.
type Resolver struct {
	Params map[string]string            // parameter values, with pseudo parameters (AWS::Region ...)
	Refs   map[string]string            // logical id -> what !Ref returns (table name, queue URL ...)
	Atts   map[string]map[string]string // logical id -> attribute -> value (Arn, QueueName ...)
}

// Resolve returns the string value of v.
func (r Resolver) Resolve(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool, int, float64:
		return fmt.Sprint(x), nil
	case map[string]any:
		for fn, arg := range x {
			switch fn {
			case "Ref":
				return r.ref(str(arg))
			case "Fn::GetAtt":
				a := asSlice(arg)
				if len(a) != 2 {
					return "", fmt.Errorf("Fn::GetAtt needs [resource, attribute]")
				}
				return r.getAtt(str(a[0]), str(a[1]))
			case "Fn::Sub":
				return r.sub(arg)
			case "Fn::Join":
				return r.join(arg)
			}
			return "", fmt.Errorf("%s is not supported by the local runtime", fn)
		}
	}
	return "", fmt.Errorf("cannot resolve %v", v)
}

func (r Resolver) ref(name string) (string, error) {
	if v, ok := r.Params[name]; ok {
		return v, nil
	}
	if v, ok := r.Refs[name]; ok {
		return v, nil
	}
	return "", fmt.Errorf("!Ref %s: no such parameter or resource", name)
}

func (r Resolver) getAtt(res, att string) (string, error) {
	if v, ok := r.Atts[res][att]; ok {
		return v, nil
	}
	return "", fmt.Errorf("!GetAtt %s.%s: not available locally", res, att)
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func (r Resolver) sub(arg any) (string, error) {
	format, vars := "", map[string]any{}
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return "", fmt.Errorf("Fn::Sub needs a string or [string, variables]")
		}
		format, vars = str(a[0]), asMap(a[1])
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(format, func(m string) string {
		name := m[2 : len(m)-1]
		var (
			v   string
			err error
		)
		switch {
		case vars[name] != nil:
			v, err = r.Resolve(vars[name])
		case strings.Contains(name, "."):
			res, att, _ := strings.Cut(name, ".")
			v, err = r.getAtt(res, att)
		default:
			v, err = r.ref(name)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	return strings.ReplaceAll(out, "${!", "${"), firstErr
}

func (r Resolver) join(arg any) (string, error) {
	a := asSlice(arg)
	if len(a) != 2 {
		return "", fmt.Errorf("Fn::Join needs [delimiter, list]")
	}
	var parts []string
	for _, p := range asSlice(a[1]) {
		s, err := r.Resolve(p)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, str(a[0])), nil
}

// Environment resolves every environment variable of f.
func (r Resolver) Environment(f Function) (map[string]string, error) {
	env := make(map[string]string, len(f.Environment))
	for k, v := range f.Environment {
		s, err := r.Resolve(v)
		if err != nil {
			return nil, fmt.Errorf("function %s: environment %s: %w", f.LogicalID, k, err)
		}
		env[k] = s
	}
	return env, nil
}
