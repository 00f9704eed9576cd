// Package samtemplate reads what the local runtime needs from the SAM template:
// functions with their HTTP routes and SQS event sources, queues, tables and
// buckets. Reading template.yaml itself keeps `make run` and the deployed stack
// from drifting apart.
package samtemplate

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Template is the part of a SAM template the local runtime runs.
type Template struct {
	Parameters map[string]string // parameter name -> default value ("" when none)
	Functions  []Function        // sorted by logical id
	Queues     []Queue
	Tables     []Table
	Buckets    []string // logical ids of AWS::S3::Bucket resources
	Authorizer *Authorizer
	resources  map[string]resource
}

// Function is one AWS::Serverless::Function.
type Function struct {
	LogicalID           string
	Dir                 string // functions/<Dir> holds its main package
	Timeout             time.Duration
	MemoryMB            int
	ReservedConcurrency int            // 0: unreserved
	Environment         map[string]any // unresolved values; see Resolver
	Routes              []Route
	QueueEvents         []QueueEvent
	Schedules           []Schedule
}

// Schedule is one Schedule event: EventBridge invokes the function every Rate.
type Schedule struct {
	Name    string // the event's name in the template
	Rate    time.Duration
	Enabled bool
}

// Route is one HttpApi event: a method and a path template.
type Route struct {
	Method   string // upper case, or "ANY"
	Path     string // /data/{customerId}/{dialogId}, /docs/{proxy+}
	Public   bool   // Auth.Authorizer: NONE
	Function string // logical id of the function it invokes
}

// RouteKey is API Gateway's "METHOD /path" name of the route.
func (r Route) RouteKey() string { return r.Method + " " + r.Path }

// QueueEvent is one SQS event source mapping.
type QueueEvent struct {
	Queue                   string // logical id of the queue
	BatchSize               int
	BatchWindow             time.Duration
	ReportBatchItemFailures bool
	MaxConcurrency          int // ScalingConfig.MaximumConcurrency, 0 when unset
	Enabled                 bool
}

// Queue is one AWS::SQS::Queue.
type Queue struct {
	LogicalID         string
	FIFO              bool
	VisibilityTimeout time.Duration
	Retention         time.Duration
	Delay             time.Duration
	DeadLetterQueue   string // logical id, "" when none
	MaxReceiveCount   int
}

// Authorizer is the HTTP API's default Lambda authorizer.
type Authorizer struct {
	Function       string        // logical id
	IdentityHeader string        // lower-case header name carrying the identity
	CacheTTL       time.Duration // ReauthorizeEvery
	SimpleResponse bool
}

type resource struct {
	Type       string
	Properties map[string]any
}

// Load reads and parses the template file at path.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse parses a SAM template.
func Parse(src []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	v, err := toValue(&doc)
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is not a mapping")
	}
	t := &Template{Parameters: map[string]string{}, resources: map[string]resource{}}
	for name, p := range asMap(root["Parameters"]) {
		t.Parameters[name] = str(asMap(p)["Default"])
	}
	for id, r := range asMap(root["Resources"]) {
		rm := asMap(r)
		t.resources[id] = resource{Type: str(rm["Type"]), Properties: asMap(rm["Properties"])}
	}
	globals := asMap(asMap(root["Globals"])["Function"])
	ids := make([]string, 0, len(t.resources))
	for id := range t.resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := t.resources[id]
		var err error
		switch r.Type {
		case "AWS::Serverless::Function":
			var f Function
			if f, err = parseFunction(id, r.Properties, globals); err == nil {
				t.Functions = append(t.Functions, f)
			}
		case "AWS::SQS::Queue":
			var q Queue
			if q, err = parseQueue(id, r.Properties); err == nil {
				t.Queues = append(t.Queues, q)
			}
		case "AWS::DynamoDB::Table":
			var tb Table
			if tb, err = parseTable(id, r.Properties); err == nil {
				t.Tables = append(t.Tables, tb)
			}
		case "AWS::S3::Bucket":
			t.Buckets = append(t.Buckets, id)
		case "AWS::Serverless::HttpApi":
			t.Authorizer, err = parseAuthorizer(r.Properties)
		}
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", id, err)
		}
	}
	return t, t.check()
}

