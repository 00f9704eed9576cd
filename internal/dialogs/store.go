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
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamoitem"
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
	msgText         = "text"
	msgLanguage     = "language"
	msgCreated      = "created_at"
	maxAppendTrials = 8
	maxBatchTrials  = 6
)

// DynamoDBAPI is the part of the DynamoDB client a DynamoStore uses; *dynamodb.Client has it.
type DynamoDBAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// DynamoStore is the Store in a DynamoDB table of the design above.
type DynamoStore struct {
	Now func() time.Time // the clock; nil is time.Now

	api   DynamoDBAPI
	table string
	ttl   time.Duration
}

// NewDynamoStore returns a store in table whose never-consented dialogs
// expire ttl after their last message (DefaultDialogTTL when ttl <= 0).
func NewDynamoStore(api DynamoDBAPI, table string, ttl time.Duration) *DynamoStore {
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
		state := dynamoitem.String(old, attrState)
		switch {
		case state == stateRevoked:
			return Dialog{}, ErrRevoked
		case state == statePending && expired(old, now):
			mode = modeReplace
			continue
		case dynamoitem.String(old, attrCustomer) != customerID:
			return Dialog{}, ErrOtherCustomer
		case dedup != "" && hasDedup(old, dedup):
			return decodeDialog(old), nil // this push was applied before
		case dynamoitem.String(old, attrUpdated) > at:
			// Another writer's clock is ahead: keep updated_at from going back.
			if t, err := time.Parse(TimeLayout, dynamoitem.String(old, attrUpdated)); err == nil {
				now = t
			}
		case dynamoitem.Int(old, attrBytes)+MessageSize(m.Text, dedup != "") > MaxDialogBytes:
			return Dialog{}, ErrFull
		}
		if state == stateConsented {
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
func (s *DynamoStore) tryAppend(ctx context.Context, mode appendMode, customerID, dialogID string, m Message, dedup, at string, now time.Time) (item, old map[string]types.AttributeValue, err error) {
	msg := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		msgText: sv(m.Text), msgLanguage: sv(m.Language), msgCreated: sv(at),
	}}
	n := MessageSize(m.Text, dedup != "")
	rk := at + "#" + dialogID
	names := map[string]string{"#state": attrState, "#cust": attrCustomer, "#upd": attrUpdated,
		"#rk": attrRK, "#msgs": attrMessages, "#bytes": attrBytes}
	values := map[string]types.AttributeValue{
		":cust": sv(customerID), ":at": sv(at), ":rk": sv(rk), ":n": nv(n),
		":msg":  &types.AttributeValueMemberL{Value: []types.AttributeValue{msg}},
		":room": nv(MaxDialogBytes - n),
	}
	dedupCond, dedupSet := "", ""
	if dedup != "" {
		// One attribute per key rather than a string set: minidyn (make run)
		// rejects contains() on a missing attribute.
		names["#dk"], values[":one"] = dedupPrefix+dedup, nv(1)
		dedupCond, dedupSet = " AND attribute_not_exists(#dk)", ", #dk = :one"
	}
	exp := nv(now.Add(s.ttl).Unix())

	if mode == modeReplace {
		fresh := map[string]types.AttributeValue{
			attrID: sv(dialogID), attrCustomer: sv(customerID), attrLanguage: sv(m.Language),
			attrState: sv(statePending), attrCreated: sv(at), attrUpdated: sv(at), attrRK: sv(rk),
			attrMessages: values[":msg"], attrBytes: nv(n), attrExpires: exp,
		}
		if dedup != "" {
			fresh[dedupPrefix+dedup] = nv(1)
		}
		_, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           aws.String(s.table),
			Item:                                fresh,
			ConditionExpression:                 aws.String("#state = :pending AND #exp < :now"),
			ExpressionAttributeNames:            map[string]string{"#state": attrState, "#exp": attrExpires},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":pending": sv(statePending), ":now": nv(now.Unix())},
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
		values[":consented"] = sv(stateConsented)
		cond = "#state = :consented AND #cust = :cust AND #upd <= :at AND #bytes <= :room" + dedupCond
		update = "SET #upd = :at, #rk = :rk, #msgs = list_append(#msgs, :msg), #bytes = #bytes + :n" + dedupSet
	default:
		names["#id"], names["#lang"], names["#created"], names["#exp"] = attrID, attrLanguage, attrCreated, attrExpires
		values[":pending"], values[":lang"], values[":exp"] = sv(statePending), sv(m.Language), exp
		values[":now"], values[":empty"], values[":zero"] = nv(now.Unix()), &types.AttributeValueMemberL{Value: []types.AttributeValue{}}, nv(0)
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
		ExpressionAttributeValues:           values,
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
func (s *DynamoStore) conditionFailed(ctx context.Context, dialogID string, err error) (map[string]types.AttributeValue, error) {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, fmt.Errorf("dialogs: write %q: %w", dialogID, err)
	}
	if ccf.Item != nil {
		return ccf.Item, nil
	}
	return s.get(ctx, dialogID)
}

