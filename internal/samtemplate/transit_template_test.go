package samtemplate

import (
	"fmt"
	"slices"
	"testing"
)

// TestTransitTemplate checks the transit wiring the local runtime does not
// exercise: IAM statements and the dead-letter consumer's event sources.
func TestTransitTemplate(t *testing.T) {
	tpl, err := Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}

	// The multipart uploader aborts a failed upload of a raw/ object.
	abort := false
	for _, p := range asSlice(tpl.resources["TransitCityFunction"].Properties["Policies"]) {
		for _, st := range asSlice(asMap(p)["Statement"]) {
			st := asMap(st)
			if str(st["Effect"]) == "Allow" && slices.Contains(asSlice(st["Action"]), any("s3:AbortMultipartUpload")) &&
				fmt.Sprint(st["Resource"]) == fmt.Sprint(map[string]any{"Fn::Sub": "${TransitBucket.Arn}/raw/*"}) {
				abort = true
			}
		}
	}
	if !abort {
		t.Error("TransitCityFunction may not s3:AbortMultipartUpload on ${TransitBucket.Arn}/raw/*")
	}

	// Every transit dead letter is recorded in its task by TransitDeadLetterFunction.
	f := tpl.Function("TransitDeadLetterFunction")
	if f == nil {
		t.Fatal("no TransitDeadLetterFunction")
	}
	consumed := map[string]bool{}
	for _, e := range f.QueueEvents {
		if !e.ReportBatchItemFailures {
			t.Errorf("%s: without ReportBatchItemFailures a failure retries the whole batch", e.Queue)
		}
		consumed[e.Queue] = true
	}
	for _, q := range tpl.Queues {
		if q.LogicalID == "TransitCityQueue" || q.LogicalID == "TransitFanOutQueue" {
			if !consumed[q.DeadLetterQueue] {
				t.Errorf("%s's dead-letter queue %s is not consumed by TransitDeadLetterFunction", q.LogicalID, q.DeadLetterQueue)
			}
			if fmt.Sprint(f.Environment["MAX_RECEIVE_COUNT"]) != fmt.Sprint(q.MaxReceiveCount) {
				t.Errorf("MAX_RECEIVE_COUNT %v of TransitDeadLetterFunction, maxReceiveCount %d of %s", f.Environment["MAX_RECEIVE_COUNT"], q.MaxReceiveCount, q.LogicalID)
			}
		}
		if consumed[q.LogicalID] && q.VisibilityTimeout < f.Timeout {
			t.Errorf("%s: visibility %v below the consumer's timeout %v", q.LogicalID, q.VisibilityTimeout, f.Timeout)
		}
	}
}
