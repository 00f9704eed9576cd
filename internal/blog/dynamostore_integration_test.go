package blog

import (
	"os"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoStoreContractOnDynamoDBLocal(t *testing.T) {
	storeContract(t, func(t *testing.T) Store {
		db, posts := emutest.Table(t, "PostsTable")
		_, entries := emutest.Table(t, "OutboxTable")
		return NewDynamoStore(db, posts, outbox.NewTable(db, entries))
	})
}
