package samtemplate

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// repoRoot is where template.yaml and the Makefile live.
const repoRoot = "../.."

func TestLoadRepoTemplate(t *testing.T) {
	tpl, err := Load(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		t.Fatalf("Load(template.yaml): %v", err)
	}

	t.Run("parameters", func(t *testing.T) {
		for name, want := range map[string]string{"Stage": "dev", "LogLevel": "INFO", "ReferenceServerUrl": "", "LogRetentionDays": "30"} {
			got, ok := tpl.Parameters[name]
			if !ok || got != want {
				t.Errorf("Parameters[%s] = %q (present %v), want %q", name, got, ok, want)
			}
		}
	})

	t.Run("authorizer", func(t *testing.T) {
		want := &Authorizer{Function: "AuthorizerFunction", IdentityHeader: "authorization", CacheTTL: 300 * time.Second, SimpleResponse: true}
		if !reflect.DeepEqual(tpl.Authorizer, want) {
			t.Errorf("Authorizer = %+v, want %+v", tpl.Authorizer, want)
		}
	})

	t.Run("functions", func(t *testing.T) {
		if len(tpl.Functions) == 0 {
			t.Fatal("no functions")
		}
		ids := make([]string, len(tpl.Functions))
		for i, f := range tpl.Functions {
			ids[i] = f.LogicalID
			if f.Dir != FunctionDir(f.LogicalID) {
				t.Errorf("%s: Dir = %q, want %q", f.LogicalID, f.Dir, FunctionDir(f.LogicalID))
			}
			if f.Timeout <= 0 || f.MemoryMB <= 0 {
				t.Errorf("%s: Timeout %v, MemoryMB %d; want both set", f.LogicalID, f.Timeout, f.MemoryMB)
			}
			// Globals.Function.Environment reaches every function.
			if got := f.Environment["STAGE"]; !reflect.DeepEqual(got, map[string]any{"Ref": "Stage"}) {
				t.Errorf("%s: STAGE = %#v, want !Ref Stage", f.LogicalID, got)
			}
			if got := f.Environment["AWS_XRAY_CONTEXT_MISSING"]; got != "IGNORE_ERROR" {
				t.Errorf("%s: AWS_XRAY_CONTEXT_MISSING = %#v", f.LogicalID, got)
			}
			for _, r := range f.Routes {
				if r.Function != f.LogicalID {
					t.Errorf("%s: route %s names function %s", f.LogicalID, r.RouteKey(), r.Function)
				}
			}
		}
		if !sort.StringsAreSorted(ids) {
			t.Errorf("functions not sorted by logical id: %v", ids)
		}
		for id, want := range map[string]struct {
			timeout time.Duration
			memory  int
		}{
			"AuthorizerFunction": {3 * time.Second, 128},  // its own values
			"HealthFunction":     {10 * time.Second, 128}, // Globals timeout, own memory
		} {
			f := tpl.Function(id)
			if f == nil {
				t.Errorf("function %s missing", id)
				continue
			}
			if f.Timeout != want.timeout || f.MemoryMB != want.memory {
				t.Errorf("%s: Timeout %v MemoryMB %d, want %v %d", id, f.Timeout, f.MemoryMB, want.timeout, want.memory)
			}
		}
		if f := tpl.Function("AuthorizerFunction"); f != nil {
			if !reflect.DeepEqual(f.Environment["TOKEN_HASHES_SECRET_ARN"], map[string]any{"Ref": "TokenHashesSecret"}) {
				t.Errorf("AuthorizerFunction TOKEN_HASHES_SECRET_ARN = %#v", f.Environment["TOKEN_HASHES_SECRET_ARN"])
			}
			if len(f.Routes) != 0 {
				t.Errorf("AuthorizerFunction has routes %v", f.Routes)
			}
		}
		if tpl.Function("NoSuchFunction") != nil {
			t.Error("Function(unknown) != nil")
		}
	})

	t.Run("routes", func(t *testing.T) {
		routes := map[string]Route{}
		for _, r := range tpl.Routes() {
			if _, dup := routes[r.RouteKey()]; dup {
				t.Errorf("route %s declared twice", r.RouteKey())
			}
			routes[r.RouteKey()] = r
		}
		for key, want := range map[string]Route{
			"GET /health":       {Method: "GET", Path: "/health", Public: true, Function: "HealthFunction"},
			"GET /openapi.json": {Method: "GET", Path: "/openapi.json", Public: true, Function: "OpenApiFunction"},
			"GET /docs":         {Method: "GET", Path: "/docs", Public: true, Function: "DocsFunction"},
			"GET /docs/{asset}": {Method: "GET", Path: "/docs/{asset}", Public: true, Function: "DocsFunction"},
		} {
			if got, ok := routes[key]; !ok || got != want {
				t.Errorf("route %s = %+v (present %v), want %+v", key, got, ok, want)
			}
		}
	})

	t.Run("queues", func(t *testing.T) {
		consumed := map[string]bool{}
		for _, f := range tpl.Functions {
			for _, e := range f.QueueEvents {
				consumed[e.Queue] = true
			}
		}
		for _, q := range tpl.Queues {
			// ARCHITECTURE.md: every queue has a DLQ.
			if consumed[q.LogicalID] && q.DeadLetterQueue == "" {
				t.Errorf("queue %s is consumed by a function but has no dead-letter queue", q.LogicalID)
			}
		}
	})

	t.Run("resource types", func(t *testing.T) {
		for id, want := range map[string]string{
			"HttpApi":           "AWS::Serverless::HttpApi",
			"HealthFunction":    "AWS::Serverless::Function",
			"HttpApiAccessLogs": "AWS::Logs::LogGroup",
			"NoSuchResource":    "",
		} {
			if got := tpl.ResourceType(id); got != want {
				t.Errorf("ResourceType(%s) = %q, want %q", id, got, want)
			}
		}
	})

	t.Run("environment resolves", func(t *testing.T) {
		r := Resolver{Params: map[string]string{}}
		for name, def := range tpl.Parameters {
			r.Params[name] = def
		}
		r.Params["AWS::Region"] = "us-east-1"
		// Every resource resolves to a stand-in, as the local runtime gives it one.
		r.Refs, r.Atts = map[string]string{}, map[string]map[string]string{}
		for _, tb := range tpl.Tables {
			r.Refs[tb.LogicalID] = tb.LogicalID
			r.Atts[tb.LogicalID] = map[string]string{"Arn": "arn:table/" + tb.LogicalID}
		}
		for _, q := range tpl.Queues {
			r.Refs[q.LogicalID] = "http://queue/" + q.LogicalID
			r.Atts[q.LogicalID] = map[string]string{"Arn": "arn:queue/" + q.LogicalID, "QueueName": q.LogicalID, "QueueUrl": "http://queue/" + q.LogicalID}
		}
		for _, b := range tpl.Buckets {
			r.Refs[b] = b
			r.Atts[b] = map[string]string{"Arn": "arn:aws:s3:::" + b}
		}
		for _, id := range tpl.ResourcesOfType("AWS::SecretsManager::Secret") {
			r.Refs[id] = "arn:secret/" + id
		}
		for _, f := range tpl.Functions {
			r.Atts[f.LogicalID] = map[string]string{"Arn": "arn:function/" + f.LogicalID}
		}
		for _, f := range tpl.Functions {
			env, err := r.Environment(f)
			if err != nil {
				t.Errorf("%s: %v", f.LogicalID, err)
				continue
			}
			if env["STAGE"] != "dev" || env["LOG_LEVEL"] != "INFO" {
				t.Errorf("%s: STAGE=%q LOG_LEVEL=%q", f.LogicalID, env["STAGE"], env["LOG_LEVEL"])
			}
		}
	})
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "read template") {
		t.Errorf("Load(missing) err = %v", err)
	}
}

