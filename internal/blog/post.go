// Package blog is the domain of blog posts moderated in the background: posts
// and their content rules, the moves between moderation statuses, and the
// Store that keeps them in DynamoDB. Its routes and its moderation worker are
// in package blogapi.
//
// A post's life: POST /posts stores it "pending" at version 1 and, in the same
// transaction, records {id, version} in the outbox for the moderation queue
// (see internal/platform/outbox); the worker publishes it ("published") or
// holds it for review ("flagged"). PUT /posts/{id} bumps the version and queues
// the new content the same way: the edit of a published post is kept as a
// draft beside the published version, which stays visible until the worker
// moderates the draft and puts it in its place; the edit of any other post
// replaces its content and makes it pending (an edit of a rejected post ends
// at best "flagged", back in the review queue: only an admin publishes a post
// once rejected);
// POST /posts/{id}/review (admin) approves ("published") or
// rejects ("rejected") it and bumps the version too. Every write the worker
// makes is conditioned on the version it classified and on the post still
// being pending, so a redelivered message, or one for a version edited or
// reviewed since, changes nothing.
package blog

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mosaic-platform/mosaic/internal/classify"
)

// Status is where a post is in moderation.
type Status string

// The statuses of a post.
const (
	Pending   Status = "pending"   // waiting for the worker
	Published Status = "published" // clean, or approved by an admin
	Flagged   Status = "flagged"   // foul language found; waiting for an admin's review
	Rejected  Status = "rejected"  // refused by an admin; visible to writers only
)

// Limits on a post's content: DynamoDB items stop at 400 KB, and a post's
// moderation record grows with its paragraphs.
const (
	MaxTitleChars     = 200
	MaxAuthorChars    = 100
	MaxParagraphs     = 100
	MaxParagraphChars = 10_000
	// All paragraphs together, in UTF-8: an item holds 400 KB, and a published
	// post with a draft holds two versions.
	MaxContentBytes = 160 << 10
)

// Post is a blog post and its moderation. Its JSON is the API's (see
// blogapi.PostView); its `dynamodbav` tags, the item in DynamoDB (see
// DynamoStore), which holds the three structured fields as JSON.
type Post struct {
	ID         string      `json:"id" dynamodbav:"id"`
	Slug       string      `json:"blogpost_slug" dynamodbav:"slug"`
	Title      string      `json:"title" dynamodbav:"title"`
	Author     string      `json:"author,omitempty" dynamodbav:"author"`
	Paragraphs []string    `json:"paragraphs" dynamodbav:"paragraphs"`
	Status     Status      `json:"status" dynamodbav:"status"`
	Moderation *Moderation `json:"moderation,omitempty" dynamodbav:"-"`
	// PriorRejection is an admin's rejection of an earlier version, kept from
	// the edit of a rejected post until an admin reviews it again: while it is
	// set, the worker's verdict is at best Flagged, never Published.
	PriorRejection *Review `json:"prior_rejection,omitempty" dynamodbav:"-"`
	// Draft is an edit of a published post awaiting moderation; the post's
	// own content, still published, is what the public sees meanwhile.
	Draft     *Draft    `json:"pending_edit,omitempty" dynamodbav:"-"`
	Version   int64     `json:"version" dynamodbav:"version"`       // bumped by every edit and review; the worker's messages carry it
	CreatedAt time.Time `json:"created_at" dynamodbav:"created_at"` // RFC 3339 UTC
	UpdatedAt time.Time `json:"updated_at" dynamodbav:"updated_at"`
}

// Draft is the edited content of a published post, until it is moderated.
type Draft struct {
	Title       string    `json:"title"`
	Author      string    `json:"author,omitempty"`
	Paragraphs  []string  `json:"paragraphs"`
	Version     int64     `json:"version"` // the post's version the edit made: its moderation message carries it
	SubmittedAt time.Time `json:"submitted_at"`
}

// PendingVersion is the version of the content awaiting moderation: the
// draft's, or the post's own while it is pending; false when nothing awaits.
func (p Post) PendingVersion() (int64, bool) {
	switch {
	case p.Draft != nil:
		return p.Draft.Version, true
	case p.Status == Pending:
		return p.Version, true
	}
	return 0, false
}

// PendingParagraphs are the paragraphs the worker classifies: the draft's, or the post's own.
func (p Post) PendingParagraphs() []string {
	if p.Draft != nil {
		return p.Draft.Paragraphs
	}
	return p.Paragraphs
}

