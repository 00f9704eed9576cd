package samtemplate

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// toValue turns a YAML node into plain Go values (map[string]any, []any, string,
// bool, int, float64), rewriting CloudFormation's short-form intrinsic tags
// (!Ref X, !GetAtt X.Y, !Sub ...) into their long form ({"Ref": "X"} ...), so
// the rest of the package handles one shape only.
func toValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toValue(n.Content[0])
	case yaml.AliasNode:
		return toValue(n.Alias)
	}
	// yaml.v3 gives every node a tag: "!!str", "!!map" ... are YAML's own;
	// only local tags ("!Ref", "!Sub" ...) are CloudFormation intrinsics.
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return intrinsic(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := toValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toValue(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
}

func intrinsic(n *yaml.Node) (any, error) {
	name := strings.TrimPrefix(n.Tag, "!")
	key := "Fn::" + name
	if name == "Ref" || name == "Condition" {
		key = name
	}
	plain := *n
	plain.Tag = ""
	if n.Kind == yaml.ScalarNode {
		plain.Tag = "!!str"
	}
	arg, err := toValue(&plain)
	if err != nil {
		return nil, err
	}
	if s, ok := arg.(string); ok && name == "GetAtt" {
		// !GetAtt Resource.Attribute is the short form of [Resource, Attribute].
		res, att, _ := strings.Cut(s, ".")
		arg = []any{res, att}
	}
	return map[string]any{key: arg}, nil
}
