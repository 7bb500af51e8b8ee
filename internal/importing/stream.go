package importing

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"partnerhub/internal/apperr"
)

// Streaming mode: a file read a line at a time from an io.Reader, each
// record handed to a callback as it is read, so memory stays bounded
// whatever the file's size (the Charity Commission's charity file is
// about 380,000 rows, Companies House's about 5 million). It maps the
// header as NewCSV does (byte-order mark, case, spaces, a duplicated
// column refused), numbers lines as editors do (CRLF, LF and a lone CR
// all end a line), rejects a record with the wrong number of fields on
// the report with its line, and refuses a file of more than its row
// limit. NewCSV reads records with the same parser.

// Format is how a streamed file is written.
type Format struct {
	// What names the file in messages ("Companies House's basic company
	// data (BasicCompanyData-*.csv)"). When set, the file is one a
	// publisher produces: one that ends part-way through a record is
	// refused as truncated rather than its last record rejected.
	What string
	// Comma separates fields (',' when 0; '\t' for tab-separated text).
	Comma byte
	// Unquoted: fields are never quoted and a quote is an ordinary
	// character (the Charity Commission's text files, where a field may
	// hold a lone double quote). A record with too few fields goes on
	// on the next line (a line break inside a field).
	Unquoted bool
	// Want lists the columns the file must have (normalised names).
	Want []string
	// Limit is the row limit (0: MaxRows).
	Limit int
}

// Row is one record of a streamed file. Fields (and so Get) are valid
// only until the callback returns.
type Row struct {
	Line   int // the line the record starts on
	Fields [][]byte
	header *Header
}

// Get is a column's value ("" if the file has no such column).
func (r *Row) Get(column string) string {
	if i := r.header.Index(column); i >= 0 && i < len(r.Fields) {
		return string(r.Fields[i])
	}
	return ""
}

// Stream reads a file in streaming mode (see NewStream).
type Stream struct {
	p     *parser
	f     Format
	limit int
	rows  int
	row   Row
}

// NewStream reads r's header row, refusing a file that is empty, is not
// the format f describes, or lacks a column of f.Want.
func NewStream(r io.Reader, f Format) (*Stream, error) {
	if f.Comma == 0 {
		f.Comma = ','
	}
	if f.Limit <= 0 {
		f.Limit = MaxRows
	}
	s := &Stream{p: newParser(r, f), f: f, limit: f.Limit}
	what := f.What
	if what == "" {
		what = "a file of rows with a header"
	}
	names, _, err := s.p.header()
	if err == io.EOF {
		if f.What == "" {
			return nil, apperr.Errorf(apperr.EINVALID, "The file has no header row: it is empty")
		}
		return nil, apperr.Errorf(apperr.EINVALID, "The file is empty: it is not %s", what)
	}
	if err != nil {
		return nil, err
	}
	if f.Comma == '\t' && len(names) < 2 {
		hint := ""
		if len(names) == 1 && strings.Count(names[0], ",") > 1 {
			hint = " It looks comma-separated; this file is published tab-separated (.txt)."
		}
		return nil, apperr.Errorf(apperr.EINVALID, "Line 1: the header has no tabs: this is not %s, which is tab-separated.%s", what, hint)
	}
	h, err := NewHeader(names)
	if err != nil {
		return nil, err
	}
	if m := h.Missing(f.Want...); len(m) > 0 {
		return nil, apperr.Errorf(apperr.EINVALID, "Line 1: the header has no column %s: this is not %s (the layout needs %s)", strings.Join(m, ", "), what, strings.Join(f.Want, ", "))
	}
	s.p.names, s.p.ncol = names, len(names)
	s.row.header = h
	return s, nil
}

// Header is the file's header row.
func (s *Stream) Header() *Header { return s.row.header }