// richTemplate exercises every construct the local runtime reads.
const richTemplate = `
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
  BatchMax:
    Type: Number
    Default: 25
  Secret:
    Type: String
    NoEcho: true
Globals:
  Function:
    Timeout: 10
    MemorySize: 256
    Environment:
      Variables:
        STAGE: !Ref Stage
        SHARED: from-globals
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: $default
      Auth:
        DefaultAuthorizer: Keys
        Authorizers:
          Keys:
            FunctionArn: !GetAtt AuthFunction.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [X-Api-Key]
              ReauthorizeEvery: 60
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 3
  PostsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          SHARED: overridden
          TABLE: !Ref PostsTable
      Events:
        List:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /posts
            Method: get
            Auth:
              Authorizer: NONE
        Create:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /posts
            Method: POST
        Item:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /posts/{id}
            Method: any
        Assets:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /static/{proxy+}
            Method: GET
            Auth:
              Authorizer: NONE
  ModerateFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 60
      MemorySize: 512
      ReservedConcurrentExecutions: 5
      Environment:
        Variables:
          QUEUE_URL: !Ref PostsQueue
          QUEUE_ARN: !GetAtt PostsQueue.Arn
          WHERE: !Sub "posts in ${AWS::Region} from ${PostsQueue.Arn}"
          NAMED: !Sub
            - "${Name}-${Stage}"
            - Name: !GetAtt PostsQueue.QueueName
          JOINED: !Join [":", [a, !Ref Stage]]
          LITERAL: !Sub "${!NotAVariable}"
          NUMBER: 42
      Events:
        Posts:
          Type: SQS
          Properties:
            Queue: !GetAtt PostsQueue.Arn
            BatchSize: 5
            MaximumBatchingWindowInSeconds: 2
            FunctionResponseTypes:
              - ReportBatchItemFailures
            ScalingConfig:
              MaximumConcurrency: 3
  PausedWorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Orders:
          Type: SQS
          Properties:
            Queue: !GetAtt OrdersQueue.Arn
            Enabled: false
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
  PostsQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 360
      MessageRetentionPeriod: 1209600
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt PostsDLQ.Arn
        maxReceiveCount: 5
  PostsDLQ:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600
  OrdersQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      DelaySeconds: 5
      RedrivePolicy:
        deadLetterTargetArn: {"Fn::GetAtt": [PostsDLQ, Arn]}
        maxReceiveCount: "3"
  PostsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: S}
        - {AttributeName: status, AttributeType: S}
        - {AttributeName: published_at, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: published
          KeySchema:
            - {AttributeName: status, KeyType: HASH}
            - {AttributeName: published_at, KeyType: RANGE}
          Projection:
            ProjectionType: INCLUDE
            NonKeyAttributes: [title, author]
        - IndexName: byStatus
          KeySchema:
            - {AttributeName: status, KeyType: HASH}
      LocalSecondaryIndexes:
        - IndexName: byPublished
          KeySchema:
            - {AttributeName: pk, KeyType: HASH}
            - {AttributeName: published_at, KeyType: RANGE}
          Projection:
            ProjectionType: KEYS_ONLY
      TimeToLiveSpecification:
        AttributeName: expires_at
        Enabled: true
  CacheTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - {AttributeName: k, AttributeType: S}
      KeySchema:
        - {AttributeName: k, KeyType: HASH}
      TimeToLiveSpecification:
        AttributeName: ttl
        Enabled: false
  DataBucket:
    Type: AWS::S3::Bucket
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  Url:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
`

