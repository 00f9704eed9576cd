package dialogs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

// The store's tests run against DynamoDB Local (see emutest), on tables
// created from template.yaml's DialogsTable.

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoStoreContractOnDynamoDBLocal(t *testing.T) {
	storeContract(t, func(t *testing.T, now func() time.Time) dialogs.Store {
		db, table := emutest.Table(t, "DialogsTable")
		s := dialogs.NewDynamoStore(db, table, contractTTL)
		s.Now = now
		return s
	})
}

// TestRevocationRacingPushesLeavesNothing pushes to dialogs from several
// goroutines while their consent is revoked: afterwards only the tombstone
// remains, no index lists the dialog, and no push that started after the
// revocation returned was accepted.
func TestRevocationRacingPushesLeavesNothing(t *testing.T) {
	t.Run("DynamoDB Local", func(t *testing.T) {
		db, table := emutest.Table(t, "DialogsTable")
		raceRevocation(t, db, table)
	})
	t.Run("minidyn", func(t *testing.T) {
		db := emutest.EmbeddedDynamoDB(t)
		raceRevocation(t, db, emutest.CreateTable(t, db, "DialogsTable", false))
	})
}

func raceRevocation(t *testing.T, db *dynamodb.Client, table string) {
	ctx := context.Background()
	s := dialogs.NewDynamoStore(db, table, 0)
	const rounds, pushers = 12, 6
	for round := range rounds {
		id := fmt.Sprintf("race-%d", round)
		if _, err := s.Append(ctx, "racer", id, dialogs.Message{Text: "first", Language: "EN"}, ""); err != nil {
			t.Fatal(err)
		}
		if round%2 == 0 { // half of them consented, so listed in every index
			if err := s.Consent(ctx, id, true); err != nil {
				t.Fatal(err)
			}
		}
		var revoked atomic.Bool
		var accepted atomic.Int64
		start := make(chan struct{})
		var wg sync.WaitGroup
		for p := range pushers {
			wg.Go(func() {
				<-start
				for i := 0; ; i++ {
					after := revoked.Load()
					_, err := s.Append(ctx, "racer", id, dialogs.Message{Text: fmt.Sprintf("push %d.%d", p, i), Language: "EN"}, "")
					switch {
					case errors.Is(err, dialogs.ErrRevoked):
						return
					case errors.Is(err, dialogs.ErrContended):
						continue // refused, nothing stored: the client would retry
					case err != nil:
						t.Errorf("push: %v", err)
						return
					case after:
						t.Errorf("round %d: a push that started after the revocation was stored", round)
						return
					}
					accepted.Add(1)
				}
			})
		}
		wg.Go(func() {
			<-start
			time.Sleep(time.Duration(round%4) * 5 * time.Millisecond) // let some pushes land first
			if err := s.Consent(ctx, id, false); err != nil {
				t.Errorf("revoke: %v", err)
			}
			revoked.Store(true)
		})
		close(start)
		wg.Wait()

		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"dialog_id": &types.AttributeValueMemberS{Value: id}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var attrs []string
		for k := range out.Item {
			attrs = append(attrs, k)
		}
		slices.Sort(attrs)
		if !slices.Equal(attrs, []string{"dialog_id", "revoked_at", "state"}) {
			t.Fatalf("round %d: after revocation the item holds %v, want only the tombstone", round, attrs)
		}
		for _, q := range []dialogs.ListQuery{{Limit: 100}, {CustomerID: "racer", Limit: 100}, {Language: "EN", Limit: 100}} {
			p, err := s.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range p.Dialogs {
				if d.DialogID == id {
					t.Fatalf("round %d: %+v still lists the revoked dialog", round, q)
				}
			}
		}
		t.Logf("round %d: %d pushes stored before the revocation, all erased", round, accepted.Load())
	}
}

