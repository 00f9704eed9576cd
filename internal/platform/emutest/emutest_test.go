package emutest

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

func TestStackServesEveryService(t *testing.T) {
	st := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if _, err := dynamodb.NewFromConfig(st.AWS).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Errorf("DynamoDB ListTables: %v", err)
	}
	if _, err := sqs.NewFromConfig(st.AWS).ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Errorf("SQS ListQueues: %v", err)
	}
	s3c := s3.NewFromConfig(st.AWS, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("S3 ListBuckets: %v", err)
	}
	for k, v := range st.Env() {
		if got := os.Getenv(k); got != v {
			t.Errorf("env %s = %q, want %q", k, got, v)
		}
	}
	if Start(t) != st {
		t.Error("second Start returned another stack")
	}
}

func TestStopLeavesNoProcess(t *testing.T) {
	st := Start(t)
	var pids []int
	for _, c := range []string{st.DynamoDBEndpoint, st.SQSEndpoint} {
		if c == "" {
			t.Fatal("missing endpoint")
		}
	}
	mu.Lock()
	pids = append(pids, shared.dynamoDBLocal.Pid())
	mu.Unlock()
	if err := Stop(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		// The group leader is reaped by Wait; a survivor in its group would answer.
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process group %d still has members (kill: %v)", pid, err)
		}
	}
	if Start(t) == st {
		t.Error("Start after Stop returned the stopped stack")
	}
}

func TestTableIsShapedAsTheTemplate(t *testing.T) {
	db, name := Table(t, "DialogsTable")
	ctx := t.Context()
	d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(d.Table.GlobalSecondaryIndexes); got != 4 {
		t.Errorf("%d global indexes, want DialogsTable's 4", got)
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if s := ttl.TimeToLiveDescription; s == nil || s.AttributeName == nil || *s.AttributeName != "expires_at" {
		t.Errorf("TTL %+v, want on expires_at", s)
	}
	if _, other := Table(t, "DialogsTable"); other == name {
		t.Errorf("two tables named %s", name)
	}
}
