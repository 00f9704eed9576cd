package blogapi

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// fakeMover is an SQS move-task API whose latest task has status last ("" for none).
type fakeMover struct {
	last    string
	started []string
	fail    error
}

func (f *fakeMover) ListMessageMoveTasks(_ context.Context, in *sqs.ListMessageMoveTasksInput, _ ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	out := &sqs.ListMessageMoveTasksOutput{}
	if f.last != "" {
		out.Results = []sqstypes.ListMessageMoveTasksResultEntry{{Status: aws.String(f.last), TaskHandle: aws.String("t-1"), SourceArn: in.SourceArn}}
	}
	return out, nil
}

func (f *fakeMover) StartMessageMoveTask(_ context.Context, in *sqs.StartMessageMoveTaskInput, _ ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.started = append(f.started, aws.ToString(in.SourceArn))
	return &sqs.StartMessageMoveTaskOutput{TaskHandle: aws.String("t-2")}, nil
}

func TestRedrive(t *testing.T) {
	const dlq = "arn:aws:sqs:us-east-1:000000000000:PostsDeadLetterQueue"
	for _, tc := range []struct {
		name, role, last string
		fail             error
		status           int
		started          int
	}{
		{"admin, no earlier move", "admin", "", nil, 202, 1},
		{"admin, earlier move finished", "admin", "COMPLETED", nil, 202, 1},
		{"admin, a move is running", "admin", "RUNNING", nil, 409, 0},
		{"writer", "writer", "", nil, 403, 0},
		{"SQS refuses", "admin", "", errors.New("AccessDenied"), 500, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mover := &fakeMover{last: tc.last, fail: tc.fail}
			r := &Redrive{SQS: mover, DeadLetterARN: dlq}
			status, body, resp := do(t, r.Start, newRequest("POST", "/posts/dead-letters/redrive", "", tc.role, "", ""))
			if status != tc.status || len(mover.started) != tc.started {
				t.Fatalf("status %d (want %d), %d moves started: %s", status, tc.status, len(mover.started), resp.Body)
			}
			if status == 202 && (body["task_handle"] != "t-2" || body["source_arn"] != dlq || mover.started[0] != dlq) {
				t.Errorf("body %v, started %v", body, mover.started)
			}
		})
	}
}
