package dialogs

// DynamoStore keeps dialogs in one DynamoDB table (DialogsTable in template.yaml):
//
//	partition key  dialog_id  S   the dialog id (no sort key: one item per dialog)
//
// A dialog item holds the whole dialog, messages included, so that every
// invariant is a single-item conditional write, which DynamoDB serialises:
//
//	customer_id  S   owner; a write naming another customer is refused (409)
//	language     S   the first message's language, upper-case
//	state        S   "pending" | "consented" | "revoked"
//	created_at   S   RFC 3339 UTC, fixed width (TimeLayout), so strings sort as times
//	updated_at   S   the last message's created_at; never goes backwards
//	messages     L   [{text, language, created_at}], in append order
//	msg_bytes    N   the MessageSize of every message; at most MaxDialogBytes (items are ≤ 400 KB)
//	dk_<hash>    N   one per Idempotency-Key already applied (its SHA-256, 96 bits)
//	expires_at   N   epoch seconds, pending dialogs only: DIALOG_TTL after the last message (TTL attribute)
//	rk           S   updated_at + "#" + dialog_id: the sort key of every index, unique
//	all_pk, lang_pk, cust_pk, cust_lang_pk  S   present on consented dialogs only
//
// A revoked dialog is replaced by its tombstone {dialog_id, state: "revoked",
// revoked_at}: one PutItem erases every message at once and leaves nothing
// another write could append to, since every append is conditioned on the
// state. Tombstones are kept (a few dozen bytes each) so that a late push is
// refused however late it comes.
//
// Global secondary indexes, all sparse (only consented dialogs carry their
// partition keys), KEYS_ONLY (a page's items are then read with one
// BatchGetItem, so that appends to a consented dialog rewrite small index
// entries, not the whole dialog four times), sorted by rk descending:
//
//	by-recency            all_pk = "<shard>"                  GET /data
//	by-language           lang_pk = "<LANG>#<shard>"          GET /data?language=
//	by-customer           cust_pk = "<customer_id>"           GET /data?customerId=
//	by-customer-language  cust_lang_pk = "<customer_id>#<LANG>"  both filters
//
// The unfiltered and per-language listings would otherwise put every
// consented dialog (or every English one) in one hot partition: they are
// write-sharded over Shards partitions by a hash of the dialog id, and a page
// queries every shard (in parallel, Limit+1 keys each, from the cursor's rk
// on) and merges them in rk order. A cursor is the rk of the page's last
// dialog, so page 50 costs what page 1 costs. Shards may be raised later
// (old items stay in the lower shards, which are still read), never lowered.
//
// Access patterns: append is one UpdateItem (a second when the dialog is
// consented or expired, more only while other writers race it); consent is
// a GetItem and a conditional PutItem; revocation one PutItem; get one
// GetItem; delete one DeleteItem; a page Shards (or 1) Query calls and one
// BatchGetItem. No Scan, no filter expression.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
)

// Shards is how many partitions the unfiltered and per-language indexes are spread over.
const Shards = 8

// Index names of DialogsTable.
const (
	IndexRecency          = "by-recency"
	IndexLanguage         = "by-language"
	IndexCustomer         = "by-customer"
	IndexCustomerLanguage = "by-customer-language"
)

// Attribute names and states of a dialog item.
const (
	attrID          = "dialog_id"
	attrCustomer    = "customer_id"
	attrLanguage    = "language"
	attrState       = "state"
	attrCreated     = "created_at"
	attrUpdated     = "updated_at"
	attrMessages    = "messages"
	attrBytes       = "msg_bytes"
	dedupPrefix     = "dk_" // dk_<key hash>: an Idempotency-Key already applied
	attrExpires     = "expires_at"
	attrRK          = "rk"
	attrRevokedAt   = "revoked_at"
	attrAllPK       = "all_pk"
	attrLangPK      = "lang_pk"
	attrCustPK      = "cust_pk"
	attrCustLangPK  = "cust_lang_pk"
	statePending    = "pending"
	stateConsented  = "consented"
	stateRevoked    = "revoked"
	maxAppendTrials = 8
	batchAttempts   = 6 // BatchGetItem calls for one page while keys come back unprocessed
)

