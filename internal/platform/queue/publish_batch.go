package queue

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SendMessageBatch limits: entries per call, and bytes of all bodies and
// attributes per call (256 KiB, the limit every SQS endpoint and emulator has).
const (
	maxBatchEntries = 10
	maxBatchBytes   = 256 << 10
)

// BatchError reports the messages of a PublishBatch that were not sent.
type BatchError struct {
	Failed map[int]error // by index in the slice given to PublishBatch
}

// Error names the first few messages not sent and why.
func (e *BatchError) Error() string {
	idx := make([]int, 0, len(e.Failed))
	for i := range e.Failed {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	var b strings.Builder
	fmt.Fprintf(&b, "queue: %d messages not sent:", len(idx))
	for n, i := range idx {
		if n == 3 {
			b.WriteString(" ...")
			break
		}
		fmt.Fprintf(&b, " [%d] %v;", i, e.Failed[i])
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Unwrap returns the errors of the messages not sent.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failed))
	for _, err := range e.Failed {
		errs = append(errs, err)
	}
	return errs
}

// PublishBatch sends msgs with SendMessageBatch, in calls of up to 10 entries
// and 256 KiB. Entries SQS fails on its side are sent again, alone, with
// backoff; entries it refuses (sender faults) are not. It returns nil or a
// *BatchError naming the messages not sent; every other message was sent.
func (p *SQSPublisher) PublishBatch(ctx context.Context, msgs []Message) error {
	failed := map[int]error{}
	var pending []pendingEntry
	for i, m := range msgs {
		e, err := p.entry(ctx, m)
		if err != nil {
			failed[i] = err
			continue
		}
		e.Id = aws.String(strconv.Itoa(i))
		pending = append(pending, pendingEntry{index: i, entry: e, size: entrySize(e)})
	}
	for _, chunk := range chunks(pending) {
		if err := p.sendChunk(ctx, chunk, failed); err != nil {
			// The call itself failed after the SDK's own retries: stop here.
			for _, pe := range pending[chunk[0].pos:] {
				if _, ok := failed[pe.index]; !ok {
					failed[pe.index] = err
				}
			}
			break
		}
	}
	if len(failed) > 0 {
		return &BatchError{Failed: failed}
	}
	return nil
}

type pendingEntry struct {
	index int // in the caller's slice
	pos   int // in pending
	entry types.SendMessageBatchRequestEntry
	size  int
}

// chunks splits entries into SendMessageBatch calls within SQS's limits.
func chunks(entries []pendingEntry) [][]pendingEntry {
	var out [][]pendingEntry
	var cur []pendingEntry
	bytes := 0
	for pos, e := range entries {
		e.pos = pos
		if len(cur) == maxBatchEntries || (len(cur) > 0 && bytes+e.size > maxBatchBytes) {
			out = append(out, cur)
			cur, bytes = nil, 0
		}
		cur = append(cur, e)
		bytes += e.size
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// entrySize is what SQS counts of an entry toward the batch size limit.
func entrySize(e types.SendMessageBatchRequestEntry) int {
	n := len(aws.ToString(e.MessageBody))
	for k, v := range e.MessageAttributes {
		n += len(k) + len(aws.ToString(v.DataType)) + len(aws.ToString(v.StringValue))
	}
	return n
}

// sendChunk sends one call's entries, retrying those SQS failed on its side.
// Entries that end up not sent are recorded in failed; a call error is returned.
func (p *SQSPublisher) sendChunk(ctx context.Context, chunk []pendingEntry, failed map[int]error) error {
	byID := make(map[string]pendingEntry, len(chunk))
	for _, pe := range chunk {
		byID[aws.ToString(pe.entry.Id)] = pe
	}
	todo := chunk
	for attempt := 0; len(todo) > 0; attempt++ {
		if attempt > 0 {
			if err := p.retry.wait(ctx, attempt); err != nil {
				for _, pe := range todo {
					failed[pe.index] = err
				}
				return nil
			}
		}
		entries := make([]types.SendMessageBatchRequestEntry, len(todo))
		for i, pe := range todo {
			entries[i] = pe.entry
		}
		out, err := p.api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.queueURL), Entries: entries})
		if err != nil {
			return fmt.Errorf("queue: publish batch to %s: %w", p.queueURL, err)
		}
		todo = todo[:0:0]
		for _, f := range out.Failed {
			pe, ok := byID[aws.ToString(f.Id)]
			if !ok {
				continue
			}
			err := fmt.Errorf("%s: %s", aws.ToString(f.Code), aws.ToString(f.Message))
			if f.SenderFault || attempt+1 >= p.retry.attempts {
				failed[pe.index] = err
				continue
			}
			todo = append(todo, pe)
		}
	}
	return nil
}

// backoff is exponential backoff with full jitter.
type backoff struct {
	attempts  int // including the first
	base, max time.Duration
}

// wait sleeps before the given retry (1 for the first), or returns ctx's error.
func (b backoff) wait(ctx context.Context, retry int) error {
	ceiling := min(b.max, b.base<<min(retry-1, 16))
	t := time.NewTimer(rand.N(ceiling + 1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("queue: publish batch: %w", context.Cause(ctx))
	case <-t.C:
		return nil
	}
}
