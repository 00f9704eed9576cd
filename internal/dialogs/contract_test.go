package dialogs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/dialogs"
	"github.com/mosaic-platform/mosaic/internal/platform/clocktest"
)

// contractTTL is the DIALOG_TTL the stores under contract must be built with.
const contractTTL = time.Hour

// storeMaker makes an empty store reading its time from now, with contractTTL.
type storeMaker func(t *testing.T, now func() time.Time) dialogs.Store

// storeContract runs the behaviour every dialogs.Store must have.
func storeContract(t *testing.T, newStore storeMaker) {
	ctx := context.Background()
	setup := func(t *testing.T) (dialogs.Store, *clocktest.Clock) {
		// From the real time on: DynamoDB's TTL deletes by the real clock.
		c := clocktest.New(time.Now())
		return newStore(t, c.Now), c
	}
	msg := func(text, lang string) dialogs.Message { return dialogs.Message{Text: text, Language: lang} }
	mustAppend := func(t *testing.T, s dialogs.Store, cust, id string, m dialogs.Message) dialogs.Dialog {
		t.Helper()
		d, err := s.Append(ctx, cust, id, m, "")
		if err != nil {
			t.Fatalf("Append(%s, %s): %v", cust, id, err)
		}
		return d
	}
	mustConsent := func(t *testing.T, s dialogs.Store, id string, v bool) {
		t.Helper()
		if err := s.Consent(ctx, id, v); err != nil {
			t.Fatalf("Consent(%s, %v): %v", id, v, err)
		}
	}
	listAll := func(t *testing.T, s dialogs.Store, q dialogs.ListQuery) []string {
		t.Helper()
		var ids []string
		for range 1000 {
			p, err := s.List(ctx, q)
			if err != nil {
				t.Fatalf("List(%+v): %v", q, err)
			}
			for _, d := range p.Dialogs {
				ids = append(ids, d.DialogID)
			}
			if !p.More {
				return ids
			}
			q.After = p.Keys[len(p.Keys)-1]
		}
		t.Fatal("List never ends")
		return nil
	}

	t.Run("first push creates a pending dialog; later ones append in order", func(t *testing.T) {
		s, clock := setup(t)
		d := mustAppend(t, s, "c1", "d1", msg("hello", "EN"))
		if d.DialogID != "d1" || d.CustomerID != "c1" || d.Language != "EN" || d.ConsentReceived || len(d.Messages) != 1 {
			t.Fatalf("first append = %+v", d)
		}
		clock.Advance(time.Second)
		d = mustAppend(t, s, "c1", "d1", msg("hallo", "DE"))
		if len(d.Messages) != 2 || d.Messages[0].Text != "hello" || d.Messages[1].Text != "hallo" || d.Messages[1].Language != "DE" {
			t.Fatalf("second append = %+v", d)
		}
		if d.Language != "EN" || d.UpdatedAt != d.Messages[1].CreatedAt || d.CreatedAt != d.Messages[0].CreatedAt || d.UpdatedAt <= d.CreatedAt {
			t.Fatalf("dialog language and times = %+v", d)
		}
		got, err := s.Get(ctx, "c1", "d1")
		if err != nil || len(got.Messages) != 2 {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		if ids := listAll(t, s, dialogs.ListQuery{Limit: 10}); len(ids) != 0 {
			t.Fatalf("a pending dialog is listed: %v", ids)
		}
	})

	t.Run("a dialog belongs to one customer", func(t *testing.T) {
		s, _ := setup(t)
		mustAppend(t, s, "c1", "d1", msg("hello", "EN"))
		if _, err := s.Append(ctx, "c2", "d1", msg("hi", "EN"), ""); !errors.Is(err, dialogs.ErrOtherCustomer) {
			t.Fatalf("Append by another customer = %v, want ErrOtherCustomer", err)
		}
		if _, err := s.Get(ctx, "c2", "d1"); !errors.Is(err, dialogs.ErrNotFound) {
			t.Fatalf("Get by another customer = %v, want ErrNotFound", err)
		}
		if d, _ := s.Get(ctx, "c1", "d1"); len(d.Messages) != 1 {
			t.Fatalf("the refused push was stored: %+v", d)
		}
	})

	t.Run("a repeated dedup key appends once", func(t *testing.T) {
		s, _ := setup(t)
		for range 3 {
			d, err := s.Append(ctx, "c1", "d1", msg("hello", "EN"), "key-1")
			if err != nil || len(d.Messages) != 1 {
				t.Fatalf("Append with key-1 = %d messages, %v", len(d.Messages), err)
			}
		}
		if d, err := s.Append(ctx, "c1", "d1", msg("again", "EN"), "key-2"); err != nil || len(d.Messages) != 2 {
			t.Fatalf("Append with key-2 = %d messages, %v", len(d.Messages), err)
		}
	})

	t.Run("consent makes a dialog listable, idempotently", func(t *testing.T) {
		s, _ := setup(t)
		mustAppend(t, s, "c1", "d1", msg("hello", "EN"))
		mustConsent(t, s, "d1", true)
		mustConsent(t, s, "d1", true)
		d, err := s.Get(ctx, "c1", "d1")
		if err != nil || !d.ConsentReceived {
			t.Fatalf("Get after consent = %+v, %v", d, err)
		}
		if ids := listAll(t, s, dialogs.ListQuery{Limit: 10}); !slices.Equal(ids, []string{"d1"}) {
			t.Fatalf("listed %v, want [d1]", ids)
		}
		d = mustAppend(t, s, "c1", "d1", msg("more", "EN"))
		if !d.ConsentReceived || len(d.Messages) != 2 {
			t.Fatalf("append after consent = %+v", d)
		}
	})

	t.Run("consent for an unknown dialog", func(t *testing.T) {
		s, _ := setup(t)
		if err := s.Consent(ctx, "nobody", true); !errors.Is(err, dialogs.ErrNotFound) {
			t.Fatalf("Consent(true) on an unknown dialog = %v, want ErrNotFound", err)
		}
		mustConsent(t, s, "nobody", false)
		if _, err := s.Append(ctx, "c1", "nobody", msg("late", "EN"), ""); !errors.Is(err, dialogs.ErrRevoked) {
			t.Fatalf("Append after a revocation of an unknown dialog = %v, want ErrRevoked", err)
		}
	})

	t.Run("revocation erases the dialog and refuses later pushes", func(t *testing.T) {
		s, _ := setup(t)
		mustAppend(t, s, "c1", "d1", msg("hello", "EN"))
		mustConsent(t, s, "d1", true)
		mustConsent(t, s, "d1", false)
		mustConsent(t, s, "d1", false)
		if _, err := s.Get(ctx, "c1", "d1"); !errors.Is(err, dialogs.ErrRevoked) {
			t.Fatalf("Get after revocation = %v, want ErrRevoked", err)
		}
		if _, err := s.Append(ctx, "c1", "d1", msg("late", "EN"), ""); !errors.Is(err, dialogs.ErrRevoked) {
			t.Fatalf("Append after revocation = %v, want ErrRevoked", err)
		}
		if err := s.Consent(ctx, "d1", true); !errors.Is(err, dialogs.ErrRevoked) {
			t.Fatalf("Consent(true) after revocation = %v, want ErrRevoked", err)
		}
		if err := s.Delete(ctx, "c1", "d1"); !errors.Is(err, dialogs.ErrRevoked) {
			t.Fatalf("Delete after revocation = %v, want ErrRevoked", err)
		}
		if ids := listAll(t, s, dialogs.ListQuery{Limit: 10}); len(ids) != 0 {
			t.Fatalf("a revoked dialog is listed: %v", ids)
		}
	})

	t.Run("a never-consented dialog expires after the TTL", func(t *testing.T) {
		s, clock := setup(t)
		mustAppend(t, s, "c1", "d1", msg("hello", "EN"))
		clock.Advance(contractTTL - time.Minute)
		mustAppend(t, s, "c1", "d1", msg("still here", "EN")) // the expiry counts from the last message
		clock.Advance(contractTTL - time.Minute)
		if d, err := s.Get(ctx, "c1", "d1"); err != nil || len(d.Messages) != 2 {
			t.Fatalf("Get before expiry = %+v, %v", d, err)
		}
		clock.Advance(2 * time.Minute)
		if _, err := s.Get(ctx, "c1", "d1"); !errors.Is(err, dialogs.ErrNotFound) {
			t.Fatalf("Get after expiry = %v, want ErrNotFound", err)
		}
		if err := s.Consent(ctx, "d1", true); !errors.Is(err, dialogs.ErrNotFound) {
			t.Fatalf("Consent(true) after expiry = %v, want ErrNotFound", err)
		}
		d := mustAppend(t, s, "c2", "d1", msg("new", "FR")) // an expired dialog id starts afresh
		if d.CustomerID != "c2" || d.Language != "FR" || len(d.Messages) != 1 {
			t.Fatalf("append after expiry = %+v", d)
		}
	})

	t.Run("a consented dialog never expires", func(t *testing.T) {
		s, clock := setup(t)
		mustAppend(t, s, "c1", "d1", msg("hello", "EN"))
		mustConsent(t, s, "d1", true)
		clock.Advance(10 * contractTTL)
		if _, err := s.Get(ctx, "c1", "d1"); err != nil {
			t.Fatalf("Get long after consent = %v", err)
		}
	})

	t.Run("delete removes without a tombstone", func(t *testing.T) {
		s, _ := setup(t)
		mustAppend(t, s, "c1", "d1", msg("hello", "EN"))
		if err := s.Delete(ctx, "c2", "d1"); !errors.Is(err, dialogs.ErrNotFound) {
			t.Fatalf("Delete by another customer = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "c1", "d1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "c1", "d1"); !errors.Is(err, dialogs.ErrNotFound) {
			t.Fatalf("second Delete = %v, want ErrNotFound", err)
		}
		if d := mustAppend(t, s, "c2", "d1", msg("new", "EN")); len(d.Messages) != 1 {
			t.Fatalf("append after delete = %+v", d)
		}
	})

	t.Run("a dialog holds MaxDialogBytes of text", func(t *testing.T) {
		s, _ := setup(t)
		big := strings.Repeat("x", dialogs.MaxTextLen)
		n := dialogs.MaxDialogBytes / int(dialogs.MessageSize(big, false))
		for i := range n {
			if _, err := s.Append(ctx, "c1", "d1", msg(big, "EN"), ""); err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
		}
		if _, err := s.Append(ctx, "c1", "d1", msg(big, "EN"), ""); !errors.Is(err, dialogs.ErrFull) {
			t.Fatalf("append over the limit = %v, want ErrFull", err)
		}
	})

	t.Run("updated_at never goes back when clocks disagree", func(t *testing.T) {
		s, clock := setup(t)
		mustAppend(t, s, "c1", "d1", msg("first", "EN"))
		clock.Advance(-time.Minute)
		d := mustAppend(t, s, "c1", "d1", msg("second", "EN"))
		if d.Messages[1].CreatedAt < d.Messages[0].CreatedAt || d.UpdatedAt != d.Messages[1].CreatedAt {
			t.Fatalf("times went back: %+v", d)
		}
	})

	t.Run("listing: newest first, filters, pages", func(t *testing.T) {
		s, clock := setup(t)
		langs := []string{"EN", "DE", "FR"}
		var want []string // newest first
		for i := range 45 {
			id := fmt.Sprintf("d%02d", i)
			mustAppend(t, s, fmt.Sprintf("c%d", i%4), id, msg("hello", langs[i%3]))
			clock.Advance(time.Second)
			if i%5 != 4 { // every fifth dialog stays pending
				mustConsent(t, s, id, true)
				want = append([]string{id}, want...)
			}
		}
		// An old dialog gets a new message: it moves to the front.
		mustAppend(t, s, "c0", "d00", msg("back again", "EN"))
		want = append([]string{"d00"}, slices.DeleteFunc(want, func(id string) bool { return id == "d00" })...)

		for _, limit := range []int{1, 7, 100} {
			if got := listAll(t, s, dialogs.ListQuery{Limit: limit}); !slices.Equal(got, want) {
				t.Fatalf("limit %d: listed\n%v\nwant\n%v", limit, got, want)
			}
		}
		filter := func(keep func(i int) bool) []string {
			var out []string
			for _, id := range want {
				var i int
				fmt.Sscanf(id, "d%d", &i)
				if keep(i) {
					out = append(out, id)
				}
			}
			return out
		}
		for _, tc := range []struct {
			q    dialogs.ListQuery
			keep func(int) bool
		}{
			{dialogs.ListQuery{Language: "DE", Limit: 4}, func(i int) bool { return i%3 == 1 }},
			{dialogs.ListQuery{CustomerID: "c2", Limit: 3}, func(i int) bool { return i%4 == 2 }},
			{dialogs.ListQuery{CustomerID: "c1", Language: "EN", Limit: 2}, func(i int) bool { return i%4 == 1 && i%3 == 0 }},
			{dialogs.ListQuery{CustomerID: "nobody", Limit: 2}, func(int) bool { return false }},
		} {
			if got, w := listAll(t, s, tc.q), filter(tc.keep); !slices.Equal(got, w) {
				t.Errorf("%+v: listed %v, want %v", tc.q, got, w)
			}
		}
		p, err := s.List(ctx, dialogs.ListQuery{Limit: 3})
		if err != nil || len(p.Dialogs) != 3 || !p.More || len(p.Dialogs[0].Messages) != 2 || p.Dialogs[0].Messages[1].Text != "back again" {
			t.Fatalf("first page = %+v, %v", p, err)
		}
	})
}