// dialogItem is a dialog item as stored (see the design above); the dk_<hash>
// attributes vary per item and are read and written on the raw map.
type dialogItem struct {
	ID         string    `dynamodbav:"dialog_id"`
	Customer   string    `dynamodbav:"customer_id,omitempty"`
	Language   string    `dynamodbav:"language,omitempty"`
	State      string    `dynamodbav:"state"`
	Created    string    `dynamodbav:"created_at,omitempty"`
	Updated    string    `dynamodbav:"updated_at,omitempty"`
	RK         string    `dynamodbav:"rk,omitempty"`
	Messages   []Message `dynamodbav:"messages,omitempty"`
	Bytes      int64     `dynamodbav:"msg_bytes,omitempty"`
	Expires    int64     `dynamodbav:"expires_at,omitempty"`
	RevokedAt  string    `dynamodbav:"revoked_at,omitempty"`
	AllPK      string    `dynamodbav:"all_pk,omitempty"`
	LangPK     string    `dynamodbav:"lang_pk,omitempty"`
	CustPK     string    `dynamodbav:"cust_pk,omitempty"`
	CustLangPK string    `dynamodbav:"cust_lang_pk,omitempty"`
}

// decodeItem reads the attributes of item the design names; a nil item is the zero dialogItem.
func decodeItem(item dynamo.Item) dialogItem {
	var d dialogItem
	_ = dynamo.Unmarshal(item, &d) // attributes of another type read as absent, as DynamoDB's conditions see them
	return d
}

// DynamoStore is the Store in a DynamoDB table of the design above.
type DynamoStore struct {
	Now func() time.Time // the clock; nil is time.Now

	api   dynamo.API
	table string
	ttl   time.Duration
}

// NewDynamoStore returns a store in table whose never-consented dialogs
// expire ttl after their last message (DefaultDialogTTL when ttl <= 0).
func NewDynamoStore(api dynamo.API, table string, ttl time.Duration) *DynamoStore {
	if ttl <= 0 {
		ttl = DefaultDialogTTL
	}
	return &DynamoStore{api: api, table: table, ttl: ttl}
}

func (s *DynamoStore) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Shard returns the index shard of a dialog id, two digits.
func Shard(dialogID string) string {
	h := fnv.New32a()
	h.Write([]byte(dialogID))
	return fmt.Sprintf("%02d", h.Sum32()%Shards)
}

// indexKeys returns the partition key of each index for a consented dialog.
func indexKeys(dialogID, customerID, language string) map[string]string {
	shard := Shard(dialogID)
	return map[string]string{
		attrAllPK:      shard,
		attrLangPK:     language + "#" + shard,
		attrCustPK:     customerID,
		attrCustLangPK: customerID + "#" + language,
	}
}

// appendMode is which conditional write Append tries.
type appendMode int

const (
	modePending   appendMode = iota // a new dialog or a pending one
	modeConsented                   // a consented dialog: no expiry, indexes kept
	modeReplace                     // a pending dialog past its expiry: start afresh
)

// Append adds m to the dialog; see Store.
func (s *DynamoStore) Append(ctx context.Context, customerID, dialogID string, m Message, dedupKey string) (Dialog, error) {
	now := s.now()
	dedup := ""
	if dedupKey != "" {
		sum := sha256.Sum256([]byte(dedupKey))
		dedup = base64.RawURLEncoding.EncodeToString(sum[:12])
	}
	mode := modePending
	for trial := range maxAppendTrials {
		if err := backOff(ctx, trial); err != nil {
			return Dialog{}, err
		}
		at := FormatTime(now)
		item, old, err := s.tryAppend(ctx, mode, customerID, dialogID, m, dedup, at, now)
		if err != nil {
			return Dialog{}, err
		}
		if item != nil {
			return decodeDialog(item), nil
		}
		if old == nil { // gone between the failed write and the read: create it
			mode = modePending
			continue
		}
		o := decodeItem(old)
		switch {
		case o.State == stateRevoked:
			return Dialog{}, ErrRevoked
		case o.State == statePending && o.expired(now):
			mode = modeReplace
			continue
		case o.Customer != customerID:
			return Dialog{}, ErrOtherCustomer
		case dedup != "" && hasDedup(old, dedup):
			return decodeDialog(old), nil // this push was applied before
		case o.Updated > at:
			// Another writer's clock is ahead: keep updated_at from going back.
			if t, err := time.Parse(TimeLayout, o.Updated); err == nil {
				now = t
			}
		case o.Bytes+MessageSize(m.Text, dedup != "") > MaxDialogBytes:
			return Dialog{}, ErrFull
		}
		if o.State == stateConsented {
			mode = modeConsented
		} else {
			mode = modePending
		}
	}
	return Dialog{}, fmt.Errorf("append to %q, %d attempts: %w", dialogID, maxAppendTrials, ErrContended)
}

