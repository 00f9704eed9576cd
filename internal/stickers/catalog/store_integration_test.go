package catalog

import (
	"os"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoStoreContractOnDynamoDBLocal(t *testing.T) {
	storeContract(t, NewDynamoStore(emutest.Table(t, "StickersTable")))
}
