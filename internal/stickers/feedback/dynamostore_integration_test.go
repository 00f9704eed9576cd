package feedback

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoStoreContractOnDynamoDBLocal(t *testing.T) {
	storeContract(t, func(t *testing.T) Store {
		db, table := localTable(t)
		return NewDynamoStore(db, table)
	})
}

// localTable creates, in DynamoDB Local, a sticker table of the documented shape.
func localTable(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
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
	return db, table
}

// BenchmarkVoteOnDynamoDBLocal is the cost of recording one vote (a
// TransactWriteItems of the vote marker and the counter) against DynamoDB
// Local, next to the cost of reading a query's feedback for re-ranking.
func BenchmarkVoteOnDynamoDBLocal(b *testing.B) {
	db, table := localTable(b)
	s := NewDynamoStore(db, table)
	at := time.Now()
	i := 0
	for b.Loop() {
		if _, err := s.Vote(b.Context(), Vote{Query: "cat park", Sticker: "1F408", Client: strconv.Itoa(i), Positive: true}, at); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkFeedbackReadOnDynamoDBLocal(b *testing.B) {
	db, table := localTable(b)
	s := NewDynamoStore(db, table)
	for i := range 20 {
		_, _ = s.Vote(b.Context(), Vote{Query: "cat park", Sticker: strconv.Itoa(i), Client: "c", Positive: true}, time.Now())
	}
	for b.Loop() {
		if _, err := s.Feedback(b.Context(), "cat park"); err != nil {
			b.Fatal(err)
		}
	}
}
