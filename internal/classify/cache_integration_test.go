package classify

import (
	"os"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

// TestDynamoCache runs the cache's tests on DynamoDB Local.
func TestDynamoCache(t *testing.T) {
	db, table := emutest.Table(t, "ClassifyCacheTable")
	testDynamoCache(t, db, table)
}
