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
// list_sk is a string so that it sorts the same in every emulator.
//
// In SAM: see PostsTable in template.yaml.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamoitem"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
)

// listShards is how many partitions each listing is spread over. Changing it
// moves posts between shards: re-write every listed post's list_pk first.
const listShards = 8

// ListIndex is the name of the sparse GSI over published and flagged posts.
const ListIndex = "by-status"

// Attribute names.
const (
	attrID         = "id"
	attrSlug       = "slug"
	attrTitle      = "title"
	attrAuthor     = "author"
	attrParagraphs = "paragraphs"
	attrStatus     = "status"
	attrVersion    = "version"
	attrModeration = "moderation"
	attrPriorRej   = "prior_rejection"
	attrDraft      = "draft"
	attrCreated    = "created_at"
	attrUpdated    = "updated_at"
	attrListPK     = "list_pk"
	attrListSK     = "list_sk"
)

// listTimeLayout is RFC 3339 with a fixed width, so that list keys sort by time.
const listTimeLayout = "2006-01-02T15:04:05.000000000Z"

// DynamoDBAPI is the part of the DynamoDB client a DynamoStore uses; *dynamodb.Client has it.
type DynamoDBAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// DynamoStore is the Store over DynamoDB.
type DynamoStore struct {
	db     DynamoDBAPI
	table  string
	outbox *outbox.Table // where Create and Edit record moderation work; nil: they fail
}

var _ Store = (*DynamoStore)(nil)

// NewDynamoStore returns a store over table, of the shape documented above,
// recording moderation work in ob (nil for a store that never creates or edits).
func NewDynamoStore(db DynamoDBAPI, table string, ob *outbox.Table) *DynamoStore {
	return &DynamoStore{db: db, table: table, outbox: ob}
}

// listKey is a listed post's sort key in the index.
func listKey(p Post) string {
	return p.CreatedAt.UTC().Format(listTimeLayout) + "#" + p.ID
}

// listPartition is the index partition of a post of status.
func listPartition(status Status, id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return string(status) + "#" + strconv.Itoa(int(h.Sum32()%listShards))
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrID: s(id)}
}

func paragraphsValue(ps []string) types.AttributeValue {
	l := make([]types.AttributeValue, len(ps))
	for i, p := range ps {
		l[i] = s(p)
	}
	return &types.AttributeValueMemberL{Value: l}
}

// isConditionFailed reports a failed ConditionExpression.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// Create implements Store.
func (d *DynamoStore) Create(ctx context.Context, p Post) error {
	item, err := encodePost(p)
	if err != nil {
		return err
	}
	err = d.writeWithWork(ctx, p, &types.Put{
		TableName: &d.table, Item: item,
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": attrID},
	})
	if isConditionFailed(err) {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("blog: put post %s: %w", p.ID, err)
	}
	return nil
}

// writeWithWork writes put (the post p) and p's moderation work in one
// transaction. A failed condition on the post comes back as a
// *types.ConditionalCheckFailedException, as from a PutItem.
func (d *DynamoStore) writeWithWork(ctx context.Context, p Post, put *types.Put) error {
	if d.outbox == nil {
		return errors.New("blog: this store has no outbox to record moderation work in")
	}
	work, err := ModerationWork(ctx, p)
	if err != nil {
		return err
	}
	_, err = d.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{{Put: put}, d.outbox.Put(work)},
	})
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) && len(cancelled.CancellationReasons) > 0 &&
		aws.ToString(cancelled.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		return &types.ConditionalCheckFailedException{Message: cancelled.Message}
	}
	return err
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

// replace writes next over prev, provided the stored post is still prev (same
// version and status): every change of a post is a compare-and-swap of the
// whole item, so the listing keys always agree with the status. ErrStale when
// the post changed or is gone.
func (d *DynamoStore) replace(ctx context.Context, prev, next Post) error {
	item, err := encodePost(next)
	if err != nil {
		return err
	}
	cond, names, values := unchangedSince(prev)
	_, err = d.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &d.table, Item: item,
		ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return ErrStale
	}
	if err != nil {
		return fmt.Errorf("blog: write post %s: %w", next.ID, err)
	}
	return nil
}