// check rejects references the local runtime could not honour.
func (t *Template) check() error {
	for _, f := range t.Functions {
		for _, e := range f.QueueEvents {
			if t.resources[e.Queue].Type != "AWS::SQS::Queue" {
				return fmt.Errorf("function %s: SQS event names %q, which is not a queue in the template", f.LogicalID, e.Queue)
			}
		}
	}
	for _, q := range t.Queues {
		if q.DeadLetterQueue != "" && t.resources[q.DeadLetterQueue].Type != "AWS::SQS::Queue" {
			return fmt.Errorf("queue %s: dead-letter target %q is not a queue in the template", q.LogicalID, q.DeadLetterQueue)
		}
	}
	if t.Authorizer != nil && t.Function(t.Authorizer.Function) == nil {
		return fmt.Errorf("authorizer function %q is not in the template", t.Authorizer.Function)
	}
	return nil
}

// Function returns the function with the given logical id, or nil.
func (t *Template) Function(id string) *Function {
	for i := range t.Functions {
		if t.Functions[i].LogicalID == id {
			return &t.Functions[i]
		}
	}
	return nil
}

// Table returns the table with the given logical id, or nil.
func (t *Template) Table(id string) *Table {
	for i := range t.Tables {
		if t.Tables[i].LogicalID == id {
			return &t.Tables[i]
		}
	}
	return nil
}

// Routes returns every HttpApi route of every function.
func (t *Template) Routes() []Route {
	var rs []Route
	for _, f := range t.Functions {
		rs = append(rs, f.Routes...)
	}
	return rs
}

// ResourceType returns the type of the resource with the given logical id, or "".
func (t *Template) ResourceType(id string) string { return t.resources[id].Type }

var camelBoundary = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// FunctionDir maps a function's logical id to its directory under functions/,
// the same rule the Makefile's build-% target applies: OpenApiFunction -> open-api.
func FunctionDir(logicalID string) string {
	name := strings.TrimSuffix(logicalID, "Function")
	return strings.ToLower(camelBoundary.ReplaceAllString(name, "$1-$2"))
}

func parseFunction(id string, props, globals map[string]any) (Function, error) {
	f := Function{
		LogicalID:   id,
		Dir:         FunctionDir(id),
		Timeout:     3 * time.Second, // Lambda's default
		MemoryMB:    128,
		Environment: map[string]any{},
	}
	for _, src := range []map[string]any{globals, props} {
		if v, ok := src["Timeout"]; ok {
			f.Timeout = time.Duration(num(v)) * time.Second
		}
		if v, ok := src["MemorySize"]; ok {
			f.MemoryMB = num(v)
		}
		if v, ok := src["ReservedConcurrentExecutions"]; ok {
			f.ReservedConcurrency = num(v)
		}
		for k, v := range asMap(asMap(src["Environment"])["Variables"]) {
			f.Environment[k] = v
		}
	}
	names := make([]string, 0)
	events := asMap(props["Events"])
	for name := range events {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ev := asMap(events[name])
		p := asMap(ev["Properties"])
		switch str(ev["Type"]) {
		case "HttpApi":
			method, path := strings.ToUpper(str(p["Method"])), str(p["Path"])
			if method == "" || path == "" {
				return f, fmt.Errorf("event %s: an HttpApi event needs Method and Path", name)
			}
			public := str(asMap(p["Auth"])["Authorizer"]) == "NONE"
			f.Routes = append(f.Routes, Route{Method: method, Path: path, Public: public, Function: id})
		case "SQS":
			queue := refTarget(p["Queue"])
			if queue == "" {
				return f, fmt.Errorf("event %s: Queue must be !GetAtt <Queue>.Arn", name)
			}
			e := QueueEvent{Queue: queue, BatchSize: 10, Enabled: true}
			if v, ok := p["BatchSize"]; ok {
				e.BatchSize = num(v)
			}
			if v, ok := p["MaximumBatchingWindowInSeconds"]; ok {
				e.BatchWindow = time.Duration(num(v)) * time.Second
			}
			if v, ok := p["Enabled"].(bool); ok {
				e.Enabled = v
			}
			for _, t := range asSlice(p["FunctionResponseTypes"]) {
				if str(t) == "ReportBatchItemFailures" {
					e.ReportBatchItemFailures = true
				}
			}
			e.MaxConcurrency = num(asMap(p["ScalingConfig"])["MaximumConcurrency"])
			f.QueueEvents = append(f.QueueEvents, e)
		case "Schedule":
			rate, err := ParseRate(str(p["Schedule"]))
			if err != nil {
				return f, fmt.Errorf("event %s: %w", name, err)
			}
			sc := Schedule{Name: name, Rate: rate, Enabled: true}
			if v, ok := p["Enabled"].(bool); ok {
				sc.Enabled = v
			}
			f.Schedules = append(f.Schedules, sc)
		}
	}
	return f, nil
}

var rateExpr = regexp.MustCompile(`^rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)$`)

// ParseRate reads an EventBridge rate expression: rate(1 minute), rate(5
// minutes), rate(2 hours)... The local runtime runs no cron() expressions.
func ParseRate(expr string) (time.Duration, error) {
	m := rateExpr.FindStringSubmatch(expr)
	if m == nil {
		return 0, fmt.Errorf("schedule %q: the local runtime runs rate(N unit) schedules only", expr)
	}
	n := time.Duration(num(m[1]))
	if plural := strings.HasSuffix(m[2], "s"); plural == (n == 1) {
		return 0, fmt.Errorf("schedule %q: EventBridge wants the singular unit for 1 and the plural otherwise", expr)
	}
	unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(m[2], "s")]
	return n * unit, nil
}

func parseQueue(id string, props map[string]any) (Queue, error) {
	q := Queue{
		LogicalID:         id,
		VisibilityTimeout: 30 * time.Second,
		Retention:         4 * 24 * time.Hour,
	}
	if v, ok := props["FifoQueue"].(bool); ok {
		q.FIFO = v
	}
	if v, ok := props["VisibilityTimeout"]; ok {
		q.VisibilityTimeout = time.Duration(num(v)) * time.Second
	}
	if v, ok := props["MessageRetentionPeriod"]; ok {
		q.Retention = time.Duration(num(v)) * time.Second
	}
	if v, ok := props["DelaySeconds"]; ok {
		q.Delay = time.Duration(num(v)) * time.Second
	}
	if rp := asMap(props["RedrivePolicy"]); len(rp) > 0 {
		q.DeadLetterQueue = refTarget(rp["deadLetterTargetArn"])
		q.MaxReceiveCount = num(rp["maxReceiveCount"])
		if q.DeadLetterQueue == "" || q.MaxReceiveCount < 1 {
			return q, fmt.Errorf("RedrivePolicy needs deadLetterTargetArn: !GetAtt <Queue>.Arn and maxReceiveCount >= 1")
		}
	}
	return q, nil
}

func parseAuthorizer(props map[string]any) (*Authorizer, error) {
	auth := asMap(props["Auth"])
	def := str(auth["DefaultAuthorizer"])
	if def == "" {
		return nil, nil
	}
	a := asMap(asMap(auth["Authorizers"])[def])
	fn := refTarget(a["FunctionArn"])
	if fn == "" {
		return nil, fmt.Errorf("authorizer %s: FunctionArn must be !GetAtt <Function>.Arn", def)
	}
	identity := asMap(a["Identity"])
	headers := asSlice(identity["Headers"])
	if len(headers) != 1 {
		return nil, fmt.Errorf("authorizer %s: the local runtime supports exactly one identity header", def)
	}
	simple, _ := a["EnableSimpleResponses"].(bool)
	if !simple || str(a["AuthorizerPayloadFormatVersion"]) != "2.0" {
		return nil, fmt.Errorf("authorizer %s: the local runtime supports payload 2.0 with simple responses", def)
	}
	return &Authorizer{
		Function:       fn,
		IdentityHeader: strings.ToLower(str(headers[0])),
		CacheTTL:       time.Duration(num(identity["ReauthorizeEvery"])) * time.Second,
		SimpleResponse: simple,
	}, nil
}

// refTarget returns the logical id named by {"Ref": id} or {"Fn::GetAtt": [id, att]}.
func refTarget(v any) string {
	m := asMap(v)
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if ga := asSlice(m["Fn::GetAtt"]); len(ga) > 0 {
		return str(ga[0])
	}
	return ""
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

func num(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case float64:
		return int(x)
	case string:
		var n int
		fmt.Sscan(x, &n)
		return n
	}
	return 0
}

// Document parses a template into plain maps and slices, intrinsic functions
// in their long form ({"Ref": "X"}, {"Fn::GetAtt": ["X", "Arn"]} ...), for
// checks that need more of it than the local runtime reads.
func Document(src []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	v, err := toValue(&doc)
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is not a mapping")
	}
	return root, nil
}

// ResourcesOfType returns the logical ids of the resources of type typ, sorted.
func (t *Template) ResourcesOfType(typ string) []string {
	var ids []string
	for id, r := range t.resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}
