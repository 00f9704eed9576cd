// Package dynamolocal serves the DynamoDB JSON API in process for `make run`:
// minidyn's HTTP server, made durable by a journal of every successful write
// that is replayed at start, so a restart keeps the data.
package dynamolocal

import (
	"bufio"
	"bytes"
	"encoding/json"
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

// maxRequest bounds one request body; DynamoDB's own limit is 16 MB for a batch.
const maxRequest = 16 << 20

// Server is a durable in-process DynamoDB endpoint.
type Server struct {
	inner   http.Handler
	mu      sync.RWMutex // writes are applied and journaled one at a time, in order
	journal *os.File
	path    string
}

type entry struct {
	Op   string          `json:"op"`
	Body json.RawMessage `json:"body"`
}

// Open replays the journal in dir (created if needed) and returns the server.
func Open(dir string) (*Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dynamodb data directory: %w", err)
	}
	s := &Server{inner: miniserver.NewServer(), path: filepath.Join(dir, "dynamodb.journal")}
	if err := s.replay(); err != nil {
		return nil, err
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
func (s *Server) replay() error {
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open dynamodb journal: %w", err)
	}
	defer f.Close()
	rd := bufio.NewReader(f)
	var good int64 // offset just past the last complete, well-formed line
	for n := 1; ; n++ {
		line, err := rd.ReadBytes('\n')
		if err == io.EOF {
			if len(line) == 0 {
				return nil
			}
			break // unterminated last line: torn
		}
		if err != nil {
			return fmt.Errorf("read dynamodb journal: %w", err)
		}
		var e entry
		if err := json.Unmarshal(line, &e); err != nil {
			if _, err := rd.Peek(1); err == io.EOF {
				break // the last line: torn
			}
			return fmt.Errorf("dynamodb journal %s: line %d is corrupt: %w", s.path, n, err)
		}
		s.apply(e.Op, e.Body)
		good += int64(len(line))
	}
	if err := f.Truncate(good); err != nil {
		return fmt.Errorf("cut torn end of dynamodb journal: %w", err)
	}
	return f.Sync()
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
	var rec *httptest.ResponseRecorder
	if writeOps[op] {
		s.mu.Lock()
		rec = s.apply(op, body)
		if rec.Code == http.StatusOK {
			err = s.append(op, body)
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
