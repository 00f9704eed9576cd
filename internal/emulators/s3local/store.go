// Package s3local serves the S3 API for `make run` and the tests: gofakes3
// speaks the protocol; Store keeps each object's body in a file of its own and
// its metadata in a bolt file, so bodies stream through in bounded memory, a
// HEAD or a listing never reads a body, and a restart keeps every object.
package s3local

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	bolt "go.etcd.io/bbolt"
)

// Store is a durable, streaming gofakes3 backend on a directory:
//
//	meta.bolt     one bolt bucket per S3 bucket: key -> objectMeta (JSON)
//	blobs/<id>    one file per object body, written in full and fsync'd before
//	              the metadata names it, removed once no metadata does
//	uploads/<id>/ the parts of a multipart upload, one file each
type Store struct {
	dir  string
	db   *bolt.DB
	now  func() time.Time
	sync bool
}

// objectMeta is what a HEAD answers, and where the body is.
type objectMeta struct {
	Size         int64
	MD5          string // hex
	Metadata     map[string]string
	LastModified time.Time
	Blob         string
}

// Open opens (creating if needed) the store in dir and removes body files
// that no object names (left by a crash between writing a body and naming it).
func Open(dir string) (*Store, error) {
	return open(dir, true)
}

// OpenTemporary opens a store whose writes are not fsync'd, for tests whose
// data lives only as long as the process.
func OpenTemporary(dir string) (*Store, error) { return open(dir, false) }

func open(dir string, durable bool) (*Store, error) {
	for _, sub := range []string{"blobs", "uploads"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("s3 data directory: %w", err)
		}
	}
	db, err := bolt.Open(filepath.Join(dir, "meta.bolt"), 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: !durable})
	if err != nil {
		return nil, fmt.Errorf("open s3 metadata (is another `make run` using %s?): %w", dir, err)
	}
	s := &Store{dir: dir, db: db, now: time.Now, sync: durable}
	if err := s.removeOrphans(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// Handler serves the S3 API over the store.
func (s *Store) Handler() http.Handler {
	return withoutRangeChecksums(gofakes3.New(s).Server())
}

// Close closes the metadata file.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) removeOrphans() error {
	named := map[string]bool{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			return b.ForEach(func(_, v []byte) error {
				var m objectMeta
				if json.Unmarshal(v, &m) == nil {
					named[m.Blob] = true
				}
				return nil
			})
		})
	})
	if err != nil {
		return fmt.Errorf("read s3 metadata: %w", err)
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, "blobs"))
	if err != nil {
		return fmt.Errorf("read s3 bodies: %w", err)
	}
	for _, e := range entries {
		if !named[e.Name()] {
			_ = os.Remove(filepath.Join(s.dir, "blobs", e.Name()))
		}
	}
	return nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Store) blobPath(id string) string { return filepath.Join(s.dir, "blobs", id) }

// writeBlob streams r, which must hold size bytes, into a new body file and returns its id and MD5.
func (s *Store) writeBlob(r io.Reader, size int64) (id string, sum []byte, err error) {
	id = newID()
	sum, err = s.writeFile(s.blobPath(id), os.O_EXCL, r, size)
	return id, sum, err
}

// writeFile streams r, which must hold size bytes, into the file at path
// (created with flag, fsync'd when the store is durable) and returns its MD5.
// A body cut short leaves no file behind and is ErrIncompleteBody.
func (s *Store) writeFile(path string, flag int, r io.Reader, size int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|flag, 0o600)
	if err != nil {
		return nil, err
	}
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil && s.sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = gofakes3.ErrIncompleteBody
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, err
	}
	return h.Sum(nil), nil
}

func (s *Store) get(bucket, key string) (*objectMeta, error) {
	var m *objectMeta
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return gofakes3.BucketNotFound(bucket)
		}
		v := b.Get([]byte(key))
		if v == nil {
			return gofakes3.KeyNotFound(key)
		}
		m = new(objectMeta)
		return json.Unmarshal(v, m)
	})
	return m, err
}

func (m *objectMeta) object(key string) *gofakes3.Object {
	sum, _ := hex.DecodeString(m.MD5)
	return &gofakes3.Object{Name: key, Metadata: m.Metadata, Size: m.Size, Hash: sum}
}

// ListBuckets lists every bucket.
func (s *Store) ListBuckets() ([]gofakes3.BucketInfo, error) {
	var out []gofakes3.BucketInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			out = append(out, gofakes3.BucketInfo{Name: string(name), CreationDate: gofakes3.NewContentTime(s.now())})
			return nil
		})
	})
	return out, err
}

// CreateBucket creates a bucket.
func (s *Store) CreateBucket(name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(name)) != nil {
			return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
		}
		_, err := tx.CreateBucket([]byte(name))
		return err
	})
}

// BucketExists reports whether a bucket exists.
func (s *Store) BucketExists(name string) (exists bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		exists = tx.Bucket([]byte(name)) != nil
		return nil
	})
	return exists, err
}

// DeleteBucket deletes an empty bucket.
func (s *Store) DeleteBucket(name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(name))
		if b == nil {
			return gofakes3.BucketNotFound(name)
		}
		if k, _ := b.Cursor().First(); k != nil {
			return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
		}
		return tx.DeleteBucket([]byte(name))
	})
}

// ForceDeleteBucket deletes a bucket and its objects.
func (s *Store) ForceDeleteBucket(name string) error {
	var blobs []string
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(name))
		if b == nil {
			return gofakes3.BucketNotFound(name)
		}
		_ = b.ForEach(func(_, v []byte) error {
			var m objectMeta
			if json.Unmarshal(v, &m) == nil {
				blobs = append(blobs, m.Blob)
			}
			return nil
		})
		return tx.DeleteBucket([]byte(name))
	})
	for _, id := range blobs {
		_ = os.Remove(s.blobPath(id))
	}
	return err
}

