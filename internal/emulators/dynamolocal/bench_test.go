package dynamolocal

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BenchmarkIndexPage times a 20-item Query page of a sharded "newest first"
// index (16 partitions, as the dialogs and posts listings use) over HTTP, at
// 10,000 and 100,000 items, for the first page and the 25th (reached by its
// ExclusiveStartKey). A page's cost should not grow with the table:
//
//	go test -run '^$' -bench IndexPage -count 6 ./internal/emulators/dynamolocal/ | tee new.txt; benchstat new.txt
func BenchmarkIndexPage(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		in := start(b, b.TempDir())
		ctx := context.Background()
		c := in.client
		_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName: aws.String("t"),
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("shard"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("at"), AttributeType: types.ScalarAttributeTypeS},
			},
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
				IndexName:  aws.String("recent"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("shard"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("at"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			}},
		})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i += 25 {
			var reqs []types.WriteRequest
			for j := i; j < i+25 && j < n; j++ {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
					"id": s(fmt.Sprintf("d%07d", j)), "shard": s(fmt.Sprint(j % 16)), "at": s(fmt.Sprintf("2026-01-01T%09d", j)),
					"text": s("a message of a few dozen bytes, like a dialog's"),
				}}})
			}
			if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": reqs}}); err != nil {
				b.Fatal(err)
			}
		}
		query := func(start map[string]types.AttributeValue) *dynamodb.QueryOutput {
			out, err := c.Query(ctx, &dynamodb.QueryInput{
				TableName: aws.String("t"), IndexName: aws.String("recent"),
				KeyConditionExpression:    aws.String("shard = :s"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("3")},
				ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(20), ExclusiveStartKey: start,
			})
			if err != nil || len(out.Items) != 20 {
				b.Fatalf("query: %v (%d items)", err, len(out.Items))
			}
			return out
		}
		var page25 map[string]types.AttributeValue
		for p := 0; p < 24; p++ {
			page25 = query(page25).LastEvaluatedKey
		}
		b.Run(fmt.Sprintf("items=%d/page=1", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				query(nil)
			}
		})
		b.Run(fmt.Sprintf("items=%d/page=25", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				query(page25)
			}
		})
		in.stop()
	}
}