// Next reads the next record: io.EOF after the last, a *RowError for a
// record it read but cannot hand over (rejected; reading goes on), any
// other error refuses the file.
func (s *Stream) Next() (*Row, error) {
	fields, line, err := s.p.record()
	if err != nil {
		return nil, err
	}
	if s.rows++; s.rows > s.limit {
		return nil, tooMany(s.limit, "rows")
	}
	if len(fields) != s.p.ncol {
		return nil, &RowError{Line: line, Reason: s.p.fieldCount(len(fields))}
	}
	if !utf8.Valid(s.p.buf) {
		return nil, &RowError{Line: line, Reason: "is not UTF-8 text"}
	}
	s.row.Line, s.row.Fields = line, fields
	return &s.row, nil
}

// Each hands every readable record to fn in file order, counting rows on
// rep and rejecting (on rep) the ones it cannot hand over. An error from
// the file or from fn stops it and refuses the file.
func (s *Stream) Each(rep *Report, fn func(*Row) error) error {
	return each(s.Next, rep, fn)
}

// parser reads records from lines.
type parser struct {
	lr       *lineReader
	comma    byte
	unquoted bool
	what     string
	names    []string // the header, for messages
	ncol     int      // fields a record has (0 while reading the header)
	buf      []byte
	ends     []int
	fields   [][]byte
}

func newParser(r io.Reader, f Format) *parser {
	return &parser{lr: newLineReader(r), comma: f.Comma, unquoted: f.Unquoted, what: f.What}
}

// header reads the first record as strings (the header must be UTF-8).
func (p *parser) header() ([]string, int, error) {
	fields, line, err := p.record()
	if err != nil {
		return nil, line, err
	}
	if !utf8.Valid(p.buf) {
		what := p.what
		if what == "" {
			what = "a CSV UTF-8 file"
		}
		return nil, line, apperr.Errorf(apperr.EINVALID, "Line 1: the header is not UTF-8 text: this is not %s", what)
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = string(f)
	}
	return names, line, nil
}

func (p *parser) fieldCount(n int) string {
	s := fmt.Sprintf("has %d fields; the header has %d", n, p.ncol)
	if p.comma == '\t' {
		s += " (a tab inside a field?)"
	}
	return s
}

// column names field i for a message.
func (p *parser) column(i int) string {
	s := "column " + strconv.Itoa(i+1)
	if i < len(p.names) {
		s += fmt.Sprintf(" (%s)", p.names[i])
	}
	return s
}

// truncated refuses a publisher's file whose last record is cut short.
func truncated(line, got, want int) error {
	return apperr.Errorf(apperr.EINVALID, "Line %d: the file ends part-way through a record (%d of its %d fields): it looks truncated. Nothing was imported: download the file again and import it whole.", line, got, want)
}

// record reads one record (blank lines skipped): its fields, valid until
// the next call, and the line it starts on.
func (p *parser) record() ([][]byte, int, error) {
	var line []byte
	var err error
	for len(line) == 0 {
		if line, err = p.lr.next(); err != nil {
			return nil, 0, err
		}
	}
	start := p.lr.line
	p.buf, p.ends, p.fields = p.buf[:0], p.ends[:0], p.fields[:0]
	if p.unquoted {
		if err := p.unquotedRecord(line, start); err != nil {
			return nil, start, err
		}
		return p.fields, start, nil
	}
	if err := p.quotedRecord(line, start); err != nil {
		return nil, start, err
	}
	from := 0
	for _, e := range p.ends {
		p.fields = append(p.fields, p.buf[from:e:e])
		from = e
	}
	// A publisher's file whose last record stops short was cut off.
	if p.what != "" && p.ncol > 0 && len(p.fields) < p.ncol && !p.lr.ended {
		return nil, start, truncated(start, len(p.fields), p.ncol)
	}
	return p.fields, start, nil
}

// unquotedRecord splits a line (joined with the next ones while it has
// too few fields) at every comma.
func (p *parser) unquotedRecord(line []byte, start int) error {
	p.buf = append(p.buf, line...)
	n := bytes.Count(line, []byte{p.comma}) + 1
	for p.ncol > 0 && n < p.ncol {
		more, err := p.lr.next()
		if err == io.EOF {
			return truncated(start, n, p.ncol)
		}
		if err != nil {
			return err
		}
		p.buf = append(append(p.buf, '\n'), more...)
		n += bytes.Count(more, []byte{p.comma})
	}
	rest := p.buf
	for {
		i := bytes.IndexByte(rest, p.comma)
		if i < 0 {
			p.fields = append(p.fields, rest)
			return nil
		}
		p.fields = append(p.fields, rest[:i:i])
		rest = rest[i+1:]
	}
}

