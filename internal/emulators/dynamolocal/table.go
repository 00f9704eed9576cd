package dynamolocal

import (
	"fmt"
	"strings"

	"github.com/google/btree"
)

// tableSchema is what CreateTable declared (the JSON of its input, kept as is
// in the data file) plus the TTL setting.
type tableSchema struct {
	TableName              string
	AttributeDefinitions   []struct{ AttributeName, AttributeType string }
	KeySchema              []keyElement
	GlobalSecondaryIndexes []indexSchema `json:",omitempty"`
	LocalSecondaryIndexes  []indexSchema `json:",omitempty"`
	BillingMode            string        `json:",omitempty"`
	TTLAttribute           string        `json:",omitempty"`
	CreatedAt              float64       `json:",omitempty"`
}

type keyElement struct{ AttributeName, KeyType string }

type indexSchema struct {
	IndexName  string
	KeySchema  []keyElement
	Projection struct {
		ProjectionType   string
		NonKeyAttributes []string `json:",omitempty"`
	}
}

// keyDef names a key's attributes and their types; rng is empty for a hash-only key.
type keyDef struct{ hash, hashType, rng, rngType string }

func (s *tableSchema) keyDef(elems []keyElement) (keyDef, error) {
	types := map[string]string{}
	for _, a := range s.AttributeDefinitions {
		types[a.AttributeName] = a.AttributeType
	}
	var k keyDef
	for _, e := range elems {
		t := types[e.AttributeName]
		if t != "S" && t != "N" && t != "B" {
			return k, fmt.Errorf("key attribute %q has no S, N or B definition", e.AttributeName)
		}
		switch e.KeyType {
		case "HASH":
			k.hash, k.hashType = e.AttributeName, t
		case "RANGE":
			k.rng, k.rngType = e.AttributeName, t
		default:
			return k, fmt.Errorf("key type %q", e.KeyType)
		}
	}
	if k.hash == "" {
		return k, fmt.Errorf("a key schema needs a HASH attribute")
	}
	return k, nil
}

// table is one table in memory: its items by primary key, and an ordered
// index for the primary key and for every secondary index, so that a Query
// reads only the partition it names and a page costs the same at any size.
type table struct {
	schema  tableSchema
	key     keyDef
	items   map[string]*stored // by primary key text
	primary *index
	indexes map[string]*index

	expiry *btree.BTreeG[*expiring] // items by TTL time, when TTL is on (see ttl.go)
}

// stored is an item, encoded, the record of the data file that holds its
// latest version, and its places in the table's trees. Keeping the places
// here rather than in a map per index saves the collector a map entry per
// item and index (see docs/local-stack.md for what that did at 100,000 dialogs).
type stored struct {
	table   string
	enc     encodedItem
	rec     *record
	places  []place   // one per index that holds the item
	expires *expiring // its place in the expiry tree, if it expires
}

// place is an item's entry in one index.
type place struct {
	ix *index
	e  *entry
}

// item decodes the stored item. Stored items were encoded here from decoded
// ones, so decoding cannot fail but on a bug: it panics then.
func (st *stored) item() item {
	it, err := st.enc.decode()
	if err != nil {
		panic(err)
	}
	return it
}

// index orders a table's items by (hash key, range key, primary key).
type index struct {
	name       string
	key        keyDef
	projection string
	include    []string
	tree       *btree.BTreeG[*entry]
}

// entry is one item's place in an index, or a search pivot (see lessEntry).
type entry struct {
	hash   string
	rng    keyValue
	hasRng bool
	bound  int // -1 before every item of the partition, +1 after, 0 an item
	pkey   string
	st     *stored
	proj   encodedItem // the item as an index that projects less than ALL holds it, as a GSI stores its copy
}

// lessEntry orders entries by hash key, then range key, then primary key. A
// search pivot may leave its range key out (bound -1: before the whole
// partition, +1: after it) or set it with a bound (before or after every item
// with that range key).
func lessEntry(a, b *entry) bool {
	if a.hash != b.hash {
		return a.hash < b.hash
	}
	if a.hasRng && b.hasRng {
		if c := a.rng.compare(b.rng); c != 0 {
			return c < 0
		}
	}
	if a.bound != b.bound {
		return a.bound < b.bound
	}
	return a.pkey < b.pkey
}

func newTable(s tableSchema) (*table, error) {
	k, err := s.keyDef(s.KeySchema)
	if err != nil {
		return nil, err
	}
	t := &table{schema: s, key: k, items: map[string]*stored{}, indexes: map[string]*index{},
		expiry: btree.NewG(32, lessExpiring)}
	t.primary = newIndex("", k, "ALL", nil)
	for _, ix := range append(append([]indexSchema{}, s.GlobalSecondaryIndexes...), s.LocalSecondaryIndexes...) {
		ik, err := s.keyDef(ix.KeySchema)
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", ix.IndexName, err)
		}
		p := ix.Projection.ProjectionType
		if p == "" {
			p = "ALL"
		}
		t.indexes[ix.IndexName] = newIndex(ix.IndexName, ik, p, ix.Projection.NonKeyAttributes)
	}
	return t, nil
}

