package main

import (
	"archive/zip"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// `user export` writes the person's subject-access ZIP; `user erase` asks
// for the email address back (or takes --yes), refuses the last
// administrator, and afterwards the export finds no account.
func TestUserExportAndErase(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", dir)
	mustRun(t, "correct horse battery staple\n", "user", "create", "--admin", "--email", "root@example.org", "--data-dir", dir)
	mustRun(t, "correct horse battery staple\n", "user", "create", "--email", "leaver@example.org", "--name", "Lena Leaver", "--data-dir", dir)

	out := filepath.Join(t.TempDir(), "leaver.zip")
	p := mustRun(t, "", "user", "export", "--email", "Leaver@example.org", "--out", out, "--data-dir", dir)
	if !strings.Contains(p.Out.String(), "written to") {
		t.Errorf("export output: %s", p.Out)
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	var account string
	for _, f := range z.File {
		if f.Name == "data/account.json" {
			r, _ := f.Open()
			b, _ := io.ReadAll(r)
			account = string(b)
		}
	}
	z.Close()
	if !strings.Contains(account, "Lena Leaver") {
		t.Errorf("account.json: %s", account)
	}
	if code, p := run(t, "", "user", "export", "--email", "leaver@example.org", "--out", out, "--data-dir", dir); code == 0 || !strings.Contains(p.Err.String(), "already exists") {
		t.Errorf("export over an existing file: exit %d %s", code, p.Err)
	}

	if code, p := run(t, "somebody@else.org\n", "user", "erase", "--email", "leaver@example.org", "--data-dir", dir); code != 1 || !strings.Contains(p.Err.String(), "nothing erased") {
		t.Errorf("erase not confirmed: exit %d %s", code, p.Err)
	}
	if code, p := run(t, "", "user", "erase", "--email", "root@example.org", "--yes", "--data-dir", dir); code == 0 || !strings.Contains(p.Err.String(), "last platform administrator") {
		t.Errorf("erase the last admin: exit %d %s", code, p.Err)
	}
	p = mustRun(t, "leaver@example.org\n", "user", "erase", "--email", "leaver@example.org", "--data-dir", dir)
	if !strings.Contains(p.Out.String(), "erased leaver@example.org") || !strings.Contains(p.Out.String(), "users: anonymised 1 rows") {
		t.Errorf("erase output: %s", p.Out)
	}
	// The audit log still verifies after the erasure.
	if p := mustRun(t, "", "audit", "verify", "--data-dir", dir); !strings.Contains(p.Out.String(), "Chain verified: ") {
		t.Errorf("audit verify after erasure: %s", p.Out)
	}
	out2 := filepath.Join(t.TempDir(), "after.zip")
	mustRun(t, "", "user", "export", "--email", "leaver@example.org", "--out", out2, "--data-dir", dir)
	z, err = zip.OpenReader(out2)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		r, _ := f.Open()
		b, _ := io.ReadAll(r)
		if strings.Contains(string(b), "Lena Leaver") {
			t.Errorf("%s still names the erased person", f.Name)
		}
	}
}