// get reads a dialog item with a strongly consistent read; nil if there is none.
func (s *DynamoStore) get(ctx context.Context, dialogID string) (map[string]types.AttributeValue, error) {
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
		tomb := map[string]types.AttributeValue{
			attrID: sv(dialogID), attrState: sv(stateRevoked), attrRevokedAt: sv(FormatTime(now)),
		}
		_, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 aws.String(s.table),
			Item:                      tomb,
			ConditionExpression:       aws.String("attribute_not_exists(#id) OR #state <> :revoked"),
			ExpressionAttributeNames:  map[string]string{"#id": attrID, "#state": attrState},
			ExpressionAttributeValues: map[string]types.AttributeValue{":revoked": sv(stateRevoked)},
		})
		var ccf *types.ConditionalCheckFailedException
		if err != nil && !errors.As(err, &ccf) { // a failed condition: revoked before, nothing to change
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
		switch state := dynamoitem.String(item, attrState); {
		case state == stateConsented:
			return nil
		case state == stateRevoked:
			return ErrRevoked
		case expired(item, now):
			return ErrNotFound
		}
		next := maps.Clone(item)
		next[attrState] = sv(stateConsented)
		delete(next, attrExpires)
		for k, v := range indexKeys(dialogID, dynamoitem.String(item, attrCustomer), dynamoitem.String(item, attrLanguage)) {
			next[k] = sv(v)
		}
		_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                aws.String(s.table),
			Item:                     next,
			ConditionExpression:      aws.String("#state = :pending AND #created = :created AND #bytes = :bytes"),
			ExpressionAttributeNames: map[string]string{"#state": attrState, "#created": attrCreated, "#bytes": attrBytes},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pending": sv(statePending), ":created": item[attrCreated], ":bytes": item[attrBytes],
			},
		})
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
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
func (s *DynamoStore) visible(item map[string]types.AttributeValue, customerID string) error {
	switch {
	case item == nil:
		return ErrNotFound
	case dynamoitem.String(item, attrState) == stateRevoked:
		return ErrRevoked
	case dynamoitem.String(item, attrState) == statePending && expired(item, s.now()):
		return ErrNotFound // TTL deletes only eventually
	case dynamoitem.String(item, attrCustomer) != customerID:
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
		ExpressionAttributeValues:           map[string]types.AttributeValue{":cust": sv(customerID), ":consented": sv(stateConsented), ":pending": sv(statePending), ":now": nv(s.now().Unix())},
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
	keys, more, err := s.mergeIndex(ctx, index, attr, partitions, q.After, q.Limit)
	if err != nil {
		return ListPage{}, err
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return ListPage{}, err
	}
	page := ListPage{More: more}
	for _, k := range keys {
		item := items[k.id]
		// The index is eventually consistent: skip what changed since.
		if item == nil || dynamoitem.String(item, attrState) != stateConsented ||
			q.CustomerID != "" && dynamoitem.String(item, attrCustomer) != q.CustomerID ||
			q.Language != "" && dynamoitem.String(item, attrLanguage) != q.Language {
			continue
		}
		page.Dialogs = append(page.Dialogs, decodeDialog(item))
		page.Keys = append(page.Keys, k.rk)
	}
	if len(page.Dialogs) == 0 && len(keys) > 0 && more {
		// Every dialog of the page vanished meanwhile: the cursor still moves on.
		page.Keys = []string{keys[len(keys)-1].rk}
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
type indexKey struct{ id, rk string }

// mergeIndex reads the first limit entries after `after` (all when "") across
// partitions, newest first, and whether more follow.
func (s *DynamoStore) mergeIndex(ctx context.Context, index, attr string, partitions []string, after string, limit int) ([]indexKey, bool, error) {
	lists := make([][]indexKey, len(partitions))
	errs := make([]error, len(partitions))
	var wg sync.WaitGroup
	for i, p := range partitions {
		wg.Go(func() { lists[i], errs[i] = s.queryIndex(ctx, index, attr, p, after, limit+1) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}
	// Each list is sorted newest first and holds at most limit+1 entries, so
	// the newest limit+1 overall are among them.
	var all []indexKey
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.SortFunc(all, func(a, b indexKey) int { return strings.Compare(b.rk, a.rk) })
	if len(all) > limit {
		return all[:limit], true, nil
	}
	return all, false, nil
}

// queryIndex reads up to n entries of one index partition, newest first, after `after`.
func (s *DynamoStore) queryIndex(ctx context.Context, index, attr, partition, after string, n int) ([]indexKey, error) {
	cond := "#pk = :pk"
	names := map[string]string{"#pk": attr}
	values := map[string]types.AttributeValue{":pk": sv(partition)}
	if after != "" {
		cond += " AND #rk < :after"
		names["#rk"], values[":after"] = attrRK, sv(after)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
	}
	var keys []indexKey
	for len(keys) < n {
		in.Limit = aws.Int32(int32(n - len(keys)))
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dialogs: query %s %q: %w", index, partition, err)
		}
		for _, it := range out.Items {
			keys = append(keys, indexKey{id: dynamoitem.String(it, attrID), rk: dynamoitem.String(it, attrRK)})
		}
		if len(out.LastEvaluatedKey) == 0 || len(out.Items) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return keys, nil
}

// batchGet reads the dialog items of keys (at most 100), retrying unprocessed keys.
func (s *DynamoStore) batchGet(ctx context.Context, keys []indexKey) (map[string]map[string]types.AttributeValue, error) {
	items := make(map[string]map[string]types.AttributeValue, len(keys))
	if len(keys) == 0 {
		return items, nil
	}
	req := make([]map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		req[i] = key(k.id)
	}
	// Consistent: the index may still list a dialog revoked a moment ago, and
	// only a strongly consistent read is sure to see its tombstone instead.
	pending := map[string]types.KeysAndAttributes{s.table: {Keys: req, ConsistentRead: aws.Bool(true)}}
	for trial := 0; len(pending) > 0; trial++ {
		if trial == maxBatchTrials {
			return nil, fmt.Errorf("dialogs: read a page: %d keys still unprocessed after %d attempts", len(pending[s.table].Keys), trial)
		}
		if trial > 0 {
			select { // DynamoDB throttled part of the batch: back off before asking again
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(25<<trial) * time.Millisecond):
			}
		}
		out, err := s.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return nil, fmt.Errorf("dialogs: read a page: %w", err)
		}
		for _, it := range out.Responses[s.table] {
			items[dynamoitem.String(it, attrID)] = it
		}
		pending = out.UnprocessedKeys
	}
	return items, nil
}

func key(dialogID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrID: sv(dialogID)}
}

func sv(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func nv(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// expired reports whether a pending dialog is past its expiry (which TTL
// deletes only eventually).
func expired(item map[string]types.AttributeValue, now time.Time) bool {
	_, ok := item[attrExpires]
	return ok && dynamoitem.Int(item, attrExpires) < now.Unix()
}

func hasDedup(item map[string]types.AttributeValue, k string) bool {
	_, ok := item[dedupPrefix+k]
	return ok
}

// decodeDialog turns a dialog item into a Dialog.
func decodeDialog(item map[string]types.AttributeValue) Dialog {
	d := Dialog{
		DialogID:        dynamoitem.String(item, attrID),
		CustomerID:      dynamoitem.String(item, attrCustomer),
		Language:        dynamoitem.String(item, attrLanguage),
		ConsentReceived: dynamoitem.String(item, attrState) == stateConsented,
		CreatedAt:       dynamoitem.String(item, attrCreated),
		UpdatedAt:       dynamoitem.String(item, attrUpdated),
		Messages:        []Message{},
	}
	if l, ok := item[attrMessages].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			m, ok := v.(*types.AttributeValueMemberM)
			if !ok {
				continue
			}
			d.Messages = append(d.Messages, Message{
				Text: dynamoitem.String(m.Value, msgText), Language: dynamoitem.String(m.Value, msgLanguage), CreatedAt: dynamoitem.String(m.Value, msgCreated),
			})
		}
	}
	return d
}