// TestCallsAreBounded counts the DynamoDB calls of each operation.
func TestCallsAreBounded(t *testing.T) {
	ctx := context.Background()
	db, table := emutest.Table(t, "DialogsTable")
	counting := emutest.NewCounting(db)
	s := dialogs.NewDynamoStore(counting, table, 0)
	for i := range 60 {
		id := fmt.Sprintf("d%d", i)
		if _, err := s.Append(ctx, fmt.Sprintf("c%d", i%3), id, dialogs.Message{Text: "hi", Language: "EN"}, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Consent(ctx, id, true); err != nil {
			t.Fatal(err)
		}
	}
	m := dialogs.Message{Text: "hello", Language: "EN"}
	for _, tc := range []struct {
		name string
		max  int
		op   func() error
	}{
		{"append to a new dialog", 1, func() error { _, err := s.Append(ctx, "c", "new", m, "k1"); return err }},
		{"append to a pending dialog", 1, func() error { _, err := s.Append(ctx, "c", "new", m, "k2"); return err }},
		{"append replayed by its key", 1, func() error { _, err := s.Append(ctx, "c", "new", m, "k2"); return err }},
		{"append to a consented dialog", 2, func() error { _, err := s.Append(ctx, "c0", "d0", m, ""); return err }},
		{"consent", 2, func() error { return s.Consent(ctx, "new", true) }},
		{"revocation", 1, func() error { return s.Consent(ctx, "d1", false) }},
		{"get", 1, func() error { _, err := s.Get(ctx, "c0", "d0"); return err }},
		{"page of the unfiltered listing", dialogs.Shards + 1, func() error {
			p, err := s.List(ctx, dialogs.ListQuery{Limit: 20})
			if err == nil && len(p.Dialogs) != 20 {
				err = fmt.Errorf("got %d dialogs", len(p.Dialogs))
			}
			return err
		}},
		{"page of one customer", 2, func() error { _, err := s.List(ctx, dialogs.ListQuery{CustomerID: "c1", Limit: 20}); return err }},
	} {
		counting.Reset()
		if err := tc.op(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		counts, total := counting.Counts()
		t.Logf("%s: %d calls %v", tc.name, total, counts)
		if total > tc.max {
			t.Errorf("%s made %d DynamoDB calls %v, want at most %d", tc.name, total, counts, tc.max)
		}
	}
}

// TestDynamoStoreContractOnMinidyn holds make run's emulator to the same contract.
func TestDynamoStoreContractOnMinidyn(t *testing.T) {
	storeContract(t, func(t *testing.T, now func() time.Time) dialogs.Store {
		db := emutest.EmbeddedDynamoDB(t)
		s := dialogs.NewDynamoStore(db, emutest.CreateTable(t, db, "DialogsTable", false), contractTTL)
		s.Now = now
		return s
	})
}

// consistencyCheck fails a page read that is not strongly consistent.
type consistencyCheck struct {
	dynamo.API
	t *testing.T
}

func (c consistencyCheck) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	for table, ka := range in.RequestItems {
		if ka.ConsistentRead == nil || !*ka.ConsistentRead {
			c.t.Errorf("BatchGetItem on %s is eventually consistent: a dialog revoked a moment ago could still be listed", table)
		}
	}
	return c.API.BatchGetItem(ctx, in, opts...)
}

// TestListingReadsPagesConsistently: the indexes are eventually consistent, so
// the listing must read the dialogs themselves strongly consistently to see a
// revocation's tombstone as soon as the revocation has answered.
func TestListingReadsPagesConsistently(t *testing.T) {
	ctx := context.Background()
	db, table := emutest.Table(t, "DialogsTable")
	s := dialogs.NewDynamoStore(consistencyCheck{API: db, t: t}, table, 0)
	if _, err := s.Append(ctx, "c", "d", dialogs.Message{Text: "hi", Language: "EN"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Consent(ctx, "d", true); err != nil {
		t.Fatal(err)
	}
	for _, q := range []dialogs.ListQuery{{Limit: 5}, {Limit: 5, Language: "EN"}, {Limit: 5, CustomerID: "c"}} {
		if p, err := s.List(ctx, q); err != nil || len(p.Dialogs) != 1 {
			t.Fatalf("List(%+v) = %d dialogs, %v", q, len(p.Dialogs), err)
		}
	}
}
