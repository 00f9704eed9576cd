package blog

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoStoreContractOnDynamoDBLocal(t *testing.T) {
	st := emutest.Start(t)
	db := awsclients.DynamoDB(st.AWS)
	storeContract(t, func(t *testing.T) Store {
		table := emutest.Name("posts")
		createPostsTable(t, db, table)
		return NewDynamoStore(db, table)
	})
}

// createPostsTable creates a table of the shape DynamoStore documents (PostsTable in template.yaml).
func createPostsTable(t *testing.T, db *dynamodb.Client, table string) {
	t.Helper()
	str := types.ScalarAttributeTypeS
	_, err := db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(attrID), AttributeType: str},
			{AttributeName: aws.String(attrListPK), AttributeType: str},
			{AttributeName: aws.String(attrListSK), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(attrID), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(ListIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(attrListPK), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(attrListSK), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}
