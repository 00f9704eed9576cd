package dynamolocal

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
)

// The data file is a sequence of records, each an 8-byte header (payload
// length, CRC-32C of the payload) and a JSON payload: a table created or
// dropped, or the writes of one request (all of a transaction's in one record,
// so that a crash keeps all or none). A record is fsync'd before the request
// is answered; concurrent writers share one fsync (group commit). A torn
// record at the end is cut off at start.
//
// Erasure: when an item is overwritten or deleted, the record that held its
// previous version is overwritten with zeros (after the new version is on
// disk), so erased data cannot be read back from the directory. A record that
// also holds other, still-live items has those rewritten first. A zeroed
// record fails its CRC and is skipped when the file is read.
const dataFileName = "dynamodb.data"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

const headerSize = 8

// holders are the live items a record holds (the latest version of each), or
// that it is a table's schema. Most records hold one item: a slice, not a
// map per record.
type holders struct {
	items  []*stored
	schema bool
}

func (h *holders) add(st *stored) { h.items = append(h.items, st) }

func (h *holders) remove(st *stored) {
	for i, x := range h.items {
		if x == st {
			last := len(h.items) - 1
			h.items[i], h.items[last] = h.items[last], nil
			h.items = h.items[:last]
			return
		}
	}
}

// empty reports whether the record holds nothing live: it may be erased.
func (h *holders) empty() bool { return len(h.items) == 0 && !h.schema }

// record is where one record sits in the data file, and which live items it
// holds (the latest version of each).
type record struct {
	file    *dataFile
	off     int64
	size    int
	holders holders
}

// payload is one record's content.
type payload struct {
	Create *tableSchema `json:"create,omitempty"`
	Drop   string       `json:"drop,omitempty"`
	Writes []write      `json:"w,omitempty"`
}

// write is one item put (Put) or deleted (Del, its key) in table T.
type write struct {
	T   string      `json:"t"`
	Put encodedItem `json:"put,omitempty"`
	Del encodedItem `json:"del,omitempty"`
}

type dataFile struct {
	f       *os.File
	path    string
	size    atomic.Int64 // bytes written; changed with the server's lock held
	garbage int64        // bytes of records no live item needs
	syncMu  sync.Mutex   // one fsync at a time
	synced  atomic.Int64 // bytes known to be on disk
}

// txn is one request's writes on their way to disk: the offset they end at,
// and the records they made obsolete, erased once the writes are durable.
type txn struct {
	file     *dataFile
	upto     int64
	obsolete []*record
}

// syncTo returns once the first upto bytes are on disk, with one fsync for
// every writer waiting at that moment.
func (d *dataFile) syncTo(upto int64) error {
	if d.synced.Load() >= upto {
		return nil
	}
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	if d.synced.Load() >= upto {
		return nil
	}
	target := d.size.Load()
	if err := d.f.Sync(); err != nil {
		return fmt.Errorf("sync dynamodb data: %w", err)
	}
	d.synced.Store(target)
	return nil
}

// write appends a record without waiting for the disk; see syncTo.
func (d *dataFile) write(p *payload) (*record, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, headerSize+len(body))
	binary.LittleEndian.PutUint32(buf, uint32(len(body)))
	binary.LittleEndian.PutUint32(buf[4:], crc32.Checksum(body, crcTable))
	copy(buf[headerSize:], body)
	off := d.size.Load()
	if _, err := d.f.WriteAt(buf, off); err != nil {
		_ = d.f.Truncate(off)
		return nil, fmt.Errorf("write dynamodb data: %w", err)
	}
	d.size.Store(off + int64(len(buf)))
	return &record{file: d, off: off, size: len(body)}, nil
}

// scrub zeroes a record's payload. The next fsync makes it durable; until
// then a crash can only bring back data that was already superseded on disk,
// and start-up scrubs that again. A record of a file since compacted away
// is gone with its file.
func (d *dataFile) scrub(r *record) error {
	if r.file != d {
		return nil
	}
	d.garbage += int64(headerSize + r.size)
	if _, err := d.f.WriteAt(make([]byte, r.size), r.off+headerSize); err != nil {
		return fmt.Errorf("erase superseded dynamodb data: %w", err)
	}
	return nil
}

