package secretkey_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partnerhub/internal/secretkey"
)

// The key file is made once (32 bytes, 0600) and read back the same; the
// environment's key overrides it; a value opens only with its key and its
// additional data; plain values pass through.
func TestKeyFileSealAndOpen(t *testing.T) {
	dir := t.TempDir()
	k1, err := secretkey.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, secretkey.FileName))
	if err != nil || info.Mode().Perm() != 0o600 || info.Size() != 32 {
		t.Fatalf("key file: %v %v", info, err)
	}
	k2, err := secretkey.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	sealed := k1.Seal("JBSWY3DPEHPK3PXP", []byte("user_totp:7"))
	if !secretkey.Sealed(sealed) || strings.Contains(sealed, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("sealed %q", sealed)
	}
	if got, err := k2.Open(sealed, []byte("user_totp:7")); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("the file's key read again: %q %v", got, err)
	}
	if _, err := k2.Open(sealed, []byte("user_totp:8")); err != secretkey.ErrWrongKey {
		t.Errorf("another user's additional data: %v", err)
	}
	env, err := secretkey.Load(dir, strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Open(sealed, []byte("user_totp:7")); err != secretkey.ErrWrongKey {
		t.Errorf("the environment's key did not override the file: %v", err)
	}
	if got, err := env.Open("PLAINSECRET", nil); err != nil || got != "PLAINSECRET" {
		t.Errorf("a plain value: %q %v", got, err)
	}
	if _, err := secretkey.Load(dir, "not hex"); err == nil || !strings.Contains(err.Error(), "64 hexadecimal digits") {
		t.Errorf("a bad PARTNERHUB_SECRET_KEY: %v", err)
	}
	os.WriteFile(filepath.Join(dir, secretkey.FileName), []byte("short"), 0o600)
	if _, err := secretkey.Load(dir, ""); err == nil || !strings.Contains(err.Error(), "not 32") {
		t.Errorf("a damaged key file: %v", err)
	}
}

// A crash between writing the key and giving it its name leaves no
// secret.key (never a short one that the next start refuses), and the
// next start makes a whole key.
func TestKeyFileNeverShort(t *testing.T) {
	dir := t.TempDir()
	restore := secretkey.SetPublish(t, func(string, string) error { return errors.New("crash") })
	if _, err := secretkey.Load(dir, ""); err == nil {
		t.Fatal("Load succeeded without naming the key file")
	}
	if _, err := os.Stat(filepath.Join(dir, secretkey.FileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after a failed creation secret.key is there: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".secret.key-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	restore()
	if _, err := secretkey.Load(dir, ""); err != nil {
		t.Fatalf("the next start: %v", err)
	}
	if info, err := os.Stat(filepath.Join(dir, secretkey.FileName)); err != nil || info.Size() != 32 || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file after the next start: %v %v", info, err)
	}
}