// backOff waits before a retried conditional write, a random time up to a
// bound that doubles each trial (full jitter), so that writers racing on one
// dialog stop colliding in lockstep.
func backOff(ctx context.Context, trial int) error {
	if trial == 0 {
		return nil
	}
	d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(trial, 7)))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// tryAppend makes one conditional write; on a failed condition it returns the
// item as it stood (old), nil when there was none.
func (s *DynamoStore) tryAppend(ctx context.Context, mode appendMode, customerID, dialogID string, m Message, dedup, at string, now time.Time) (item, old dynamo.Item, err error) {
	msgs := []Message{{Text: m.Text, Language: m.Language, CreatedAt: at}}
	n := MessageSize(m.Text, dedup != "")
	rk := at + "#" + dialogID
	names := map[string]string{"#state": attrState, "#cust": attrCustomer, "#upd": attrUpdated,
		"#rk": attrRK, "#msgs": attrMessages, "#bytes": attrBytes}
	values := map[string]any{
		":cust": customerID, ":at": at, ":rk": rk, ":n": n, ":msg": msgs, ":room": MaxDialogBytes - n,
	}
	dedupCond, dedupSet := "", ""
	if dedup != "" {
		// One attribute per key rather than a string set: minidyn (make run)
		// rejects contains() on a missing attribute.
		names["#dk"], values[":one"] = dedupPrefix+dedup, 1
		dedupCond, dedupSet = " AND attribute_not_exists(#dk)", ", #dk = :one"
	}
	exp := now.Add(s.ttl).Unix()

	if mode == modeReplace {
		fresh, err := dynamo.Marshal(dialogItem{
			ID: dialogID, Customer: customerID, Language: m.Language, State: statePending,
			Created: at, Updated: at, RK: rk, Messages: msgs, Bytes: n, Expires: exp,
		})
		if err != nil {
			return nil, nil, err
		}
		if dedup != "" {
			fresh[dedupPrefix+dedup] = dynamo.Value(1)
		}
		_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           aws.String(s.table),
			Item:                                fresh,
			ConditionExpression:                 aws.String("#state = :pending AND #exp < :now"),
			ExpressionAttributeNames:            map[string]string{"#state": attrState, "#exp": attrExpires},
			ExpressionAttributeValues:           dynamo.Values(map[string]any{":pending": statePending, ":now": now.Unix()}),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return fresh, nil, nil
		}
		old, err = s.conditionFailed(ctx, dialogID, err)
		return nil, old, err
	}

	var cond, update string
	switch mode {
	case modeConsented:
		values[":consented"] = stateConsented
		cond = "#state = :consented AND #cust = :cust AND #upd <= :at AND #bytes <= :room" + dedupCond
		update = "SET #upd = :at, #rk = :rk, #msgs = list_append(#msgs, :msg), #bytes = #bytes + :n" + dedupSet
	default:
		names["#id"], names["#lang"], names["#created"], names["#exp"] = attrID, attrLanguage, attrCreated, attrExpires
		values[":pending"], values[":lang"], values[":exp"] = statePending, m.Language, exp
		values[":now"], values[":empty"], values[":zero"] = now.Unix(), []Message{}, 0
		cond = "attribute_not_exists(#id) OR (#state = :pending AND #cust = :cust AND #exp >= :now AND #upd <= :at AND #bytes <= :room" + dedupCond + ")"
		update = "SET #cust = :cust, #state = :pending, #lang = if_not_exists(#lang, :lang), #created = if_not_exists(#created, :at), " +
			"#upd = :at, #rk = :rk, #exp = :exp, #msgs = list_append(if_not_exists(#msgs, :empty), :msg), #bytes = if_not_exists(#bytes, :zero) + :n"
		update += dedupSet
	}
	out, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 key(dialogID),
		ConditionExpression:                 aws.String(cond),
		UpdateExpression:                    aws.String(update),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           dynamo.Values(values),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return out.Attributes, nil, nil
	}
	old, err = s.conditionFailed(ctx, dialogID, err)
	return nil, old, err
}

// conditionFailed returns the item that failed a write's condition (read again
// when the endpoint did not return it), or err when the write failed otherwise.
func (s *DynamoStore) conditionFailed(ctx context.Context, dialogID string, err error) (dynamo.Item, error) {
	if !dynamo.IsConditionFailed(err) {
		return nil, fmt.Errorf("dialogs: write %q: %w", dialogID, err)
	}
	if old := dynamo.OldItem(err); old != nil {
		return old, nil
	}
	return s.get(ctx, dialogID)
}

