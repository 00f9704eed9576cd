package dynamolocal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestCompaction rewrites a journal of many overwrites as the live items, and
// keeps every item, the indexes and later writes across restarts.
func TestCompaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	journal := filepath.Join(dir, "dynamodb.journal")
	in := start(t, dir)
	if err := createPosts(ctx, in.client, "posts"); err != nil {
		t.Fatal(err)
	}
	for i := range 120 { // 10 live items, each written 12 times
		item := post(fmt.Sprintf("post#%d", i%10), "published", fmt.Sprintf("2024-05-%02d", 1+i%10), fmt.Sprint("v", i))
		if _, err := in.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("posts"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := in.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("posts"), Key: key("post#9")}); err != nil {
		t.Fatal(err)
	}
	want := titles(t, in.client)
	in.stop()
	before := lines(t, journal)

	in = startCompacting(t, dir, 50)
	if after := lines(t, journal); after >= before || after != 1+9 {
		t.Fatalf("journal has %d lines after compaction (before: %d), want the table and its 9 items", after, before)
	}
	if got := titles(t, in.client); got != want {
		t.Fatalf("after compaction: %s, want %s", got, want)
	}
	if _, err := in.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("posts"), Item: post("post#10", "published", "2024-06-01", "new")}); err != nil {
		t.Fatal(err)
	}
	in.stop()

	in = start(t, dir)
	got := titles(t, in.client)
	if got == want || !bytes.Contains([]byte(got), []byte("post#10=new")) {
		t.Fatalf("a write after compaction was lost: %s", got)
	}
	out, err := in.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("posts"), IndexName: aws.String("byStatus"),
		KeyConditionExpression:    aws.String("#s = :p"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("published")},
	})
	if err != nil || len(out.Items) != 10 {
		t.Fatalf("index after compaction: %d items, %v", len(out.Items), err)
	}
}

func titles(t *testing.T, c *dynamodb.Client) string {
	t.Helper()
	out, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("posts")})
	if err != nil {
		t.Fatal(err)
	}
	var ts []string
	for _, it := range out.Items {
		ts = append(ts, it["pk"].(*types.AttributeValueMemberS).Value+"="+it["title"].(*types.AttributeValueMemberS).Value)
	}
	sort.Strings(ts)
	return fmt.Sprint(ts)
}

func lines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

func TestReadOfAMissingIndexIsRefused(t *testing.T) {
	ctx := context.Background()
	in := start(t, t.TempDir())
	if err := createPosts(ctx, in.client, "posts"); err != nil {
		t.Fatal(err)
	}
	_, err := in.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("posts"), IndexName: aws.String("no-such-index"),
		KeyConditionExpression:    aws.String("#s = :p"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("published")},
	})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("does not have the specified index")) {
		t.Fatalf("Query of a missing index: %v", err)
	}

	// The index names are remembered; a table made again without its index
	// must not be read through the old answer.
	query := func() error {
		_, err := in.client.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String("posts"), IndexName: aws.String("byStatus"),
			KeyConditionExpression:    aws.String("#s = :p"),
			ExpressionAttributeNames:  map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("published")},
		})
		return err
	}
	if err := query(); err != nil {
		t.Fatalf("Query of an existing index: %v", err)
	}
	if _, err := in.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("posts")}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("posts"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := query(); err == nil || !bytes.Contains([]byte(err.Error()), []byte("does not have the specified index")) {
		t.Fatalf("Query of an index the new table lacks: %v", err)
	}
}