func TestParseRichTemplate(t *testing.T) {
	tpl, err := Parse([]byte(richTemplate))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	if want := map[string]string{"Stage": "dev", "BatchMax": "25", "Secret": ""}; !reflect.DeepEqual(tpl.Parameters, want) {
		t.Errorf("Parameters = %v, want %v", tpl.Parameters, want)
	}
	if want := (&Authorizer{Function: "AuthFunction", IdentityHeader: "x-api-key", CacheTTL: time.Minute, SimpleResponse: true}); !reflect.DeepEqual(tpl.Authorizer, want) {
		t.Errorf("Authorizer = %+v, want %+v", tpl.Authorizer, want)
	}
	if want := []string{"DataBucket"}; !reflect.DeepEqual(tpl.Buckets, want) {
		t.Errorf("Buckets = %v, want %v", tpl.Buckets, want)
	}

	t.Run("functions", func(t *testing.T) {
		var ids []string
		for _, f := range tpl.Functions {
			ids = append(ids, f.LogicalID)
		}
		if want := []string{"AuthFunction", "ModerateFunction", "PausedWorkerFunction", "PostsFunction"}; !reflect.DeepEqual(ids, want) {
			t.Fatalf("functions = %v, want %v", ids, want)
		}
		want := map[string]Function{
			"AuthFunction": {
				LogicalID: "AuthFunction", Dir: "auth", Timeout: 3 * time.Second, MemoryMB: 256,
				Environment: map[string]any{"STAGE": map[string]any{"Ref": "Stage"}, "SHARED": "from-globals"},
			},
			"PostsFunction": {
				LogicalID: "PostsFunction", Dir: "posts", Timeout: 10 * time.Second, MemoryMB: 256,
				Environment: map[string]any{"STAGE": map[string]any{"Ref": "Stage"}, "SHARED": "overridden", "TABLE": map[string]any{"Ref": "PostsTable"}},
				// Sorted by event name: Assets, Create, Item, List.
				Routes: []Route{
					{Method: "GET", Path: "/static/{proxy+}", Public: true, Function: "PostsFunction"},
					{Method: "POST", Path: "/posts", Function: "PostsFunction"},
					{Method: "ANY", Path: "/posts/{id}", Function: "PostsFunction"},
					{Method: "GET", Path: "/posts", Public: true, Function: "PostsFunction"},
				},
			},
			"ModerateFunction": {
				LogicalID: "ModerateFunction", Dir: "moderate", Timeout: time.Minute, MemoryMB: 512, ReservedConcurrency: 5,
				Environment: map[string]any{
					"STAGE":     map[string]any{"Ref": "Stage"},
					"SHARED":    "from-globals",
					"QUEUE_URL": map[string]any{"Ref": "PostsQueue"},
					"QUEUE_ARN": map[string]any{"Fn::GetAtt": []any{"PostsQueue", "Arn"}},
					"WHERE":     map[string]any{"Fn::Sub": "posts in ${AWS::Region} from ${PostsQueue.Arn}"},
					"NAMED": map[string]any{"Fn::Sub": []any{"${Name}-${Stage}",
						map[string]any{"Name": map[string]any{"Fn::GetAtt": []any{"PostsQueue", "QueueName"}}}}},
					"JOINED":  map[string]any{"Fn::Join": []any{":", []any{"a", map[string]any{"Ref": "Stage"}}}},
					"LITERAL": map[string]any{"Fn::Sub": "${!NotAVariable}"},
					"NUMBER":  42,
				},
				QueueEvents: []QueueEvent{{
					Queue: "PostsQueue", BatchSize: 5, BatchWindow: 2 * time.Second,
					ReportBatchItemFailures: true, MaxConcurrency: 3, Enabled: true,
				}},
			},
			"PausedWorkerFunction": {
				LogicalID: "PausedWorkerFunction", Dir: "paused-worker", Timeout: 10 * time.Second, MemoryMB: 256,
				Environment: map[string]any{"STAGE": map[string]any{"Ref": "Stage"}, "SHARED": "from-globals"},
				// Defaults: BatchSize 10, no window, no partial failures.
				QueueEvents: []QueueEvent{{Queue: "OrdersQueue", BatchSize: 10, Enabled: false}},
				Schedules:   []Schedule{{Name: "Nightly", Rate: 24 * time.Hour, Enabled: true}},
			},
		}
		for id, w := range want {
			got := tpl.Function(id)
			if got == nil {
				t.Errorf("function %s missing", id)
				continue
			}
			if !reflect.DeepEqual(*got, w) {
				t.Errorf("function %s:\n got %+v\nwant %+v", id, *got, w)
			}
		}
		if got, want := len(tpl.Routes()), 4; got != want {
			t.Errorf("len(Routes()) = %d, want %d", got, want)
		}
		if got := (Route{Method: "ANY", Path: "/posts/{id}"}).RouteKey(); got != "ANY /posts/{id}" {
			t.Errorf("RouteKey = %q", got)
		}
	})

	t.Run("queues", func(t *testing.T) {
		want := []Queue{
			{LogicalID: "OrdersQueue", FIFO: true, VisibilityTimeout: 30 * time.Second, Retention: 4 * 24 * time.Hour,
				Delay: 5 * time.Second, DeadLetterQueue: "PostsDLQ", MaxReceiveCount: 3},
			{LogicalID: "PostsDLQ", VisibilityTimeout: 30 * time.Second, Retention: 14 * 24 * time.Hour},
			{LogicalID: "PostsQueue", VisibilityTimeout: 6 * time.Minute, Retention: 14 * 24 * time.Hour,
				DeadLetterQueue: "PostsDLQ", MaxReceiveCount: 5},
		}
		if !reflect.DeepEqual(tpl.Queues, want) {
			t.Errorf("Queues:\n got %+v\nwant %+v", tpl.Queues, want)
		}
	})

	t.Run("tables", func(t *testing.T) {
		key := func(name string, kt types.KeyType) types.KeySchemaElement {
			return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: kt}
		}
		attr := func(name string) types.AttributeDefinition {
			return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
		}
		want := []Table{
			{
				LogicalID:  "CacheTable",
				KeySchema:  []types.KeySchemaElement{key("k", types.KeyTypeHash)},
				Attributes: []types.AttributeDefinition{attr("k")},
				// TimeToLiveSpecification with Enabled: false leaves TTL off.
			},
			{
				LogicalID:  "PostsTable",
				KeySchema:  []types.KeySchemaElement{key("pk", types.KeyTypeHash), key("sk", types.KeyTypeRange)},
				Attributes: []types.AttributeDefinition{attr("pk"), attr("sk"), attr("status"), attr("published_at")},
				GlobalIndex: []types.GlobalSecondaryIndex{
					{
						IndexName:  aws.String("published"),
						KeySchema:  []types.KeySchemaElement{key("status", types.KeyTypeHash), key("published_at", types.KeyTypeRange)},
						Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"title", "author"}},
					},
					{
						IndexName:  aws.String("byStatus"),
						KeySchema:  []types.KeySchemaElement{key("status", types.KeyTypeHash)},
						Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}, // the default
					},
				},
				LocalIndex: []types.LocalSecondaryIndex{{
					IndexName:  aws.String("byPublished"),
					KeySchema:  []types.KeySchemaElement{key("pk", types.KeyTypeHash), key("published_at", types.KeyTypeRange)},
					Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
				}},
				TTLAttribute: "expires_at",
			},
		}
		if !reflect.DeepEqual(tpl.Tables, want) {
			t.Errorf("Tables:\n got %+v\nwant %+v", tpl.Tables, want)
		}
	})

	t.Run("environment resolves", func(t *testing.T) {
		r := Resolver{
			Params: map[string]string{"Stage": "dev", "AWS::Region": "eu-west-1"},
			Refs:   map[string]string{"PostsQueue": "http://localhost/q/PostsQueue", "PostsTable": "dev-PostsTable"},
			Atts: map[string]map[string]string{
				"PostsQueue": {"Arn": "arn:aws:sqs:eu-west-1:000000000000:PostsQueue", "QueueName": "dev-PostsQueue"},
			},
		}
		env, err := r.Environment(*tpl.Function("ModerateFunction"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"STAGE":     "dev",
			"SHARED":    "from-globals",
			"QUEUE_URL": "http://localhost/q/PostsQueue",
			"QUEUE_ARN": "arn:aws:sqs:eu-west-1:000000000000:PostsQueue",
			"WHERE":     "posts in eu-west-1 from arn:aws:sqs:eu-west-1:000000000000:PostsQueue",
			"NAMED":     "dev-PostsQueue-dev",
			"JOINED":    "a:dev",
			"LITERAL":   "${NotAVariable}",
			"NUMBER":    "42",
		}
		if !reflect.DeepEqual(env, want) {
			t.Errorf("environment:\n got %v\nwant %v", env, want)
		}
	})

	if got := tpl.ResourceType("Topic"); got != "AWS::SNS::Topic" {
		t.Errorf("ResourceType(Topic) = %q", got)
	}
}

