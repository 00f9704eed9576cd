package runtime

import (
	"testing"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// TestOrderQueuesFollowsChains: a dead-letter queue with a dead-letter queue
// of its own is created after it, whatever the names' order.
func TestOrderQueuesFollowsChains(t *testing.T) {
	qs := []samtemplate.Queue{
		{LogicalID: "ADeadLetterQueue", DeadLetterQueue: "ZParkingQueue"},
		{LogicalID: "BQueue", DeadLetterQueue: "ADeadLetterQueue"},
		{LogicalID: "CQueue"},
		{LogicalID: "ZParkingQueue"},
	}
	pos := map[string]int{}
	for i, q := range orderQueues(qs) {
		pos[q.LogicalID] = i
	}
	if len(pos) != 4 || pos["ZParkingQueue"] > pos["ADeadLetterQueue"] || pos["ADeadLetterQueue"] > pos["BQueue"] {
		t.Fatalf("order %v", pos)
	}
}
