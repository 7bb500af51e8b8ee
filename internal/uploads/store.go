package uploads

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Store keeps files in one folder of the data directory's uploads.
type Store struct {
	Dir string // e.g. DATA_DIR/uploads/assess
}

// NewStore is the store for folder under the uploads directory.
func NewStore(uploadDir, folder string) Store {
	return Store{Dir: filepath.Join(uploadDir, folder)}
}

// Save writes f under a random name with the sniffed type's extension and
// returns that name. The caller records it in its transaction and calls
// Discard when that fails.
func (s Store) Save(f *File) (string, error) {
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return "", err
	}
	rnd := make([]byte, 16)
	if _, err := rand.Read(rnd); err != nil {
		return "", err
	}
	name := hex.EncodeToString(rnd) + f.Type.Ext
	if err := os.WriteFile(filepath.Join(s.Dir, name), f.Data, 0o640); err != nil {
		return "", err
	}
	return name, nil
}

// path is where a stored name lives; a name with folders in it cannot
// reach outside the store.
func (s Store) path(stored string) string {
	return filepath.Join(s.Dir, filepath.Base(stored))
}

// Discard removes a stored file now (its record was never written).
func (s Store) Discard(stored string) {
	if stored != "" {
		os.Remove(s.path(stored))
	}
}

// RemoveAfterCommit removes stored files once tx, which deletes their
// records, has committed; a rolled-back deletion keeps them.
func (s Store) RemoveAfterCommit(tx *db.Tx, stored ...string) {
	tx.AfterCommit(func() {
		for _, n := range stored {
			s.Discard(n)
		}
	})
}

// Serve sends a stored file as a download: always an attachment under the
// display name, with the recorded type, nosniff, a sandboxing CSP and no
// caching by shared caches. A missing file is a 404 (ENOTFOUND).
func (s Store) Serve(w http.ResponseWriter, r *http.Request, stored, displayName, contentType string, modified time.Time) error {
	f, err := os.Open(s.path(stored))
	if err != nil {
		return apperr.NotFound("file")
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", Disposition(displayName))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", modified, f)
	return nil
}

// Disposition is an attachment header naming the file: an ASCII fallback
// (quotes, backslashes, slashes and controls replaced) and, for a name
// beyond ASCII, the RFC 5987 UTF-8 form.
func Disposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, name)
	v := mime.FormatMediaType("attachment", map[string]string{"filename": ascii})
	if strings.IndexFunc(name, func(r rune) bool { return r > 0x7e }) >= 0 {
		if full := mime.FormatMediaType("attachment", map[string]string{"filename": name}); full != "" {
			v += strings.TrimPrefix(full, "attachment")
		}
	}
	if v == "" {
		return `attachment; filename="download"`
	}
	return v
}
