package stickers

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoStoreContractOnDynamoDBLocal(t *testing.T) {
	storeContract(t, func(t *testing.T) Store {
		return NewDynamoStore(emutest.Table(t, "StickersTable"))
	})
}

// TestLegacyVoteMarkerStands: a marker written before markers kept the vote's
// direction cannot be moved (its side is unknown): the client's votes change
// nothing until it expires, then count anew.
func TestLegacyVoteMarkerStands(t *testing.T) {
	db, table := emutest.Table(t, "StickersTable")
	s := NewDynamoStore(db, table)
	at := time.Now().UTC().Add(time.Hour) // after now: no TTL sweep removes the marker mid-test
	v := Vote{Query: "cat", Sticker: "1F408", Client: "old", Positive: true}
	marker := dynamo.Values(map[string]any{"pk": hashKey("VOTE#", v.Client, v.Query, v.Sticker), "sk": "VOTE", "expires_at": at.Add(VoteRetention).Unix()})
	if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: marker}); err != nil {
		t.Fatal(err)
	}
	for _, positive := range []bool{true, false} {
		v.Positive = positive
		if o, err := s.Vote(t.Context(), v, at.Add(time.Hour)); err != nil || o != VoteUnchanged {
			t.Fatalf("vote (positive %v) over a legacy marker: %v %v", positive, o, err)
		}
	}
	if o, err := s.Vote(t.Context(), v, at.Add(VoteRetention+time.Second)); err != nil || o != VoteCounted {
		t.Fatalf("vote after the legacy marker expired: %v %v", o, err)
	}
	wantCounts(t, s, "cat", map[string][2]int64{"1F408": {0, 1}})
}

// BenchmarkVoteOnDynamoDBLocal is the cost of recording one new vote (a
// GetItem of the vote marker, then a TransactWriteItems of the marker and the
// counter) against DynamoDB Local, next to the cost of reading a query's
// feedback for re-ranking.
func BenchmarkVoteOnDynamoDBLocal(b *testing.B) {
	s := NewDynamoStore(emutest.Table(b, "StickersTable"))
	at := time.Now()
	i := 0
	for b.Loop() {
		if _, err := s.Vote(b.Context(), Vote{Query: "cat park", Sticker: "1F408", Client: strconv.Itoa(i), Positive: true}, at); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkFeedbackReadOnDynamoDBLocal(b *testing.B) {
	s := NewDynamoStore(emutest.Table(b, "StickersTable"))
	for i := range 20 {
		_, _ = s.Vote(b.Context(), Vote{Query: "cat park", Sticker: strconv.Itoa(i), Client: "c", Positive: true}, time.Now())
	}
	for b.Loop() {
		if _, err := s.Feedback(b.Context(), "cat park"); err != nil {
			b.Fatal(err)
		}
	}
}

// failSecondFlush fails the second TransactWriteItems of a flush once, after
// DynamoDB applied it: the answer is lost, as on a time-out.
type failSecondFlush struct {
	dynamo.API
	calls int
}

func (f *failSecondFlush) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	out, err := f.API.TransactWriteItems(ctx, in, opts...)
	if f.calls++; f.calls == 2 && err == nil {
		return nil, errors.New("read tcp: i/o timeout")
	}
	return out, err
}

// TestFlushRetriedAfterALostAnswerCountsOnce: a flush whose second chunk was
// applied but whose answer was lost is retried whole, and counts once.
func TestFlushRetriedAfterALostAnswerCountsOnce(t *testing.T) {
	db, table := emutest.Table(t, "StickersTable")
	s := NewDynamoStore(&failSecondFlush{API: db}, table)
	at := time.Now().UTC()
	b := UsageBatch{ID: "env-lost", Days: map[string]int64{at.Format(time.DateOnly): 100}}
	for i := range 100 {
		b.Queries = append(b.Queries, QueryCount{Query: "q" + strconv.Itoa(i), Display: "q", N: 1, LastUsedAt: at})
	}
	if err := s.AddUsage(t.Context(), b); err == nil {
		t.Fatal("the injected fault did not surface")
	}
	if err := s.AddUsage(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	qs, err := s.Queries(t.Context())
	if err != nil || len(qs) != 100 {
		t.Fatalf("queries: %d %v", len(qs), err)
	}
	for _, u := range qs {
		if u.Usage != 1 {
			t.Fatalf("%s counted %d times", u.Query, u.Usage)
		}
	}
}
