package lambdatest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
	"github.com/mosaic-platform/mosaic/internal/transit"
	"github.com/mosaic-platform/mosaic/internal/transit/refclient"
)

// usesTransitTable says whether f reads or writes transit tasks: its
// fixtures refer to a task the harness seeds.
func usesTransitTable(f samtemplate.Function) bool {
	_, ok := f.Environment["TRANSIT_TABLE"]
	return ok
}

func usesRefServer(f samtemplate.Function) bool {
	_, ok := f.Environment["REFERENCE_SERVER_URL"]
	return ok
}

// startRefServer runs the reference-server simulator (internal/emulators/refserver) as
// a process of its own, as a deployed stack reaches an external server,
// points the template's ReferenceServerUrl at it and returns its cities.
// It is stopped by PID when t ends.
func (s *stack) startRefServer(t *testing.T) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "refserver")
	build := exec.Command("go", "build", "-o", bin, "./internal/emulators/refserver/cmd/refserver")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the reference-server simulator: %v\n%s", err, out)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	cmd := exec.Command(bin, "-addr", strings.TrimPrefix(url, "http://"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	waitHTTP(t, url+"/cities", 30*time.Second)
	resp, err := http.Get(url + "/cities")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&s.cities); err != nil || len(s.cities) == 0 {
		t.Fatalf("GET %s/cities: %d cities, %v", url, len(s.cities), err)
	}
	s.res.Params["ReferenceServerUrl"] = url
}

// prepare returns the event to send for fixture name. A queue fixture gets
// what SQS would put in it for this stack: the provisioned queues' ARNs and
// this delivery's times (the city worker's time budget counts from the
// first receive). A transit fixture's task is seeded in a fresh TransitTable.
func (s *stack) prepare(t *testing.T, f samtemplate.Function, name string) []byte {
	t.Helper()
	event := fixture(t, name)
	if len(f.QueueEvents) > 0 {
		event = s.deliveredNow(t, event)
	}
	if usesTransitTable(f) {
		s.seedTask(t, event)
	}
	return event
}