func TestParseWithoutAuthorizer(t *testing.T) {
	tpl, err := Parse([]byte(`
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties: {StageName: $default}
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: HttpApi, Properties: {Path: /hello, Method: GET}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Authorizer != nil {
		t.Errorf("Authorizer = %+v, want nil", tpl.Authorizer)
	}
	f := tpl.Function("HelloFunction")
	if f == nil || f.Timeout != 3*time.Second || f.MemoryMB != 128 {
		t.Fatalf("HelloFunction = %+v, want Lambda's defaults (3 s, 128 MB)", f)
	}
	if want := []Route{{Method: "GET", Path: "/hello", Function: "HelloFunction"}}; !reflect.DeepEqual(f.Routes, want) {
		t.Errorf("Routes = %+v, want %+v", f.Routes, want)
	}
}

func TestParseErrors(t *testing.T) {
	const fn = `
  F:
    Type: AWS::Serverless::Function
    Properties: {}
`
	authorizer := func(auth string) string {
		return `
Resources:
  F:
    Type: AWS::Serverless::Function
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: A
        Authorizers:
          A:
` + auth
	}
	tests := []struct {
		name    string
		src     string
		wantErr string
	}{
		{"invalid yaml", "Resources: [", "parse template"},
		{"not a mapping", "- a\n- b\n", "not a mapping"},
		{"http event without path", `
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E: {Type: HttpApi, Properties: {Method: GET}}
`, "needs Method and Path"},
		{"http event without method", `
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E: {Type: HttpApi, Properties: {Path: /x}}
`, "needs Method and Path"},
		{"sqs event with a literal arn", `
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E: {Type: SQS, Properties: {Queue: "arn:aws:sqs:us-east-1:1:q"}}
`, "Queue must be !GetAtt"},
		{"sqs event naming a table", `
Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: k, KeyType: HASH}]
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E: {Type: SQS, Properties: {Queue: !GetAtt T.Arn}}
`, "not a queue in the template"},
		{"sqs event naming nothing", `
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E: {Type: SQS, Properties: {Queue: !GetAtt Missing.Arn}}
`, "not a queue in the template"},
		{"redrive without maxReceiveCount", `
Resources:
  D: {Type: AWS::SQS::Queue}
  Q:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt D.Arn}
