package blog

// DynamoStore keeps posts in one DynamoDB table of this shape:
//
//	partition key  id          S   the post id (16 hex digits)
//	attributes     slug, title, author  S
//	               paragraphs  L   of S
//	               status      S   pending | published | flagged | rejected
//	               version     N   bumped by every edit and review
//	               moderation  S   JSON of Moderation (absent while pending)
//	               prior_rejection  S  JSON of Review: an admin's rejection of an
//	                           earlier version, while an edit of it awaits a review
//	               draft       S   JSON of Draft: the edit of a published post,
//	                           until it is moderated (absent otherwise)
//	               created_at, updated_at  S  RFC 3339 UTC
//	               list_pk     S   "<status>#<shard>", only while published or flagged
//	               list_sk     S   "<created_at, fixed width>#<id>", likewise
//	GSI "by-status"  list_pk (HASH), list_sk (RANGE), projection ALL: sparse,
//	               it holds only published and flagged posts
//
// Access patterns: every read and write of one post is on its key. Create is
// a Put conditioned on the id being new, in one TransactWriteItems with the
// Put of its moderation work in the outbox table; an edit is written the same
// way. Every later change (edit,
// verdict, review) reads the post, computes the next state in Go and writes the
// whole item back with PutItem conditioned on the version and status it read:
// a compare-and-swap, so a verdict for a version edited or reviewed since, or
// a second verdict for the same version, fails its condition and changes
// nothing; and the listing keys are always written with the status they
// belong to (it also avoids UpdateItem paths that the local emulator
// mishandles for GSI keys). The public listing (published, newest first) and
// the admin review queue (flagged) query the sparse GSI. Rather than one
// partition for every published post — a hot key for the busiest listing —
// each post goes to one of listShards shards by a hash of its id; a page
// queries every shard, in parallel, for the posts before the cursor position,
// newest first, and merges them: the position (list_sk of the last post
// shown) is the same in every shard, so pages neither skip nor repeat.
// list_sk is a string so that it sorts the same in every emulator. Items are
// mapped by the `dynamodbav` tags of Post and item (dynamo.Marshal).
//
// In SAM: see PostsTable in template.yaml.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// listShards is how many partitions each listing is spread over. Changing it
// moves posts between shards: re-write every listed post's list_pk first.
const listShards = 8

// ListIndex is the name of the sparse GSI over published and flagged posts.
const ListIndex = "by-status"

// listTimeLayout is RFC 3339 with a fixed width, so that list keys sort by time.
const listTimeLayout = "2006-01-02T15:04:05.000000000Z"

// MaxPageBytes bounds the posts of one GET /posts page, counted as Lambda
// counts its 6 MB response limit, leaving room for the rest of the response.
// List stops reading a shard once its posts' text alone fills a page.
const MaxPageBytes = 5 << 20

// DynamoStore is the Store over DynamoDB.
type DynamoStore struct {
	db     dynamo.API
	table  string
	outbox *outbox.Table // where Create and Edit record moderation work; nil: they fail
}

var _ Store = (*DynamoStore)(nil)

// NewDynamoStore returns a store over table, of the shape documented above,
// recording moderation work in ob (nil for a store that never creates or edits).
func NewDynamoStore(db dynamo.API, table string, ob *outbox.Table) *DynamoStore {
	return &DynamoStore{db: db, table: table, outbox: ob}
}

// ListKey is a listed post's sort key in the index: the position a page of
// the listing ends at.
func (p Post) ListKey() string {
	return p.CreatedAt.UTC().Format(listTimeLayout) + "#" + p.ID
}

// listPartition is the index partition of a post of status.
func listPartition(status Status, id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return string(status) + "#" + strconv.Itoa(int(h.Sum32()%listShards))
}

func key(id string) dynamo.Item { return dynamo.Values(map[string]any{"id": id}) }

// Create implements Store.
func (d *DynamoStore) Create(ctx context.Context, p Post) error {
	work, err := d.work(ctx, p)
	if err == nil {
		err = d.put(ctx, p, nil, work)
	}
	if errors.Is(err, ErrStale) {
		return ErrExists
	}
	return err
}

