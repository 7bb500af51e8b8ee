package uploads

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"partnerhub/internal/apperr"
)

// Pending keeps an uploaded file on the server between a preview (a dry
// run of an import) and its confirmation, so the confirmed import reads
// exactly the bytes that were previewed: Save returns a random name and
// the file's SHA-256 for the confirm form; Claim checks both, takes the
// file (a double submit finds it gone) and hands it back when the import
// fails. Files not confirmed are removed after TTL. With several app
// processes the data directory must be shared (or the balancer sticky).
type Pending struct {
	Dir string        // e.g. DATA_DIR/uploads/imports
	TTL time.Duration // 24 hours when zero
}

var pendingName = regexp.MustCompile(`^[0-9a-f]{32}\.upload$`)

func (p Pending) ttl() time.Duration {
	if p.TTL <= 0 {
		return 24 * time.Hour
	}
	return p.TTL
}

// Save keeps data and returns its name and SHA-256 (hex); it also
// removes pending files older than the TTL.
func (p Pending) Save(data []byte) (name, sum string, err error) {
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return "", "", err
	}
	if ents, err := os.ReadDir(p.Dir); err == nil {
		for _, e := range ents {
			if info, err := e.Info(); err == nil && pendingName.MatchString(e.Name()) && time.Since(info.ModTime()) > p.ttl() {
				os.Remove(filepath.Join(p.Dir, e.Name()))
			}
		}
	}
	rnd := make([]byte, 16)
	if _, err := rand.Read(rnd); err != nil {
		return "", "", err
	}
	name = hex.EncodeToString(rnd) + ".upload"
	h := sha256.Sum256(data)
	if err := os.WriteFile(filepath.Join(p.Dir, name), data, 0o600); err != nil {
		return "", "", err
	}
	return name, hex.EncodeToString(h[:]), nil
}

// Claim takes the pending file name whose SHA-256 must be sum. done must
// be called with whether the import went through: true removes the file,
// false puts it back for another try. A missing, expired or already
// claimed file is ENOTFOUND; a file that does not match sum ECONFLICT.
func (p Pending) Claim(name, sum string) (data []byte, done func(imported bool), err error) {
	gone := apperr.Errorf(apperr.ENOTFOUND, "That upload has expired or was already imported. Upload the file again.")
	if !pendingName.MatchString(name) {
		return nil, nil, gone
	}
	path := filepath.Join(p.Dir, name)
	data, err = os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, gone
	}
	if err != nil {
		return nil, nil, err
	}
	h := sha256.Sum256(data)
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(h[:])), []byte(sum)) != 1 {
		return nil, nil, apperr.Errorf(apperr.ECONFLICT, "The stored upload does not match the file you checked. Upload the file again.")
	}
	claimed := path + ".importing"
	if err := os.Rename(path, claimed); err != nil {
		return nil, nil, gone
	}
	return data, func(imported bool) {
		if imported {
			os.Remove(claimed)
			return
		}
		os.Rename(claimed, path)
	}, nil
}
