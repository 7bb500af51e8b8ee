package directory

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"partnerhub/internal/apperr"
	"partnerhub/internal/importing"
)

// Streaming readers of the registers' files as they are published. They
// read a line (or an item) at a time, so memory stays bounded whatever
// the file's size (the Charity Commission's charity file is about
// 380,000 rows, Companies House's about 5 million in parts).
//
//   - tsvReader: the Charity Commission's tab-separated text: a byte-order
//     mark, no quoting at all (a field may hold a lone double quote, which
//     encoding/csv refuses or mis-reads even with LazyQuotes), lines ending
//     CRLF, LF or a lone CR in the same file. A record with too few fields
//     is joined with the next line (a line break inside a field); one with
//     too many is rejected; a last record cut short refuses the file as
//     truncated.
//   - jsonArray: the Charity Commission's JSON, an array of objects, read
//     item by item with json.Decoder (Token / More), never loaded whole.
//   - chCSV: Companies House's quoted CSV through encoding/csv.

// bom is the UTF-8 byte-order mark.
var bom = []byte("\xef\xbb\xbf")

// lineReader yields lines without their line ends (CRLF, LF or lone CR),
// numbering them from 1.
type lineReader struct {
	r       *bufio.Reader
	line    int
	pending []byte // the rest of a chunk after a lone CR
	long    []byte
}

func newLineReader(r io.Reader) *lineReader {
	br := bufio.NewReaderSize(r, 1<<20)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, bom) {
		br.Discard(3)
	}
	return &lineReader{r: br}
}

// next returns the next line (valid until the next call) or io.EOF.
func (l *lineReader) next() ([]byte, error) {
	var chunk []byte
	if l.pending != nil {
		chunk, l.pending = l.pending, nil
	} else {
		b, err := l.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			l.long = append(l.long[:0], b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				b, err = l.r.ReadSlice('\n')
				l.long = append(l.long, b...)
			}
			b = l.long
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(b) == 0 {
			return nil, io.EOF
		}
		chunk = b
	}
	l.line++
	// A lone CR ends a line too.
	if i := bytes.IndexByte(chunk, '\r'); i >= 0 && !(i == len(chunk)-2 && chunk[i+1] == '\n') {
		if i+1 < len(chunk) {
			rest := chunk[i+1:]
			if len(rest) > 0 {
				l.pending = rest
			}
		}
		return chunk[:i], nil
	}
	n := len(chunk)
	if n > 0 && chunk[n-1] == '\n' {
		n--
		if n > 0 && chunk[n-1] == '\r' {
			n--
		}
	}
	return chunk[:n], nil
}

// tsvReader reads tab-separated records with a header row.
type tsvReader struct {
	lr     *lineReader
	header *importing.Header
	ncol   int
	rec    []byte
	fields [][]byte
	line   int // the current record's first line
}

// newTSV reads the header row. want names the columns the file must have;
// what is the file's name for messages.
func newTSV(r io.Reader, what string, want ...string) (*tsvReader, error) {
	t := &tsvReader{lr: newLineReader(r)}
	first, err := t.lr.next()
	if err == io.EOF {
		return nil, apperr.Errorf(apperr.EINVALID, "The file is empty: it is not %s", what)
	}
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(first) {
		return nil, apperr.Errorf(apperr.EINVALID, "Line 1: the header is not UTF-8 text: this is not %s", what)
	}
	names := strings.Split(string(first), "\t")
	if len(names) < 2 {
		hint := ""
		if strings.Count(string(first), ",") > 1 {
			hint = " It looks comma-separated; the register publishes this file tab-separated (.txt)."
		}
		return nil, apperr.Errorf(apperr.EINVALID, "Line 1: the header has no tabs: this is not %s, which is tab-separated.%s", what, hint)
	}
	h, err := importing.NewHeader(names)
	if err != nil {
		return nil, err
	}
	if m := h.Missing(want...); len(m) > 0 {
		return nil, apperr.Errorf(apperr.EINVALID, "Line 1: the header has no column %s: this is not %s (the layout needs %s)", strings.Join(m, ", "), what, strings.Join(want, ", "))
	}
	t.header, t.ncol = h, len(names)
	return t, nil
}

