package runtime

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/infra/local/samtemplate"
	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
)

// ttlSweepEvery is how often expired items are deleted. DynamoDB itself only
// promises to delete within days, so code must not rely on the exact moment.
const ttlSweepEvery = 30 * time.Second

// startTTLSweeper deletes expired items from the tables with TTL on, which the
// embedded DynamoDB does not do itself. It returns a stop function.
func startTTLSweeper(cfg aws.Config, t *samtemplate.Template, res *resources, logger *slog.Logger) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	ddb := awsclients.DynamoDB(cfg)
	go func() {
		defer close(done)
		tick := time.NewTicker(ttlSweepEvery)
		defer tick.Stop()
		for {
			for _, tb := range t.Tables {
				if tb.TTLAttribute == "" {
					continue
				}
				n, err := sweepExpired(ctx, ddb, res.tables[tb.LogicalID], tb, time.Now())
				if err != nil && ctx.Err() == nil {
					logger.Warn("TTL sweep failed", "table", tb.LogicalID, "error", err.Error())
				} else if n > 0 {
					logger.Info("TTL sweep deleted expired items", "table", tb.LogicalID, "items", n)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// sweepExpired deletes the items of one table whose TTL attribute is in the past.
func sweepExpired(ctx context.Context, ddb *dynamodb.Client, table string, tb samtemplate.Table, now time.Time) (int, error) {
	names := map[string]string{"#ttl": tb.TTLAttribute}
	nowValue := &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}
	deleted := 0
	p := dynamodb.NewScanPaginator(ddb, &dynamodb.ScanInput{
		TableName:                 aws.String(table),
		FilterExpression:          aws.String("#ttl < :now"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": nowValue},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return deleted, err
		}
		for _, item := range page.Items {
			key := map[string]types.AttributeValue{}
			for _, k := range tb.KeySchema {
				key[*k.AttributeName] = item[*k.AttributeName]
			}
			_, err := ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName:                 aws.String(table),
				Key:                       key,
				ConditionExpression:       aws.String("#ttl < :now"), // not if it was renewed meanwhile
				ExpressionAttributeNames:  names,
				ExpressionAttributeValues: map[string]types.AttributeValue{":now": nowValue},
			})
			var failed *types.ConditionalCheckFailedException
			if err != nil && !errors.As(err, &failed) {
				return deleted, err
			}
			if err == nil {
				deleted++
			}
		}
	}
	return deleted, nil
}
