package importing

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"partnerhub/internal/apperr"
)

// records reads every record of a CSV file through Each, in line order:
// "line:value|value" per record, "line: rejected: reason" for a rejected
// one.
func records(t *testing.T, data string) []string {
	t.Helper()
	c, err := NewCSV([]byte(data), 0)
	if err != nil {
		t.Fatal(err)
	}
	byLine := map[int]string{}
	rep := &Report{}
	if err := Each(c, rep, func(rec *Record) error {
		byLine[rec.Line] = fmt.Sprintf("%d:%s", rec.Line, strings.Join(rec.values, "|"))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rejected {
		byLine[r.Line] = fmt.Sprintf("%d: rejected: %s", r.Line, r.Reason)
	}
	lines := slices.Sorted(maps.Keys(byLine))
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = byLine[l]
	}
	if rep.Rows != len(out) {
		t.Errorf("%d rows counted, %d read", rep.Rows, len(out))
	}
	return out
}

func TestCSVHeaderByteOrderMarkCaseAndSpaces(t *testing.T) {
	c, err := NewCSV([]byte("\xef\xbb\xbf Identifier ,Charity Name,LEGAL-form\nGB-CHC-1,A Trust,cic\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Next()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Get("identifier") != "GB-CHC-1" || rec.Get("charity_name") != "A Trust" || rec.Get("legal_form") != "cic" || rec.Line != 2 {
		t.Errorf("record %+v", rec)
	}
	if m := c.Header().Missing("identifier", "postcode"); len(m) != 1 || m[0] != "postcode" {
		t.Errorf("missing %v", m)
	}
	if err := c.Header().Require("identifier", "postcode"); err == nil || !strings.Contains(err.Error(), "the file has no column postcode") {
		t.Errorf("require: %v", err)
	}
}

// TestCSVDuplicateHeaderRefusedNamingBoth: a column that appears twice
// (once names are normalised) refuses the file and names both; it used to
// take the last one silently.
func TestCSVDuplicateHeaderRefusedNamingBoth(t *testing.T) {
	_, err := NewCSV([]byte("identifier,Name,postcode,name \nGB-CHC-1,A,FY1 1AA,B\n"), 0)
	if apperr.Code(err) != apperr.EINVALID || !strings.Contains(apperr.Message(err), `columns 2 ("Name") and 4 ("name") are both name`) {
		t.Fatalf("duplicated column: %v", err)
	}
	// Empty header cells (trailing commas) are not duplicates.
	if _, err := NewCSV([]byte("a,b,,\n1,2,,\n"), 0); err != nil {
		t.Fatal(err)
	}
}

// TestCSVLineEnds: LF, CRLF and lone CR line ends read alike (a CR-only
// file was refused as "bare quote"), a line end inside quotes is kept as
// LF, blank lines are skipped and lines are numbered as editors number
// them.
func TestCSVLineEnds(t *testing.T) {
	want := []string{"2:1|two words", "3:2|\"quoted\", with comma", "4:3|multi\nline", "6:4|"}
	for name, eol := range map[string]string{"LF": "\n", "CRLF": "\r\n", "CR": "\r"} {
		data := strings.Join([]string{"id,text", `1,two words`, `2,"""quoted"", with comma"`, `3,"multi` + eol + `line"`, `4,`}, eol) + eol
		got := records(t, data)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	got := records(t, "id,text\r\n\r\n1,a\r2,b\n\n3,c")
	if want := []string{"3:1|a", "4:2|b", "6:3|c"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("mixed line ends and blank lines: %q, want %q", got, want)
	}
}

// TestCSVWrongFieldCountRejectedAndReadingGoesOn: a row with too few or
// too many fields is rejected with its line and the next row is read.
func TestCSVWrongFieldCountRejectedAndReadingGoesOn(t *testing.T) {
	got := records(t, "a,b\n1,2\n3\n4,5,6\n7,8\n")
	want := []string{"2:1|2", "3: rejected: has 1 fields; the header has 2", "4: rejected: has 3 fields; the header has 2", "5:7|8"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// fifteenRows is a 15-row file whose line 6 opens a quote it never closes
// where it should; encoding/csv read lines 6 and 7 as one bad record,
// reported line 6 and silently lost line 7.
func fifteenRows() string {
	var b strings.Builder
	b.WriteString("identifier,name,postcode\n")
	for i := 1; i <= 15; i++ {
		name := fmt.Sprintf("Trust %d", i)
		if i == 5 { // line 6
			name = `"Unclosed Trust`
		}
		if i == 6 { // line 7 holds the next quote
			name = `"Quoted" Trust`
		}
		fmt.Fprintf(&b, "GB-CHC-%d,%s,FY1 1AA\n", 100+i, name)
	}
	return b.String()
}

// TestCSVBadQuotesRefuseTheFileNamingTheLine: once a quote is out of
// place the record's end cannot be known, so the file is refused whole,
// naming the line where the quoted field opens (and where the problem
// shows); no row after it is lost unreported.
func TestCSVBadQuotesRefuseTheFileNamingTheLine(t *testing.T) {
	for _, c := range []struct{ name, data, want string }{
		{"unclosed quote swallowing the next line", fifteenRows(), `Line 6, column 2 (name): the quote that opens this field runs on to line 7, where a quote is followed by "Q"`},
		{"never closed", "a,b\n1,2\n3,\"x\n4,5\n", "Line 3, column 2 (b): the quote that opens this field is never closed"},
		{"text after a closing quote", "a,b\n1,\"x\"y\n", `Line 2, column 2 (b): a closing quote is followed by "y"`},
		{"bare quote", "a,b\n1,2\n3,The \"Hub\"\n", "Line 3, column 2 (b): a quote inside a field that does not start with one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, err := NewCSV([]byte(c.data), 0)
			if err != nil {
				t.Fatal(err)
			}
			rep := &Report{}
			err = Each(src, rep, func(*Record) error { return nil })
			if apperr.Code(err) != apperr.EINVALID || !strings.Contains(apperr.Message(err), c.want) || !strings.Contains(apperr.Message(err), "Nothing was imported") {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestCSVRowLimitAndEncoding(t *testing.T) {
	if _, err := NewCSV([]byte("a\n1\n2\n3\n"), 2); apperr.Code(err) != apperr.ETOOLARGE || !strings.Contains(err.Error(), "more than 2 rows") {
		t.Errorf("3 rows over a limit of 2: %v", err)
	}
	if _, err := NewCSV([]byte("a\r1\r2\r"), 2); err != nil {
		t.Errorf("2 CR-ended rows at a limit of 2: %v", err)
	}
	if _, err := NewCSV([]byte("a\r1\r2\r3\r"), 2); apperr.Code(err) != apperr.ETOOLARGE {
		t.Errorf("3 CR-ended rows over a limit of 2: %v", err)
	}
	// Quoted line ends are not rows.
	if _, err := NewCSV([]byte("a\n\"1\n\n\n\"\n\"2\n\n\"\n"), 2); err != nil {
		t.Errorf("2 multi-line rows at a limit of 2: %v", err)
	}
	if _, err := NewCSV([]byte("a\r1\rCaf\xe9\r"), 0); err == nil || !strings.Contains(err.Error(), "first bad byte on line 3") {
		t.Errorf("not UTF-8: %v", err)
	}
	if _, err := NewCSV([]byte("\n\n"), 0); err == nil || !strings.Contains(err.Error(), "no header row") {
		t.Errorf("empty: %v", err)
	}
}

// TestReportWarningsAndNotes: warnings follow the rejections in file
// order and do not change the exit status; notes come before the counts.
func TestReportWarningsAndNotes(t *testing.T) {
	r := &Report{Format: "X", Unit: "grant", Rows: 3, Created: 2}
	r.Warn(3, "", "the amount awarded is 0")
	r.Warn(1, "", "post-dated")
	r.Reject(2, "", "bad date")
	r.Notes = []string{"1 grant in USD is not counted in GBP totals."}
	r.Sort()
	want := "grant 2: rejected: bad date\ngrant 1: warning: post-dated\ngrant 3: warning: the amount awarded is 0\nNote: 1 grant in USD is not counted in GBP totals.\nX: 3 rows read;"
	if got := r.String(); !strings.HasPrefix(got, want) {
		t.Errorf("report:\n%s\nwant it to start:\n%s", got, want)
	}
	r.Rejected = nil
	if ExitCode(r, nil) != ExitAll {
		t.Error("warnings changed the exit status")
	}
}
