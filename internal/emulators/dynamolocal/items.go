package dynamolocal

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/truora/minidyn/interpreter"
)

// change is one item written (item) or deleted (item nil) by a request.
type change struct {
	t    *table
	pkey string
	item item
}

// exprInput is what every expression-bearing request shares.
type exprInput struct {
	TableName                           string
	ConditionExpression                 string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           item
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
}

// maxItemSize is DynamoDB's limit on one item.
const maxItemSize = 400 << 10

// condition evaluates in's ConditionExpression against cur (nil: no item).
func (s *Server) condition(in *exprInput, cur item) (bool, *apiError) {
	if in.ConditionExpression == "" {
		return true, nil
	}
	if cur == nil {
		cur = item{}
	}
	ok, err := s.lang.Match(interpreter.MatchInput{
		TableName: in.TableName, Expression: in.ConditionExpression,
		ExpressionType: interpreter.ExpressionTypeConditional, Item: cur,
		Attributes: in.ExpressionAttributeValues, Aliases: in.ExpressionAttributeNames,
	})
	if err != nil {
		return false, validation("Invalid ConditionExpression: %v", err)
	}
	return ok, nil
}

func conditionFailed(in *exprInput, cur item) *apiError {
	e := &apiError{status: 400, kind: "ConditionalCheckFailedException", msg: "The conditional request failed"}
	if in.ReturnValuesOnConditionCheckFailure == "ALL_OLD" && cur != nil {
		e.extra = map[string]any{"Item": wireItem(cur)}
	}
	return e
}

// current returns the stored item with primary key pkey, or nil.
func (t *table) current(pkey string) item {
	if st := t.items[pkey]; st != nil {
		return st.item()
	}
	return nil
}

func checkSize(it item) *apiError {
	if len(appendItem(nil, it)) > maxItemSize {
		return validation("Item size has exceeded the maximum allowed size")
	}
	return nil
}

type putInput struct {
	exprInput
	Item item
}

// preparePut checks a put and returns its change and the item it replaces.
func (s *Server) preparePut(in *putInput) (change, item, *apiError) {
	t, aerr := s.table(in.TableName)
	if aerr != nil {
		return change{}, nil, aerr
	}
	pkey, aerr := primaryKeyOf(t, t.keyOf(in.Item))
	if aerr != nil {
		return change{}, nil, aerr
	}
	if aerr := checkSize(in.Item); aerr != nil {
		return change{}, nil, aerr
	}
	cur := t.current(pkey)
	ok, aerr := s.condition(&in.exprInput, cur)
	if aerr != nil {
		return change{}, nil, aerr
	}
	if !ok {
		return change{}, cur, conditionFailed(&in.exprInput, cur)
	}
	return change{t: t, pkey: pkey, item: in.Item}, cur, nil
}

func primaryKeyOf(t *table, key item) (string, *apiError) {
	pkey, err := t.primaryKey(key, true)
	if err != nil {
		return "", err.(*apiError)
	}
	return pkey, nil
}

func (s *Server) putItem(tx *txn, in *putInput) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, old, aerr := s.preparePut(in)
	if aerr != nil {
		return nil, aerr
	}
	if err := s.commit(tx, &payload{Writes: []write{{T: in.TableName, Put: appendItem(nil, c.item)}}}, []change{c}); err != nil {
		return nil, internal(err)
	}
	out := map[string]any{}
	if in.ReturnValues == "ALL_OLD" && old != nil {
		out["Attributes"] = wireItem(old)
	}
	return out, nil
}

type keyInput struct {
	exprInput
	Key                  item
	UpdateExpression     string
	ProjectionExpression string
}

