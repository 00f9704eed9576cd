package dynamodblocal

import (
	"strings"
	"testing"
)

func TestMissingToolsNameTheFix(t *testing.T) {
	t.Setenv("MOSAIC_EMULATORS_DIR", t.TempDir())
	_, err := FindTools()
	if err == nil || !strings.Contains(err.Error(), "make emulators") {
		t.Fatalf("FindTools in an empty directory: %v, want the `make emulators` fix", err)
	}
}
