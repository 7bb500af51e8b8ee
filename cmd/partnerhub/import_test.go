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
	code, p := run(t, "", "import", "--data-dir", dir, "orgs", file)
	out := p.Out.String()
	if code != 1 {
		t.Errorf("a file with a rejected row: exit %d, want 1", code)
	}
	if !strings.Contains(out, "line 3: rejected: postcode") || !strings.Contains(out, "CSV: 2 rows read; 1 created, 0 updated, 0 unchanged, 1 rejected") {
		t.Errorf("import report:\n%s", out)
	}
	code, p = run(t, "", "import", "orgs", file, "--dry-run", "--data-dir", dir)
	if out := p.Out.String(); code != 1 || !strings.Contains(out, "Dry run: nothing was written") || !strings.Contains(out, "1 unchanged, 1 rejected") {
		t.Errorf("dry-run report after the import: exit %d\n%s", code, out)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("foo,bar\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, p = run(t, "", "import", "orgs", bad, "--data-dir", dir)
	if code != 2 || !strings.Contains(p.Err.String(), "the header is missing the columns identifier") || p.Out.String() != "" {
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

// TestImportExitStatus: every import kind follows one exit status rule
// and prints one report: 0 when every row is taken, 1 when some rows are
// rejected (the others are taken), 2 when the file is refused whole
// (nothing written). `import orgs` exited 0 with rows rejected, and
// `import partnerships` 1 when the file was refused.
func TestImportExitStatus(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", dir)
	write := func(name, body string) string {
		f := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	orgHeader := "identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n"
	good := write("good.csv", orgHeader+"GB-CHC-1111111,Exit Zero Trust,Voluntary and community,CIC,FY1 1AA,Talbot,food,,Runs a pantry,,under_10k\n")
	some := write("some.csv", orgHeader+"GB-CHC-2222222,Exit One Trust,vcs,charity,FY1 1AA,Talbot,food,,Runs a pantry,,under_10k\n"+
		"GB-CHC-3333333,Exit One Bad,vcs,charity,NOTAPC,Talbot,food,,Runs a pantry,,under_10k\n")
	refused := write("refused.csv", orgHeader+"GB-CHC-4444444,\"Never Closed Trust,vcs,charity,FY1 1AA,Talbot,food,,Runs a pantry,,under_10k\n")
	pHeader := "partnership_ref,name,model,status,start_date,end_date,member_identifier,member_role,joined,left\n"
	pGood := write("p-good.csv", pHeader+"EX-1,Exit Partnership,Consortium as a new legal body,Active,2020-01-01,,GB-CHC-1111111,Lead,,\n")
	pSome := write("p-some.csv", pHeader+"EX-2,Exit Partnership Two,joint_project,active,2020-01-01,,GB-CHC-1111111,lead,,\n"+
		"EX-3,Exit Partnership Three,joint_project,active,2020-01-01,,GB-CHC-9999999,lead,,\n")
	pRefused := write("p-refused.csv", "partnership_ref,name\nEX-4,Nope\n")
	for _, c := range []struct {
		args []string
		code int
		out  string // in stdout ("" for none at all)
		err  string // in stderr
	}{
		{[]string{"orgs", good, "--dry-run"}, 0, "Dry run: nothing was written.\nCSV: 1 rows read; 1 would be created", ""},
		{[]string{"orgs", good}, 0, "CSV: 1 rows read; 1 created, 0 updated, 0 unchanged, 0 rejected", ""},
		{[]string{"orgs", some}, 1, "line 3: rejected: postcode", "1 of 2 rows were rejected"},
		{[]string{"orgs", refused}, 2, "", "Line 2, column 2 (name): the quote that opens this field is never closed"},
		{[]string{"orgs", filepath.Join(dir, "no-such-file.csv")}, 2, "", "no-such-file.csv"},
		{[]string{"partnerships", pGood}, 0, "Partnerships CSV: 1 rows read; 1 created, 0 updated, 0 unchanged, 0 rejected; 1 memberships added", ""},
		{[]string{"partnerships", pSome, "--dry-run"}, 1, "line 3: rejected: no organisation in the directory has the identifier GB-CHC-9999999", "1 of 2 rows were rejected (listed above); the other rows were checked"},
		{[]string{"partnerships", pSome}, 1, "Partnerships CSV: 2 rows read; 1 created", "1 of 2 rows were rejected"},
		{[]string{"partnerships", pRefused}, 2, "", "the file has no column model"},
	} {
		code, p := run(t, "", append([]string{"import", "--data-dir", dir}, c.args...)...)
		out, errOut := p.Out.String(), p.Err.String()
		if code != c.code || (c.out == "" && out != "") || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.err) || (c.code == 0 && errOut != "") {
			t.Errorf("import %v: exit %d, want %d\nstdout: %s\nstderr: %s", c.args, code, c.code, out, errOut)
		}
	}
	// The refused files wrote nothing; the good ones were written.
	code, p := run(t, "", "import", "--data-dir", dir, "--dry-run", "orgs", good)
	if code != 0 || !strings.Contains(p.Out.String(), "1 rows read; 0 would be created, 0 would be updated, 1 unchanged") {
		t.Errorf("after the imports: exit %d\n%s%s", code, p.Out, p.Err)
	}
}
