package blog

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mosaic-platform/mosaic/internal/emulators/dynamolocal"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// TestDynamoStoreContractOnMinidyn runs the store contract against the
// DynamoDB emulator `make run` uses (minidyn), which differs from DynamoDB
// Local: its GSI bookkeeping goes wrong when UpdateItem adds or removes index
// keys, which is one more reason why DynamoStore writes whole items.
func TestDynamoStoreContractOnMinidyn(t *testing.T) {
	srv, err := dynamolocal.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
		Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
		DisableValidateResponseChecksum: true,
	})
	storeContract(t, func(t *testing.T) Store {
		return NewDynamoStore(db, emutest.CreateTable(t, db, "PostsTable", false), outbox.NewTable(db, emutest.CreateTable(t, db, "OutboxTable", false)))
	})
}
