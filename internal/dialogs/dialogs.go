// Package dialogs holds the Dialogs service's domain: dialogs of messages a
// chatbot pushes for its customers, kept only once the customer consents and
// erased at once when they refuse; the rules their input must follow; and the
// Store that keeps them (DynamoStore, in DynamoDB).
package dialogs

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Limits of what a dialog accepts.
const (
	MaxIDLen         = 128    // characters of a customer or dialog id
	MaxTextLen       = 10_000 // characters of one message
	MaxBodyBytes     = 64 << 10
	MaxDialogBytes   = 300_000 // what a dialog's messages may take: see MessageSize
	DefaultDialogTTL = 7 * 24 * time.Hour
)

// MessageSize is what a message counts against MaxDialogBytes: its text and
// the bytes its item takes besides (keys, language, time, idempotency key),
// so that a dialog item stays under DynamoDB's 400 KB however its text is split.
func MessageSize(text string, withKey bool) int64 {
	n := int64(len(text)) + 64
	if withKey {
		n += 32
	}
	return n
}

// TimeLayout is how every time is stored and sent: RFC 3339 UTC with a fixed
// width, so that the stored strings sort in time order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Errors of a Store; handlers map them to statuses.
var (
	ErrNotFound      = errors.New("dialogs: dialog not found")
	ErrRevoked       = errors.New("dialogs: consent was revoked and the dialog erased")
	ErrOtherCustomer = errors.New("dialogs: the dialog belongs to another customer")
	ErrFull          = errors.New("dialogs: the dialog is full")
	ErrContended     = errors.New("dialogs: the dialog kept changing under concurrent writes")
)

// Dialog is a conversation of one customer, as the API returns it.
type Dialog struct {
	DialogID        string    `json:"dialog_id"`
	CustomerID      string    `json:"customer_id"`
	Language        string    `json:"language"`
	ConsentReceived bool      `json:"consent_received"`
	Messages        []Message `json:"messages"`
	CreatedAt       string    `json:"created_at"`
	UpdatedAt       string    `json:"updated_at"`
}

// Message is one utterance of a dialog.
type Message struct {
	Text      string `json:"text" dynamodbav:"text"`
	Language  string `json:"language" dynamodbav:"language"`
	CreatedAt string `json:"created_at" dynamodbav:"created_at"`
}

// ListQuery selects consented dialogs, most recently updated first.
type ListQuery struct {
	Language   string // upper-case ISO 639-1 code, or "" for any
	CustomerID string // or "" for any
	Limit      int    // 1..100
	After      string // the Key of the last dialog of the previous page, or ""
}

// ListPage is one page of a listing: Dialogs[i] sits at position Keys[i];
// More says whether dialogs follow the last one.
type ListPage struct {
	Dialogs []Dialog
	Keys    []string
	More    bool
}

// Store keeps dialogs, their consent and the tombstones of revoked ones.
type Store interface {
	// Append adds m to the dialog, creating it (consent pending) on first
	// write. dedupKey, when not empty, makes a repeated append with the same
	// key change nothing and return the dialog as it is. Errors: ErrRevoked,
	// ErrOtherCustomer, ErrFull.
	Append(ctx context.Context, customerID, dialogID string, m Message, dedupKey string) (Dialog, error)
	// Consent records the customer's answer: true makes the dialog listable
	// (ErrNotFound if there is none, ErrRevoked after a revocation); false
	// erases it and remembers the revocation, also for unknown dialogs.
	Consent(ctx context.Context, dialogID string, consent bool) error
	// Get returns the dialog of customerID. Errors: ErrNotFound, ErrRevoked.
	Get(ctx context.Context, customerID, dialogID string) (Dialog, error)
	// Delete removes the dialog of customerID without a tombstone (ErrNotFound if none).
	Delete(ctx context.Context, customerID, dialogID string) error
	// List returns a page of consented dialogs.
	List(ctx context.Context, q ListQuery) (ListPage, error)
}

// ValidID reports whether s is a customer or dialog id: 1..128 characters of [A-Za-z0-9._:-].
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// IDRule says what ValidID accepts, for error messages.
const IDRule = "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'"

// NormalizeLanguage returns the upper-case form of a two-letter ISO 639-1
// code given in any case, and whether s is one: a code the language registry
// knows (ISO 639-1, withdrawn codes such as IW included), not any two letters.
func NormalizeLanguage(s string) (string, bool) {
	if len(s) != 2 {
		return "", false
	}
	for i := 0; i < 2; i++ {
		c := s[i] | 0x20 // lower-case ASCII letters; anything else stays out of a..z
		if c < 'a' || c > 'z' {
			return "", false
		}
	}
	if _, err := language.ParseBase(strings.ToLower(s)); err != nil {
		return "", false
	}
	return strings.ToUpper(s), true
}

// LanguageRule says what NormalizeLanguage accepts, for error messages.
const LanguageRule = "must be a two-letter ISO 639-1 code such as EN (any case)"

// CheckText returns "" when s is a valid message text, else what is wrong.
func CheckText(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case n == 0:
		return "must not be empty"
	case n > MaxTextLen:
		return "must be at most 10000 characters"
	}
	return ""
}

// FormatTime renders t in TimeLayout.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }
