// Package dynamolocal serves the DynamoDB JSON API in process for `make run`:
// minidyn's HTTP server, made durable by a journal of every successful write
// that is replayed at start, so a restart keeps the data.
package dynamolocal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	miniserver "github.com/truora/minidyn/server"
)

// writeOps change state and so are journaled.
var writeOps = map[string]bool{
	"CreateTable": true, "UpdateTable": true, "DeleteTable": true,
	"PutItem": true, "UpdateItem": true, "DeleteItem": true,
	"BatchWriteItem": true, "TransactWriteItems": true,
}

// schemaOps change tables' indexes.
var schemaOps = map[string]bool{"CreateTable": true, "UpdateTable": true, "DeleteTable": true}

// maxRequest bounds one request body; DynamoDB's own limit is 16 MB for a batch.
const maxRequest = 16 << 20

// Server is a durable in-process DynamoDB endpoint.
type Server struct {
	inner   http.Handler
	mu      sync.RWMutex // writes are applied and journaled one at a time, in order
	journal *os.File
	path    string
	indexes map[string]map[string]bool // table -> its index names; guarded by mu, dropped by schema changes
}

type entry struct {
	Op   string          `json:"op"`
	Body json.RawMessage `json:"body"`
}

// Open replays the journal in dir (created if needed) and returns the server.
func Open(dir string) (*Server, error) { return open(dir, compactAfter) }

func open(dir string, compactAfter int) (*Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dynamodb data directory: %w", err)
	}
	s := &Server{inner: miniserver.NewServer(), path: filepath.Join(dir, "dynamodb.journal")}
	schema, entries, err := s.replay()
	if err != nil {
		return nil, err
	}
	if entries > compactAfter {
		if err := s.compact(schema, entries); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open dynamodb journal: %w", err)
	}
	s.journal = f
	return s, nil
}

// replay applies every journaled write to the fresh in-memory tables. A torn
// last line (a crash mid-append, never acknowledged) is cut off, so that the
// next append starts on a line of its own; a bad line anywhere else is corruption.
// It returns the schema entries (CreateTable, UpdateTable) of every table in
// order, and how many entries the journal holds.
func (s *Server) replay() (map[string][]entry, int, error) {
	schema := map[string][]entry{}
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if os.IsNotExist(err) {
		return schema, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open dynamodb journal: %w", err)
	}
	defer f.Close()
	rd := bufio.NewReader(f)
	var good int64 // offset just past the last complete, well-formed line
	n := 0
	for ; ; n++ {
		line, err := rd.ReadBytes('\n')
		if err == io.EOF {
			if len(line) == 0 {
				return schema, n, nil
			}
			break // unterminated last line: torn
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read dynamodb journal: %w", err)
		}
		var e entry
		if err := json.Unmarshal(line, &e); err != nil {
			if _, err := rd.Peek(1); err == io.EOF {
				break // the last line: torn
			}
			return nil, 0, fmt.Errorf("dynamodb journal %s: line %d is corrupt: %w", s.path, n+1, err)
		}
		s.apply(e.Op, e.Body)
		trackSchema(schema, e)
		good += int64(len(line))
	}
	if err := f.Truncate(good); err != nil {
		return nil, 0, fmt.Errorf("cut torn end of dynamodb journal: %w", err)
	}
	return schema, n, f.Sync()
}

// trackSchema keeps, per table, the entries that shape it.
func trackSchema(schema map[string][]entry, e entry) {
	var t struct{ TableName string }
	if json.Unmarshal(e.Body, &t) != nil {
		return
	}
	switch e.Op {
	case "CreateTable":
		schema[t.TableName] = []entry{e}
	case "UpdateTable":
		schema[t.TableName] = append(schema[t.TableName], e)
	case "DeleteTable":
		delete(schema, t.TableName)
	}
}

// compactAfter is the journal length past which Open rewrites it as the
// current state (schema, then one PutItem per item), so that a long-used data
// directory starts as fast as a fresh one.
const compactAfter = 20_000

// compact rewrites the journal as the tables' current state when that is at
// most half as long. The new journal is complete on disk before it replaces the old.
func (s *Server) compact(schema map[string][]entry, entries int) error {
	var lines [][]byte
	names := make([]string, 0, len(schema))
	for name := range schema {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, e := range schema[name] {
			line, err := json.Marshal(e)
			if err != nil {
				return err
			}
			lines = append(lines, line)
		}
		items, err := s.scanAll(name)
		if err != nil {
			return err
		}
		for _, item := range items {
			body, _ := json.Marshal(map[string]json.RawMessage{"TableName": mustJSON(name), "Item": item})
			line, _ := json.Marshal(entry{Op: "PutItem", Body: body})
			lines = append(lines, line)
		}
	}
	if 2*len(lines) > entries {
		return nil // mostly live data: not worth rewriting yet
	}
	tmp := s.path + ".compact"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("compact dynamodb journal: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.Write(l)
		w.WriteByte('\n')
	}
	if err := errors.Join(w.Flush(), f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("compact dynamodb journal: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("compact dynamodb journal: %w", err)
	}
	return nil
}

// scanAll returns every item of a table in the wire format, page by page.
func (s *Server) scanAll(table string) ([]json.RawMessage, error) {
	var items []json.RawMessage
	var start json.RawMessage
	for {
		req := map[string]json.RawMessage{"TableName": mustJSON(table)}
		if start != nil {
			req["ExclusiveStartKey"] = start
		}
		body, _ := json.Marshal(req)
		rec := s.apply("Scan", body)
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("compact dynamodb journal: scan %s: %s", table, rec.Body.String())
		}
		var page struct {
			Items            []json.RawMessage
			LastEvaluatedKey json.RawMessage
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			return nil, fmt.Errorf("compact dynamodb journal: scan %s: %w", table, err)
		}
		items = append(items, page.Items...)
		if len(page.LastEvaluatedKey) == 0 || string(page.LastEvaluatedKey) == "null" || len(page.Items) == 0 {
			return items, nil
		}
		start = page.LastEvaluatedKey
	}
}

func mustJSON(v string) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func (s *Server) apply(op string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rec := httptest.NewRecorder()
	s.inner.ServeHTTP(rec, req)
	return rec
}

// ServeHTTP answers one DynamoDB API call; a successful write is on disk before it is answered.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndex(target, ".")+1:]
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "ValidationException", "request too large")
		return
	}
	if op == "ListTables" {
		s.listTables(w, body)
		return
	}
	if (op == "Query" || op == "Scan") && !s.indexExists(body) {
		// minidyn never answers a read of a missing index; DynamoDB refuses it.
		writeError(w, http.StatusBadRequest, "ValidationException", "The table does not have the specified index")
		return
	}
	var rec *httptest.ResponseRecorder
	if writeOps[op] {
		s.mu.Lock()
		rec = s.apply(op, body)
		if rec.Code == http.StatusOK {
			err = s.append(op, body)
			if schemaOps[op] {
				s.indexes = nil
			}
		}
		s.mu.Unlock()
		if err != nil {
			writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
			return
		}
	} else {
		s.mu.RLock()
		rec = s.apply(op, body)
		s.mu.RUnlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (s *Server) append(op string, body []byte) error {
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		return fmt.Errorf("journal %s: %w", op, err)
	}
	line, err := json.Marshal(entry{Op: op, Body: compact.Bytes()})
	if err != nil {
		return fmt.Errorf("journal %s: %w", op, err)
	}
	if _, err := s.journal.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("journal %s: %w", op, err)
	}
	return s.journal.Sync()
}

// listTables answers ListTables, which minidyn lacks, from the journal's table
// set: names in ascending order, paged by Limit and ExclusiveStartTableName.
func (s *Server) listTables(w http.ResponseWriter, body []byte) {
	var in struct {
		ExclusiveStartTableName string
		Limit                   int
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			writeError(w, http.StatusBadRequest, "SerializationException", err.Error())
			return
		}
	}
	if in.Limit < 0 || in.Limit > 100 {
		writeError(w, http.StatusBadRequest, "ValidationException", "Limit must be between 1 and 100")
		return
	}
	if in.Limit == 0 {
		in.Limit = 100
	}
	s.mu.RLock()
	names, err := s.tables()
	s.mu.RUnlock()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	sort.Strings(names)
	page := []string{}
	for _, n := range names {
		if n > in.ExclusiveStartTableName {
			page = append(page, n)
		}
	}
	out := map[string]any{}
	if len(page) > in.Limit {
		page = page[:in.Limit]
		out["LastEvaluatedTableName"] = page[len(page)-1]
	}
	out["TableNames"] = page
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

// tables lists the tables that exist, probing each name ever created.
func (s *Server) tables() ([]string, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("read dynamodb journal: %w", err)
	}
	defer f.Close()
	seen := map[string]bool{}
	var names []string
	rd := bufio.NewReader(f)
	for {
		line, err := rd.ReadBytes('\n')
		if len(line) > 0 {
			var e entry
			if json.Unmarshal(line, &e) == nil && e.Op == "CreateTable" {
				var t struct{ TableName string }
				if json.Unmarshal(e.Body, &t) == nil && !seen[t.TableName] {
					seen[t.TableName] = true
					probe, _ := json.Marshal(t)
					if s.apply("DescribeTable", probe).Code == http.StatusOK {
						names = append(names, t.TableName)
					}
				}
			}
		}
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read dynamodb journal: %w", err)
		}
	}
}

// indexExists reports whether a read names no index, or one its table has.
// Index names are remembered per table until a schema change, so index reads
// cost one lookup, not a DescribeTable each.
func (s *Server) indexExists(body []byte) bool {
	var req struct{ TableName, IndexName string }
	if json.Unmarshal(body, &req) != nil || req.IndexName == "" {
		return true
	}
	s.mu.RLock()
	known, ok := s.indexes[req.TableName]
	s.mu.RUnlock()
	if ok {
		return known[req.IndexName]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	probe, _ := json.Marshal(map[string]string{"TableName": req.TableName})
	rec := s.apply("DescribeTable", probe)
	var d struct {
		Table struct {
			GlobalSecondaryIndexes []struct{ IndexName string }
			LocalSecondaryIndexes  []struct{ IndexName string }
		}
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &d) != nil {
		return true // let the read itself report the missing table
	}
	known = map[string]bool{}
	for _, ix := range append(d.Table.GlobalSecondaryIndexes, d.Table.LocalSecondaryIndexes...) {
		known[ix.IndexName] = true
	}
	if s.indexes == nil {
		s.indexes = map[string]map[string]bool{}
	}
	s.indexes[req.TableName] = known
	return known[req.IndexName]
}

// Close closes the journal.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.journal.Close()
}

func writeError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + kind, "message": msg})
}
