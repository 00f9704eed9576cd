package lambdatest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// moveTasksMissing asks moto itself for the dead-letter queue's move tasks:
// moto (5.2 at least) has no ListMessageMoveTasks or StartMessageMoveTask,
// and its server answers an action it lacks with a bare HTTP 500.
func moveTasksMissing(t *testing.T, s *stack) bool {
	t.Helper()
	_, err := sqs.NewFromConfig(s.aws.cfg, func(o *sqs.Options) { o.RetryMaxAttempts = 1 }).ListMessageMoveTasks(context.Background(),
		&sqs.ListMessageMoveTasksInput{SourceArn: aws.String(s.res.Atts["PostsDeadLetterQueue"]["Arn"])})
	var re *awshttp.ResponseError
	switch {
	case err == nil:
		return false
	case errors.As(err, &re) && re.HTTPStatusCode() == 500:
		return true
	}
	t.Fatalf("ListMessageMoveTasks on moto: %v", err)
	return false
}

// checkRedrive checks POST /posts/dead-letters/redrive. Where moto has the
// move-task API the answer must be the started task. Where it lacks it, the
// function cannot succeed, and the test says so instead of passing a fake
// answer: it checks what the artefact does up to moto's refusal (the admin
// passes, ListMessageMoveTasks is called on the dead-letter queue the
// template names, the failure is a clean 500 problem), that a writer is
// refused before any SQS call, and logs why. The 202 and 409 answers are
// covered by internal/blog/blogapi's TestRedrive.
func checkRedrive(t *testing.T, s *stack, bootstrap string, env []string, name string, r events.APIGatewayV2HTTPResponse, logs string) {
	t.Helper()
	dlq := s.res.Atts["PostsDeadLetterQueue"]["Arn"]
	if !moveTasksMissing(t, s) {
		var task struct {
			TaskHandle string `json:"task_handle"`
			SourceARN  string `json:"source_arn"`
		}
		if err := json.Unmarshal([]byte(r.Body), &task); r.StatusCode != 202 || err != nil || task.TaskHandle == "" || task.SourceARN != dlq {
			t.Fatalf("%s: %d %s; want 202 and the move task", name, r.StatusCode, r.Body)
		}
		return
	}
	if r.StatusCode != 500 || r.Headers["Content-Type"] != "application/problem+json" || !strings.Contains(r.Body, `"request_id"`) {
		t.Fatalf("%s: %d %v %s; want a 500 problem (moto lacks the move-task API)", name, r.StatusCode, r.Headers, r.Body)
	}
	if !strings.Contains(logs, "list move tasks of "+dlq) || !strings.Contains(logs, "ListMessageMoveTasks") {
		t.Fatalf("%s: the logs show no ListMessageMoveTasks call on %s\nlogs:\n%s", name, dlq, logs)
	}
	var ev map[string]any
	if err := json.Unmarshal(fixture(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{"lambda": map[string]any{"role": "writer"}}
	writer, _ := json.Marshal(ev)
	out, wlogs := invoke(t, bootstrap, env, writer)
	var w events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &w); err != nil || w.StatusCode != 403 || strings.Contains(wlogs, "ListMessageMoveTasks") {
		t.Fatalf("%s as a writer: %s; want 403 before any SQS call\nlogs:\n%s", name, out, wlogs)
	}
	t.Logf("%s: moto has no SQS ListMessageMoveTasks/StartMessageMoveTask (HTTP 500 to both), so no redrive can start here: "+
		"checked the admin's call reaches ListMessageMoveTasks on %s and fails as a clean 500 problem, and a writer gets 403",
		name, dlq)
}
