package s3local

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Multipart uploads keep each part in a file under uploads/<id>/; completing
// one streams the parts, in order, into the object's body file. (Without this,
// gofakes3 holds every part in memory until the upload completes.)

type uploadInfo struct {
	Bucket, Key string
	Meta        map[string]string
	Initiated   string
}

func (s *Store) uploadDir(id gofakes3.UploadID) string {
	return filepath.Join(s.dir, "uploads", filepath.Base(string(id)))
}

func (s *Store) upload(bucket, key string, id gofakes3.UploadID) (*uploadInfo, error) {
	raw, err := os.ReadFile(filepath.Join(s.uploadDir(id), "upload.json"))
	if err != nil {
		return nil, gofakes3.ErrNoSuchUpload
	}
	var u uploadInfo
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, err
	}
	if u.Bucket != bucket || u.Key != key {
		return nil, gofakes3.ErrNoSuchUpload
	}
	return &u, nil
}

// CreateMultipartUpload starts an upload.
func (s *Store) CreateMultipartUpload(bucket, key string, meta map[string]string) (gofakes3.UploadID, error) {
	if ok, err := s.BucketExists(bucket); err != nil || !ok {
		return "", gofakes3.BucketNotFound(bucket)
	}
	id := gofakes3.UploadID(newID())
	if err := os.MkdirAll(s.uploadDir(id), 0o755); err != nil {
		return "", err
	}
	raw, _ := json.Marshal(uploadInfo{Bucket: bucket, Key: key, Meta: meta, Initiated: s.now().UTC().Format(time.RFC3339)})
	return id, os.WriteFile(filepath.Join(s.uploadDir(id), "upload.json"), raw, 0o600)
}

func partName(n int) string { return fmt.Sprintf("part-%05d", n) }

// UploadPart streams one part to its file; a part sent again replaces it.
func (s *Store) UploadPart(bucket, key string, id gofakes3.UploadID, partNumber int, contentLength int64, input io.Reader) (string, error) {
	if _, err := s.upload(bucket, key, id); err != nil {
		return "", err
	}
	// gofakes3 answers a part without a positive Content-Length itself.
	tmp := filepath.Join(s.uploadDir(id), partName(partNumber)+".tmp")
	sum, err := s.writeFile(tmp, os.O_TRUNC, input, contentLength)
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp, filepath.Join(s.uploadDir(id), partName(partNumber))); err != nil {
		return "", err
	}
	return `"` + hex.EncodeToString(sum) + `"`, nil
}

// AbortMultipartUpload drops an upload and its parts.
func (s *Store) AbortMultipartUpload(bucket, key string, id gofakes3.UploadID) error {
	if _, err := s.upload(bucket, key, id); err != nil {
		return err
	}
	return os.RemoveAll(s.uploadDir(id))
}

// CompleteMultipartUpload streams the listed parts into the object's body.
func (s *Store) CompleteMultipartUpload(bucket, key string, id gofakes3.UploadID, in *gofakes3.CompleteMultipartUploadRequest) (gofakes3.VersionID, string, error) {
	u, err := s.upload(bucket, key, id)
	if err != nil {
		return "", "", err
	}
	var files []*os.File
	defer func() {
		for _, f := range files {
			_ = f.Close()
		}
	}()
	var readers []io.Reader
	var size int64
	last := 0
	for _, p := range in.Parts {
		if p.PartNumber <= last {
			return "", "", gofakes3.ErrInvalidPartOrder
		}
		last = p.PartNumber
		f, err := os.Open(filepath.Join(s.uploadDir(id), partName(p.PartNumber)))
		if err != nil {
			return "", "", gofakes3.ErrInvalidPart
		}
		files = append(files, f)
		info, err := f.Stat()
		if err != nil {
			return "", "", err
		}
		size += info.Size()
		readers = append(readers, f)
	}
	if len(readers) == 0 {
		return "", "", gofakes3.ErrInvalidPart
	}
	blob, sum, err := s.writeBlob(io.MultiReader(readers...), size)
	if err != nil {
		return "", "", err
	}
	m := &objectMeta{Size: size, MD5: hex.EncodeToString(sum), Metadata: u.Meta, LastModified: s.now().UTC(), Blob: blob}
	if err := s.name(bucket, key, m, nil); err != nil {
		return "", "", err
	}
	_ = os.RemoveAll(s.uploadDir(id))
	return "", `"` + m.MD5 + `"`, nil
}

// ListMultipartUploads lists a bucket's uploads in progress.
func (s *Store) ListMultipartUploads(bucket string, marker *gofakes3.UploadListMarker, prefix gofakes3.Prefix, limit int64) (*gofakes3.ListMultipartUploadsResult, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "uploads"))
	if err != nil {
		return nil, err
	}
	out := &gofakes3.ListMultipartUploadsResult{Bucket: bucket, MaxUploads: limit, Prefix: prefix.Prefix}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(s.dir, "uploads", e.Name(), "upload.json"))
		if err != nil {
			continue
		}
		var u uploadInfo
		if json.Unmarshal(raw, &u) != nil || u.Bucket != bucket || !strings.HasPrefix(u.Key, prefix.Prefix) {
			continue
		}
		if marker != nil && u.Key <= marker.Object {
			continue
		}
		initiated, _ := time.Parse(time.RFC3339, u.Initiated)
		out.Uploads = append(out.Uploads, gofakes3.ListMultipartUploadItem{Key: u.Key, UploadID: gofakes3.UploadID(e.Name()), Initiated: gofakes3.NewContentTime(initiated)})
	}
	sort.Slice(out.Uploads, func(i, j int) bool { return out.Uploads[i].Key < out.Uploads[j].Key })
	if limit > 0 && int64(len(out.Uploads)) > limit {
		out.Uploads, out.IsTruncated = out.Uploads[:limit], true
		out.NextKeyMarker = out.Uploads[limit-1].Key
	}
	return out, nil
}

// ListParts lists an upload's parts after marker.
func (s *Store) ListParts(bucket, key string, id gofakes3.UploadID, marker int, limit int64) (*gofakes3.ListMultipartUploadPartsResult, error) {
	if _, err := s.upload(bucket, key, id); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.uploadDir(id))
	if err != nil {
		return nil, err
	}
	out := &gofakes3.ListMultipartUploadPartsResult{Bucket: bucket, Key: key, UploadID: id, PartNumberMarker: marker, MaxParts: limit}
	for _, e := range entries {
		n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "part-"))
		if !strings.HasPrefix(e.Name(), "part-") || err != nil || n <= marker {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		sum, err := fileMD5(filepath.Join(s.uploadDir(id), e.Name()))
		if err != nil {
			return nil, err
		}
		out.Parts = append(out.Parts, gofakes3.ListMultipartUploadPartItem{PartNumber: n, Size: info.Size(), ETag: `"` + sum + `"`,
			LastModified: gofakes3.NewContentTime(info.ModTime())})
	}
	if limit > 0 && int64(len(out.Parts)) > limit {
		out.Parts, out.IsTruncated = out.Parts[:limit], true
		out.NextPartNumberMarker = out.Parts[limit-1].PartNumber
	}
	return out, nil
}

func fileMD5(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
