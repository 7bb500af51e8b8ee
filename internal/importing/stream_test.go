package importing

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"partnerhub/internal/apperr"
)

// streamed reads a file in streaming mode: "line:value|value" per row
// handed to the callback, then "line: rejected: reason" per rejection.
func streamed(t *testing.T, data string, f Format) ([]string, *Report, error) {
	t.Helper()
	s, err := NewStream(strings.NewReader(data), f)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	rep := &Report{}
	err = s.Each(rep, func(r *Row) error {
		vals := make([]string, len(r.Fields))
		for i, v := range r.Fields {
			vals[i] = string(v)
		}
		out = append(out, fmt.Sprintf("%d:%s", r.Line, strings.Join(vals, "|")))
		return nil
	})
	for _, r := range rep.Rejected {
		out = append(out, fmt.Sprintf("%d: rejected: %s", r.Line, r.Reason))
	}
	return out, rep, err
}

func TestStreamCSVHeaderLinesAndRejections(t *testing.T) {
	data := "\xef\xbb\xbf Company Number ,NAME\r\n\"1\",\"A \"\"B\"\"\"\r\n2,\"two\nlines\"\r3\n\n4,D,extra\n5,E"
	got, rep, err := streamed(t, data, Format{Want: []string{"company_number", "name"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`2:1|A "B"`, "3:2|two\nlines", "8:5|E", "5: rejected: has 1 fields; the header has 2", "7: rejected: has 3 fields; the header has 2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || rep.Rows != 5 {
		t.Errorf("rows %q (%d counted), want %q", got, rep.Rows, want)
	}
	// Row.Get maps names as headers are.
	s, err := NewStream(strings.NewReader("Charity-Name\tcharity_number\nA\t1\n"), Format{Comma: '\t', Unquoted: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Next()
	if err != nil || r.Get("charity name") != "A" || r.Get("charity_number") != "1" || r.Get("postcode") != "" || s.Header().Index("postcode") != -1 {
		t.Fatalf("get: %v %+v", err, r)
	}
}

// TestStreamTabText: the Charity Commission's text: no quoting (a lone
// quote is a character), a line break inside a field joins the next line,
// a tab too many rejects the row, a last record cut short refuses the
// file as truncated.
func TestStreamTabText(t *testing.T) {
	f := Format{What: "the charity file", Comma: '\t', Unquoted: true, Want: []string{"a", "b", "c"}}
	got, _, err := streamed(t, "a\tb\tc\n1\t5\" of snow\tx\n2\tsplit\nhere\ty\n3\tt\tu\tv\n", f)
	want := []string{`2:1|5" of snow|x`, "3:2|split\nhere|y", "5: rejected: has 4 fields; the header has 3 (a tab inside a field?)"}
	if err != nil || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows %q %v, want %q", got, err, want)
	}
	if _, _, err := streamed(t, "a\tb\tc\n1\t2\t3\n4\t5", f); err == nil || !strings.Contains(err.Error(), "Line 3: the file ends part-way through a record (2 of its 3 fields): it looks truncated") {
		t.Errorf("truncated: %v", err)
	}
	for data, msg := range map[string]string{
		"":                     "The file is empty: it is not the charity file",
		"a,b,c\n1,2,3\n":       "Line 1: the header has no tabs: this is not the charity file, which is tab-separated. It looks comma-separated",
		"a\tb\n1\t2\n":         "Line 1: the header has no column c: this is not the charity file (the layout needs a, b, c)",
		"a\tb\ta\n":            `columns 1 ("a") and 3 ("a") are both a`,
		"a\tb\t\xff\n1\t2\t3n": "Line 1: the header is not UTF-8 text",
	} {
		if _, err := NewStream(strings.NewReader(data), f); apperr.Code(err) != apperr.EINVALID || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", data, err, msg)
		}
	}
}

// TestStreamPublishedCSVTruncated: a publisher's quoted CSV that ends
// inside a quoted field, or part-way through its last record, is refused
// as truncated; a user's file names the unclosed quote instead.
func TestStreamPublishedCSVTruncated(t *testing.T) {
	pub := Format{What: "Companies House's basic company data"}
	for _, data := range []string{"a,b,c\n\"1\",\"2\",\"3\"\n\"4\",\"fi", "a,b,c\n\"1\",\"2\",\"3\"\n\"4\",\"5\""} {
		if _, _, err := streamed(t, data, pub); err == nil || !strings.Contains(err.Error(), "Line 3") || !strings.Contains(err.Error(), "looks truncated") {
			t.Errorf("%q: %v", data, err)
		}
	}
	if _, _, err := streamed(t, "a,b,c\n\"4\",\"fi", Format{}); err == nil || !strings.Contains(err.Error(), "Line 2, column 2 (b): the quote that opens this field is never closed") {
		t.Errorf("user's file: %v", err)
	}
	// A short last record with its line end is a rejected row, not a cut.
	got, _, err := streamed(t, "a,b,c\n\"4\",\"5\"\n", pub)
	if err != nil || len(got) != 1 || got[0] != "2: rejected: has 2 fields; the header has 3" {
		t.Errorf("short row: %q %v", got, err)
	}
}

func TestStreamRowLimit(t *testing.T) {
	_, _, err := streamed(t, "a\n1\n2\n3\n", Format{Limit: 2})
	if apperr.Code(err) != apperr.ETOOLARGE {
		t.Errorf("3 rows, limit 2: %v", err)
	}
	if got, _, err := streamed(t, "a\n1\n2\n", Format{Limit: 2}); err != nil || len(got) != 2 {
		t.Errorf("2 rows, limit 2: %q %v", got, err)
	}
}

// TestStreamHandsRowsOnAsRead: each row reaches the callback before the
// rest of the file is read (the file is never held whole).
func TestStreamHandsRowsOnAsRead(t *testing.T) {
	broken := errors.New("the rest of the file")
	r := io.MultiReader(strings.NewReader("a,b\n1,2\n"), &failing{broken})
	s, err := NewStream(r, Format{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	err = s.Each(&Report{}, func(r *Row) error { seen = append(seen, r.Get("a")); return nil })
	if !errors.Is(err, broken) || len(seen) != 1 || seen[0] != "1" {
		t.Errorf("rows %q before %v", seen, err)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }
