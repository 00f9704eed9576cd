package stackcheck

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

const root = "../.."

type resource struct {
	id   string
	typ  string
	m    map[string]any
	prop map[string]any
}

func load(t *testing.T) (map[string]any, map[string]resource) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := samtemplate.Document(src)
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]resource{}
	for id, r := range doc["Resources"].(map[string]any) {
		m := r.(map[string]any)
		p, _ := m["Properties"].(map[string]any)
		res[id] = resource{id: id, typ: fmt.Sprint(m["Type"]), m: m, prop: p}
	}
	return doc, res
}

func ofType(res map[string]resource, typ string) []resource {
	var out []resource
	for _, r := range res {
		if r.typ == typ {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b resource) int { return strings.Compare(a.id, b.id) })
	return out
}

func ref(v any) string {
	m, _ := v.(map[string]any)
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
		return fmt.Sprint(ga[0]) + "." + fmt.Sprint(ga[1])
	}
	if s, ok := m["Fn::Sub"].(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func TestDataSurvivesTheStack(t *testing.T) {
	_, res := load(t)
	for _, typ := range []string{"AWS::DynamoDB::Table", "AWS::S3::Bucket"} {
		for _, r := range ofType(res, typ) {
			if r.m["DeletionPolicy"] != "Retain" || r.m["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want Retain for both", r.id, r.m["DeletionPolicy"], r.m["UpdateReplacePolicy"])
			}
			if typ == "AWS::DynamoDB::Table" {
				pitr, _ := r.prop["PointInTimeRecoverySpecification"].(map[string]any)
				if pitr["PointInTimeRecoveryEnabled"] != true {
					t.Errorf("%s: point-in-time recovery is off", r.id)
				}
			}
		}
	}
	for _, q := range ofType(res, "AWS::SQS::Queue") {
		if q.prop["MessageRetentionPeriod"] == nil {
			t.Errorf("%s: no MessageRetentionPeriod: SQS's default of 4 days is not a choice", q.id)
		}
	}
}

func TestEveryFunctionLogsWithRetention(t *testing.T) {
	_, res := load(t)
	groups := map[string]bool{}
	for _, g := range ofType(res, "AWS::Logs::LogGroup") {
		if ref(g.prop["RetentionInDays"]) != "LogRetentionDays" {
			t.Errorf("%s: RetentionInDays %v, want !Ref LogRetentionDays", g.id, g.prop["RetentionInDays"])
		}
		groups[ref(g.prop["LogGroupName"])] = true
	}
	for _, f := range ofType(res, "AWS::Serverless::Function") {
		if name := "/aws/lambda/${" + f.id + "}"; !groups[name] {
			t.Errorf("%s: no log group %s: Lambda's own group keeps logs forever", f.id, name)
		}
	}
}

// alarmsOn returns the alarms whose metric (or a metric of their math) has a
// dimension whose value is ref.
func alarmsOn(res map[string]resource, namespace, metric, value string) []string {
	var out []string
	for _, a := range ofType(res, "AWS::CloudWatch::Alarm") {
		stats := []map[string]any{a.prop}
		for _, m := range asList(a.prop["Metrics"]) {
			if ms, ok := m.(map[string]any)["MetricStat"].(map[string]any); ok {
				stats = append(stats, ms["Metric"].(map[string]any))
			}
		}
		for _, s := range stats {
			if s["Namespace"] != namespace || s["MetricName"] != metric {
				continue
			}
			for _, d := range asList(s["Dimensions"]) {
				if ref(d.(map[string]any)["Value"]) == value {
					out = append(out, a.id)
				}
			}
		}
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func TestAlarms(t *testing.T) {
	_, res := load(t)
	// Every dead-letter queue: its depth, or, when a function drains it, the
	// DeadLetters metric that function emits per message.
	for _, q := range ofType(res, "AWS::SQS::Queue") {
		rp, _ := q.prop["RedrivePolicy"].(map[string]any)
		if rp == nil {
			continue
		}
		dlq := strings.TrimSuffix(ref(rp["deadLetterTargetArn"]), ".Arn")
		depth := alarmsOn(res, "AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq+".QueueName")
		counted := false
		for _, f := range ofType(res, "AWS::Serverless::Function") {
			for _, e := range eventsOf(f) {
				ev := e.(map[string]any)
				if ev["Type"] == "SQS" && ref(ev["Properties"].(map[string]any)["Queue"]) == dlq+".Arn" {
					counted = len(alarmsOn(res, "Mosaic", "DeadLetters", f.id)) > 0
				}
			}
		}
		if len(depth) == 0 && !counted {
			t.Errorf("dead-letter queue %s (of %s) has no alarm", dlq, q.id)
		}
	}
	// Every queue a function consumes: the age of its oldest message, and the consumer's errors.
	for _, f := range ofType(res, "AWS::Serverless::Function") {
		for _, e := range eventsOf(f) {
			ev := e.(map[string]any)
			if ev["Type"] != "SQS" {
				continue
			}
			q := strings.TrimSuffix(ref(ev["Properties"].(map[string]any)["Queue"]), ".Arn")
			if len(alarmsOn(res, "AWS/Lambda", "Errors", f.id)) == 0 {
				t.Errorf("worker %s has no Errors alarm", f.id)
			}
			isDLQ := strings.Contains(q, "DeadLetter")
			if !isDLQ && len(alarmsOn(res, "AWS/SQS", "ApproximateAgeOfOldestMessage", q+".QueueName")) == 0 {
				t.Errorf("queue %s has no age alarm", q)
			}
		}
	}
	if len(alarmsOn(res, "AWS/ApiGateway", "5xx", "HttpApi")) == 0 {
		t.Error("no alarm on the API's 5xx")
	}
	if len(alarmsOn(res, "AWS/ApiGateway", "Latency", "HttpApi")) == 0 {
		t.Error("no alarm on the API's latency")
	}
	for _, a := range ofType(res, "AWS::CloudWatch::Alarm") {
		if acts := asList(a.prop["AlarmActions"]); len(acts) == 0 {
			t.Errorf("%s notifies no one", a.id)
		}
	}
}

// TestDashboard reads the dashboard as CloudWatch would after !Sub: valid
// JSON, every ${X} a resource, every function shown, and every metric of the
// Mosaic namespace one the code emits.
func TestDashboard(t *testing.T) {
	_, res := load(t)
	boards := ofType(res, "AWS::CloudWatch::Dashboard")
	if len(boards) != 1 {
		t.Fatalf("%d dashboards, want 1", len(boards))
	}
	body := boards[0].prop["DashboardBody"].(map[string]any)["Fn::Sub"].(string)
	refs := regexp.MustCompile(`\$\{([^}]+)\}`)
	shown := map[string]bool{}
	for _, m := range refs.FindAllStringSubmatch(body, -1) {
		id, _, _ := strings.Cut(m[1], ".")
		if strings.HasPrefix(id, "AWS::") {
			continue
		}
		if _, ok := res[id]; !ok {
			t.Errorf("dashboard names ${%s}, not a resource", m[1])
		}
		shown[id] = true
	}
	var board struct {
		Widgets []struct {
			Properties struct {
				Title   string  `json:"title"`
				Metrics [][]any `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(refs.ReplaceAllString(body, "x")), &board); err != nil {
		t.Fatalf("dashboard body is not JSON: %v", err)
	}
	for _, f := range ofType(res, "AWS::Serverless::Function") {
		if !shown[f.id] {
			t.Errorf("function %s is on no dashboard row", f.id)
		}
	}
	emitted := emittedMetrics(t)
	for _, w := range board.Widgets {
		for _, m := range w.Properties.Metrics {
			if m[0] == "Mosaic" && !emitted[fmt.Sprint(m[1])] {
				t.Errorf("widget %q shows Mosaic/%v, which no code emits", w.Properties.Title, m[1])
			}
		}
	}
}

// emittedMetrics returns the metric names internal/ records with obs.Count,
// obs.Milliseconds or obs.Metric ("Posts"+outcome spelled out).
func emittedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	call := regexp.MustCompile(`obs\.(?:Count|Milliseconds|Metric)\(ctx, "([A-Za-z]+)"`)
	out := map[string]bool{"PostsPublished": true, "PostsFlagged": true}
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		for _, m := range call.FindAllSubmatch(b, -1) {
			out[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func eventsOf(f resource) map[string]any {
	e, _ := f.prop["Events"].(map[string]any)
	return e
}