// errTruncated refuses a file whose last record is cut short.
func errTruncated(line, got, want int) error {
	return apperr.Errorf(apperr.EINVALID, "Line %d: the file ends part-way through a record (%d of its %d fields): it looks truncated. Nothing was imported: download the file again and import it whole.", line, got, want)
}

// next reads the next record's fields (valid until the next call). A
// record with the wrong number of fields is a *importing.RowError.
func (t *tsvReader) next() ([][]byte, error) {
	for {
		b, err := t.lr.next()
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			continue // blank line
		}
		t.line = t.lr.line
		t.rec = append(t.rec[:0], b...)
		n := bytes.Count(t.rec, []byte{'\t'}) + 1
		for n < t.ncol {
			// Too few fields: a line break inside a field joins the next
			// line; at the end of the file, the record was cut short.
			more, err := t.lr.next()
			if err == io.EOF {
				return nil, errTruncated(t.line, n, t.ncol)
			}
			if err != nil {
				return nil, err
			}
			t.rec = append(append(t.rec, '\n'), more...)
			n += bytes.Count(more, []byte{'\t'})
		}
		if n > t.ncol {
			return nil, &importing.RowError{Line: t.line, Reason: fmt.Sprintf("has %d fields; the header has %d (a tab inside a field?)", n, t.ncol)}
		}
		t.fields = t.fields[:0]
		rest := t.rec
		for {
			i := bytes.IndexByte(rest, '\t')
			if i < 0 {
				t.fields = append(t.fields, rest)
				break
			}
			t.fields = append(t.fields, rest[:i])
			rest = rest[i+1:]
		}
		if !utf8.Valid(t.rec) {
			return nil, &importing.RowError{Line: t.line, Reason: "is not UTF-8 text"}
		}
		return t.fields, nil
	}
}

// col is a column's position (-1 if the file lacks it).
func (t *tsvReader) col(name string) int {
	for i, n := range t.header.Names {
		if importing.Normalize(n) == name {
			return i
		}
	}
	return -1
}

// jsonArray reads a JSON array of objects item by item.
type jsonArray struct {
	dec  *json.Decoder
	item int
	what string
}

func newJSONArray(r io.Reader, what string) (*jsonArray, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, bom) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, apperr.Errorf(apperr.EINVALID, "The file is empty: it is not %s", what)
	}
	if err != nil {
		return nil, apperr.Errorf(apperr.EINVALID, "The JSON cannot be read: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, apperr.Errorf(apperr.EINVALID, "The JSON is not an array: %s is a JSON array of charities ([{...}, {...}]), and this file starts with %v", what, describeToken(tok))
	}
	return &jsonArray{dec: dec, what: what}, nil
}

func describeToken(tok json.Token) string {
	if d, ok := tok.(json.Delim); ok {
		if d == '{' {
			return "an object ({)"
		}
		return string(d)
	}
	return fmt.Sprintf("%q", fmt.Sprint(tok))
}

// next decodes the next item into v; io.EOF after the last. An item that
// is not an object is a *importing.RowError; a broken or cut-short file
// refuses the file.
func (j *jsonArray) next(v any) error {
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil {
			return j.broken(err)
		}
		return io.EOF
	}
	j.item++
	if err := j.dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &importing.RowError{Line: j.item, Reason: "item is not a charity object: " + err.Error()}
		}
		return j.broken(err)
	}
	return nil
}

func (j *jsonArray) broken(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return apperr.Errorf(apperr.EINVALID, "Item %d: the JSON ends part-way through the array: the file looks truncated. Nothing was imported: download the file again and import it whole.", j.item)
	}
	return apperr.Errorf(apperr.EINVALID, "Item %d: the JSON cannot be read (%v). Nothing was imported.", j.item, err)
}