// deliveredNow rewrites an SQS event's queue ARNs (fixtures name a deployed
// stack's queues: arn:...:<stack>-<LogicalId>) and timestamps. It edits the
// JSON generically so that every other field stays as the fixture has it.
func (s *stack) deliveredNow(t *testing.T, event []byte) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatal(err)
	}
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	records, _ := ev["Records"].([]any)
	for _, r := range records {
		rec := r.(map[string]any)
		rec["eventSourceARN"] = s.queueARN(t, rec["eventSourceARN"])
		rec["awsRegion"] = "us-east-1"
		attrs, _ := rec["attributes"].(map[string]any)
		for _, k := range []string{"SentTimestamp", "ApproximateFirstReceiveTimestamp"} {
			if _, ok := attrs[k]; ok {
				attrs[k] = now
			}
		}
		if src, ok := attrs["DeadLetterQueueSourceArn"]; ok {
			attrs["DeadLetterQueueSourceArn"] = s.queueARN(t, src)
		}
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (s *stack) queueARN(t *testing.T, fixtureARN any) string {
	t.Helper()
	arn, _ := fixtureARN.(string)
	name := arn[strings.LastIndex(arn, ":")+1:]
	id := name[strings.LastIndex(name, "-")+1:]
	got, ok := s.res.Atts[id]["Arn"]
	if !ok || !strings.HasSuffix(id, "Queue") {
		t.Fatalf("fixture queue %q: no queue %s in the template", arn, id)
	}
	return got
}

// seedTask empties TransitTable (deleted and created again, as the
// template declares it) and creates the task the event refers to, as
// POST /process-request would have: queued, or with its cities counted
// when the event is about one city (the fan-out has run).
func (s *stack) seedTask(t *testing.T, event []byte) {
	t.Helper()
	ctx := context.Background()
	id, date, city := taskOf(t, event)
	if id == "" {
		return
	}
	ddb := awsclients.DynamoDB(s.aws.cfg)
	for _, tb := range s.tpl.Tables {
		if tb.LogicalID != "TransitTable" {
			continue
		}
		if _, err := ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(s.res.Refs[tb.LogicalID])}); err != nil {
			t.Fatal(err)
		}
		if _, err := ddb.CreateTable(ctx, tb.CreateInput(s.res.Refs[tb.LogicalID])); err != nil {
			t.Fatal(err)
		}
	}
	store := s.tasks()
	if err := store.Create(ctx, transit.Task{ID: id, Date: date, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if city && len(s.cities) > 0 {
		if err := store.SetCitiesTotal(ctx, id, len(s.cities)); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *stack) tasks() *transit.TaskTable {
	return transit.NewTaskTable(awsclients.DynamoDB(s.aws.cfg), s.res.Refs["TransitTable"], nil)
}

// taskOf reads the task an event refers to: the body of its first SQS
// record, or the task_id path parameter of an HTTP request.
func taskOf(t *testing.T, event []byte) (id, date string, city bool) {
	t.Helper()
	var ev struct {
		Records []struct {
			Body string `json:"body"`
		}
		PathParameters map[string]string `json:"pathParameters"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Records) == 0 {
		return ev.PathParameters["task_id"], time.Now().UTC().Format(time.DateOnly), false
	}
	var body struct {
		TaskID string          `json:"task_id"`
		Date   string          `json:"date"`
		City   *refclient.City `json:"city"`
	}
	if err := json.Unmarshal([]byte(ev.Records[0].Body), &body); err != nil {
		t.Fatalf("fixture body %q: %v", ev.Records[0].Body, err)
	}
	return body.TaskID, body.Date, body.City != nil
}

// checkTransit checks what a transit worker did with the seeded task.
func checkTransit(t *testing.T, s *stack, f samtemplate.Function, name string, event []byte, resp events.SQSEventResponse, logs string) {
	t.Helper()
	ctx := context.Background()
	if len(resp.BatchItemFailures) > 0 {
		t.Fatalf("%s: %v failed; the task exists and the simulator answers\nlogs:\n%s", name, resp.BatchItemFailures, logs)
	}
	id, _, _ := taskOf(t, event)
	task, cities, err := s.tasks().Get(ctx, id)
	if err != nil {
		t.Fatalf("%s: task %s: %v", name, id, err)
	}
	var in events.SQSEvent
	if err := json.Unmarshal(event, &in); err != nil {
		t.Fatal(err)
	}
	var msg struct {
		City *refclient.City `json:"city"`
		Date string          `json:"date"`
	}
	_ = json.Unmarshal([]byte(in.Records[0].Body), &msg)
	switch f.LogicalID {
	case "TransitFanOutFunction":
		if task.CitiesTotal != len(s.cities) {
			t.Fatalf("%s: cities_total %d; the simulator lists %d", name, task.CitiesTotal, len(s.cities))
		}
		q := sqs.NewFromConfig(s.aws.cfg)
		url := s.res.Refs["TransitCityQueue"]
		attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
		if err != nil {
			t.Fatal(err)
		}
		if n := attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)]; n != strconv.Itoa(len(s.cities)) {
			t.Fatalf("%s: %s messages in TransitCityQueue, want one per city (%d)", name, n, len(s.cities))
		}
		got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 1})
		if err != nil || len(got.Messages) != 1 || !strings.Contains(aws.ToString(got.Messages[0].Body), `"task_id":"`+id+`"`) {
			t.Fatalf("%s: city message %v, %v; want one of task %s", name, got, err, id)
		}
		if _, err := q.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
			t.Fatal(err)
		}
	case "TransitCityFunction":
		if len(cities) != 1 || cities[0].City != msg.City.ID || cities[0].Status != transit.CitySucceeded {
			t.Fatalf("%s: cities %+v; want city %d succeeded", name, cities, msg.City.ID)
		}
		key := transit.RawKey(msg.City.Country, msg.Date, msg.City.ID, msg.City.Name)
		head, err := s3.NewFromConfig(s.aws.cfg, func(o *s3.Options) { o.UsePathStyle = true }).HeadObject(ctx,
			&s3.HeadObjectInput{Bucket: aws.String(s.res.Refs["TransitBucket"]), Key: &key})
		if err != nil || aws.ToInt64(head.ContentLength) == 0 {
			t.Fatalf("%s: s3://%s/%s: %v", name, s.res.Refs["TransitBucket"], key, err)
		}
	case "TransitDeadLetterFunction":
		queue := "fan-out"
		if msg.City != nil {
			queue = "city"
			if len(cities) != 1 || cities[0].Status != transit.CityFailed || !strings.Contains(cities[0].Error, "gave up after 3 deliveries") {
				t.Fatalf("%s: cities %+v; want city %d failed, given up after 3 deliveries", name, cities, msg.City.ID)
			}
		} else if r := transit.NewReport(task, cities); r.Status != transit.StatusFailed || !strings.HasPrefix(r.Error, "list cities: gave up after 3 deliveries") {
			t.Fatalf("%s: task %s, error %q; want failed, listing the cities given up on", name, r.Status, r.Error)
		}
		if !strings.Contains(logs, `"DeadLetters":1`) || !strings.Contains(logs, `"Queue":"`+queue+`"`) {
			t.Fatalf("%s: no DeadLetters metric for Queue=%s (the alarms watch it)\nlogs:\n%s", name, queue, logs)
		}
	}
}