// work is the outbox's write of p's moderation work, for p's own transaction.
func (d *DynamoStore) work(ctx context.Context, p Post) (types.TransactWriteItem, error) {
	if d.outbox == nil {
		return types.TransactWriteItem{}, errors.New("blog: this store has no outbox to record moderation work in")
	}
	m, err := ModerationWork(ctx, p)
	return d.outbox.Put(m), err
}

// put writes p whole, on condition that the stored post is still prev (same
// version and status) or, with prev nil, that p's id is new: every change of
// a post is a compare-and-swap of the whole item, so the listing keys always
// agree with the status. Given work, it is written in the same transaction.
// ErrStale when the condition fails.
func (d *DynamoStore) put(ctx context.Context, p Post, prev *Post, work ...types.TransactWriteItem) error {
	it, err := encodePost(p)
	if err != nil {
		return err
	}
	w := types.Put{TableName: &d.table, Item: it, ConditionExpression: aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": "id"}}
	if prev != nil {
		w.ConditionExpression = aws.String("#version = :v AND #status = :s")
		w.ExpressionAttributeNames = map[string]string{"#version": "version", "#status": "status"}
		w.ExpressionAttributeValues = dynamo.Values(map[string]any{":v": prev.Version, ":s": prev.Status})
	}
	if len(work) == 0 {
		_, err = d.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: w.TableName, Item: w.Item, ConditionExpression: w.ConditionExpression,
			ExpressionAttributeNames: w.ExpressionAttributeNames, ExpressionAttributeValues: w.ExpressionAttributeValues})
	} else {
		_, err = d.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append([]types.TransactWriteItem{{Put: &w}}, work...)})
	}
	if dynamo.IsConditionFailed(err) {
		return ErrStale
	}
	if err != nil {
		return fmt.Errorf("blog: write post %s: %w", p.ID, err)
	}
	return nil
}

// Get implements Store.
func (d *DynamoStore) Get(ctx context.Context, id string) (Post, error) {
	out, err := d.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &d.table, Key: key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Post{}, fmt.Errorf("blog: get post %s: %w", id, err)
	}
	if out.Item == nil {
		return Post{}, ErrNotFound
	}
	return decodePost(out.Item)
}

// editAttempts bounds the retries of an edit that races the worker's verdict.
const editAttempts = 5

// Edit implements Store.
func (d *DynamoStore) Edit(ctx context.Context, id string, c Content, now time.Time) (Post, Post, error) {
	for range editAttempts {
		prev, err := d.Get(ctx, id)
		if err != nil {
			return Post{}, Post{}, err
		}
		next := editedPost(prev, c, now)
		work, err := d.work(ctx, next)
		if err == nil {
			err = d.put(ctx, next, &prev, work)
		}
		if errors.Is(err, ErrStale) {
			continue // moderated or reviewed meanwhile: the edit still wins, on the new state
		}
		if err != nil {
			return Post{}, Post{}, err
		}
		return next, prev, nil
	}
	return Post{}, Post{}, fmt.Errorf("blog: edit post %s: %w (%d attempts)", id, ErrStale, editAttempts)
}

// Delete implements Store.
func (d *DynamoStore) Delete(ctx context.Context, id string) error {
	_, err := d.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &d.table, Key: key(id),
		ConditionExpression:      aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": "id"},
	})
	if dynamo.IsConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("blog: delete post %s: %w", id, err)
	}
	return nil
}