// unchangedSince is the condition that the stored post still has prev's version and status.
func unchangedSince(prev Post) (*string, map[string]string, map[string]types.AttributeValue) {
	return aws.String("#version = :v AND #status = :s"),
		map[string]string{"#version": attrVersion, "#status": attrStatus},
		map[string]types.AttributeValue{":v": n(prev.Version), ":s": s(string(prev.Status))}
}

// replaceWithWork is replace, with next's moderation work recorded in the same transaction.
func (d *DynamoStore) replaceWithWork(ctx context.Context, prev, next Post) error {
	item, err := encodePost(next)
	if err != nil {
		return err
	}
	cond, names, values := unchangedSince(prev)
	err = d.writeWithWork(ctx, next, &types.Put{
		TableName: &d.table, Item: item,
		ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return ErrStale
	}
	if err != nil {
		return fmt.Errorf("blog: write post %s: %w", next.ID, err)
	}
	return nil
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
		err = d.replaceWithWork(ctx, prev, next)
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
		ExpressionAttributeNames: map[string]string{"#id": attrID},
	})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("blog: delete post %s: %w", id, err)
	}
	return nil
}

// Moderate implements Store.
func (d *DynamoStore) Moderate(ctx context.Context, id string, version int64, to Status, m Moderation, now time.Time) error {
	prev, err := d.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return ErrStale
	}
	if err != nil {
		return err
	}
	if pending, waits := prev.PendingVersion(); !waits || pending != version {
		return ErrStale
	}
	return d.replace(ctx, prev, moderatedPost(prev, to, m, now))
}

// Review implements Store.
func (d *DynamoStore) Review(ctx context.Context, id string, version int64, from []Status, to Status, r Review, now time.Time) (Post, error) {
	prev, err := d.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Post{}, ErrStale
	}
	if err != nil {
		return Post{}, err
	}
	if prev.Version != version || !slices.Contains(from, prev.Status) {
		return Post{}, ErrStale
	}
	next := reviewedPost(prev, to, r, now)
	if err := d.replace(ctx, prev, next); err != nil {
		return Post{}, err
	}
	return next, nil
}

