package apidocs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"

	"gopkg.in/yaml.v3"
)

// toJSON converts a YAML document to compact JSON, keeping the keys in the
// order they are written so that the output is deterministic and reads like
// the source. It accepts the JSON-compatible subset of YAML: no custom tags,
// no duplicate keys, no infinities or NaNs; aliases are expanded.
func toJSON(src []byte) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc, extra yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || !errors.Is(dec.Decode(&extra), io.EOF) {
		return nil, errors.New("parse yaml: want exactly one document")
	}
	var buf bytes.Buffer
	if err := writeNode(&buf, doc.Content[0], 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxDepth bounds alias expansion and nesting, so a cyclic alias cannot loop.
const maxDepth = 100

func writeNode(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("line %d: nested deeper than %d levels", n.Line, maxDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return writeNode(buf, n.Alias, depth+1)
	case yaml.MappingNode:
		return writeMapping(buf, n, depth)
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeNode(buf, item, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	default:
		return fmt.Errorf("line %d: unexpected yaml node kind %d", n.Line, n.Kind)
	}
}

func writeMapping(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	seen := make(map[string]bool, len(n.Content)/2)
	buf.WriteByte('{')
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			return fmt.Errorf("line %d: keys must be plain scalars", k.Line)
		}
		if seen[k.Value] {
			return fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
		}
		seen[k.Value] = true
		if i > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, k.Value)
		buf.WriteByte(':')
		if err := writeNode(buf, v, depth+1); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!str", "!!timestamp", "!!binary":
		// Timestamps stay strings: JSON has no date type, and examples keep their text.
		writeString(buf, n.Value)
	case "!!null":
		buf.WriteString("null")
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		fmt.Fprint(buf, b)
	case "!!int":
		var i big.Int
		if _, ok := i.SetString(n.Value, 0); !ok {
			return fmt.Errorf("line %d: integer %q is not valid in JSON", n.Line, n.Value)
		}
		buf.WriteString(i.String())
	case "!!float":
		if json.Valid([]byte(n.Value)) { // already JSON: keep every digit
			buf.WriteString(n.Value)
			return nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("line %d: %s has no JSON form", n.Line, n.Value)
		}
		b, err := json.Marshal(f)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		buf.Write(b)
	default:
		return fmt.Errorf("line %d: tag %s has no JSON form", n.Line, n.Tag)
	}
	return nil
}

// writeString writes s as a JSON string without HTML escaping, which the
// document's Markdown (`<token>`) would otherwise turn into \u003c sequences.
func writeString(buf *bytes.Buffer, s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
