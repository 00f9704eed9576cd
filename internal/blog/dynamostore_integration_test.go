package blog

import (
	"os"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoStoreContractOnDynamoDBLocal(t *testing.T) {
	storeContract(t, func(t *testing.T) Store {
		return NewDynamoStore(emutest.Table(t, "PostsTable"))
	})
}
