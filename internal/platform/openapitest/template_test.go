package openapitest

import (
	"slices"
	"strings"
	"testing"
)

const samTemplate = `
Transform: AWS::Serverless-2016-10-31
Resources:
  HttpApi:
    Type: AWS::Serverless::HttpApi
  Queue:
    Type: AWS::SQS::Queue
  PostsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: !Ref Table
          ARN: !GetAtt Queue.Arn
      Events:
        List:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Path: /posts
            Method: get
        Get:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Path: /posts/{id}
            Method: GET
            Auth:
              Authorizer: NONE
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
  NotAFunction:
    Type: AWS::Lambda::Function
    Properties:
      Events:
        Get:
          Type: HttpApi
          Properties: {Path: /ignored, Method: GET}
`

func TestTemplateRoutes(t *testing.T) {
	got, err := TemplateRoutes([]byte(samTemplate))
	if err != nil {
		t.Fatal(err)
	}
	want := []Route{
		{Method: "GET", Path: "/posts", Source: "PostsFunction.Events.List"},
		{Method: "GET", Path: "/posts/{id}", Source: "PostsFunction.Events.Get"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("TemplateRoutes = %v, want %v", got, want)
	}
}

func TestTemplateRoutesErrors(t *testing.T) {
	tests := []struct{ name, events, want string }{
		{"intrinsic path", "Path: !Sub '/x/${Stage}'\n            Method: GET", "Path must be a literal string"},
		{"missing method", "Path: /x", "Method must be a literal string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := `
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E:
          Type: HttpApi
          Properties:
            ` + tt.events + "\n"
			_, err := TemplateRoutes([]byte(tmpl))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTemplateCatchAll(t *testing.T) {
	tmpl := "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E:\n          Type: HttpApi\n"
	got, err := TemplateRoutes([]byte(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].String() != "ANY $default" {
		t.Errorf("TemplateRoutes = %v, want [ANY $default]", got)
	}
}

func TestDiffRoutes(t *testing.T) {
	r := func(m, p string) Route { return Route{Method: m, Path: p} }
	tmpl := []Route{r("GET", "/a"), r("GET", "/b"), r("GET", "/b"), r("POST", "/c")}
	doc := []Route{r("GET", "/a"), r("GET", "/b"), r("GET", "/c"), r("GET", "/d/{id}")}
	onlyT, onlyD := diffRoutes(tmpl, doc)
	if want := []Route{r("GET", "/b"), r("GET", "/b"), r("POST", "/c")}; !slices.Equal(onlyT, want) {
		t.Errorf("only in template = %v, want %v", onlyT, want)
	}
	if want := []Route{r("GET", "/c"), r("GET", "/d/{id}")}; !slices.Equal(onlyD, want) {
		t.Errorf("only in document = %v, want %v", onlyD, want)
	}
}