// quotedRecord reads an RFC 4180 record: a quoted field may hold commas,
// doubled quotes and line ends (kept as LF). A quote out of place refuses
// the file whole, naming the line where the quoted field opened and where
// the problem was found: once quotes are broken it cannot be known where
// the record ends, and guessing would import or drop the rows after it.
func (p *parser) quotedRecord(line []byte, start int) error {
	pos := 0
	for {
		if pos < len(line) && line[pos] == '"' {
			open, field := p.lr.line, len(p.ends)
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					// The field goes on on the next line.
					p.buf = append(append(p.buf, line[pos:]...), '\n')
					var err error
					if line, err = p.lr.next(); err == io.EOF {
						if p.what != "" && !p.lr.ended {
							return apperr.Errorf(apperr.EINVALID, "Line %d: the file ends inside a quoted field: it looks truncated. Nothing was imported: download the file again and import it whole.", open)
						}
						return apperr.Errorf(apperr.EINVALID, "Line %d, %s: the quote that opens this field is never closed. Nothing was imported: close the quote (a quote inside a field is written twice: \"\") and import the file again.", open, p.column(field))
					} else if err != nil {
						return err
					}
					pos = 0
					continue
				}
				p.buf = append(p.buf, line[pos:pos+i]...)
				pos += i
				if pos+1 < len(line) && line[pos+1] == '"' {
					p.buf = append(p.buf, '"')
					pos += 2
					continue
				}
				pos++
				break
			}
			if pos < len(line) && line[pos] != p.comma {
				r, _ := utf8.DecodeRune(line[pos:])
				if open != p.lr.line {
					return apperr.Errorf(apperr.EINVALID, "Line %d, %s: the quote that opens this field runs on to line %d, where a quote is followed by %q instead of a comma or the end of the line: a closing quote is probably missing on line %d. Nothing was imported: correct the quotes and import the file again.", open, p.column(field), p.lr.line, string(r), open)
				}
				return apperr.Errorf(apperr.EINVALID, "Line %d, %s: a closing quote is followed by %q instead of a comma or the end of the line. Nothing was imported: correct the quotes and import the file again.", p.lr.line, p.column(field), string(r))
			}
		} else {
			i := bytes.IndexByte(line[pos:], p.comma)
			if i < 0 {
				i = len(line) - pos
			}
			if bytes.IndexByte(line[pos:pos+i], '"') >= 0 {
				return apperr.Errorf(apperr.EINVALID, "Line %d, %s: a quote inside a field that does not start with one. Nothing was imported: put the whole field in quotes and write the quote twice (\"a \"\"b\"\" c\"), then import the file again.", p.lr.line, p.column(len(p.ends)))
			}
			p.buf = append(p.buf, line[pos:pos+i]...)
			pos += i
		}
		p.ends = append(p.ends, len(p.buf))
		if pos < len(line) && line[pos] == p.comma {
			pos++
			continue
		}
		return nil
	}
}

// bom is the UTF-8 byte-order mark.
var bom = []byte("\xef\xbb\xbf")

// lineReader yields lines without their line ends (CRLF, LF or lone CR),
// numbering them from 1; a byte-order mark at the start is dropped.
type lineReader struct {
	r       *bufio.Reader
	line    int
	ended   bool   // the last line returned had a line end
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
			l.pending = chunk[i+1:]
		}
		l.ended = true
		return chunk[:i], nil
	}
	n := len(chunk)
	l.ended = n > 0 && chunk[n-1] == '\n'
	if l.ended {
		n--
		if n > 0 && chunk[n-1] == '\r' {
			n--
		}
	}
	return chunk[:n], nil
}
