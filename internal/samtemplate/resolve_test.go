package samtemplate

import (
	"strings"
	"testing"
)

func testResolver() Resolver {
	return Resolver{
		Params: map[string]string{
			"Stage":          "dev",
			"AWS::Region":    "us-east-1",
			"AWS::AccountId": "000000000000",
			"AWS::StackName": "mosaic-dev",
		},
		Refs: map[string]string{
			"PostsQueue": "http://127.0.0.1:9324/000000000000/mosaic-dev-PostsQueue",
			"PostsTable": "mosaic-dev-PostsTable",
		},
		Atts: map[string]map[string]string{
			"PostsQueue": {"Arn": "arn:aws:sqs:us-east-1:000000000000:mosaic-dev-PostsQueue", "QueueName": "mosaic-dev-PostsQueue"},
			"PostsTable": {"Arn": "arn:aws:dynamodb:us-east-1:000000000000:table/mosaic-dev-PostsTable"},
		},
	}
}

func TestResolve(t *testing.T) {
	ref := func(n string) map[string]any { return map[string]any{"Ref": n} }
	getAtt := func(r, a string) map[string]any { return map[string]any{"Fn::GetAtt": []any{r, a}} }
	tests := []struct {
		name    string
		in      any
		want    string
		wantErr string // substring; "" for success
	}{
		{name: "plain string", in: "IGNORE_ERROR", want: "IGNORE_ERROR"},
		{name: "empty string", in: "", want: ""},
		{name: "bool", in: true, want: "true"},
		{name: "int", in: 300, want: "300"},
		{name: "float", in: 0.5, want: "0.5"},
		{name: "ref parameter", in: ref("Stage"), want: "dev"},
		{name: "ref pseudo parameter", in: ref("AWS::Region"), want: "us-east-1"},
		{name: "ref resource", in: ref("PostsTable"), want: "mosaic-dev-PostsTable"},
		{name: "ref unknown", in: ref("Nope"), wantErr: "!Ref Nope"},
		{name: "getatt", in: getAtt("PostsQueue", "Arn"), want: "arn:aws:sqs:us-east-1:000000000000:mosaic-dev-PostsQueue"},
		{name: "getatt unknown attribute", in: getAtt("PostsQueue", "Nope"), wantErr: "!GetAtt PostsQueue.Nope"},
		{name: "getatt unknown resource", in: getAtt("Nope", "Arn"), wantErr: "!GetAtt Nope.Arn"},
		{name: "getatt malformed", in: map[string]any{"Fn::GetAtt": []any{"PostsQueue"}}, wantErr: "Fn::GetAtt needs"},
		{name: "sub pseudo parameter and attribute",
			in:   map[string]any{"Fn::Sub": "posts in ${AWS::Region} via ${PostsQueue.Arn}"},
			want: "posts in us-east-1 via arn:aws:sqs:us-east-1:000000000000:mosaic-dev-PostsQueue"},
		{name: "sub parameter and resource ref", in: map[string]any{"Fn::Sub": "${AWS::StackName}/${Stage}/${PostsTable}"}, want: "mosaic-dev/dev/mosaic-dev-PostsTable"},
		{name: "sub literal escape", in: map[string]any{"Fn::Sub": "${!Literal}-${Stage}"}, want: "${Literal}-dev"},
		{name: "sub without variables", in: map[string]any{"Fn::Sub": "plain $ and { } text"}, want: "plain $ and { } text"},
		{name: "sub with variable map",
			in:   map[string]any{"Fn::Sub": []any{"${Name}.${Arn}.${Stage}", map[string]any{"Name": "n", "Arn": getAtt("PostsTable", "Arn")}}},
			want: "n.arn:aws:dynamodb:us-east-1:000000000000:table/mosaic-dev-PostsTable.dev"},
		{name: "sub variable shadows parameter", in: map[string]any{"Fn::Sub": []any{"${Stage}", map[string]any{"Stage": "prod"}}}, want: "prod"},
		{name: "sub unknown variable", in: map[string]any{"Fn::Sub": "x-${Nope}"}, wantErr: "!Ref Nope"},
		{name: "sub unknown attribute", in: map[string]any{"Fn::Sub": "${PostsQueue.Url}"}, wantErr: "!GetAtt PostsQueue.Url"},
		{name: "sub malformed list", in: map[string]any{"Fn::Sub": []any{"a"}}, wantErr: "Fn::Sub needs"},
		{name: "join", in: map[string]any{"Fn::Join": []any{":", []any{"a", ref("Stage"), getAtt("PostsQueue", "QueueName")}}}, want: "a:dev:mosaic-dev-PostsQueue"},
		{name: "join empty list", in: map[string]any{"Fn::Join": []any{",", []any{}}}, want: ""},
		{name: "join nested sub", in: map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::Sub": "${Stage}-"}, "x"}}}, want: "dev-x"},
		{name: "join error propagates", in: map[string]any{"Fn::Join": []any{",", []any{ref("Nope")}}}, wantErr: "!Ref Nope"},
		{name: "join malformed", in: map[string]any{"Fn::Join": []any{","}}, wantErr: "Fn::Join needs"},
		{name: "unsupported function", in: map[string]any{"Fn::If": []any{"C", "a", "b"}}, wantErr: "Fn::If is not supported"},
		{name: "nil", in: nil, wantErr: "cannot resolve"},
		{name: "list", in: []any{"a"}, wantErr: "cannot resolve"},
		{name: "empty map", in: map[string]any{}, wantErr: "cannot resolve"},
	}
	r := testResolver()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Resolve(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve(%#v) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve(%#v) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	r := testResolver()
	f := Function{LogicalID: "ModerateFunction", Environment: map[string]any{
		"STAGE":     map[string]any{"Ref": "Stage"},
		"QUEUE_URL": map[string]any{"Ref": "PostsQueue"},
		"PLAIN":     "x",
	}}
	env, err := r.Environment(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"STAGE": "dev", "QUEUE_URL": r.Refs["PostsQueue"], "PLAIN": "x"}
	if len(env) != len(want) {
		t.Errorf("env = %v, want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env[%s] = %q, want %q", k, env[k], v)
		}
	}

	f.Environment["BROKEN"] = map[string]any{"Ref": "Missing"}
	_, err = r.Environment(f)
	if err == nil || !strings.Contains(err.Error(), "ModerateFunction") || !strings.Contains(err.Error(), "BROKEN") {
		t.Errorf("Environment with a bad variable: err = %v, want one naming the function and the variable", err)
	}
}
