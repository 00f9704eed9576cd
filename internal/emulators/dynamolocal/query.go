package dynamolocal

import (
	"strings"

	"github.com/truora/minidyn/interpreter"
	"github.com/truora/minidyn/types"
)

type readInput struct {
	TableName                 string
	IndexName                 string
	KeyConditionExpression    string
	FilterExpression          string
	ProjectionExpression      string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues item
	ExclusiveStartKey         item
	Limit                     int
	ScanIndexForward          *bool
	Select                    string
	Segment                   int
	TotalSegments             int
}

// maxPage is the data one page returns at most, as DynamoDB's 1 MB.
const maxPage = 1 << 20

// keyCondition is a parsed KeyConditionExpression: the partition's value and
// an optional condition on the range key.
type keyCondition struct {
	hash    *types.Item
	op      string // "", =, <, <=, >, >=, BETWEEN, begins_with
	lo, hi  *types.Item
	rngName string
}

func (s *Server) query(in *readInput) (any, *apiError) {
	return s.read(in, true)
}

func (s *Server) scan(in *readInput) (any, *apiError) {
	return s.read(in, false)
}

// read answers Query (isQuery) and Scan: it walks the index in key order from
// the start key, reading only the partition a Query names.
func (s *Server) read(in *readInput, isQuery bool) (any, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, aerr := s.table(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	ix := t.primary
	if in.IndexName != "" {
		if ix = t.indexes[in.IndexName]; ix == nil {
			return nil, validation("The table does not have the specified index: %s", in.IndexName)
		}
	}
	if in.Limit < 0 {
		return nil, validation("Limit must be at least 1")
	}
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	var kc keyCondition
	if isQuery {
		if kc, aerr = parseKeyCondition(in.KeyConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, ix.key.hash); aerr != nil {
			return nil, aerr
		}
		if kc.rngName != "" && kc.rngName != ix.key.rng {
			return nil, validation("Query condition missed key schema element")
		}
	} else {
		forward = true
		if in.TotalSegments > 1 && in.Segment > 0 {
			// Segment 0 returns the whole table; the others are empty, which
			// together is every item exactly once, as a parallel scan needs.
			return map[string]any{"Count": 0, "ScannedCount": 0, "Items": []encodedItem{}}, nil
		}
	}
	var hashText string
	if isQuery {
		h, err := toKeyValue(kc.hash, ix.key.hashType)
		if err != nil {
			return nil, validation("Invalid KeyConditionExpression: partition key %v", err)
		}
		hashText = h.String()
	}
	start, aerr := s.startEntry(t, ix, in.ExclusiveStartKey)
	if aerr != nil {
		return nil, aerr
	}
	page := &pageBuilder{s: s, t: t, ix: ix, in: in}
	visit := func(e *entry) bool {
		if isQuery && e.hash != hashText {
			return false
		}
		if e.bound != 0 || e == start {
			return true
		}
		if start != nil && !(forward && lessEntry(start, e) || !forward && lessEntry(e, start)) {
			return true
		}
		if isQuery {
			in, past := kc.rangeMatch(e, ix, forward)
			if past {
				return false
			}
			if !in {
				return true
			}
		}
		return page.add(e)
	}
	switch {
	case start != nil && forward:
		ix.tree.AscendGreaterOrEqual(start, visit)
	case start != nil:
		ix.tree.DescendLessOrEqual(start, visit)
	case isQuery && forward:
		ix.tree.AscendGreaterOrEqual(kc.lower(hashText, ix), visit)
	case isQuery:
		ix.tree.DescendLessOrEqual(kc.upper(hashText, ix), visit)
	default:
		ix.tree.Ascend(visit)
	}
	if page.err != nil {
		return nil, page.err
	}
	out := map[string]any{"Count": page.count, "ScannedCount": page.scanned}
	if in.Select != "COUNT" {
		out["Items"] = page.items
	}
	if page.hasMore {
		out["LastEvaluatedKey"] = wireItem(page.lastKey(t, ix))
	}
	return out, nil
}

// pageBuilder gathers one page of results.
type pageBuilder struct {
	s       *Server
	t       *table
	ix      *index
	in      *readInput
	items   []encodedItem
	count   int
	scanned int
	bytes   int
	last    *entry
	full    bool
	hasMore bool // the page is full and another item follows
	err     *apiError
}

// add evaluates one item; it returns false to stop the walk. When the page
// is full it stops at the next item, so LastEvaluatedKey is set only when
// there is more to read.
func (p *pageBuilder) add(e *entry) bool {
	if p.full {
		p.hasMore = true
		return false
	}
	p.scanned++
	p.last = e
	// As in DynamoDB, the 1 MB a page stops at is what it read, before the
	// filter: a filter that matches nothing still answers page by page
	// rather than walking the whole table under the lock.
	enc := e.st.enc
	if p.ix.projection != "ALL" {
		enc = e.proj
	}
	p.bytes += len(enc)
	if p.in.FilterExpression == "" && p.in.ProjectionExpression == "" {
		if p.in.Select != "COUNT" {
			p.items = append(p.items, enc)
		}
		p.count++
		return p.more()
	}
	it, err := enc.decode()
	if err != nil {
		p.err = internal(err)
		return false
	}
	if p.in.FilterExpression != "" {
		ok, err := p.s.lang.Match(interpreter.MatchInput{
			TableName: p.in.TableName, Expression: p.in.FilterExpression,
			ExpressionType: interpreter.ExpressionTypeFilter, Item: it,
			Attributes: p.in.ExpressionAttributeValues, Aliases: p.in.ExpressionAttributeNames,
		})
		if err != nil {
			p.err = validation("Invalid FilterExpression: %v", err)
			return false
		}
		if !ok {
			return p.more()
		}
	}
	p.count++
	if p.in.Select != "COUNT" {
		out, aerr := p.s.projectExpr(it, p.in.ProjectionExpression, p.in.ExpressionAttributeNames)
		if aerr != nil {
			p.err = aerr
			return false
		}
		p.items = append(p.items, appendItem(nil, out))
	}
	return p.more()
}

func (p *pageBuilder) more() bool {
	if (p.in.Limit > 0 && p.scanned >= p.in.Limit) || p.bytes >= maxPage {
		p.full = true
	}
	return true
}

// lastKey is LastEvaluatedKey, set only when the walk stopped on a full page
// with another item after it.
func (p *pageBuilder) lastKey(t *table, ix *index) item {
	it := p.last.st.item()
	k := t.keyOf(it)
	k[ix.key.hash] = it[ix.key.hash]
	if ix.key.rng != "" {
		k[ix.key.rng] = it[ix.key.rng]
	}
	return k
}

// startEntry finds the entry of ExclusiveStartKey in ix (nil: none given).
func (s *Server) startEntry(t *table, ix *index, key item) (*entry, *apiError) {
	if len(key) == 0 {
		return nil, nil
	}
	pkey, err := t.primaryKey(t.keyOf(key), true)
	if err != nil {
		return nil, validation("The provided starting key is invalid: %v", err)
	}
	e := ix.entryFor(pkey, key, nil)
	if e == nil {
		return nil, validation("The provided starting key is invalid")
	}
	return e, nil
}

// lower is the pivot before the first entry the condition can match.
func (kc *keyCondition) lower(hash string, ix *index) *entry {
	e := &entry{hash: hash, bound: -1}
	switch kc.op {
	case "=", ">=", ">", "BETWEEN", "begins_with":
		if v, err := toKeyValue(kc.lo, ix.key.rngType); err == nil {
			e.rng, e.hasRng = v, true
		}
	}
	return e
}

// upper is the pivot after the last entry the condition can match.
func (kc *keyCondition) upper(hash string, ix *index) *entry {
	e := &entry{hash: hash, bound: 1}
	v := kc.hi
	if kc.op == "=" || kc.op == "<" || kc.op == "<=" {
		v = kc.lo
	}
	switch kc.op {
	case "=", "<", "<=", "BETWEEN":
		if r, err := toKeyValue(v, ix.key.rngType); err == nil {
			e.rng, e.hasRng = r, true
		}
	}
	return e
}

// rangeMatch reports whether e meets the range condition, and whether the
// walk in this direction is past every entry that could.
func (kc *keyCondition) rangeMatch(e *entry, ix *index, forward bool) (match, past bool) {
	if kc.op == "" {
		return true, false
	}
	if !e.hasRng {
		return false, false
	}
	lo, _ := toKeyValue(kc.lo, ix.key.rngType)
	c := e.rng.compare(lo)
	switch kc.op {
	case "=":
		return c == 0, (forward && c > 0) || (!forward && c < 0)
	case "<":
		return c < 0, forward && c >= 0
	case "<=":
		return c <= 0, forward && c > 0
	case ">":
		return c > 0, !forward && c <= 0
	case ">=":
		return c >= 0, !forward && c < 0
	case "BETWEEN":
		hi, _ := toKeyValue(kc.hi, ix.key.rngType)
		ch := e.rng.compare(hi)
		return c >= 0 && ch <= 0, (forward && ch > 0) || (!forward && c < 0)
	case "begins_with":
		ok := strings.HasPrefix(e.rng.s, lo.s)
		return ok, !ok && (forward && c > 0 || !forward && c < 0)
	}
	return false, true
}

// parseKeyCondition reads "h = :v [AND r <op> :w | r BETWEEN :a AND :b | begins_with(r, :p)]".
// hashName is the partition key of the index read.
func parseKeyCondition(expr string, names map[string]string, values item, hashName string) (keyCondition, *apiError) {
	var kc keyCondition
	toks := tokenize(expr)
	bad := func() (keyCondition, *apiError) {
		return keyCondition{}, validation("Invalid KeyConditionExpression: %s", expr)
	}
	value := func(tok string) (*types.Item, bool) {
		v, ok := values[tok]
		return v, ok && strings.HasPrefix(tok, ":")
	}
	var conds [][]string
	cur := []string{}
	for i := 0; i < len(toks); i++ {
		tk := toks[i]
		if strings.EqualFold(tk, "AND") && !(len(cur) == 3 && strings.EqualFold(cur[1], "BETWEEN")) {
			conds, cur = append(conds, cur), []string{}
			continue
		}
		cur = append(cur, tk)
	}
	conds = append(conds, cur)
	if len(conds) > 2 {
		return bad()
	}
	for _, c := range conds {
		var name, op string
		var lo, hi *types.Item
		var ok1, ok2 bool
		switch {
		case len(c) == 3 && strings.Contains("= < <= > >=", c[1]):
			name, op = c[0], c[1]
			lo, ok1 = value(c[2])
			ok2 = true
		case len(c) == 5 && strings.EqualFold(c[1], "BETWEEN") && strings.EqualFold(c[3], "AND"):
			name, op = c[0], "BETWEEN"
			lo, ok1 = value(c[2])
			hi, ok2 = value(c[4])
		case len(c) == 4 && strings.EqualFold(c[0], "begins_with"):
			name, op = c[1], "begins_with"
			lo, ok1 = value(c[3])
			ok2 = c[2] == ","
		default:
			return bad()
		}
		if !ok1 || !ok2 {
			return bad()
		}
		resolved, aerr := attrName(name, names)
		if aerr != nil {
			return keyCondition{}, aerr.(*apiError)
		}
		if kc.hash == nil && op == "=" && resolved == hashName {
			kc.hash = lo
			continue
		}
		if kc.rngName != "" {
			return bad()
		}
		kc.rngName, kc.op, kc.lo, kc.hi = resolved, op, lo, hi
	}
	if kc.hash == nil {
		return keyCondition{}, validation("Query condition missed key schema element: %s", hashName)
	}
	return kc, nil
}

// tokenize splits a key condition into names, placeholders, operators and
// the comma of begins_with; parentheses group nothing a key condition needs.
func tokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '(' || c == ')':
			i++
		case c == ',':
			out = append(out, ",")
			i++
		case c == '<' || c == '>' || c == '=':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n(),<>=", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}