// get reads a dialog item with a strongly consistent read; nil if there is none.
func (s *DynamoStore) get(ctx context.Context, dialogID string) (dynamo.Item, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(dialogID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("dialogs: read %q: %w", dialogID, err)
	}
	return out.Item, nil
}

// Consent records the customer's answer; see Store.
func (s *DynamoStore) Consent(ctx context.Context, dialogID string, consent bool) error {
	now := s.now()
	if !consent {
		tomb, err := dynamo.Marshal(dialogItem{ID: dialogID, State: stateRevoked, RevokedAt: FormatTime(now)})
		if err != nil {
			return err
		}
		_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 aws.String(s.table),
			Item:                      tomb,
			ConditionExpression:       aws.String("attribute_not_exists(#id) OR #state <> :revoked"),
			ExpressionAttributeNames:  map[string]string{"#id": attrID, "#state": attrState},
			ExpressionAttributeValues: dynamo.Values(map[string]any{":revoked": stateRevoked}),
		})
		if err != nil && !dynamo.IsConditionFailed(err) { // a failed condition: revoked before, nothing to change
			return fmt.Errorf("dialogs: revoke %q: %w", dialogID, err)
		}
		return nil
	}
	// A read, then a put conditioned on the dialog being as read, rather than
	// one UpdateItem: minidyn (make run) loses index entries that an
	// UpdateItem adds. The put replaces the item whole, which also drops
	// expires_at; a push or a revocation in between fails the condition.
	for trial := range maxAppendTrials {
		if err := backOff(ctx, trial); err != nil {
			return err
		}
		item, err := s.get(ctx, dialogID)
		switch {
		case err != nil:
			return err
		case item == nil:
			return ErrNotFound
		}
		o := decodeItem(item)
		switch {
		case o.State == stateConsented:
			return nil
		case o.State == stateRevoked:
			return ErrRevoked
		case o.expired(now):
			return ErrNotFound
		}
		// The raw item, not o: its dk_ attributes must stay.
		next := maps.Clone(item)
		next[attrState] = dynamo.Value(stateConsented)
		delete(next, attrExpires)
		for k, v := range indexKeys(dialogID, o.Customer, o.Language) {
			next[k] = dynamo.Value(v)
		}
		_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                aws.String(s.table),
			Item:                     next,
			ConditionExpression:      aws.String("#state = :pending AND #created = :created AND #bytes = :bytes"),
			ExpressionAttributeNames: map[string]string{"#state": attrState, "#created": attrCreated, "#bytes": attrBytes},
			ExpressionAttributeValues: dynamo.Values(map[string]any{
				":pending": statePending, ":created": o.Created, ":bytes": o.Bytes,
			}),
		})
		if !dynamo.IsConditionFailed(err) {
			if err != nil {
				return fmt.Errorf("dialogs: consent to %q: %w", dialogID, err)
			}
			return nil
		}
	}
	return fmt.Errorf("consent to %q, %d attempts: %w", dialogID, maxAppendTrials, ErrContended)
}

// Get returns a dialog; see Store.
func (s *DynamoStore) Get(ctx context.Context, customerID, dialogID string) (Dialog, error) {
	item, err := s.get(ctx, dialogID)
	if err != nil {
		return Dialog{}, err
	}
	if err := s.visible(item, customerID); err != nil {
		return Dialog{}, err
	}
	return decodeDialog(item), nil
}

// visible says why item is not customerID's live dialog, or nil when it is.
func (s *DynamoStore) visible(item dynamo.Item, customerID string) error {
	o := decodeItem(item)
	switch {
	case item == nil:
		return ErrNotFound
	case o.State == stateRevoked:
		return ErrRevoked
	case o.State == statePending && o.expired(s.now()):
		return ErrNotFound // TTL deletes only eventually
	case o.Customer != customerID:
		return ErrNotFound
	}
	return nil
}

// Delete removes a dialog; see Store.
func (s *DynamoStore) Delete(ctx context.Context, customerID, dialogID string) error {
	_, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 key(dialogID),
		ConditionExpression:                 aws.String("#cust = :cust AND (#state = :consented OR (#state = :pending AND #exp >= :now))"),
		ExpressionAttributeNames:            map[string]string{"#cust": attrCustomer, "#state": attrState, "#exp": attrExpires},
		ExpressionAttributeValues:           dynamo.Values(map[string]any{":cust": customerID, ":consented": stateConsented, ":pending": statePending, ":now": s.now().Unix()}),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return nil
	}
	old, err := s.conditionFailed(ctx, dialogID, err)
	if err != nil {
		return err
	}
	return s.visible(old, customerID)
}