// List implements Store: one query per shard, newest first, merged.
func (d *DynamoStore) List(ctx context.Context, status Status, before string, limit int) ([]Post, string, error) {
	if !Listed(status) {
		return nil, "", fmt.Errorf("blog: posts that are %s are not listed", status)
	}
	shards := make([][]Post, listShards)
	errs := make([]error, listShards)
	var wg sync.WaitGroup
	for i := range listShards {
		wg.Go(func() {
			shards[i], errs[i] = d.queryShard(ctx, string(status)+"#"+strconv.Itoa(i), before, limit+1)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, "", err
	}
	all := slices.Concat(shards...)
	slices.SortFunc(all, func(a, b Post) int { return cmp.Compare(listKey(b), listKey(a)) })
	posts, next := endPage(all, limit)
	return posts, next, nil
}

// queryShard returns up to want posts of one index partition before the position.
func (d *DynamoStore) queryShard(ctx context.Context, partition, before string, want int) ([]Post, error) {
	cond := "#lpk = :lpk"
	values := map[string]types.AttributeValue{":lpk": s(partition)}
	names := map[string]string{"#lpk": attrListPK}
	if before != "" {
		cond += " AND #lsk < :before"
		values[":before"] = s(before)
		names["#lsk"] = attrListSK
	}
	var (
		posts []Post
		start map[string]types.AttributeValue
		text  int // a lower bound of the posts' size on a page
	)
	for {
		out, err := d.db.Query(ctx, &dynamodb.QueryInput{
			TableName: &d.table, IndexName: aws.String(ListIndex),
			KeyConditionExpression:    aws.String(cond),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
			ScanIndexForward:          aws.Bool(false),
			Limit:                     aws.Int32(int32(want - len(posts))),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("blog: query %s: %w", partition, err)
		}
		for _, item := range out.Items {
			p, err := decodePost(item)
			if err != nil {
				return nil, err
			}
			posts = append(posts, p)
			text += textBytes(p)
		}
		// A page stops at 1 MB as well as at Limit: go on until enough or none
		// left. Once this shard's posts alone fill a whole page (maxPageBytes,
		// which the handler enforces on sizes never below textBytes), no page
		// can reach past them, so reading more would only cost memory.
		if start = out.LastEvaluatedKey; len(start) == 0 || len(posts) >= want || text >= maxPageBytes {
			return posts, nil
		}
	}
}

// endPage cuts a listing sorted newest first into one page: at limit posts, or
// after the post whose text fills maxPageBytes — which is at or before the last
// post of any shard that stopped reading there (see queryShard). next is the
// list key the following page starts before, "" when nothing is left.
func endPage(sorted []Post, limit int) ([]Post, string) {
	text := 0
	for i, p := range sorted {
		text += textBytes(p)
		if i+1 < len(sorted) && (i+1 == limit || text >= maxPageBytes) {
			return sorted[:i+1], listKey(p)
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

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// encodePost makes the item of a post, with its listing keys when it is listed.
func encodePost(p Post) (map[string]types.AttributeValue, error) {
	item := map[string]types.AttributeValue{
		attrID: s(p.ID), attrSlug: s(p.Slug), attrTitle: s(p.Title), attrAuthor: s(p.Author),
		attrParagraphs: paragraphsValue(p.Paragraphs), attrStatus: s(string(p.Status)),
		attrVersion: n(p.Version), attrCreated: s(formatTime(p.CreatedAt)), attrUpdated: s(formatTime(p.UpdatedAt)),
	}
	if p.Moderation != nil {
		m, err := json.Marshal(p.Moderation)
		if err != nil {
			return nil, fmt.Errorf("blog: encode moderation of %s: %w", p.ID, err)
		}
		item[attrModeration] = s(string(m))
	}
	if p.PriorRejection != nil {
		r, err := json.Marshal(p.PriorRejection)
		if err != nil {
			return nil, fmt.Errorf("blog: encode prior rejection of %s: %w", p.ID, err)
		}
		item[attrPriorRej] = s(string(r))
	}
	if p.Draft != nil {
		dr, err := json.Marshal(p.Draft)
		if err != nil {
			return nil, fmt.Errorf("blog: encode draft of %s: %w", p.ID, err)
		}
		item[attrDraft] = s(string(dr))
	}
	if Listed(p.Status) {
		item[attrListPK], item[attrListSK] = s(listPartition(p.Status, p.ID)), s(listKey(p))
	}
	return item, nil
}

// decodePost reads a post item.
func decodePost(item map[string]types.AttributeValue) (Post, error) {
	str := func(name string) string { return dynamoitem.String(item, name) }
	p := Post{
		ID: str(attrID), Slug: str(attrSlug), Title: str(attrTitle), Author: str(attrAuthor),
		Status: Status(str(attrStatus)),
	}
	if v, ok := item[attrVersion].(*types.AttributeValueMemberN); ok {
		ver, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			return Post{}, fmt.Errorf("blog: post %s: version %q: %w", p.ID, v.Value, err)
		}
		p.Version = ver
	}
	if l, ok := item[attrParagraphs].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			if sv, ok := v.(*types.AttributeValueMemberS); ok {
				p.Paragraphs = append(p.Paragraphs, sv.Value)
			}
		}
	}
	var err error
	if p.CreatedAt, err = time.Parse(time.RFC3339Nano, str(attrCreated)); err != nil {
		return Post{}, fmt.Errorf("blog: post %s: created_at: %w", p.ID, err)
	}
	if p.UpdatedAt, err = time.Parse(time.RFC3339Nano, str(attrUpdated)); err != nil {
		return Post{}, fmt.Errorf("blog: post %s: updated_at: %w", p.ID, err)
	}
	if m := str(attrModeration); m != "" {
		p.Moderation = &Moderation{}
		if err := json.Unmarshal([]byte(m), p.Moderation); err != nil {
			return Post{}, fmt.Errorf("blog: post %s: moderation: %w", p.ID, err)
		}
	}
	if r := str(attrPriorRej); r != "" {
		p.PriorRejection = &Review{}
		if err := json.Unmarshal([]byte(r), p.PriorRejection); err != nil {
			return Post{}, fmt.Errorf("blog: post %s: prior rejection: %w", p.ID, err)
		}
	}
	if dr := str(attrDraft); dr != "" {
		p.Draft = &Draft{}
		if err := json.Unmarshal([]byte(dr), p.Draft); err != nil {
			return Post{}, fmt.Errorf("blog: post %s: draft: %w", p.ID, err)
		}
	}
	return p, nil
}
