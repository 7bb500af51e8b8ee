package retention

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"partnerhub/internal/db"
)

// Folder is one folder of the uploads directory whose files are named by
// a table: Refs lists every stored name that a record still refers to.
type Folder struct {
	Dir  string
	Refs string
}

// Folders are the upload folders with records. A folder not listed here
// (or in importFolders) is never touched.
var Folders = []Folder{
	{"assess", `SELECT storage_name FROM assess_evidence WHERE kind = 'file'`},
	{"consortia", `SELECT stored_name FROM consortium_documents`},
	{"opportunities", `SELECT stored_name FROM opportunity_documents`},
	{"library", `SELECT stored_name FROM library_attachments`},
	{"news", `SELECT image_name FROM news_articles WHERE image_name <> ''`},
	{"outcomes", `SELECT evidence_stored FROM outcome_measurements WHERE evidence_stored <> ''`},
}

// importFolders hold files uploaded for an import preview: no record
// refers to them; a confirmed import removes its file.
var importFolders = []string{"imports", "ocds-imports", "grant-imports"}

// orphanGrace is how new a file may be and still not count as an orphan:
// a file is saved before the transaction that records it commits.
const orphanGrace = time.Hour

// orphanUploads removes uploaded files that no record refers to once they
// have been found so for the whole period. The first run that finds a
// file without a record notes it in retention_orphans; a later run
// removes it after cutoff, or forgets it when a record refers to it again
// (a restore) or the file is gone.
func orphanUploads(ctx context.Context, e Env, cutoff time.Time) (int64, error) {
	var removed int64
	seen := map[string]bool{}
	for _, f := range Folders {
		files, err := listFiles(filepath.Join(e.UploadDir, f.Dir))
		if err != nil {
			return removed, err
		}
		if len(files) == 0 {
			continue
		}
		refs, err := db.Column[string](ctx, e.DB.Q(), f.Refs)
		if err != nil {
			return removed, err
		}
		held := make(map[string]bool, len(refs))
		for _, r := range refs {
			held[filepath.Base(r)] = true
		}
		for name, mod := range files {
			if held[name] || e.Now.Sub(mod) < orphanGrace {
				continue
			}
			key := path.Join(f.Dir, name)
			seen[key] = true
			n, err := expireOrphan(ctx, e, key, filepath.Join(e.UploadDir, f.Dir, name), cutoff)
			if err != nil {
				return removed, err
			}
			removed += n
		}
	}
	// Forget orphans that are referred to again or gone.
	noted, err := db.Column[string](ctx, e.DB.Q(), `SELECT path FROM retention_orphans`)
	if err != nil {
		return removed, err
	}
	for _, p := range noted {
		if !seen[p] {
			if _, err := Exec(ctx, e.DB, `DELETE FROM retention_orphans WHERE path = $1`, p); err != nil {
				return removed, err
			}
		}
	}
	return removed, nil
}

// expireOrphan notes an orphan the first time and removes it (file, then
// note) once it was first noted before cutoff; it returns 1 when removed.
func expireOrphan(ctx context.Context, e Env, key, file string, cutoff time.Time) (int64, error) {
	var found time.Time
	err := e.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO retention_orphans (path, found_at) VALUES ($1, $2) ON CONFLICT (path) DO NOTHING`, key, e.Now); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT found_at FROM retention_orphans WHERE path = $1`, key).Scan(&found)
	})
	if err != nil || !found.Before(cutoff) {
		return 0, err
	}
	if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	_, err = Exec(ctx, e.DB, `DELETE FROM retention_orphans WHERE path = $1`, key)
	return 1, err
}

// importUploads removes import preview files older than cutoff.
func importUploads(ctx context.Context, e Env, cutoff time.Time) (int64, error) {
	var removed int64
	for _, dir := range importFolders {
		files, err := listFiles(filepath.Join(e.UploadDir, dir))
		if err != nil {
			return removed, err
		}
		for name, mod := range files {
			if mod.Before(cutoff) {
				if err := os.Remove(filepath.Join(e.UploadDir, dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return removed, err
				}
				removed++
			}
		}
	}
	return removed, nil
}

// listFiles is the regular files directly in dir with their modification
// times; a missing folder has none.
func listFiles(dir string) (map[string]time.Time, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(ents))
	for _, ent := range ents {
		if !ent.Type().IsRegular() {
			continue
		}
		info, err := ent.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out[ent.Name()] = info.ModTime()
	}
	return out, nil
}
