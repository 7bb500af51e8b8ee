package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"partnerhub/internal/db"
)

// Restored is what Restore put in place.
type Restored struct {
	Manifest Manifest
	Uploads  int
	// Previous is where the data directory's former database and uploads
	// were moved ("" when it had none).
	Previous string
	// Pending are migrations the restored (older) database still needs.
	Pending []string
}

// Problem is an archive refused before anything was replaced.
type Problem struct{ Msg string }

func (p *Problem) Error() string { return p.Msg + "; nothing was changed" }

func problem(format string, args ...any) error { return &Problem{Msg: fmt.Sprintf(format, args...)} }

// Restore checks the archive at from and, when it is whole, puts its
// database and uploads in dataDir in place of the current ones, which are
// moved to a pre-restore folder beside them. The data directory must not
// be in use (Lock): stop partnerhub first. Everything is checked before
// anything is replaced: the archive reads to its end, every file's SHA-256
// matches SHA256SUMS, the database passes SQLite's integrity check and
// its schema is not newer than this binary's.
func Restore(ctx context.Context, from, dataDir string) (*Restored, error) {
	unlock, err := Lock(dataDir, true)
	if errors.Is(err, ErrBusy) {
		return nil, problem("partnerhub is using %s (serve or another command is running): stop it, then restore", dataDir)
	}
	if err != nil {
		return nil, err
	}
	defer unlock()
	stage, err := os.MkdirTemp(dataDir, ".restore-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	m, n, err := extract(from, stage)
	if err != nil {
		return nil, err
	}
	pending, err := checkDatabase(ctx, filepath.Join(stage, DatabaseName), m)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(stage, UploadsDir), 0o750); err != nil {
		return nil, err
	}
	prev, err := swap(stage, dataDir)
	if err != nil {
		return nil, err
	}
	return &Restored{Manifest: m, Uploads: n, Previous: prev, Pending: pending}, nil
}

// extract unpacks the archive into stage and checks it against its
// manifest and sums; it returns the manifest and the uploads' count.
func extract(from, stage string) (Manifest, int, error) {
	var m Manifest
	f, err := os.Open(from)
	if err != nil {
		return m, 0, problem("cannot read the backup: %v", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return m, 0, problem("%s is not a Partnerhub backup (not a gzip archive)", from)
	}
	damaged := func(err error) error {
		return problem("%s is truncated or damaged (%v): make the backup again or use another", from, err)
	}
	tr := tar.NewReader(gz)
	got := map[string]string{} // name -> SHA-256 of what was extracted
	var sums []byte
	first := true
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, 0, damaged(err)
		}
		name, ok := entryName(h)
		if !ok {
			return m, 0, problem("%s holds an entry Partnerhub does not write (%q): refusing it", from, h.Name)
		}
		if first != (name == ManifestName) {
			return m, 0, problem("%s is not a Partnerhub backup (it does not start with %s)", from, ManifestName)
		}
		first = false
		switch name {
		case ManifestName, SumsName:
			b, err := io.ReadAll(io.LimitReader(tr, 64<<20))
			if err != nil {
				return m, 0, damaged(err)
			}
			if name == SumsName {
				sums = b
				continue
			}
			if err := json.Unmarshal(b, &m); err != nil || m.Format != Format {
				return m, 0, problem("%s is not a Partnerhub backup (its manifest is not one)", from)
			}
			if m.Version > FormatVersion {
				return m, 0, problem("%s was written by a newer Partnerhub (archive format %d; this one reads up to %d): restore it with that version", from, m.Version, FormatVersion)
			}
		default:
			sum, err := extractFile(&archiveReader{tr}, filepath.Join(stage, filepath.FromSlash(name)))
			var re readError
			if errors.As(err, &re) {
				return m, 0, damaged(re.error)
			}
			if err != nil {
				return m, 0, err
			}
			got[name] = sum
		}
	}
	// Read the gzip stream to its end so its checksum is verified.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return m, 0, damaged(err)
	}
	if first {
		return m, 0, problem("%s is empty", from)
	}
	if sums == nil {
		return m, 0, damaged(errors.New("no " + SumsName + " at its end"))
	}
	want, err := parseSums(sums)
	if err != nil {
		return m, 0, damaged(err)
	}
	if _, ok := want[DatabaseName]; !ok {
		return m, 0, damaged(errors.New("no database in it"))
	}
	for name, sum := range want {
		have, ok := got[name]
		switch {
		case !ok:
			return m, 0, damaged(fmt.Errorf("%s is listed but missing", name))
		case have != sum:
			return m, 0, damaged(fmt.Errorf("%s does not match its SHA-256", name))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			return m, 0, damaged(fmt.Errorf("%s is not listed in %s", name, SumsName))
		}
	}
	n := len(got) - 1
	if _, ok := got[KeyName]; ok {
		n--
	}
	return m, n, nil
}

