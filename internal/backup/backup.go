// Package backup writes and restores one archive holding a consistent copy
// of the SQLite database and the uploaded files it refers to.
//
// An archive is a gzip-compressed tar file:
//
//	manifest.json   format, version, when, the binary, the schema (applied migrations)
//	partnerhub.db   the database, copied online with VACUUM INTO
//	uploads/…       every uploaded file
//	SHA256SUMS      the SHA-256 of partnerhub.db and every upload (`sha256sum -c` reads it)
//
// Consistency: the database copy is taken first, in one transaction, after
// every write acknowledged before it; the uploads are copied after it.
// Files are written before the record that names them commits and
// removed only after the record's deletion commits, so every file the copy
// names is on disk when the copy is taken; one removed before it was
// archived (its record deleted meanwhile) makes Create start again.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/retention"
	"partnerhub/internal/secretkey"
)

// Names inside an archive.
const (
	ManifestName = "manifest.json"
	DatabaseName = "partnerhub.db"
	// KeyName is the server's secret key (internal/secretkey), beside
	// the database.
	KeyName    = secretkey.FileName
	SumsName   = "SHA256SUMS"
	UploadsDir = "uploads"
	Format     = "partnerhub-backup"
	// FormatVersion is the archive layout this binary writes and the
	// newest it reads.
	FormatVersion = 1
)

// Manifest describes an archive.
type Manifest struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	Partnerhub string    `json:"partnerhub"`
	// Schema is the migrations applied to the database copy, in order.
	Schema        []string `json:"schema"`
	DatabaseBytes int64    `json:"database_bytes"`
}

// Result is what Create wrote.
type Result struct {
	Manifest Manifest
	Bytes    int64
	Uploads  int // files archived
	// Missing are files the database copy names that were not on disk
	// (already missing on the live site: the archive is as complete as
	// the site).
	Missing []string
	// Attempts is how many times the copy was taken (a file removed while
	// it was being archived starts it again).
	Attempts int
}

// maxAttempts bounds the retries when files keep disappearing.
const maxAttempts = 3

// Create writes an archive of d (SQLite) and uploadDir to out, which must
// not exist. It writes out+".partial" and renames it when complete.
func Create(ctx context.Context, d *db.DB, uploadDir, out, version string) (*Result, error) {
	if d.Dialect != db.SQLite {
		return nil, errors.New("backup archives are for SQLite; back PostgreSQL up with pg_dump")
	}
	if _, err := os.Stat(out); err == nil {
		return nil, fmt.Errorf("%s already exists; choose a new file name", out)
	}
	dir := filepath.Dir(out)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(dir, ".partnerhub-backup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	partial := out + ".partial"
	defer os.Remove(partial)
	for attempt := 1; ; attempt++ {
		snap := filepath.Join(tmp, fmt.Sprintf("copy-%d.db", attempt))
		res, vanished, err := createOnce(ctx, d, uploadDir, snap, partial, version)
		if err != nil {
			return nil, err
		}
		os.Remove(snap)
		if len(vanished) > 0 && attempt < maxAttempts {
			continue
		}
		res.Missing, res.Attempts = vanished, attempt
		if err := os.Rename(partial, out); err != nil {
			return nil, err
		}
		return res, syncDir(dir)
	}
}

// createOnce takes one database copy and writes the archive to partial;
// vanished lists files the copy names that were not there to archive.
func createOnce(ctx context.Context, d *db.DB, uploadDir, snap, partial, version string) (*Result, []string, error) {
	if err := d.Backup(ctx, snap); err != nil {
		return nil, nil, fmt.Errorf("copy the database: %w", err)
	}
	schema, named, err := readCopy(ctx, snap)
	if err != nil {
		return nil, nil, err
	}
	dbInfo, err := os.Stat(snap)
	if err != nil {
		return nil, nil, err
	}
	files, err := listUploads(uploadDir)
	if err != nil {
		return nil, nil, err
	}
	m := Manifest{Format: Format, Version: FormatVersion, CreatedAt: time.Now().UTC().Truncate(time.Second), Partnerhub: version,
		Schema: schema, DatabaseBytes: dbInfo.Size()}

	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	var sums []string
	archived := map[string]bool{}
	// The manifest comes first, so a reader knows the schema before the
	// data; the uploads' list and sums come last, in SHA256SUMS.
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := writeBytes(tw, ManifestName, mj); err != nil {
		return nil, nil, err
	}
	sum, err := writeFile(tw, DatabaseName, snap)
	if err != nil {
		return nil, nil, err
	}
	sums = append(sums, sum+"  "+DatabaseName)
	// The server's key, without which the two-factor secrets in the copy
	// cannot be read (PARTNERHUB_SECRET_KEY, when used, is not a file and
	// is kept by whoever set it).
	keyFile := filepath.Join(filepath.Dir(d.SQLitePath()), KeyName)
	switch sum, err := writeFile(tw, KeyName, keyFile); {
	case err == nil:
		sums = append(sums, sum+"  "+KeyName)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, err
	}
	for _, rel := range files {
		sum, err := writeFile(tw, path.Join(UploadsDir, rel), filepath.Join(uploadDir, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since it was listed
		}
		if err != nil {
			return nil, nil, err
		}
		archived[rel] = true
		sums = append(sums, sum+"  "+path.Join(UploadsDir, rel))
	}
	if err := writeBytes(tw, SumsName, []byte(strings.Join(sums, "\n")+"\n")); err != nil {
		return nil, nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	var vanished []string
	for _, n := range named {
		if !archived[n] {
			vanished = append(vanished, n)
		}
	}
	return &Result{Manifest: m, Bytes: info.Size(), Uploads: len(archived)}, vanished, nil
}

// readCopy reads the copy's applied migrations and the upload files its
// records name ("folder/name"), opening it read-only.
func readCopy(ctx context.Context, snap string) (schema, named []string, err error) {
	c, err := sql.Open("sqlite", "file:"+snap+"?mode=ro&immutable=1")
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	if schema, err = db.Column[string](ctx, c, `SELECT name FROM schema_migrations ORDER BY name`); err != nil {
		return nil, nil, fmt.Errorf("read the copy's schema: %w", err)
	}
	for _, f := range retention.Folders {
		refs, err := db.Column[string](ctx, c, f.Refs)
		if err != nil {
			return nil, nil, fmt.Errorf("read the copy's %s files: %w", f.Dir, err)
		}
		for _, r := range refs {
			named = append(named, path.Join(f.Dir, path.Base(r)))
		}
	}
	sort.Strings(named)
	return schema, named, nil
}

// listUploads is every regular file under dir, as slash paths relative to it.
func listUploads(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, ent fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if ent.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out, err
}

func writeBytes(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

// writeFile archives the file at src as name and returns its SHA-256.
func writeFile(tw *tar.Writer, name, src string) (string, error) {
	f, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: info.Size(), ModTime: info.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.CopyN(tw, io.TeeReader(f, h), info.Size()); err != nil {
		return "", fmt.Errorf("archive %s: %w", src, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
