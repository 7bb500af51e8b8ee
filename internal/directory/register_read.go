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

// jsonArray reads a JSON array of objects item by item from a stream: it
// finds each item's end itself (strings and nesting followed byte by
// byte, several times faster than encoding/json's Decoder) and hands the
// item's bytes to nextFlat.
type jsonArray struct {
	r    io.Reader
	buf  []byte
	pos  int
	eof  bool
	item int
	done bool
	what string
}

func newJSONArray(r io.Reader, what string) (*jsonArray, error) {
	j := &jsonArray{r: r, what: what, buf: make([]byte, 0, 1<<20)}
	c, err := j.peek()
	if err == io.EOF {
		return nil, apperr.Errorf(apperr.EINVALID, "The file is empty: it is not %s", what)
	}
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(j.buf[j.pos:], bom) {
		j.pos += len(bom)
		if c, err = j.peek(); err == io.EOF {
			return nil, apperr.Errorf(apperr.EINVALID, "The file is empty: it is not %s", what)
		} else if err != nil {
			return nil, err
		}
	}
	if c != '[' {
		found := fmt.Sprintf("%q", string(c))
		if c == '{' {
			found = "an object ({)"
		}
		return nil, apperr.Errorf(apperr.EINVALID, "The JSON is not an array: %s is a JSON array of charities ([{...}, {...}]), and this file starts with %s", what, found)
	}
	j.pos++
	return j, nil
}

// fill reads more of the file into buf.
func (j *jsonArray) fill() error {
	if j.eof {
		return io.EOF
	}
	if j.pos > 0 && j.pos >= len(j.buf)/2 {
		n := copy(j.buf, j.buf[j.pos:])
		j.buf, j.pos = j.buf[:n], 0
	}
	if len(j.buf) == cap(j.buf) {
		j.buf = append(j.buf, make([]byte, len(j.buf))...)[:len(j.buf)]
	}
	n, err := j.r.Read(j.buf[len(j.buf):cap(j.buf)])
	j.buf = j.buf[:len(j.buf)+n]
	if err == io.EOF {
		j.eof = true
		if n > 0 {
			return nil
		}
		return io.EOF
	}
	return err
}

// peek is the next byte that is not white space (not consumed).
func (j *jsonArray) peek() (byte, error) {
	for {
		j.pos = skipSpace(j.buf, j.pos)
		if j.pos < len(j.buf) {
			return j.buf[j.pos], nil
		}
		if err := j.fill(); err != nil {
			return 0, err
		}
	}
}

func (j *jsonArray) truncated() error {
	return apperr.Errorf(apperr.EINVALID, "Item %d: the JSON ends part-way through the array: the file looks truncated. Nothing was imported: download the file again and import it whole.", j.item+1)
}

// nextRaw is the next item's bytes (valid until the next call), io.EOF
// after the array's end.
func (j *jsonArray) nextRaw() ([]byte, error) {
	if j.done {
		return nil, io.EOF
	}
	c, err := j.peek()
	if err == io.EOF {
		return nil, j.truncated()
	}
	if err != nil {
		return nil, err
	}
	if j.item > 0 && c != ']' {
		if c != ',' {
			return nil, apperr.Errorf(apperr.EINVALID, "After item %d: %q where a comma or the array's end should be. Nothing was imported: this is not %s as published.", j.item, string(c), j.what)
		}
		j.pos++
		if c, err = j.peek(); err == io.EOF {
			return nil, j.truncated()
		} else if err != nil {
			return nil, err
		}
	}
	if c == ']' {
		j.pos++
		j.done = true
		if c, err := j.peek(); err == nil {
			return nil, apperr.Errorf(apperr.EINVALID, "After the array's end: %q. Nothing was imported: this is not %s as published.", string(c), j.what)
		} else if err != io.EOF {
			return nil, err
		}
		return nil, io.EOF
	}
	j.item++
	if c != '{' {
		return nil, apperr.Errorf(apperr.EINVALID, "Item %d is not an object (it starts with %q). Nothing was imported: this is not %s as published.", j.item, string(c), j.what)
	}
	// Find the item's end: its closing brace, outside strings.
	start, k, depth, inStr := j.pos, j.pos, 0, false
	for {
		for ; k < len(j.buf); k++ {
			switch ch := j.buf[k]; {
			case inStr:
				if ch == '\\' {
					k++
				} else if ch == '"' {
					inStr = false
				}
			case ch == '"':
				inStr = true
			case ch == '{' || ch == '[':
				depth++
			case ch == '}' || ch == ']':
				depth--
				if depth == 0 {
					j.pos = k + 1
					return j.buf[start : k+1], nil
				}
			}
		}
		// Read on, keeping the item's start (fill may move the buffer).
		off := k - start
		j.pos = start
		if err := j.fill(); err == io.EOF {
			return nil, j.truncated()
		} else if err != nil {
			return nil, err
		}
		start = j.pos
		k = start + off
		if k > len(j.buf) { // an escape's second byte not read yet
			k = len(j.buf)
		}
	}
}

// flex is a value read as text: a string, a number or a boolean
// ("True"/"False" in the text file, true/false in the JSON).
type flex string

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

// nextFlat reads the next item, a flat object (strings, numbers,
// booleans, null), setting out[keys[k]] for each key k it has and ""
// for the rest: an item as a register publishes it, read without
// reflection (about twice as fast as Decode into a struct). io.EOF after
// the last; an item that is not a flat object is a *importing.RowError.
func (j *jsonArray) nextFlat(keys map[string]int, out []*flex) error {
	raw, err := j.nextRaw()
	if err != nil {
		return err
	}
	for _, p := range out {
		*p = ""
	}
	notObject := &importing.RowError{Line: j.item, Reason: "item is not a charity object (a flat JSON object of keys and values)"}
	b := raw
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return notObject
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) {
		// The key.
		if b[i] != '"' {
			return notObject
		}
		end, esc := stringEnd(b, i)
		key := string(b[i+1 : end])
		if esc {
			if err := json.Unmarshal(b[i:end+1], &key); err != nil {
				return notObject
			}
		}
		i = skipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return notObject
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return notObject
		}
		// The value.
		var v flex
		switch b[i] {
		case '"':
			end, esc := stringEnd(b, i)
			if esc {
				var s string
				if err := json.Unmarshal(b[i:end+1], &s); err != nil {
					return notObject
				}
				v = flex(s)
			} else {
				v = flex(b[i+1 : end])
			}
			i = end + 1
		case '{', '[':
			return &importing.RowError{Line: j.item, Reason: fmt.Sprintf("item's %q is an object or a list, not a value", key)}
		default:
			k := i
			for k < len(b) && b[k] != ',' && b[k] != '}' && b[k] != ' ' && b[k] != '\t' && b[k] != '\r' && b[k] != '\n' {
				k++
			}
			if lit := string(b[i:k]); lit != "null" {
				v = flex(lit)
			}
			i = k
		}
		if n, ok := keys[key]; ok {
			*out[n] = v
		}
		i = skipSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return nil
		}
		return notObject
	}
	return notObject
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd is the position of the quote closing the JSON string that
// opens at b[i], and whether it holds escapes.
func stringEnd(b []byte, i int) (int, bool) {
	esc := false
	for k := i + 1; k < len(b); k++ {
		switch b[k] {
		case '\\':
			esc = true
			k++
		case '"':
			return k, esc
		}
	}
	return len(b) - 1, esc
}
