package blogapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// MessageMover is the part of the SQS client a Redrive uses; *sqs.Client has it.
type MessageMover interface {
	StartMessageMoveTask(ctx context.Context, in *sqs.StartMessageMoveTaskInput, opts ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error)
	ListMessageMoveTasks(ctx context.Context, in *sqs.ListMessageMoveTasksInput, opts ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error)
}

// RedriveTask is the body of a started redrive.
type RedriveTask struct {
	TaskHandle string `json:"task_handle"`
	SourceARN  string `json:"source_arn"`
}

// Redrive moves the moderation dead-letter queue's messages back to the
// moderation queue. Their posts are still pending, so the worker moderates
// them as if they were new; a message for a post edited since is dropped.
type Redrive struct {
	SQS           MessageMover
	DeadLetterARN string
}

// NewRedrivePosts builds POST /posts/dead-letters/redrive (admin), from POSTS_DLQ_ARN.
func NewRedrivePosts(_ context.Context, d function.Deps) (any, error) {
	return function.Route(d, apigw.Accepts{}, func(l *config.Loader) (apigw.HandlerFunc, error) {
		r := &Redrive{SQS: awsclients.SQS(d.AWS), DeadLetterARN: l.String("POSTS_DLQ_ARN")}
		return r.Start, nil
	})
}

// Start starts moving the dead letters back, unless a move is running already (409).
func (r *Redrive) Start(ctx context.Context, req request) (response, error) {
	if _, err := auth.Require(req, auth.Admin); err != nil {
		return response{}, err
	}
	// SQS runs one move per queue; say so rather than pass on its error.
	tasks, err := r.SQS.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: &r.DeadLetterARN, MaxResults: aws.Int32(1)})
	if err != nil {
		return response{}, fmt.Errorf("list move tasks of %s: %w", r.DeadLetterARN, err)
	}
	if len(tasks.Results) > 0 && aws.ToString(tasks.Results[0].Status) == "RUNNING" {
		return response{}, apigw.Conflict("a move from the dead-letter queue is already running (task " +
			aws.ToString(tasks.Results[0].TaskHandle) + "); wait for it to finish")
	}
	out, err := r.SQS.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: &r.DeadLetterARN})
	if err != nil {
		return response{}, fmt.Errorf("start moving %s back: %w", r.DeadLetterARN, err)
	}
	obs.Logger(ctx).InfoContext(ctx, "redrive of the moderation dead letters started", "task_handle", aws.ToString(out.TaskHandle))
	return apigw.JSON(http.StatusAccepted, RedriveTask{TaskHandle: aws.ToString(out.TaskHandle), SourceARN: r.DeadLetterARN})
}
