package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/testkit"
)

// The demo seals its admin's two-factor secret with the data directory's
// secret.key (made 0600 on first use); a backup carries the key, so the
// restored data directory still gives the admin's codes, and the key it
// replaced goes to the pre-restore folder.
func TestSecretKeyTravelsWithBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "demo", "--data-dir", dir, "--orgs", "10")
	info, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || info.Mode().Perm() != 0o600 || info.Size() != 32 {
		t.Fatalf("secret.key: %v %v", info, err)
	}
	key, _ := os.ReadFile(filepath.Join(dir, "secret.key"))
	admin := testkit.DemoTwoFactor[0]
	codeOK := func(out string) bool {
		now := time.Now()
		for _, at := range []time.Time{now, now.Add(-30 * time.Second)} {
			if c, _ := accounts.TOTPCode(testkit.DemoTOTPSecret, at); c == strings.TrimSpace(out) {
				return true
			}
		}
		return false
	}
	if p := mustRun(t, "", "user", "totp-code", "--email", admin, "--data-dir", dir); !codeOK(p.Out.String()) {
		t.Fatalf("totp-code: %q", p.Out)
	}
	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	mustRun(t, "", "backup", "--out", archive, "--data-dir", dir)

	// A data directory with a key of its own gets the backup's.
	other := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", other)
	mustRun(t, "", "jobs", "run", "retention", "--data-dir", other) // starts the app: makes a key
	otherKey, err := os.ReadFile(filepath.Join(other, "secret.key"))
	if err != nil || bytes.Equal(otherKey, key) {
		t.Fatalf("the other directory's key: %v", err)
	}
	mustRun(t, "", "restore", "--from", archive, "--data-dir", other)
	if got, _ := os.ReadFile(filepath.Join(other, "secret.key")); !bytes.Equal(got, key) {
		t.Error("the restored directory does not hold the backup's key")
	}
	if info, err := os.Stat(filepath.Join(other, "secret.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the restored key's mode: %v %v (want 0600, as when it is made)", info.Mode(), err)
	}
	if p := mustRun(t, "", "user", "totp-code", "--email", admin, "--data-dir", other); !codeOK(p.Out.String()) {
		t.Errorf("totp-code after restore: %q", p.Out)
	}
	prev, _ := filepath.Glob(filepath.Join(other, "pre-restore-*", "secret.key"))
	if len(prev) != 1 {
		t.Errorf("the replaced key was not kept: %v", prev)
	} else if b, _ := os.ReadFile(prev[0]); !bytes.Equal(b, otherKey) {
		t.Error("the pre-restore folder holds another key")
	}
}
