package awsclients_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func item(pk, sk string, extra ...string) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{"pk": s(pk), "sk": s(sk)}
	for i := 0; i+1 < len(extra); i += 2 {
		it[extra[i]] = s(extra[i+1])
	}
	return it
}

func TestDynamoDB(t *testing.T) {
	t.Parallel()
	ctx, cfg := stackConfig(t)
	db := awsclients.DynamoDB(cfg)
	table := emutest.Name("records")

	keys := []types.KeySchemaElement{
		{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
		{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
	}
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("status"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: keys,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{ // sparse: only items with a status
			IndexName:  aws.String("byStatus"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("status"), KeyType: types.KeyTypeHash}, keys[1]},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 10*time.Second); err != nil {
		t.Fatalf("table never became active: %v", err)
	}

	t.Run("conditional put", func(t *testing.T) {
		put := &dynamodb.PutItemInput{
			TableName:                           aws.String(table),
			Item:                                item("cond", "1", "v", "first"),
			ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}
		if _, err := db.PutItem(ctx, put); err != nil {
			t.Fatalf("first put: %v", err)
		}
		put.Item = item("cond", "1", "v", "second")
		_, err := db.PutItem(ctx, put)
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Fatalf("second put: %v, want ConditionalCheckFailedException", err)
		}
		// The idempotency store reads the old item from the error, saving a GetItem.
		if v, _ := ccf.Item["v"].(*types.AttributeValueMemberS); v == nil || v.Value != "first" {
			t.Errorf("old item on the failed condition: %v, want v=first", ccf.Item)
		}
	})

	t.Run("transaction", func(t *testing.T) {
		put := func(sk string) types.TransactWriteItem {
			return types.TransactWriteItem{Put: &types.Put{
				TableName: aws.String(table), Item: item("tx", sk),
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			}}
		}
		if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{put("a"), put("b")},
		}); err != nil {
			t.Fatalf("first transaction: %v", err)
		}
		// "b" exists, so "c" must not be written either.
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{put("c"), put("b")},
		})
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			t.Fatalf("second transaction: %v, want TransactionCanceledException", err)
		}
		var codes []string
		for _, r := range tce.CancellationReasons {
			codes = append(codes, aws.ToString(r.Code))
		}
		if want := []string{"None", "ConditionalCheckFailed"}; !slices.Equal(codes, want) {
			t.Errorf("cancellation reasons %v, want %v", codes, want)
		}
		got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item("tx", "c")})
		if err != nil || got.Item != nil {
			t.Errorf("item of the cancelled transaction: %v, %v; want none", got.Item, err)
		}
	})

	t.Run("query pages", func(t *testing.T) {
		var want []string
		for i := range 25 {
			sk := fmt.Sprintf("%03d", i)
			want = append(want, sk)
			it := item("paged", sk)
			if i%5 == 0 {
				it["status"] = s("published")
			}
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
				t.Fatal(err)
			}
		}
		got, pages := queryAll(t, db, &dynamodb.QueryInput{
			TableName:                 aws.String(table),
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("paged")},
			Limit:                     aws.Int32(10),
		})
		if !slices.Equal(got, want) || pages < 3 {
			t.Errorf("got %v in %d pages, want %v in at least 3", got, pages, want)
		}

		got, _ = queryAll(t, db, &dynamodb.QueryInput{
			TableName:                 aws.String(table),
			IndexName:                 aws.String("byStatus"),
			KeyConditionExpression:    aws.String("#s = :s"),
			ExpressionAttributeNames:  map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("published")},
			ScanIndexForward:          aws.Bool(false),
			Limit:                     aws.Int32(2),
		})
		if want := []string{"020", "015", "010", "005", "000"}; !slices.Equal(got, want) {
			t.Errorf("sparse index, newest first: %v, want %v", got, want)
		}
	})
}

// queryAll follows the SDK paginator to its end and returns the sort keys read
// and the number of pages. A bounded loop: an emulator that always returns a
// LastEvaluatedKey would otherwise hang the suite.
func queryAll(t *testing.T, db *dynamodb.Client, in *dynamodb.QueryInput) (sks []string, pages int) {
	t.Helper()
	p := dynamodb.NewQueryPaginator(db, in)
	for p.HasMorePages() {
		if pages++; pages > 50 {
			t.Fatal("paginator did not end after 50 pages")
		}
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, it := range out.Items {
			sks = append(sks, it["sk"].(*types.AttributeValueMemberS).Value)
		}
	}
	return sks, pages
}