func (s *Server) getItem(in *keyInput) (any, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, aerr := s.table(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	pkey, aerr := primaryKeyOf(t, in.Key)
	if aerr != nil {
		return nil, aerr
	}
	enc, aerr := s.readItem(t, pkey, in.ProjectionExpression, in.ExpressionAttributeNames)
	if aerr != nil || enc == nil {
		return map[string]any{}, aerr
	}
	return map[string]any{"Item": enc}, nil
}

// readItem returns the stored item with primary key pkey, projected, or nil.
// Without a projection the stored bytes are the answer.
func (s *Server) readItem(t *table, pkey, projection string, names map[string]string) (encodedItem, *apiError) {
	st := t.items[pkey]
	if st == nil || projection == "" {
		if st == nil {
			return nil, nil
		}
		return st.enc, nil
	}
	out, aerr := s.projectExpr(st.item(), projection, names)
	if aerr != nil {
		return nil, aerr
	}
	return appendItem(nil, out), nil
}

// projectExpr applies a ProjectionExpression (none: the whole item).
func (s *Server) projectExpr(it item, expr string, names map[string]string) (item, *apiError) {
	if expr == "" {
		return it, nil
	}
	out, err := s.lang.Project(interpreter.ProjectInput{Expression: expr, Item: it, Aliases: names})
	if err != nil {
		return nil, validation("Invalid ProjectionExpression: %v", err)
	}
	return out, nil
}

// checkedCurrent finds the item a key names and checks the request's condition
// on it; a failed condition still returns the item (ReturnValuesOnConditionCheckFailure).
func (s *Server) checkedCurrent(in *keyInput) (*table, string, item, *apiError) {
	t, aerr := s.table(in.TableName)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	pkey, aerr := primaryKeyOf(t, in.Key)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	cur := t.current(pkey)
	ok, aerr := s.condition(&in.exprInput, cur)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	if !ok {
		return nil, "", cur, conditionFailed(&in.exprInput, cur)
	}
	return t, pkey, cur, nil
}

// prepareUpdate checks an update and returns its change and the item before it.
func (s *Server) prepareUpdate(in *keyInput) (change, item, *apiError) {
	t, pkey, cur, aerr := s.checkedCurrent(in)
	if aerr != nil {
		return change{}, cur, aerr
	}
	next := clone(cur)
	if next == nil {
		next = clone(in.Key)
	}
	if in.UpdateExpression != "" {
		err := s.lang.Update(interpreter.UpdateInput{
			TableName: in.TableName, Expression: in.UpdateExpression, Item: next,
			Attributes: in.ExpressionAttributeValues, Aliases: in.ExpressionAttributeNames,
		})
		if err != nil {
			return change{}, nil, validation("Invalid UpdateExpression: %v", err)
		}
	}
	for name, v := range in.Key {
		if !reflect.DeepEqual(next[name], v) {
			return change{}, nil, validation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", name)
		}
	}
	if _, err := t.primaryKey(t.keyOf(next), true); err != nil {
		return change{}, nil, err.(*apiError)
	}
	if aerr := checkSize(next); aerr != nil {
		return change{}, nil, aerr
	}
	return change{t: t, pkey: pkey, item: next}, cur, nil
}

func (s *Server) updateItem(tx *txn, in *keyInput) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, old, aerr := s.prepareUpdate(in)
	if aerr != nil {
		return nil, aerr
	}
	if err := s.commit(tx, &payload{Writes: []write{{T: in.TableName, Put: appendItem(nil, c.item)}}}, []change{c}); err != nil {
		return nil, internal(err)
	}
	out := map[string]any{}
	if attrs := returnValues(in.ReturnValues, old, c.item); attrs != nil {
		out["Attributes"] = wireItem(attrs)
	}
	return out, nil
}

// returnValues picks the attributes UpdateItem's ReturnValues asks for.
func returnValues(mode string, old, next item) item {
	changed := func(from, to item) item {
		out := item{}
		for k, v := range from {
			if !reflect.DeepEqual(old[k], next[k]) {
				out[k] = v
			}
		}
		_ = to
		return out
	}
	switch mode {
	case "ALL_NEW":
		return next
	case "ALL_OLD":
		return old
	case "UPDATED_NEW":
		return changed(next, old)
	case "UPDATED_OLD":
		if old == nil {
			return nil
		}
		return changed(old, next)
	}
	return nil
}

func (s *Server) prepareDelete(in *keyInput) (change, item, *apiError) {
	t, pkey, cur, aerr := s.checkedCurrent(in)
	if aerr != nil {
		return change{}, cur, aerr
	}
	return change{t: t, pkey: pkey}, cur, nil
}

func (s *Server) deleteItem(tx *txn, in *keyInput) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, old, aerr := s.prepareDelete(in)
	if aerr != nil {
		return nil, aerr
	}
	if old != nil {
		if err := s.commit(tx, &payload{Writes: []write{{T: in.TableName, Del: appendItem(nil, c.t.keyOf(old))}}}, []change{c}); err != nil {
			return nil, internal(err)
		}
	}
	out := map[string]any{}
	if in.ReturnValues == "ALL_OLD" && old != nil {
		out["Attributes"] = wireItem(old)
	}
	return out, nil
}

func (s *Server) batchGet(in *struct {
	RequestItems map[string]struct {
		Keys                     []item
		ProjectionExpression     string
		ExpressionAttributeNames map[string]string
	}
}) (any, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	responses := map[string][]encodedItem{}
	for name, req := range in.RequestItems {
		t, aerr := s.table(name)
		if aerr != nil {
			return nil, aerr
		}
		found := []encodedItem{}
		for _, k := range req.Keys {
			n++
			pkey, aerr := primaryKeyOf(t, k)
			if aerr != nil {
				return nil, aerr
			}
			enc, aerr := s.readItem(t, pkey, req.ProjectionExpression, req.ExpressionAttributeNames)
			if aerr != nil {
				return nil, aerr
			}
			if enc != nil {
				found = append(found, enc)
			}
		}
		responses[name] = found
	}
	if n > 100 {
		return nil, validation("Too many items requested for the BatchGetItem call")
	}
	return map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}, nil
}

