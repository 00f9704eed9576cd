package queue_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/platform/queue"
)

// embedded returns a store on a fresh idempotency table of template.yaml in
// the embedded DynamoDB.
func embedded(t *testing.T) *queue.DynamoStore {
	t.Helper()
	db, table := emutest.EmbeddedTable(t, "DialogsIdempotencyTable")
	return queue.NewDynamoStore(db, table)
}

func TestDynamoStoreContract(t *testing.T) {
	db, table := emutest.EmbeddedTable(t, "DialogsIdempotencyTable")
	storeContract(t, func(_ *testing.T, now func() time.Time) queue.Store {
		s := queue.NewDynamoStore(db, table)
		s.Now = now
		return s
	})
}

// noOldItem is a DynamoDB that, like some emulators, does not return the old
// item of a failed condition, so that the store must read it.
type noOldItem struct {
	dynamo.API
	gets atomic.Int32
}

func (d *noOldItem) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := d.API.PutItem(ctx, in, opts...)
	if ccf := (*types.ConditionalCheckFailedException)(nil); errors.As(err, &ccf) {
		ccf.Item = nil
	}
	return out, err
}

func (d *noOldItem) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	d.gets.Add(1)
	if !aws.ToBool(in.ConsistentRead) {
		return nil, errors.New("read of an idempotency record must be strongly consistent")
	}
	return d.API.GetItem(ctx, in, opts...)
}

func TestDynamoStoreReadsTheRecordWhenNotReturned(t *testing.T) {
	db, table := emutest.EmbeddedTable(t, "DialogsIdempotencyTable")
	api := &noOldItem{API: db}
	s := queue.NewDynamoStore(api, table)
	storeContract(t, func(_ *testing.T, now func() time.Time) queue.Store {
		s.Now = now
		return s
	})
	if api.gets.Load() == 0 {
		t.Fatal("the store never read a record")
	}
}

func TestIdempotentDo(t *testing.T) {
	ctx := context.Background()
	store := embedded(t)
	once := queue.Idempotent{Store: store}
	runs := 0
	work := func(context.Context) ([]byte, error) {
		runs++
		return []byte(`{"id":"d-1"}`), nil
	}

	res, replayed, err := once.Do(ctx, "dialogs/k1", "fp", work)
	if err != nil || replayed || string(res) != `{"id":"d-1"}` {
		t.Fatalf("first Do = %s, %v, %v", res, replayed, err)
	}
	res, replayed, err = once.Do(ctx, "dialogs/k1", "fp", work)
	if err != nil || !replayed || string(res) != `{"id":"d-1"}` || runs != 1 {
		t.Fatalf("retry = %s, %v, %v after %d runs; want the replayed result after 1", res, replayed, err, runs)
	}
	if _, _, err := once.Do(ctx, "dialogs/k1", "other", work); !errors.Is(err, queue.ErrKeyReused) {
		t.Fatalf("other fingerprint: %v, want ErrKeyReused", err)
	}
}

func TestIdempotentDoReleasesOnFailure(t *testing.T) {
	ctx := context.Background()
	once := queue.Idempotent{Store: embedded(t)}
	boom := errors.New("boom")
	if _, _, err := once.Do(ctx, "k", "", func(context.Context) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	res, replayed, err := once.Do(ctx, "k", "", func(context.Context) ([]byte, error) { return []byte("ok"), nil })
	if err != nil || replayed || string(res) != "ok" {
		t.Fatalf("retry after failure = %s, %v, %v; want a fresh run", res, replayed, err)
	}
}

func TestIdempotentDoInProgress(t *testing.T) {
	ctx := context.Background()
	once := queue.Idempotent{Store: embedded(t)}
	_, _, err := once.Do(ctx, "k", "", func(ctx context.Context) ([]byte, error) {
		_, _, err := once.Do(ctx, "k", "", func(context.Context) ([]byte, error) { return nil, nil })
		return nil, err
	})
	if !errors.Is(err, queue.ErrInProgress) {
		t.Fatalf("concurrent Do: %v, want ErrInProgress", err)
	}
}

func TestResultSizeLimit(t *testing.T) {
	ctx := context.Background()
	s := embedded(t)
	c, err := s.Claim(ctx, "k", "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, c, make([]byte, queue.MaxResultSize+1), time.Hour); err == nil {
		t.Fatal("an oversized result was accepted")
	}
}