// List returns a page of consented dialogs; see Store.
func (s *DynamoStore) List(ctx context.Context, q ListQuery) (ListPage, error) {
	index, attr, partitions := IndexRecency, attrAllPK, shardKeys("")
	switch {
	case q.CustomerID != "" && q.Language != "":
		index, attr, partitions = IndexCustomerLanguage, attrCustLangPK, []string{q.CustomerID + "#" + q.Language}
	case q.CustomerID != "":
		index, attr, partitions = IndexCustomer, attrCustPK, []string{q.CustomerID}
	case q.Language != "":
		index, attr, partitions = IndexLanguage, attrLangPK, shardKeys(q.Language+"#")
	}
	shards := dynamo.Shards{Table: s.table, Index: index, PartitionAttr: attr, SortAttr: attrRK, Partitions: partitions}
	keys, err := dynamo.Newest(ctx, s.api, shards, q.After, q.Limit+1, decodeIndexKey, indexKey.sortKey, nil)
	if err != nil {
		return ListPage{}, fmt.Errorf("dialogs: %w", err)
	}
	more := len(keys) > q.Limit
	keys = keys[:min(len(keys), q.Limit)]
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return ListPage{}, err
	}
	page := ListPage{More: more}
	for _, k := range keys {
		item, ok := items[k.ID]
		// The index is eventually consistent: skip what changed since.
		if !ok || item.State != stateConsented ||
			q.CustomerID != "" && item.Customer != q.CustomerID ||
			q.Language != "" && item.Language != q.Language {
			continue
		}
		page.Dialogs = append(page.Dialogs, item.dialog())
		page.Keys = append(page.Keys, k.RK)
	}
	if len(page.Dialogs) == 0 && len(keys) > 0 && more {
		// Every dialog of the page vanished meanwhile: the cursor still moves on.
		page.Keys = []string{keys[len(keys)-1].RK}
	}
	return page, nil
}

func shardKeys(prefix string) []string {
	ks := make([]string, Shards)
	for i := range ks {
		ks[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return ks
}

// indexKey is one index entry: a dialog and its sort key.
type indexKey struct {
	ID string `dynamodbav:"dialog_id"`
	RK string `dynamodbav:"rk"`
}

func (k indexKey) sortKey() string { return k.RK }

func decodeIndexKey(item dynamo.Item) (indexKey, error) {
	var k indexKey
	return k, dynamo.Unmarshal(item, &k)
}

// batchGet reads the dialog items of keys (at most 100), by dialog id.
func (s *DynamoStore) batchGet(ctx context.Context, keys []indexKey) (map[string]dialogItem, error) {
	req := make([]dynamo.Item, len(keys))
	for i, k := range keys {
		req[i] = key(k.ID)
	}
	// Consistent: the index may still list a dialog revoked a moment ago, and
	// only a strongly consistent read is sure to see its tombstone instead.
	got, err := dynamo.BatchGet(ctx, s.api, s.table, req, true, batchAttempts)
	if err != nil {
		return nil, fmt.Errorf("dialogs: read a page: %w", err)
	}
	items := make(map[string]dialogItem, len(got))
	for _, it := range got {
		d := decodeItem(it)
		items[d.ID] = d
	}
	return items, nil
}

func key(dialogID string) dynamo.Item { return dynamo.Values(map[string]any{attrID: dialogID}) }

// expired reports whether a pending dialog is past its expiry (which TTL
// deletes only eventually).
func (d dialogItem) expired(now time.Time) bool { return d.Expires != 0 && d.Expires < now.Unix() }

func hasDedup(item dynamo.Item, k string) bool {
	_, ok := item[dedupPrefix+k]
	return ok
}

// decodeDialog turns a dialog item into a Dialog.
func decodeDialog(item dynamo.Item) Dialog { return decodeItem(item).dialog() }

func (d dialogItem) dialog() Dialog {
	msgs := d.Messages
	if msgs == nil {
		msgs = []Message{}
	}
	return Dialog{
		DialogID: d.ID, CustomerID: d.Customer, Language: d.Language,
		ConsentReceived: d.State == stateConsented, CreatedAt: d.Created, UpdatedAt: d.Updated, Messages: msgs,
	}
}