// flex is a JSON value read as text: a string, a number or a boolean
// ("True"/"False" in the text file, true/false in the JSON).
type flex string

func (f *flex) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flex(s)
	case b[0] == '{' || b[0] == '[':
		return &json.UnmarshalTypeError{Value: "object or array", Type: nil}
	default:
		*f = flex(b)
	}
	return nil
}

// chCSV reads Companies House's CSV (quoted, comma-separated).
type chCSV struct {
	r      *csv.Reader
	header *importing.Header
	ncol   int
	end    *lastByte
	held   *heldRecord
}

// lastByte remembers the last byte read (did the file end with a line end?).
type lastByte struct {
	r    io.Reader
	last byte
}

func (l *lastByte) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		l.last = p[n-1]
	}
	return n, err
}

func newCHCSV(r io.Reader, what string, want ...string) (*chCSV, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, bom) {
		br.Discard(3)
	}
	end := &lastByte{r: br}
	cr := csv.NewReader(end)
	cr.ReuseRecord = true
	names, err := cr.Read()
	if err == io.EOF {
		return nil, apperr.Errorf(apperr.EINVALID, "The file is empty: it is not %s", what)
	}
	if err != nil {
		return nil, apperr.Errorf(apperr.EINVALID, "Line 1: the header cannot be read (%v): this is not %s", err, what)
	}
	names = append([]string(nil), names...)
	h, err := importing.NewHeader(names)
	if err != nil {
		return nil, err
	}
	if m := h.Missing(want...); len(m) > 0 {
		return nil, apperr.Errorf(apperr.EINVALID, "Line 1: the header has no column %s: this is not %s (the layout needs %s)", strings.Join(m, ", "), what, strings.Join(want, ", "))
	}
	cr.FieldsPerRecord = len(names)
	return &chCSV{r: cr, header: h, ncol: len(names), end: end}, nil
}

// next reads a record and the line it starts on.
func (c *chCSV) next() ([]string, int, error) {
	if p := c.held; p != nil {
		c.held = nil
		return p.rec, p.line, p.err
	}
	rec, line, err := c.read()
	var fc *fieldCount
	if errors.As(err, &fc) {
		// A record with too few fields: the last one, in a file that does
		// not end with a line end, was cut short.
		rec2, line2, err2 := c.read()
		if err2 == io.EOF && c.end.last != '\n' && c.end.last != '\r' {
			return nil, line, errTruncated(line, fc.n, c.ncol)
		}
		c.held = &heldRecord{append([]string(nil), rec2...), line2, err2}
		return nil, line, &importing.RowError{Line: line, Reason: fmt.Sprintf("has %d fields; the header has %d", fc.n, c.ncol)}
	}
	return rec, line, err
}

type fieldCount struct{ n int }

func (f *fieldCount) Error() string { return fmt.Sprintf("%d fields", f.n) }

type heldRecord struct {
	rec  []string
	line int
	err  error
}

func (c *chCSV) read() ([]string, int, error) {
	rec, err := c.r.Read()
	if err == nil {
		line, _ := c.r.FieldPos(0)
		return rec, line, nil
	}
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return nil, pe.StartLine, &fieldCount{len(rec)}
		}
		if errors.Is(pe.Err, csv.ErrQuote) && c.end.last != '\n' && c.end.last != '\r' {
			return nil, pe.StartLine, apperr.Errorf(apperr.EINVALID, "Line %d: the file ends inside a quoted field: it looks truncated. Nothing was imported: download the file again and import it whole.", pe.StartLine)
		}
		return nil, pe.StartLine, apperr.Errorf(apperr.EINVALID, "Line %d: %v. Nothing was imported: this is not Companies House's CSV as published.", pe.StartLine, pe.Err)
	}
	return nil, 0, err
}

// index is a column's position (-1 if missing).
func headerIndex(h *importing.Header, name string) int {
	for i, n := range h.Names {
		if importing.Normalize(n) == name {
			return i
		}
	}
	return -1
}