`, "maxReceiveCount"},
		{"redrive with a literal arn", `
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: "arn:aws:sqs:us-east-1:1:d", maxReceiveCount: 3}
`, "deadLetterTargetArn"},
		{"redrive to a missing queue", `
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Gone.Arn, maxReceiveCount: 3}
`, "dead-letter target"},
		{"table without key schema", `
Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: k, AttributeType: S}]
`, "KeySchema is required"},
		{"authorizer with two identity headers", authorizer(`
            FunctionArn: !GetAtt F.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization, X-Key]}
`), "exactly one identity header"},
		{"authorizer without identity", authorizer(`
            FunctionArn: !GetAtt F.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
`), "exactly one identity header"},
		{"authorizer with IAM policy responses", authorizer(`
            FunctionArn: !GetAtt F.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            Identity: {Headers: [Authorization]}
`), "simple responses"},
		{"authorizer with payload 1.0", authorizer(`
            FunctionArn: !GetAtt F.Arn
            AuthorizerPayloadFormatVersion: "1.0"
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization]}
`), "payload 2.0"},
		{"authorizer with a literal arn", authorizer(`
            FunctionArn: arn:aws:lambda:us-east-1:1:function:f
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization]}
`), "FunctionArn must be"},
		{"authorizer function missing", authorizer(`
            FunctionArn: !GetAtt Gone.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization]}
