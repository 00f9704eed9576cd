package feedback

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestDynamoStoreContractOnDynamoDBLocal(t *testing.T) {
	storeContract(t, func(t *testing.T) Store {
		return NewDynamoStore(emutest.Table(t, "StickersTable"))
	})
}

// BenchmarkVoteOnDynamoDBLocal is the cost of recording one vote (a
// TransactWriteItems of the vote marker and the counter) against DynamoDB
// Local, next to the cost of reading a query's feedback for re-ranking.
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
