// Package dynamolocal serves the DynamoDB JSON API in process for `make run`
// and the unit tests: tables in memory with an ordered index (a B-tree) for the
// primary key and every secondary index, so that a Query reads only the
// partition it names; expressions evaluated by minidyn's interpreter; every
// acknowledged write on disk (see datafile.go), so a restart reads the current
// state instead of replaying history.
package dynamolocal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/truora/minidyn/interpreter"
)

// maxRequest bounds one request body; DynamoDB's own limit is 16 MB for a batch.
const maxRequest = 16 << 20

// Server is a durable in-process DynamoDB endpoint.
type Server struct {
	mu      sync.RWMutex // reads share it; a write holds it until it is on disk
	tables  map[string]*table
	data    *dataFile
	lang    interpreter.Language
	now     func() time.Time
	ready   chan struct{} // closed once the items are loaded
	loadErr error         // why they could not be, set before ready closes

	compacting  atomic.Bool    // a compaction is under way
	background  sync.WaitGroup // compactions started in the background, which Close waits for
	closed      bool           // set by Close: a compaction under way gives up
	compactHook func()         // tests: runs between a compaction's unlocked write and its catch-up
}

// schemaOps are answered while the items are still loading.
var schemaOps = map[string]bool{"DescribeTable": true, "ListTables": true, "DescribeTimeToLive": true}

// Open opens the data in dir (created if needed) and returns the server as
// soon as the tables' schemas are read; the items load in the background and
// every request that reads or writes them waits until they have (see Ready).
// A journal left by the earlier minidyn-based server is converted once.
func Open(dir string) (*Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dynamodb data directory: %w", err)
	}
	s := &Server{tables: map[string]*table{}, now: time.Now, ready: make(chan struct{})}
	_, statErr := os.Stat(filepath.Join(dir, dataFileName))
	if err := s.open(dir); err != nil {
		return nil, err
	}
	go func() {
		err := s.load()
		if err == nil && os.IsNotExist(statErr) {
			err = s.importJournal(filepath.Join(dir, "dynamodb.journal"))
		}
		s.loadErr = err
		close(s.ready)
	}()
	return s, nil
}

// Ready waits until the items are loaded and returns why they could not be.
func (s *Server) Ready() error {
	<-s.ready
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.loadErr
}

// Close closes the data file, once the items are loaded and a compaction
// under way has given up.
func (s *Server) Close() error {
	<-s.ready
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.background.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.f.Close()
}

// apiError is a DynamoDB error answer.
type apiError struct {
	status int
	kind   string
	msg    string
	extra  map[string]any
}

func (e *apiError) Error() string { return e.kind + ": " + e.msg }

func validation(format string, args ...any) *apiError {
	return &apiError{status: 400, kind: "ValidationException", msg: fmt.Sprintf(format, args...)}
}

func notFound(table string) *apiError {
	return &apiError{status: 400, kind: "ResourceNotFoundException", msg: "Requested resource not found: Table: " + table + " not found"}
}

// ServeHTTP answers one DynamoDB API call; a successful write is on disk before it is answered.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndex(target, ".")+1:]
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest))
	if err != nil {
		writeError(w, &apiError{status: 413, kind: "ValidationException", msg: "request too large"})
		return
	}
	out, aerr := s.handle(op, body)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	answer, err := encodeAnswer(out)
	if err != nil {
		writeError(w, internal(err))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write(answer)
}

// encodeAnswer writes an operation's answer. Items are appended as they are
// (encoding/json would re-validate and re-compact every item a page holds);
// everything else goes through encoding/json.
func encodeAnswer(out any) ([]byte, error) {
	m, ok := out.(map[string]any)
	if !ok {
		return json.Marshal(out)
	}
	b := []byte{'{'}
	for name, v := range m {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(appendString(b, name), ':')
		switch v := v.(type) {
		case wireItem:
			b = appendItem(b, item(v))
		case encodedItem:
			b = append(b, v...)
		case []encodedItem:
			b = append(b, '[')
			for i, it := range v {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, it...)
			}
			b = append(b, ']')
		default:
			enc, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			b = append(b, enc...)
		}
	}
	return append(b, '}'), nil
}

func (s *Server) handle(op string, body []byte) (any, *apiError) {
	h, ok := operations[op]
	if !ok {
		return nil, &apiError{status: 400, kind: "UnknownOperationException", msg: "operation " + op + " is not supported here"}
	}
	if !schemaOps[op] {
		if err := s.Ready(); err != nil {
			return nil, internal(fmt.Errorf("dynamodb data could not be read: %w", err))
		}
	}
	return h(s, body)
}

type operation func(s *Server, body []byte) (any, *apiError)

var operations map[string]operation

func init() {
	operations = map[string]operation{
		"CreateTable": withWrite((*Server).createTable), "DescribeTable": withInput((*Server).describeTable),
		"DeleteTable": withWrite((*Server).deleteTable), "ListTables": withInput((*Server).listTables),
		"UpdateTimeToLive": withWrite((*Server).updateTTL), "DescribeTimeToLive": withInput((*Server).describeTTL),
		"PutItem": withWrite((*Server).putItem), "GetItem": withInput((*Server).getItem),
		"UpdateItem": withWrite((*Server).updateItem), "DeleteItem": withWrite((*Server).deleteItem),
		"BatchGetItem": withInput((*Server).batchGet), "BatchWriteItem": withWrite((*Server).batchWrite),
		"TransactWriteItems": withWrite((*Server).transactWrite), "TransactGetItems": withInput((*Server).transactGet),
		"Query": withInput((*Server).query), "Scan": withInput((*Server).scan),
	}
}