// change reads post id and, if may allows it, writes next(prev) in its
// place; ErrStale when may refuses, or the post is gone or changed meanwhile.
func (d *DynamoStore) change(ctx context.Context, id string, may func(Post) bool, next func(Post) Post) (Post, error) {
	prev, err := d.Get(ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && !may(prev) {
		return Post{}, ErrStale
	}
	if err != nil {
		return Post{}, err
	}
	p := next(prev)
	if err := d.put(ctx, p, &prev); err != nil {
		return Post{}, err
	}
	return p, nil
}

// Moderate implements Store.
func (d *DynamoStore) Moderate(ctx context.Context, id string, version int64, to Status, m Moderation, now time.Time) error {
	_, err := d.change(ctx, id,
		func(p Post) bool { v, waits := p.PendingVersion(); return waits && v == version },
		func(p Post) Post { return moderatedPost(p, to, m, now) })
	return err
}

// Review implements Store.
func (d *DynamoStore) Review(ctx context.Context, id string, version int64, from []Status, to Status, r Review, now time.Time) (Post, error) {
	return d.change(ctx, id,
		func(p Post) bool { return p.Version == version && slices.Contains(from, p.Status) },
		func(p Post) Post { return reviewedPost(p, to, r, now) })
}

// List implements Store: every shard read newest first and merged.
func (d *DynamoStore) List(ctx context.Context, status Status, before string, limit int) ([]Post, string, error) {
	if !Listed(status) {
		return nil, "", fmt.Errorf("blog: posts that are %s are not listed", status)
	}
	shards := dynamo.Shards{Table: d.table, Index: ListIndex, PartitionAttr: "list_pk", SortAttr: "list_sk"}
	for i := range listShards {
		shards.Partitions = append(shards.Partitions, string(status)+"#"+strconv.Itoa(i))
	}
	// Once one shard's posts alone fill a whole page (MaxPageBytes, which the
	// handler enforces on sizes never below textBytes), no page can reach
	// past them, so reading more would only cost memory.
	enough := func(ps []Post) bool {
		text := 0
		for _, p := range ps {
			text += textBytes(p)
		}
		return text >= MaxPageBytes
	}
	all, err := dynamo.Newest(ctx, d.db, shards, before, limit+1, decodePost, Post.ListKey, enough)
	if err != nil {
		return nil, "", fmt.Errorf("blog: list %s posts: %w", status, err)
	}
	posts, next := endPage(all, limit)
	return posts, next, nil
}

// endPage cuts a listing sorted newest first into one page: at limit posts, or
// after the post whose text fills MaxPageBytes — which is at or before the last
// post of any shard that stopped reading there (see List). next is the
// list key the following page starts before, "" when nothing is left.
func endPage(sorted []Post, limit int) ([]Post, string) {
	text := 0
	for i, p := range sorted {
		text += textBytes(p)
		if i+1 < len(sorted) && (i+1 == limit || text >= MaxPageBytes) {
			return sorted[:i+1], p.ListKey()
		}
	}
	return sorted, ""
}

// textBytes is the size of a post's text, below what it takes on a page.
func textBytes(p Post) int {
	n := len(p.Title) + len(p.Author)
	for _, para := range p.Paragraphs {
		n += len(para)
	}
	return n
}

// item is a post as stored: its tagged fields, the structured ones as JSON,
// and the listing keys while it is listed.
type item struct {
	Post
	Moderation     string `dynamodbav:"moderation,omitempty"`
	PriorRejection string `dynamodbav:"prior_rejection,omitempty"`
	Draft          string `dynamodbav:"draft,omitempty"`
	ListPK         string `dynamodbav:"list_pk,omitempty"`
	ListSK         string `dynamodbav:"list_sk,omitempty"`
}

// encodePost makes the item of a post, with its listing keys when it is listed.
func encodePost(p Post) (dynamo.Item, error) {
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if p.Paragraphs == nil {
		p.Paragraphs = []string{} // an empty list, not NULL
	}
	it := item{Post: p}
	if Listed(p.Status) {
		it.ListPK, it.ListSK = listPartition(p.Status, p.ID), p.ListKey()
	}
	for dst, v := range map[*string]any{&it.Moderation: p.Moderation, &it.PriorRejection: p.PriorRejection, &it.Draft: p.Draft} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("blog: encode post %s: %w", p.ID, err)
		}
		if string(b) != "null" { // absent, not JSON null
			*dst = string(b)
		}
	}
	return dynamo.Marshal(it)
}

// decodePost reads a post item.
func decodePost(av dynamo.Item) (Post, error) {
	var it item
	if err := dynamo.Unmarshal(av, &it); err != nil {
		return Post{}, fmt.Errorf("blog: decode post: %w", err)
	}
	p := it.Post
	for dst, src := range map[any]string{&p.Moderation: it.Moderation, &p.PriorRejection: it.PriorRejection, &p.Draft: it.Draft} {
		if src == "" {
			continue
		}
		if err := json.Unmarshal([]byte(src), dst); err != nil {
			return Post{}, fmt.Errorf("blog: post %s: %w", p.ID, err)
		}
	}
	return p, nil
}
