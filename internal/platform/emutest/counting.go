package emutest

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
)

// Counting is a DynamoDB client that counts its calls per operation.
type Counting struct {
	dynamo.API

	mu     sync.Mutex
	counts map[string]int
}

// NewCounting wraps api.
func NewCounting(api dynamo.API) *Counting {
	return &Counting{API: api, counts: map[string]int{}}
}

func (c *Counting) add(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[op]++
}

// Counts returns the calls made since the last Reset, per operation, and their total.
func (c *Counting) Counts() (map[string]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, total := make(map[string]int, len(c.counts)), 0
	for k, v := range c.counts {
		out[k], total = v, total+v
	}
	return out, total
}

// Reset sets every count to zero.
func (c *Counting) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.counts)
}

// GetItem counts and forwards.
func (c *Counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.add("GetItem")
	return c.API.GetItem(ctx, in, opts...)
}

// PutItem counts and forwards.
func (c *Counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.add("PutItem")
	return c.API.PutItem(ctx, in, opts...)
}

// UpdateItem counts and forwards.
func (c *Counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.add("UpdateItem")
	return c.API.UpdateItem(ctx, in, opts...)
}

// DeleteItem counts and forwards.
func (c *Counting) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.add("DeleteItem")
	return c.API.DeleteItem(ctx, in, opts...)
}

// Query counts and forwards.
func (c *Counting) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.add("Query")
	return c.API.Query(ctx, in, opts...)
}

// BatchGetItem counts and forwards.
func (c *Counting) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.add("BatchGetItem")
	return c.API.BatchGetItem(ctx, in, opts...)
}
