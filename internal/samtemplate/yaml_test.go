package samtemplate

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestToValue(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want any
	}{
		{"ref", `v: !Ref Stage`, map[string]any{"Ref": "Stage"}},
		{"ref pseudo parameter", `v: !Ref AWS::Region`, map[string]any{"Ref": "AWS::Region"}},
		{"ref of a number-looking name stays a string", `v: !Ref 123`, map[string]any{"Ref": "123"}},
		{"getatt dotted", `v: !GetAtt Queue.Arn`, map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}}},
		{"getatt list", `v: !GetAtt [Queue, Arn]`, map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}}},
		{"getatt splits at the first dot only", `v: !GetAtt Stack.Outputs.Url`, map[string]any{"Fn::GetAtt": []any{"Stack", "Outputs.Url"}}},
		{"sub string", `v: !Sub "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:q"`, map[string]any{"Fn::Sub": "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:q"}},
		{"sub with variables", "v: !Sub\n  - \"${Name}-x\"\n  - Name: !Ref Stage\n",
			map[string]any{"Fn::Sub": []any{"${Name}-x", map[string]any{"Name": map[string]any{"Ref": "Stage"}}}}},
		{"join", `v: !Join [":", [a, !Ref Stage]]`, map[string]any{"Fn::Join": []any{":", []any{"a", map[string]any{"Ref": "Stage"}}}}},
		{"nested condition functions", `v: !Not [!Equals [!Ref AlarmEmail, ""]]`,
			map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AlarmEmail"}, ""}}}}},
		{"if with novalue", `v: !If [HasX, [1, 2], !Ref AWS::NoValue]`,
			map[string]any{"Fn::If": []any{"HasX", []any{1, 2}, map[string]any{"Ref": "AWS::NoValue"}}}},
		{"condition", `v: !Condition IsProd`, map[string]any{"Condition": "IsProd"}},
		{"long form passes through", `v: {"Fn::GetAtt": [Queue, Arn]}`, map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}}},
		{"core tag str", `v: !!str 300`, "300"},
		{"core tag int", `v: !!int "7"`, 7},
		{"plain int", `v: 300`, 300},
		{"plain float", `v: 1.5`, 1.5},
		{"plain bool", `v: true`, true},
		{"quoted bool stays a string", `v: "true"`, "true"},
		{"null", `v: ~`, nil},
		{"empty", `v:`, nil},
		{"sequence", `v: [a, 1, false]`, []any{"a", 1, false}},
		{"folded block", "v: >\n  a\n  b\n", "a b\n"},
		{"alias of an intrinsic", "a: &x !Ref Foo\nv: *x\n", map[string]any{"Ref": "Foo"}},
		{"alias of a mapping", "a: &m {k: !GetAtt Q.Arn}\nv: *m\n", map[string]any{"k": map[string]any{"Fn::GetAtt": []any{"Q", "Arn"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.src), &doc); err != nil {
				t.Fatalf("yaml: %v", err)
			}
			got, err := toValue(&doc)
			if err != nil {
				t.Fatalf("toValue: %v", err)
			}
			m, ok := got.(map[string]any)
			if !ok {
				t.Fatalf("document is %T, want a mapping", got)
			}
			if !reflect.DeepEqual(m["v"], tt.want) {
				t.Errorf("v = %#v, want %#v", m["v"], tt.want)
			}
		})
	}
}

func TestToValueEmptyDocument(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal(nil, &doc); err != nil {
		t.Fatal(err)
	}
	got, err := toValue(&doc)
	if err != nil || got != nil {
		t.Errorf("toValue(empty) = %#v, %v; want nil, nil", got, err)
	}
}
