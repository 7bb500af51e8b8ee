// Package secretkey holds the server's secret key and seals short secrets
// with it (AES-256-GCM, crypto/cipher), so that a copy of the database
// alone does not give them away: two-factor (TOTP) secrets are stored
// sealed. The key is 32 random bytes in the data directory's secret.key
// (created 0600 on first start, kept in backups), or PARTNERHUB_SECRET_KEY
// (64 hex digits), which overrides the file.
package secretkey

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// FileName is the key's file in the data directory.
const FileName = "secret.key"

// Prefix marks a sealed value (version 1: AES-256-GCM, 12-byte nonce,
// base64 of nonce and ciphertext). A value without it is plain text
// written before secrets were sealed.
const Prefix = "v1:"

// ErrWrongKey: a sealed value does not open with this key (another
// server's key, a lost secret.key, or a changed value).
var ErrWrongKey = errors.New("the secret does not open with this server's key (is secret.key or PARTNERHUB_SECRET_KEY the one it was sealed with?)")

// Key seals and opens values.
type Key struct{ aead cipher.AEAD }

// New is a key of 32 bytes.
func New(b []byte) (*Key, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("a secret key is 32 bytes, not %d", len(b))
	}
	block, err := aes.NewCipher(b)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Key{aead: aead}, nil
}

// Random is a new random key (tests, a server without a data directory).
func Random() *Key {
	b := make([]byte, 32)
	rand.Read(b)
	k, _ := New(b)
	return k
}

// Load returns the key: env (hex) when set, else dataDir/secret.key,
// created with 32 random bytes (mode 0600) when missing. With neither a
// data directory nor env it returns a random key for this process only.
func Load(dataDir, env string) (*Key, error) {
	if env = strings.TrimSpace(env); env != "" {
		b, err := hex.DecodeString(env)
		if err != nil || len(b) != 32 {
			return nil, errors.New("PARTNERHUB_SECRET_KEY must be 64 hexadecimal digits (32 bytes), for example from: openssl rand -hex 32")
		}
		return New(b)
	}
	if dataDir == "" {
		return Random(), nil
	}
	p := filepath.Join(dataDir, FileName)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		b, err = create(dataDir, p)
		if errors.Is(err, fs.ErrExist) { // another process made it first
			return Load(dataDir, "")
		}
		if err != nil {
			return nil, err
		}
		return New(b)
	}
	if err != nil {
		return nil, err
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("%s holds %d bytes, not 32: restore it from a backup (two-factor secrets sealed with it cannot be read without it)", p, len(b))
	}
	return New(b)
}

// Seal encrypts plain, bound to ad (what the value belongs to, such as
// the user id: a sealed value copied to another row does not open).
func (k *Key) Seal(plain string, ad []byte) string {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, []byte(plain), ad)
	return Prefix + base64.RawStdEncoding.EncodeToString(out)
}

// Sealed reports whether v was written by Seal.
func Sealed(v string) bool { return strings.HasPrefix(v, Prefix) }

// Open decrypts a value written by Seal with the same ad. A value that is
// not sealed is returned as it is (plain text from before sealing); a nil
// key opens only those.
func (k *Key) Open(v string, ad []byte) (string, error) {
	if !Sealed(v) {
		return v, nil
	}
	if k == nil {
		return "", ErrWrongKey
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(v, Prefix))
	n := k.aead.NonceSize()
	if err != nil || len(b) < n {
		return "", ErrWrongKey
	}
	plain, err := k.aead.Open(nil, b[:n], b[n:], ad)
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}

// create writes a new random key to p without ever leaving a short file
// there: the bytes go to a temporary file in the same folder, synced, then
// hard-linked to p (which fails with fs.ErrExist when another process made
// p first, rather than replacing its key), and the folder is synced so the
// name survives a crash.
func create(dataDir, p string) ([]byte, error) {
	b := make([]byte, 32)
	rand.Read(b)
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dataDir, ".secret.key-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", p, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	if err := publish(tmp, p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("create %s: %w", p, err)
	}
	if d, err := os.Open(dataDir); err == nil {
		d.Sync()
		d.Close()
	}
	return b, nil
}

// publish gives the written key its name: a hard link, which fails with
// fs.ErrExist rather than replace a key another process made first. On a
// file system without hard links it falls back to creating p exclusively
// and writing the key into it (a crash there can leave a short file, which
// Load refuses with its message). A variable so that a test can stop
// between the write and the name (a crash there leaves no secret.key).
var publish = func(tmp, p string) error {
	err := os.Link(tmp, p)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	b, rerr := os.ReadFile(tmp)
	if rerr != nil {
		return err
	}
	f, ferr := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if ferr != nil {
		return ferr // fs.ErrExist when another process made it first
	}
	_, werr := f.Write(b)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(p)
	}
	return werr
}
