package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportCommand: `partnerhub import orgs FILE` reports each rejected
// line and what it wrote; flags may come before or after the arguments;
// a dry run writes nothing; a file refused whole says only why; a missing
// or extra argument is a usage error (exit 2), as is a stray argument to
// any other command.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", dir)
	file := filepath.Join(t.TempDir(), "orgs.csv")
	csv := "identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n" +
		"GB-CHC-1234567,Flag Order Trust,vcs,charity,FY1 1AA,Talbot,food,,Runs a pantry,,under_10k\n" +
		"GB-CHC-7654321,Bad Postcode Trust,vcs,charity,NOTAPC,Talbot,food,,Runs a pantry,,under_10k\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	p := mustRun(t, "", "import", "--data-dir", dir, "orgs", file)
	out := p.Out.String()
	if !strings.Contains(out, "line 3: rejected: postcode") || !strings.Contains(out, "CSV: 2 rows read; 1 created, 0 updated, 0 unchanged, 1 rejected") {
		t.Errorf("import report:\n%s", out)
	}
	p = mustRun(t, "", "import", "orgs", file, "--dry-run", "--data-dir", dir)
	if out := p.Out.String(); !strings.Contains(out, "Dry run: nothing was written") || !strings.Contains(out, "1 unchanged, 1 rejected") {
		t.Errorf("dry-run report after the import:\n%s", out)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("foo,bar\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, p := run(t, "", "import", "orgs", bad, "--data-dir", dir)
	if code != 1 || !strings.Contains(p.Err.String(), "the header is missing the columns identifier") || p.Out.String() != "" {
		t.Errorf("wrong header: exit %d\nstdout: %s\nstderr: %s", code, p.Out, p.Err)
	}
	for _, args := range [][]string{
		{"import", "orgs"},
		{"import", "--data-dir", dir, "orgs"},
		{"import", "orgs", file, "extra", "--data-dir", dir},
		{"serve", "stray"},
	} {
		code, p := run(t, "", args...)
		if code != 2 || !strings.Contains(p.Err.String(), "partnerhub") {
			t.Errorf("partnerhub %v: exit %d, stderr %q", args, code, p.Err)
		}
	}
}