// readRecords calls fn for every intact record of f, in order, and cuts a
// torn last record off. A damaged record inside the file is one whose erasure
// was interrupted (its replacement was synced first): skipped.
func readRecords(f *os.File, fn func(r *record, body []byte) error) (size, garbage int64, err error) {
	info, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	total := info.Size()
	rd := bufio.NewReaderSize(io.NewSectionReader(f, 0, total), 1<<20)
	var off int64
	header := make([]byte, headerSize)
	for off < total {
		if _, err := io.ReadFull(rd, header); err != nil {
			break // torn header
		}
		n := int64(binary.LittleEndian.Uint32(header))
		if off+headerSize+n > total {
			break // torn payload
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(rd, body); err != nil {
			return 0, 0, err
		}
		next := off + headerSize + n
		if n == 0 || crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(header[4:]) {
			if next == total {
				break // torn last record
			}
			garbage += headerSize + n
			off = next
			continue
		}
		if err := fn(&record{off: off, size: int(n)}, body); err != nil {
			return 0, 0, fmt.Errorf("dynamodb data %s at %d: %w", f.Name(), off, err)
		}
		off = next
	}
	if off < total {
		if err := f.Truncate(off); err != nil {
			return 0, 0, fmt.Errorf("cut torn end of dynamodb data: %w", err)
		}
		if err := f.Sync(); err != nil {
			return 0, 0, err
		}
	}
	return off, garbage, nil
}

// open opens the data file, cuts a torn end off, and reads the tables'
// schemas only (a schema record starts {"create" or {"drop"), so that the
// tables can be described at once while load reads their items.
func (s *Server) open(dir string) error {
	path := filepath.Join(dir, dataFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open dynamodb data: %w", err)
	}
	s.data = &dataFile{f: f, path: path}
	size, garbage, err := readRecords(f, func(r *record, body []byte) error {
		if !bytes.HasPrefix(body, []byte(`{"create"`)) && !bytes.HasPrefix(body, []byte(`{"drop"`)) {
			return nil
		}
		var p payload
		if err := json.Unmarshal(body, &p); err != nil {
			return err
		}
		return s.replay(s.tables, r, &p, new([]*record))
	})
	if err != nil {
		_ = f.Close()
		return err
	}
	s.data.size.Store(size)
	s.data.synced.Store(size)
	s.data.garbage = garbage
	return nil
}

// load reads every item into a new set of tables, which then replaces the
// schema-only set open made, and scrubs whatever a crash left superseded but
// not yet erased. Requests that read or write items wait for it.
func (s *Server) load() error {
	defer debug.SetGCPercent(debug.SetGCPercent(400)) // fewer collections while the heap only grows
	tables := map[string]*table{}
	var superseded []*record
	// Records are decoded in batches, in parallel, and applied in order.
	type read struct {
		r    *record
		body []byte
		p    payload
		err  error
	}
	var batch []read
	apply := func() error {
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < len(batch); i += workers {
					batch[i].err = json.Unmarshal(batch[i].body, &batch[i].p)
				}
			}(w)
		}
		wg.Wait()
		for i := range batch {
			rd := &batch[i]
			if rd.err != nil {
				return rd.err
			}
			if err := s.replay(tables, rd.r, &rd.p, &superseded); err != nil {
				return err
			}
			if rd.r.holders.empty() && len(rd.p.Writes) > 0 {
				superseded = append(superseded, rd.r)
			}
		}
		batch = batch[:0]
		return nil
	}
	_, _, err := readRecords(s.data.f, func(r *record, body []byte) error {
		batch = append(batch, read{r: r, body: body})
		if len(batch) == 1024 {
			return apply()
		}
		return nil
	})
	if err == nil {
		err = apply()
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables = tables
	for _, r := range superseded {
		if r.holders.empty() {
			if err := s.data.scrub(r); err != nil {
				return err
			}
		}
	}
	if err := s.data.f.Sync(); err != nil {
		return err
	}
	if s.data.garbage > s.data.size.Load()/2 && s.data.garbage > 1<<20 {
		s.compactInBackground()
	}
	return nil
}