// entryName is a tar entry's checked name: the manifest, the sums, the
// database or a regular file under uploads/, never a path leaving it.
func entryName(h *tar.Header) (string, bool) {
	if h.Typeflag != tar.TypeReg {
		return "", false
	}
	name := h.Name
	if name != path.Clean(name) || path.IsAbs(name) || strings.Contains(name, "\\") {
		return "", false
	}
	switch {
	case name == ManifestName, name == SumsName, name == DatabaseName, name == KeyName:
		return name, true
	case strings.HasPrefix(name, UploadsDir+"/") && !slices.Contains(strings.Split(name, "/"), ".."):
		return name, true
	}
	return "", false
}

// archiveReader marks errors reading the archive, as opposed to writing
// the stage.
type archiveReader struct{ r io.Reader }

type readError struct{ error }

func (a *archiveReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// extractFile writes r to dst (creating its folder) and returns its SHA-256.
func extractFile(r io.Reader, dst string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", err
	}
	mode := os.FileMode(0o640)
	if filepath.Base(dst) == KeyName {
		mode = 0o600 // the secret key is the server's alone, as when it is made
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(f, io.TeeReader(r, h)); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// parseSums reads "HEX  NAME" lines.
func parseSums(b []byte) (map[string]string, error) {
	out := map[string]string{}
	for line := range bytes.Lines(b) {
		sum, name, ok := strings.Cut(strings.TrimRight(string(line), "\n"), "  ")
		if !ok || len(sum) != 64 {
			return nil, fmt.Errorf("a line of %s is not a SHA-256 and a name", SumsName)
		}
		out[name] = sum
	}
	return out, nil
}

// checkDatabase runs SQLite's integrity check on the staged copy and
// compares its schema with the manifest's and this binary's migrations;
// it returns the migrations an older copy still needs.
func checkDatabase(ctx context.Context, file string, m Manifest) ([]string, error) {
	d, err := db.Open(ctx, db.Options{Path: file})
	if err != nil {
		return nil, problem("the database in the backup does not open: %v", err)
	}
	defer d.Close()
	var ok string
	if err := d.Q().QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&ok); err != nil || ok != "ok" {
		return nil, problem("the database in the backup fails SQLite's integrity check (%s %v)", ok, err)
	}
	schema, err := db.Column[string](ctx, d.Q(), `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, problem("the database in the backup has no schema record: %v", err)
	}
	if !slices.Equal(schema, m.Schema) {
		return nil, problem("the database in the backup does not have the schema its manifest lists")
	}
	pending, unknown, err := d.Status(ctx)
	if err != nil {
		return nil, err
	}
	if len(unknown) > 0 {
		return nil, problem("the backup's database schema is newer than this Partnerhub knows (migrations %s; it was made by Partnerhub %s): restore it with that version or a newer one", strings.Join(unknown, ", "), m.Partnerhub)
	}
	return pending, nil
}

// swap moves dataDir's database (with its -wal and -shm) and uploads to a
// pre-restore folder and the staged ones into their places. Each step is
// a rename within one file system; a step that fails undoes the earlier
// ones, so the directory holds either the old data or the new.
func swap(stage, dataDir string) (string, error) {
	prev := filepath.Join(dataDir, "pre-restore-"+time.Now().UTC().Format("20060102T150405Z"))
	type move struct{ from, to string }
	var moves []move
	// The key is replaced only by a backup that holds one (older
	// backups do not: the current key stays).
	_, serr := os.Lstat(filepath.Join(stage, KeyName))
	newKey := serr == nil
	for _, n := range []string{DatabaseName, DatabaseName + "-wal", DatabaseName + "-shm", UploadsDir, KeyName} {
		if n == KeyName && !newKey {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dataDir, n)); err == nil {
			moves = append(moves, move{filepath.Join(dataDir, n), filepath.Join(prev, n)})
		}
	}
	if len(moves) == 0 {
		prev = ""
	} else if err := os.Mkdir(prev, 0o750); err != nil {
		return "", err
	}
	for _, n := range []string{KeyName, UploadsDir, DatabaseName + "-wal", DatabaseName} {
		if _, err := os.Lstat(filepath.Join(stage, n)); err == nil {
			moves = append(moves, move{filepath.Join(stage, n), filepath.Join(dataDir, n)})
		}
	}
	for i, mv := range moves {
		if err := os.Rename(mv.from, mv.to); err != nil {
			for j := i - 1; j >= 0; j-- {
				os.Rename(moves[j].to, moves[j].from)
			}
			if prev != "" {
				os.Remove(prev)
			}
			return "", fmt.Errorf("put the restored data in place: %w (the earlier data was put back)", err)
		}
	}
	return prev, syncDir(dataDir)
}
