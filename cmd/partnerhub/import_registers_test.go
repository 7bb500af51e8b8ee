package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportRegisterCommands: `partnerhub import charities FILE
// --classification FILE --postcodes ...` and `import companies FILE`.
func TestImportRegisterCommands(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", dir)
	write := func(name, s string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	charities := write("publicextract.charity.txt", "\ufeffdate_of_extract\tregistered_charity_number\tlinked_charity_number\tcharity_name\tcharity_registration_status\tcharity_contact_postcode\r\n"+
		"2026-11-30 00:00:00\t1090095\t0\tLAYTON \"LUNCH\" CLUB\tRegistered\tFY3 7AA\r\n"+
		"2026-11-30 00:00:00\t222222\t0\tLANCASTER ARTS\tRegistered\tLA1 1AA\r\n")
	cls := write("publicextract.charity_classification.txt", "\ufeffregistered_charity_number\tlinked_charity_number\tclassification_code\tclassification_description\r\n"+
		"1090095\t0\t202\tElderly/old People\r\n")
	code, p := run(t, "", "import", "charities", charities, "--classification", cls, "--postcodes", "FY1,FY3", "--data-dir", dir, "--dry-run")
	if out := p.Out.String(); code != 0 || !strings.Contains(out, "Dry run") || !strings.Contains(out, "2 rows read; 1 would be created") || !strings.Contains(out, "1 skipped outside the area") {
		t.Fatalf("charities dry run: exit %d\n%s%s", code, out, p.Err)
	}
	code, p = run(t, "", "import", "--data-dir", dir, "charities", charities, "--postcodes", "FY1,FY3")
	if out := p.Out.String(); code != 0 || !strings.Contains(out, "1 created") {
		t.Fatalf("charities: exit %d\n%s%s", code, out, p.Err)
	}
	code, p = run(t, "", "import", "--data-dir", dir, "charities", charities, "--postcodes", "FY1,FY3")
	if out := p.Out.String(); code != 0 || !strings.Contains(out, "0 created, 0 updated, 1 unchanged") {
		t.Fatalf("charities again: exit %d\n%s%s", code, out, p.Err)
	}
	code, p = run(t, "", "import", "--data-dir", dir, "charities", charities, "--postcodes", "Blackpool!")
	if code != 2 || !strings.Contains(p.Err.String(), "not a postcode district") {
		t.Errorf("bad districts: exit %d %s", code, p.Err)
	}
	companies := write("BasicCompanyData.csv", "CompanyName, CompanyNumber,RegAddress.PostCode,CompanyCategory,CompanyStatus,DissolutionDate\r\n"+
		"\"FYLDE FOOD CIC\",\"11111111\",\"FY1 3AA\",\"Community Interest Company\",\"Active\",\"\"\r\n"+
		"\"ACME LTD\",\"02222222\",\"FY1 3AB\",\"Private Limited Company\",\"Active\",\"\"\r\n")
	code, p = run(t, "", "import", "--data-dir", dir, "companies", companies)
	if out := p.Out.String(); code != 0 || !strings.Contains(out, "1 created") || !strings.Contains(out, "1 skipped as not third sector") {
		t.Fatalf("companies: exit %d\n%s%s", code, out, p.Err)
	}
	code, p = run(t, "", "import", "--data-dir", dir, "companies", companies, "--classification", cls)
	if code != 2 || !strings.Contains(p.Err.String(), "is for `import charities` only") {
		t.Errorf("--classification with companies: exit %d %s", code, p.Err)
	}
	code, p = run(t, "", "import", "--data-dir", dir, "charities", companies)
	if code != 2 || !strings.Contains(p.Err.String(), "tab-separated") {
		t.Errorf("a CSV given as the charity file: exit %d %s", code, p.Err)
	}
}