// HeadObject returns an object's metadata; it never opens the body.
func (s *Store) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	m, err := s.get(bucket, key)
	if err != nil {
		return nil, err
	}
	obj := m.object(key)
	obj.Contents = io.NopCloser(strings.NewReader(""))
	return obj, nil
}

// GetObject opens an object's body (the requested range of it) for streaming.
func (s *Store) GetObject(bucket, key string, rangeRequest *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	m, err := s.get(bucket, key)
	if err != nil {
		return nil, err
	}
	rnge, err := rangeRequest.Range(m.Size)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(s.blobPath(m.Blob))
	if err != nil {
		return nil, fmt.Errorf("open s3 body of %s/%s: %w", bucket, key, err)
	}
	obj := m.object(key)
	obj.Range = rnge
	obj.Contents = f
	if rnge != nil {
		obj.Contents = readCloser{io.NewSectionReader(f, rnge.Start, rnge.Length), f}
	}
	return obj, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// PutObject streams the body to a file, then names it under key in one
// metadata transaction that also checks the request's conditions.
func (s *Store) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, conditions *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	if ok, err := s.BucketExists(bucket); err != nil || !ok {
		return gofakes3.PutObjectResult{}, errors.Join(err, gofakes3.BucketNotFound(bucket))
	}
	id, sum, err := s.writeBlob(input, size)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	return gofakes3.PutObjectResult{}, s.name(bucket, key, &objectMeta{
		Size: size, MD5: hex.EncodeToString(sum), Metadata: meta, LastModified: s.now().UTC(), Blob: id,
	}, conditions)
}

// name points key at a written body, then removes the body it replaces.
func (s *Store) name(bucket, key string, m *objectMeta, conditions *gofakes3.PutConditions) error {
	var replaced string
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return gofakes3.BucketNotFound(bucket)
		}
		var old *objectMeta
		if v := b.Get([]byte(key)); v != nil {
			old = new(objectMeta)
			if err := json.Unmarshal(v, old); err != nil {
				return err
			}
			replaced = old.Blob
		}
		if conditions != nil {
			info := &gofakes3.ConditionalObjectInfo{Exists: old != nil}
			if old != nil {
				info.Hash, _ = hex.DecodeString(old.MD5)
			}
			if err := gofakes3.CheckPutConditions(conditions, info); err != nil {
				return err
			}
		}
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), v)
	})
	if err != nil {
		_ = os.Remove(s.blobPath(m.Blob))
		return err
	}
	if replaced != "" {
		_ = os.Remove(s.blobPath(replaced))
	}
	return nil
}

// CopyObject copies a body file to a new object with meta.
func (s *Store) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	src, err := s.GetObject(srcBucket, srcKey, nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	defer src.Contents.Close()
	if _, err := s.PutObject(dstBucket, dstKey, meta, src.Contents, src.Size, nil); err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{ETag: gofakes3.FormatETag(src.Hash), LastModified: gofakes3.NewContentTime(s.now())}, nil
}

// DeleteObject removes an object; deleting a missing key succeeds, as on S3.
func (s *Store) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	var blob string
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return gofakes3.BucketNotFound(bucket)
		}
		if v := b.Get([]byte(key)); v != nil {
			var m objectMeta
			if json.Unmarshal(v, &m) == nil {
				blob = m.Blob
			}
		}
		return b.Delete([]byte(key))
	})
	if err == nil && blob != "" {
		_ = os.Remove(s.blobPath(blob))
	}
	return gofakes3.ObjectDeleteResult{}, err
}

// DeleteMulti removes several objects.
func (s *Store) DeleteMulti(bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	var out gofakes3.MultiDeleteResult
	for _, k := range keys {
		if _, err := s.DeleteObject(bucket, k); err != nil {
			out.Error = append(out.Error, gofakes3.ErrorResultFromError(err))
			continue
		}
		out.Deleted = append(out.Deleted, gofakes3.ObjectID{Key: k})
	}
	return out, nil
}

// ListBucket lists a bucket's keys in order, grouping by the prefix's delimiter.
func (s *Store) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	objects := gofakes3.NewObjectList()
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(name))
		if b == nil {
			return gofakes3.BucketNotFound(name)
		}
		c := b.Cursor()
		var k, v []byte
		switch {
		case page.HasMarker:
			if k, v = c.Seek([]byte(page.Marker)); string(k) == page.Marker {
				k, v = c.Next()
			}
		case prefix.HasPrefix:
			k, v = c.Seek([]byte(prefix.Prefix))
		default:
			k, v = c.First()
		}
		var count int64
		var lastPart, lastKey string
		for ; k != nil; k, v = c.Next() {
			key := string(k)
			if prefix.HasPrefix && !strings.HasPrefix(key, prefix.Prefix) {
				break // keys are ordered: nothing further can match
			}
			var match gofakes3.PrefixMatch
			if !prefix.Match(key, &match) {
				continue
			}
			if page.MaxKeys > 0 && count >= page.MaxKeys {
				if !(match.CommonPrefix && match.MatchedPart == lastPart) {
					objects.IsTruncated, objects.NextMarker = true, lastKey
					break
				}
			}
			lastKey = key
			if match.CommonPrefix {
				if match.MatchedPart != lastPart {
					objects.AddPrefix(match.MatchedPart)
					lastPart = match.MatchedPart
					count++
				}
				continue
			}
			var m objectMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("s3 metadata of %q: %w", key, err)
			}
			objects.Add(&gofakes3.Content{Key: key, ETag: `"` + m.MD5 + `"`, Size: m.Size,
				LastModified: gofakes3.NewContentTime(m.LastModified)})
			count++
		}
		return nil
	})
	return objects, err
}