func newIndex(name string, k keyDef, projection string, include []string) *index {
	return &index{name: name, key: k, projection: projection, include: include,
		tree: btree.NewG(32, lessEntry)}
}

// primaryKey returns the text of an item's (or a Key's) primary key, checking
// that it has exactly the key's attributes with their declared types when exact.
func (t *table) primaryKey(it item, exact bool) (string, error) {
	h, err := toKeyValue(it[t.key.hash], t.key.hashType)
	if err != nil {
		return "", validation("One or more parameter values were invalid: key %s %v", t.key.hash, err)
	}
	text := h.String()
	n := 1
	if t.key.rng != "" {
		r, err := toKeyValue(it[t.key.rng], t.key.rngType)
		if err != nil {
			return "", validation("One or more parameter values were invalid: key %s %v", t.key.rng, err)
		}
		text += "\x00" + r.String()
		n++
	}
	if exact && len(it) != n {
		return "", validation("The provided key element does not match the schema")
	}
	return text, nil
}

// keyOf returns just the primary key attributes of an item.
func (t *table) keyOf(it item) item {
	k := item{t.key.hash: it[t.key.hash]}
	if t.key.rng != "" {
		k[t.key.rng] = it[t.key.rng]
	}
	return k
}

// entryFor places an item (it, stored as st) in ix, or returns nil when the
// item lacks the index's key attributes (sparse index) or has them with another type.
func (ix *index) entryFor(pkey string, it item, st *stored) *entry {
	h, err := toKeyValue(it[ix.key.hash], ix.key.hashType)
	if err != nil {
		return nil
	}
	e := &entry{hash: h.String(), pkey: pkey, st: st}
	if ix.key.rng != "" {
		if e.rng, err = toKeyValue(it[ix.key.rng], ix.key.rngType); err != nil {
			return nil
		}
		e.hasRng = true
	}
	return e
}

// set puts (st != nil, decoded as it) or removes (st == nil) the item with
// primary key pkey in every index.
func (t *table) set(pkey string, it item, st *stored) {
	if old := t.items[pkey]; old != nil {
		for _, p := range old.places {
			p.ix.tree.Delete(p.e)
		}
		t.setExpiry(old, pkey, nil)
	}
	if st == nil {
		delete(t.items, pkey)
		return
	}
	t.items[pkey] = st
	st.places = nil
	for _, ix := range t.allIndexes() {
		if e := ix.entryFor(pkey, it, st); e != nil {
			if ix.projection != "ALL" {
				e.proj = appendItem(nil, t.project(ix, it))
			}
			ix.tree.ReplaceOrInsert(e)
			st.places = append(st.places, place{ix, e})
		}
	}
	t.setExpiry(st, pkey, it)
}

func (t *table) allIndexes() []*index {
	out := make([]*index, 0, 1+len(t.indexes))
	out = append(out, t.primary)
	for _, ix := range t.indexes {
		out = append(out, ix)
	}
	return out
}

// project returns the attributes of it that ix holds.
func (t *table) project(ix *index, it item) item {
	if ix.projection == "ALL" {
		return it
	}
	out := t.keyOf(it)
	out[ix.key.hash] = it[ix.key.hash]
	if ix.key.rng != "" {
		out[ix.key.rng] = it[ix.key.rng]
	}
	if ix.projection == "INCLUDE" {
		for _, a := range ix.include {
			if v, ok := it[a]; ok {
				out[a] = v
			}
		}
	}
	return out
}

// description is the table as DescribeTable answers it.
func (t *table) description() map[string]any {
	s := t.schema
	d := map[string]any{
		"TableName": s.TableName, "TableStatus": "ACTIVE",
		"TableArn":             "arn:aws:dynamodb:us-east-1:000000000000:table/" + s.TableName,
		"AttributeDefinitions": s.AttributeDefinitions, "KeySchema": s.KeySchema,
		"ItemCount": len(t.items), "CreationDateTime": s.CreatedAt,
		"BillingModeSummary": map[string]string{"BillingMode": "PAY_PER_REQUEST"},
	}
	describe := func(list []indexSchema) []map[string]any {
		var out []map[string]any
		for _, ix := range list {
			out = append(out, map[string]any{
				"IndexName": ix.IndexName, "KeySchema": ix.KeySchema, "Projection": ix.Projection,
				"IndexStatus": "ACTIVE", "ItemCount": t.indexes[ix.IndexName].tree.Len(),
				"IndexArn": d["TableArn"].(string) + "/index/" + ix.IndexName,
			})
		}
		return out
	}
	if len(s.GlobalSecondaryIndexes) > 0 {
		d["GlobalSecondaryIndexes"] = describe(s.GlobalSecondaryIndexes)
	}
	if len(s.LocalSecondaryIndexes) > 0 {
		d["LocalSecondaryIndexes"] = describe(s.LocalSecondaryIndexes)
	}
	return d
}

// attrNames resolves #placeholders in a name.
func attrName(name string, names map[string]string) (string, error) {
	if strings.HasPrefix(name, "#") {
		n, ok := names[name]
		if !ok {
			return "", validation("An expression attribute name used in the document path is not defined; attribute name: %s", name)
		}
		return n, nil
	}
	return name, nil
}
