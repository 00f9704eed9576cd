package catalog

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
	emutest.Start(t)
	ctx := t.Context()
	cfg, err := awsclients.Load(ctx, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	db := awsclients.DynamoDB(cfg)
	table := emutest.Name("stickers")
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	storeContract(t, NewDynamoStore(db, table))
}
