package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Shards is an index whose partition key is write-sharded: a listing that
// would put every item in one hot partition spreads them over Partitions
// instead, and a page reads every partition and merges them. The sort key is
// a string unique per item (say a time then an id), so entries order by it.
type Shards struct {
	Table, Index  string
	PartitionAttr string
	SortAttr      string
	Partitions    []string
}

// Newest reads, from every partition in parallel, up to want entries whose
// sort key is below before ("" for the newest), and returns them merged newest
// first. Each partition holds at most want of them, so the newest want overall
// are among those returned. A partition stops early once enough (when not nil)
// says its entries so far would fill a page on their own, so that a page
// bounded by size, not count, reads no more than it needs.
func Newest[T any](ctx context.Context, api API, s Shards, before string, want int,
	decode func(Item) (T, error), sortKey func(T) string, enough func([]T) bool) ([]T, error) {
	lists := make([][]T, len(s.Partitions))
	errs := make([]error, len(s.Partitions))
	var wg sync.WaitGroup
	for i, p := range s.Partitions {
		wg.Go(func() { lists[i], errs[i] = newestOf(ctx, api, s, p, before, want, decode, enough) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	all := slices.Concat(lists...)
	slices.SortFunc(all, func(a, b T) int { return strings.Compare(sortKey(b), sortKey(a)) })
	return all, nil
}

// newestOf reads up to want entries of one partition, newest first, below before.
func newestOf[T any](ctx context.Context, api API, s Shards, partition, before string, want int,
	decode func(Item) (T, error), enough func([]T) bool) ([]T, error) {
	cond := "#pk = :pk"
	names := map[string]string{"#pk": s.PartitionAttr}
	values := map[string]any{":pk": partition}
	if before != "" {
		cond += " AND #sk < :before"
		names["#sk"], values[":before"] = s.SortAttr, before
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.Table),
		IndexName:                 aws.String(s.Index),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: Values(values),
		ScanIndexForward:          aws.Bool(false),
	}
	var out []T
	// A page stops at 1 MB as well as at Limit: go on until enough or none left.
	for len(out) < want {
		in.Limit = aws.Int32(int32(want - len(out)))
		page, err := api.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("query %s %q: %w", s.Index, partition, err)
		}
		for _, item := range page.Items {
			v, err := decode(item)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if len(page.LastEvaluatedKey) == 0 || len(page.Items) == 0 || (enough != nil && enough(out)) {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	return out, nil
}