// replay applies one record read at start to tables.
func (s *Server) replay(tables map[string]*table, r *record, p *payload, superseded *[]*record) error {
	r.file = s.data
	switch {
	case p.Create != nil && tables[p.Create.TableName] != nil:
		tables[p.Create.TableName].setSchema(*p.Create) // a TTL change
		r.holders.schema = true
	case p.Create != nil:
		t, err := newTable(*p.Create)
		if err != nil {
			return fmt.Errorf("table %s: %w", p.Create.TableName, err)
		}
		tables[p.Create.TableName] = t
		r.holders.schema = true // schema records stay until compaction
	case p.Drop != "":
		delete(tables, p.Drop)
		r.holders.schema = true
	}
	for _, w := range p.Writes {
		t := tables[w.T]
		if t == nil {
			continue // written before its table was dropped
		}
		enc, put := w.Put, true
		if w.Put == nil {
			enc, put = w.Del, false
		}
		it, err := enc.decode()
		if err != nil {
			return err
		}
		pkey, err := t.primaryKey(t.keyOf(it), true)
		if err != nil {
			return err
		}
		if old := t.items[pkey]; old != nil {
			old.rec.holders.remove(old)
			if old.rec.holders.empty() && old.rec != r {
				*superseded = append(*superseded, old.rec)
			}
		}
		if !put {
			t.set(pkey, nil, nil)
			continue
		}
		st := &stored{table: w.T, enc: enc, rec: r}
		r.holders.add(st)
		t.set(pkey, it, st)
	}
	return nil
}

// commit writes changes to the data file and applies them; tx collects what
// finish needs to make them durable and erase what they superseded. Called
// with s.mu held for writing.
func (s *Server) commit(tx *txn, p *payload, changes []change) error {
	r, err := s.data.write(p)
	if err != nil {
		return err
	}
	relocate := map[*record]bool{}
	for _, c := range changes {
		if old := c.t.items[c.pkey]; old != nil {
			old.rec.holders.remove(old)
			if old.rec.holders.empty() {
				tx.obsolete = append(tx.obsolete, old.rec)
			} else {
				relocate[old.rec] = true
			}
		}
		if c.item == nil {
			c.t.set(c.pkey, nil, nil)
			continue
		}
		st := &stored{table: c.t.schema.TableName, enc: appendItem(nil, c.item), rec: r}
		r.holders.add(st)
		c.t.set(c.pkey, c.item, st)
	}
	// Records that still hold other live items: write those items anew, so
	// that the old record can be erased.
	var moved []*stored
	reloc := &payload{}
	for rec := range relocate {
		if rec.holders.schema {
			continue
		}
		for _, st := range rec.holders.items {
			moved = append(moved, st)
			reloc.Writes = append(reloc.Writes, write{T: st.table, Put: st.enc})
		}
		rec.holders.items = nil
		tx.obsolete = append(tx.obsolete, rec)
	}
	if len(moved) > 0 {
		nr, err := s.data.write(reloc)
		if err != nil {
			return err
		}
		for _, st := range moved {
			st.rec = nr
			nr.holders.add(st)
		}
	}
	tx.file, tx.upto = s.data, s.data.size.Load()
	return nil
}

// appendSchema writes a table's schema record (kept until compaction).
func (s *Server) appendSchema(tx *txn, p *payload) error {
	r, err := s.data.write(p)
	if err != nil {
		return err
	}
	r.holders.schema = true
	tx.file, tx.upto = s.data, s.data.size.Load()
	return nil
}

// finish waits until tx's writes are on disk, then erases the records they
// made obsolete. Called without s.mu.
func (s *Server) finish(tx *txn) error {
	if tx.file == nil {
		return nil
	}
	if err := tx.file.syncTo(tx.upto); err != nil {
		return err
	}
	if len(tx.obsolete) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range tx.obsolete {
		if err := s.data.scrub(rec); err != nil {
			return err
		}
	}
	if s.data.garbage > compactMin && s.data.garbage > s.data.size.Load()/2 && !s.compacting.Load() && !s.closed {
		s.compactInBackground()
	}
	return nil
}

// compactMin is the garbage below which the data file is never rewritten.
const compactMin = 64 << 20

// compactInBackground runs compact beside the requests, where an error (a
// full disk) costs only the space compaction would have freed: it is logged.
// Called with s.mu held.
func (s *Server) compactInBackground() {
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		if err := s.compact(); err != nil {
			log.Printf("dynamodb: %v (the data file keeps its erased records until the next try)", err)
		}
	}()
}