// withInput decodes the request body into the operation's input.
func withInput[In any](f func(*Server, *In) (any, *apiError)) operation {
	return func(s *Server, body []byte) (any, *apiError) {
		in := new(In)
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, &apiError{status: 400, kind: "SerializationException", msg: err.Error()}
			}
		}
		return f(s, in)
	}
}

// withWrite is withInput for an operation that writes: the answer waits
// until its writes are on disk and what they superseded is erased.
func withWrite[In any](f func(*Server, *txn, *In) (any, *apiError)) operation {
	return withInput(func(s *Server, in *In) (any, *apiError) {
		tx := &txn{}
		out, aerr := f(s, tx, in)
		if aerr != nil {
			return nil, aerr
		}
		if err := s.finish(tx); err != nil {
			return nil, internal(err)
		}
		return out, nil
	})
}

func writeError(w http.ResponseWriter, e *apiError) {
	out := map[string]any{"__type": "com.amazonaws.dynamodb.v20120810#" + e.kind, "message": e.msg}
	for k, v := range e.extra {
		out[k] = v
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(out)
}

func internal(err error) *apiError {
	return &apiError{status: 500, kind: "InternalServerError", msg: err.Error()}
}

func (s *Server) table(name string) (*table, *apiError) {
	t := s.tables[name]
	if t == nil {
		return nil, notFound(name)
	}
	return t, nil
}

func (s *Server) createTable(tx *txn, in *tableSchema) (any, *apiError) {
	if in.TableName == "" {
		return nil, validation("TableName is required")
	}
	in.TTLAttribute = ""
	in.CreatedAt = float64(s.now().Unix())
	t, err := newTable(*in)
	if err != nil {
		return nil, validation("%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tables[in.TableName] != nil {
		return nil, &apiError{status: 400, kind: "ResourceInUseException", msg: "Table already exists: " + in.TableName}
	}
	if err := s.appendSchema(tx, &payload{Create: in}); err != nil {
		return nil, internal(err)
	}
	s.tables[in.TableName] = t
	return map[string]any{"TableDescription": t.description()}, nil
}

type tableName struct{ TableName string }

func (s *Server) describeTable(in *tableName) (any, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, aerr := s.table(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"Table": t.description()}, nil
}

func (s *Server) deleteTable(tx *txn, in *tableName) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, aerr := s.table(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	desc := t.description()
	if err := s.appendSchema(tx, &payload{Drop: in.TableName}); err != nil {
		return nil, internal(err)
	}
	for _, st := range t.items {
		st.rec.holders.remove(st)
		if st.rec.holders.empty() {
			tx.obsolete = append(tx.obsolete, st.rec)
		}
	}
	s.dropTable(in.TableName)
	desc["TableStatus"] = "DELETING"
	return map[string]any{"TableDescription": desc}, nil
}

func (s *Server) dropTable(name string) { delete(s.tables, name) }

func (s *Server) listTables(in *struct {
	ExclusiveStartTableName string
	Limit                   int
}) (any, *apiError) {
	if in.Limit < 0 || in.Limit > 100 {
		return nil, validation("Limit must be between 1 and 100")
	}
	if in.Limit == 0 {
		in.Limit = 100
	}
	s.mu.RLock()
	names := make([]string, 0, len(s.tables))
	for n := range s.tables {
		if n > in.ExclusiveStartTableName {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	sort.Strings(names)
	out := map[string]any{}
	if len(names) > in.Limit {
		names = names[:in.Limit]
		out["LastEvaluatedTableName"] = names[len(names)-1]
	}
	out["TableNames"] = names
	return out, nil
}

type ttlSpec struct {
	AttributeName string
	Enabled       bool
}

func (s *Server) updateTTL(tx *txn, in *struct {
	TableName               string
	TimeToLiveSpecification ttlSpec
}) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, aerr := s.table(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	schema := t.schema
	schema.TTLAttribute = ""
	if in.TimeToLiveSpecification.Enabled {
		schema.TTLAttribute = in.TimeToLiveSpecification.AttributeName
	}
	// A later record of a table's schema replaces its schema, not its items.
	if err := s.appendSchema(tx, &payload{Create: &schema}); err != nil {
		return nil, internal(err)
	}
	t.setSchema(schema)
	return map[string]any{"TimeToLiveSpecification": in.TimeToLiveSpecification}, nil
}

func (s *Server) describeTTL(in *tableName) (any, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, aerr := s.table(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	d := map[string]any{"TimeToLiveStatus": "DISABLED"}
	if t.schema.TTLAttribute != "" {
		d = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": t.schema.TTLAttribute}
	}
	return map[string]any{"TimeToLiveDescription": d}, nil
}

// importJournal converts the JSON journal of the earlier minidyn-based server
// (one API request a line) by answering its requests again, then removes it.
func (s *Server) importJournal(path string) error {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read old dynamodb journal: %w", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		var e struct {
			Op   string
			Body json.RawMessage
		}
		if json.Unmarshal([]byte(line), &e) != nil {
			continue // a torn last line
		}
		op, ok := operations[e.Op]
		if !ok {
			continue // a read, journaled by mistake: nothing to apply
		}
		if _, aerr := op(s, e.Body); aerr != nil && aerr.status >= 500 { // not s.handle: that waits for this load
			return fmt.Errorf("convert old dynamodb journal: %w", errors.New(aerr.msg))
		}
	}
	return os.Remove(path)
}
