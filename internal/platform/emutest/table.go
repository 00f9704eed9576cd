package emutest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mosaic-platform/mosaic/internal/emulators/dynamodblocal"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// Table creates, in the stack's DynamoDB Local, a fresh table shaped exactly as
// the module root's template.yaml declares logicalID (keys, attributes,
// indexes, TTL), and returns a DynamoDB client of the stack and the table's name.
func Table(t testing.TB, logicalID string) (client *dynamodb.Client, name string) {
	t.Helper()
	client = awsclients.DynamoDB(Start(t).AWS)
	name = CreateTable(t, client, logicalID, true)
	if err := dynamodb.NewTableExistsWaiter(client).Wait(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatalf("table %s never became active: %v", logicalID, err)
	}
	return client, name
}

// CreateTable creates on db a fresh table shaped as template.yaml declares
// logicalID and returns its name; withTTL false leaves TTL off, for emulators
// that have none (minidyn).
func CreateTable(t testing.TB, db *dynamodb.Client, logicalID string, withTTL bool) string {
	t.Helper()
	root, err := dynamodblocal.ModuleRoot()
	if err != nil {
		t.Fatalf("find template.yaml: %v", err)
	}
	tpl, err := samtemplate.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tb := tpl.Table(logicalID)
	if tb == nil {
		t.Fatalf("template.yaml has no table %s", logicalID)
	}
	name := Name(logicalID)
	ctx := context.Background()
	if _, err := db.CreateTable(ctx, tb.CreateInput(name)); err != nil {
		t.Fatalf("CreateTable %s: %v", logicalID, err)
	}
	if in := tb.TTLInput(name); withTTL && in != nil {
		if _, err := db.UpdateTimeToLive(ctx, in); err != nil {
			t.Fatalf("UpdateTimeToLive %s: %v", logicalID, err)
		}
	}
	return name
}