// compact rewrites the data file as the live items (each table's schema,
// then one record per item) without holding requests up while it writes:
//  1. with the read lock, it takes the items as they are (stored items never
//     change: a write stores a new one);
//  2. with no lock, it writes them to a new file and syncs it;
//  3. with the write lock, it appends the items written since, erases in the
//     new file the items superseded since, syncs, and replaces the old file.
//
// Step 3 costs what changed during step 2, not the table size. One
// compaction runs at a time; a table created, dropped or changed meanwhile
// makes it give up (the next one starts afresh).
func (s *Server) compact() error {
	if !s.compacting.CompareAndSwap(false, true) {
		return nil
	}
	defer s.compacting.Store(false)

	type snapshot struct {
		name   string
		schema tableSchema
		items  []*stored
	}
	s.mu.RLock()
	snap := make([]snapshot, 0, len(s.tables))
	for name, t := range s.tables {
		sn := snapshot{name: name, schema: t.schema, items: make([]*stored, 0, len(t.items))}
		for _, st := range t.items {
			sn.items = append(sn.items, st)
		}
		snap = append(snap, sn)
	}
	path := s.data.path
	s.mu.RUnlock()
	sort.Slice(snap, func(i, j int) bool { return snap[i].name < snap[j].name })

	tmpPath := path + ".compact"
	f, err := os.OpenFile(tmpPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("compact dynamodb data: %w", err)
	}
	abandon := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmpPath)
		if err != nil {
			return fmt.Errorf("compact dynamodb data: %w", err)
		}
		return nil
	}
	nd := &dataFile{f: f, path: path}
	w := bufio.NewWriterSize(f, 1<<20)
	placed := map[*stored]*record{}
	schemas := map[*record]bool{}
	add := func(p *payload) (*record, error) {
		body, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		var h [headerSize]byte
		binary.LittleEndian.PutUint32(h[:], uint32(len(body)))
		binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(body, crcTable))
		w.Write(h[:])
		w.Write(body)
		r := &record{file: nd, off: nd.size.Load(), size: len(body)}
		nd.size.Add(int64(headerSize + len(body)))
		return r, nil
	}
	for _, sn := range snap {
		r, err := add(&payload{Create: &sn.schema})
		if err != nil {
			return abandon(err)
		}
		schemas[r] = true
		for _, st := range sn.items {
			r, err := add(&payload{Writes: []write{{T: sn.name, Put: st.enc}}})
			if err != nil {
				return abandon(err)
			}
			placed[st] = r
		}
	}
	if err := errors.Join(w.Flush(), f.Sync()); err != nil {
		return abandon(err)
	}
	if s.compactHook != nil {
		s.compactHook()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.tables) != len(snap) {
		return abandon(nil)
	}
	for _, sn := range snap {
		if t := s.tables[sn.name]; t == nil || !reflect.DeepEqual(t.schema, sn.schema) {
			return abandon(nil)
		}
	}
	// Items written since the snapshot go after it; those it holds that
	// were overwritten or deleted since are erased from the new file.
	live := map[*stored]bool{}
	for _, sn := range snap {
		for _, st := range s.tables[sn.name].items {
			live[st] = true
			if placed[st] == nil {
				r, err := add(&payload{Writes: []write{{T: sn.name, Put: st.enc}}})
				if err != nil {
					return abandon(err)
				}
				placed[st] = r
			}
		}
	}
	if err := w.Flush(); err != nil {
		return abandon(err)
	}
	for st, r := range placed {
		if !live[st] {
			if err := nd.scrub(r); err != nil {
				return abandon(err)
			}
			delete(placed, st)
		}
	}
	if err := f.Sync(); err != nil {
		return abandon(err)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return abandon(err)
	}
	syncDir(filepath.Dir(path))
	nd.synced.Store(nd.size.Load())
	// Writers still waiting on the old file: their data is in the new one, on disk.
	old := s.data
	old.syncMu.Lock()
	old.synced.Store(old.size.Load())
	_ = old.f.Close()
	old.syncMu.Unlock()
	for st, r := range placed {
		st.rec = r
		r.holders.add(st)
	}
	for r := range schemas {
		r.holders.schema = true
	}
	s.data = nd
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