`), `authorizer function "Gone"`},
		{"error names the resource", "Resources:" + fn + `
  T:
    Type: AWS::DynamoDB::Table
`, "resource T"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse([]byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse = %+v, %v; want error containing %q", tpl, err, tt.wantErr)
			}
		})
	}
}

func TestFunctionDir(t *testing.T) {
	tests := map[string]string{
		"HealthFunction":               "health",
		"OpenApiFunction":              "open-api",
		"AuthorizerFunction":           "authorizer",
		"DocsFunction":                 "docs",
		"ProcessRequestWorkerFunction": "process-request-worker",
		"S3IngestFunction":             "s3-ingest",
		"V2Function":                   "v2",
		"HTTPAPIFunction":              "httpapi", // no lower->upper boundary inside an acronym
		"ClassifyV2BatchFunction":      "classify-v2-batch",
		"FunctionalTestFunction":       "functional-test", // only the trailing "Function" goes
		"Worker":                       "worker",
	}
	for id, want := range tests {
		if got := FunctionDir(id); got != want {
			t.Errorf("FunctionDir(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestFunctionDirMatchesMakefile checks FunctionDir against the Makefile's fn_dir
// rule, which `sam build` uses through build-<LogicalId>.
func TestFunctionDirMatchesMakefile(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	artifacts := filepath.Join(t.TempDir(), "x") // -n: make prints, writes nothing
	ids := []string{"OpenApiFunction", "HealthFunction", "ProcessRequestWorkerFunction", "S3IngestFunction", "HTTPAPIFunction", "ClassifyV2BatchFunction"}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			cmd := exec.Command("make", "-s", "-n", "build-"+id, "ARTIFACTS_DIR="+artifacts)
			cmd.Dir = repoRoot
			cmd.Env = envWithout(os.Environ(), "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("make -n build-%s: %v\n%s", id, err, out)
			}
			fields := strings.Fields(strings.TrimSpace(string(out)))
			if len(fields) < 3 || !strings.Contains(string(out), " build ") {
				t.Fatalf("make -n build-%s printed %q, want one go build command", id, out)
			}
			if got, want := fields[len(fields)-1], "./functions/"+FunctionDir(id); got != want {
				t.Errorf("make builds %s, FunctionDir says %s", got, want)
			}
			if !strings.Contains(string(out), "-o "+artifacts+"/bootstrap") {
				t.Errorf("make -n build-%s does not write $(ARTIFACTS_DIR)/bootstrap: %q", id, out)
			}
			if id == "OpenApiFunction" && fields[len(fields)-1] != "./functions/open-api" {
				t.Errorf("build-OpenApiFunction builds %s, want ./functions/open-api", fields[len(fields)-1])
			}
		})
	}
}

func envWithout(env []string, names ...string) []string {
	out := env[:0:0]
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

func TestParseRate(t *testing.T) {
	for expr, want := range map[string]time.Duration{
		"rate(1 minute)": time.Minute, "rate(5 minutes)": 5 * time.Minute, "rate(1 hour)": time.Hour,
		"rate(2 days)":    48 * time.Hour,
		"rate(1 minutes)": 0, "rate(5 minute)": 0, "rate(0 minutes)": 0, "cron(0 12 * * ? *)": 0, "rate(1 second)": 0,
	} {
		got, err := ParseRate(expr)
		if want == 0 && err == nil || want != 0 && (err != nil || got != want) {
			t.Errorf("ParseRate(%q) = %s, %v; want %s", expr, got, err, want)
		}
	}
}
