package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// archive writes a gzip tar of the given headers (content: the name).
func archive(t *testing.T, hs ...tar.Header) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, h := range hs {
		body := []byte(`{"format":"partnerhub-backup","version":1}`)
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(body)
		}
	}
	tw.Close()
	gz.Close()
	p := filepath.Join(t.TempDir(), "a.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRestoreRefusesEntriesThatLeaveTheDataDirectory(t *testing.T) {
	manifest := tar.Header{Name: ManifestName, Typeflag: tar.TypeReg, Mode: 0o600}
	for name, h := range map[string]tar.Header{
		"parent path":  {Name: "uploads/../../evil", Typeflag: tar.TypeReg, Mode: 0o600},
		"absolute":     {Name: "/etc/evil", Typeflag: tar.TypeReg, Mode: 0o600},
		"symlink":      {Name: "uploads/news/x.png", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
		"other folder": {Name: "config/evil", Typeflag: tar.TypeReg, Mode: 0o600},
	} {
		data := t.TempDir()
		_, err := Restore(context.Background(), archive(t, manifest, h), data)
		if err == nil || !strings.Contains(err.Error(), "an entry Partnerhub does not write") {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(data), "evil")); err == nil {
			t.Errorf("%s: written outside the data directory", name)
		}
		if ents, _ := os.ReadDir(data); len(ents) != 1 || ents[0].Name() != LockName {
			t.Errorf("%s: the data directory holds %v", name, ents)
		}
	}
}

func TestRestoreWaitsForNoOne(t *testing.T) {
	data := t.TempDir()
	unlock, err := Lock(data, false) // a running serve
	if err != nil {
		t.Fatal(err)
	}
	_, err = Restore(context.Background(), archive(t), data)
	if err == nil || !strings.Contains(err.Error(), "stop it, then restore") {
		t.Errorf("restore beside a running command: %v", err)
	}
	unlock()
	un, err := Lock(data, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(data, false); err != ErrBusy {
		t.Errorf("a command starting during a restore: %v, want ErrBusy", err)
	}
	un()
}
