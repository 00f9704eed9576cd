package blog

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mosaic-platform/mosaic/infra/local/dynamolocal"
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
	n := 0
	storeContract(t, func(t *testing.T) Store {
		n++
		table := fmt.Sprintf("posts-%d", n)
		createPostsTable(t, db, table)
		return NewDynamoStore(db, table)
	})
}