func (s *Server) batchWrite(tx *txn, in *struct {
	RequestItems map[string][]struct {
		PutRequest    *struct{ Item item }
		DeleteRequest *struct{ Key item }
	}
}) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &payload{}
	var changes []change
	seen := map[*table]map[string]bool{}
	for name, reqs := range in.RequestItems {
		t, aerr := s.table(name)
		if aerr != nil {
			return nil, aerr
		}
		seen[t] = map[string]bool{}
		for _, r := range reqs {
			var c change
			var w write
			switch {
			case r.PutRequest != nil:
				pkey, aerr := primaryKeyOf(t, t.keyOf(r.PutRequest.Item))
				if aerr == nil {
					aerr = checkSize(r.PutRequest.Item)
				}
				if aerr != nil {
					return nil, aerr
				}
				c, w = change{t: t, pkey: pkey, item: r.PutRequest.Item}, write{T: name, Put: appendItem(nil, r.PutRequest.Item)}
			case r.DeleteRequest != nil:
				pkey, aerr := primaryKeyOf(t, r.DeleteRequest.Key)
				if aerr != nil {
					return nil, aerr
				}
				c, w = change{t: t, pkey: pkey}, write{T: name, Del: appendItem(nil, r.DeleteRequest.Key)}
			default:
				return nil, validation("a write request needs PutRequest or DeleteRequest")
			}
			if seen[t][c.pkey] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[t][c.pkey] = true
			changes, p.Writes = append(changes, c), append(p.Writes, w)
		}
	}
	if len(changes) > 25 {
		return nil, validation("Too many items requested for the BatchWriteItem call")
	}
	if err := s.commit(tx, p, changes); err != nil {
		return nil, internal(err)
	}
	return map[string]any{"UnprocessedItems": map[string]any{}}, nil
}

type transactItem struct {
	ConditionCheck *keyInput
	Put            *putInput
	Update         *keyInput
	Delete         *keyInput
}

func (s *Server) transactWrite(tx *txn, in *struct{ TransactItems []transactItem }) (any, *apiError) {
	if len(in.TransactItems) == 0 || len(in.TransactItems) > 100 {
		return nil, validation("TransactItems must have between 1 and 100 items")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &payload{}
	var changes []change
	reasons := make([]map[string]any, len(in.TransactItems))
	failed := false
	touched := map[string]bool{}
	for i, ti := range in.TransactItems {
		var c change
		var cur item
		var aerr *apiError
		var ex *exprInput
		writes := true
		switch {
		case ti.Put != nil:
			ex = &ti.Put.exprInput
			c, cur, aerr = s.preparePut(ti.Put)
		case ti.Update != nil:
			ex = &ti.Update.exprInput
			c, cur, aerr = s.prepareUpdate(ti.Update)
		case ti.Delete != nil:
			ex = &ti.Delete.exprInput
			c, cur, aerr = s.prepareDelete(ti.Delete)
		case ti.ConditionCheck != nil:
			ex, writes = &ti.ConditionCheck.exprInput, false
			c, cur, aerr = s.prepareDelete(ti.ConditionCheck) // the same check, nothing written
		default:
			return nil, validation("a transact item needs one of ConditionCheck, Put, Update, Delete")
		}
		reasons[i] = map[string]any{"Code": "None"}
		if aerr != nil && aerr.kind == "ConditionalCheckFailedException" {
			failed = true
			reasons[i] = map[string]any{"Code": "ConditionalCheckFailed", "Message": aerr.msg}
			if ex.ReturnValuesOnConditionCheckFailure == "ALL_OLD" && cur != nil {
				reasons[i]["Item"] = wireItem(cur)
			}
			continue
		}
		if aerr != nil {
			return nil, aerr
		}
		id := ex.TableName + "\x01" + c.pkey
		if touched[id] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		touched[id] = true
		if !writes {
			continue
		}
		changes = append(changes, c)
		if c.item != nil {
			p.Writes = append(p.Writes, write{T: ex.TableName, Put: appendItem(nil, c.item)})
		} else if cur != nil {
			p.Writes = append(p.Writes, write{T: ex.TableName, Del: appendItem(nil, c.t.keyOf(cur))})
		}
	}
	if failed {
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = r["Code"].(string)
		}
		return nil, &apiError{status: 400, kind: "TransactionCanceledException",
			msg:   fmt.Sprintf("Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", ")),
			extra: map[string]any{"CancellationReasons": reasons}}
	}
	if len(p.Writes) > 0 {
		if err := s.commit(tx, p, changes); err != nil {
			return nil, internal(err)
		}
	}
	return map[string]any{}, nil
}

func (s *Server) transactGet(in *struct {
	TransactItems []struct{ Get keyInput }
}) (any, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var responses []map[string]any
	for _, ti := range in.TransactItems {
		t, aerr := s.table(ti.Get.TableName)
		if aerr != nil {
			return nil, aerr
		}
		pkey, aerr := primaryKeyOf(t, ti.Get.Key)
		if aerr != nil {
			return nil, aerr
		}
		r := map[string]any{}
		enc, aerr := s.readItem(t, pkey, ti.Get.ProjectionExpression, ti.Get.ExpressionAttributeNames)
		if aerr != nil {
			return nil, aerr
		}
		if enc != nil {
			r["Item"] = enc
		}
		responses = append(responses, r)
	}
	return map[string]any{"Responses": responses}, nil
}