// Moderation is what the worker found in a post, and an admin's review of it.
type Moderation struct {
	HasFoulLanguage bool      `json:"has_foul_language"`
	Offending       []Offense `json:"offending_paragraphs"`
	Model           string    `json:"model,omitempty"`
	ModeratedAt     time.Time `json:"moderated_at"`
	Review          *Review   `json:"review,omitempty"`
	Version         int64     `json:"version"` // the version of the post that was classified
}

// Offense is one paragraph the classifier flagged.
type Offense struct {
	Index    int              `json:"index"`          // 0-based position in paragraphs
	Text     string           `json:"text,omitempty"` // filled from paragraphs when shown, not stored twice
	TopLabel classify.Label   `json:"top_label"`
	Labels   []classify.Score `json:"labels"` // every label with a score above zero, highest first
}

// Review is an admin's decision on a post.
type Review struct {
	Decision   string    `json:"decision"` // approve | reject
	ReviewedAt time.Time `json:"reviewed_at"`
}

// ModerationRequest is the message that asks the worker to moderate one version of a post.
type ModerationRequest struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
}

// Content is what a writer sends to create or replace a post (the seed's body).
type Content struct {
	Title      string   `json:"title"`
	Paragraphs []string `json:"paragraphs"`
	Author     *string  `json:"author,omitempty"`
}

// FieldError names a field of a post's content and the rule it breaks.
type FieldError struct {
	Field string // as the request body names it: "title", "paragraphs[3]"
	Rule  string // what it must be: "must not be blank"
}

// InvalidContent is every field of a Content that breaks a rule, one error per field.
type InvalidContent []FieldError

func (e InvalidContent) Error() string {
	msgs := make([]string, len(e))
	for i, f := range e {
		msgs[i] = f.Field + " " + f.Rule
	}
	return "blog: invalid content: " + strings.Join(msgs, "; ")
}

// Validate trims the title and author and checks every field; the error is
// an InvalidContent naming each bad one.
func (c *Content) Validate() error {
	var bad InvalidContent
	// check records rule for field unless ok, and returns ok: a field's later
	// rules are checked only once its earlier ones pass.
	check := func(ok bool, field, rule string) bool {
		if !ok {
			bad = append(bad, FieldError{field, rule})
		}
		return ok
	}
	c.Title = strings.TrimSpace(c.Title)
	if check(c.Title != "", "title", "is required and must not be blank") {
		check(utf8.RuneCountInString(c.Title) <= MaxTitleChars, "title", "must be at most "+strconv.Itoa(MaxTitleChars)+" characters")
	}
	if c.Author != nil {
		a := strings.TrimSpace(*c.Author)
		c.Author = &a
		check(utf8.RuneCountInString(a) <= MaxAuthorChars, "author", "must be at most "+strconv.Itoa(MaxAuthorChars)+" characters")
	}
	if check(c.Paragraphs != nil, "paragraphs", "is required: an array of 1 to "+strconv.Itoa(MaxParagraphs)+" strings") &&
		check(len(c.Paragraphs) > 0, "paragraphs", "must hold at least one paragraph") &&
		check(len(c.Paragraphs) <= MaxParagraphs, "paragraphs", "must hold at most "+strconv.Itoa(MaxParagraphs)+" paragraphs") {
		total := 0
		for i, p := range c.Paragraphs {
			field := "paragraphs[" + strconv.Itoa(i) + "]"
			total += len(p)
			if check(strings.TrimSpace(p) != "", field, "must not be blank") {
				check(utf8.RuneCountInString(p) <= MaxParagraphChars, field, "must be at most "+strconv.Itoa(MaxParagraphChars)+" characters")
			}
		}
		check(total <= MaxContentBytes, "paragraphs", "must hold at most "+strconv.Itoa(MaxContentBytes)+" bytes of UTF-8 text in all")
	}
	if bad != nil {
		return bad
	}
	return nil
}

// maxSlugBase bounds the title part of a slug, in bytes.
const maxSlugBase = 80

// Slug makes a post's slug: the trimmed, lower-cased title with every run of
// characters other than letters and digits turned into a single dash, then
// the post's id, which makes it unique.
func Slug(title, id string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(title)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			sep := dash && b.Len() > 0
			if n := utf8.RuneLen(r); sep && b.Len()+1+n > maxSlugBase || b.Len()+n > maxSlugBase {
				break
			}
			if sep {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "post-" + id
	}
	return b.String() + "-" + id
}

// idBytes is the entropy of a post id: 64 bits, 16 hex digits.
const idBytes = 8

// NewID returns a random post id.
func NewID() string {
	b := make([]byte, idBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// IDFromPath accepts a post's id or its slug (which ends with the id) and returns the id.
func IDFromPath(s string) (string, bool) {
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) != 2*idBytes {
		return "", false
	}
	for i := range len(s) {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return "", false
		}
	}
	return s, true
}
