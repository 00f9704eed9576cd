package emutest

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mosaic-platform/mosaic/internal/emulators/dynamolocal"
)

// EmbeddedDynamoDB returns a DynamoDB client on a fresh in-process server of
// the embedded emulator `make run` uses (internal/emulators/dynamolocal): no
// process to start, so unit tests use it instead of in-memory doubles.
func EmbeddedDynamoDB(t testing.TB) *dynamodb.Client {
	t.Helper()
	srv, err := dynamolocal.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close()
	})
	return dynamodb.New(dynamodb.Options{
		Region:                          Region,
		BaseEndpoint:                    aws.String(hs.URL),
		Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
		DisableValidateResponseChecksum: true, // the embedded server sends no CRC32
	})
}

// EmbeddedTable creates, on a fresh embedded server, the table template.yaml
// declares as logicalID (keys, indexes, TTL), and returns a client and its name.
func EmbeddedTable(t testing.TB, logicalID string) (client *dynamodb.Client, name string) {
	t.Helper()
	client = EmbeddedDynamoDB(t)
	return client, CreateTable(t, client, logicalID, true)
}
