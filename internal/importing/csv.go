package importing

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"partnerhub/internal/apperr"
)

// CSV reads comma-separated records (RFC 4180) from a file's bytes.
//
// Lines may end in CRLF, LF or a lone CR (old Mac and some export tools);
// a line end inside a quoted field is kept as LF. Blank lines are skipped.
// A record whose field count differs from the header's is rejected (a
// *RowError) and reading goes on. A quote out of place refuses the file
// whole, naming the line where the quoted field opened and where the
// problem was found: once quotes are broken it cannot be known where the
// record ends, and guessing would import or drop the rows after it
// (encoding/csv went on after such a row and silently lost the next one).
type CSV struct {
	data   []byte
	pos    int
	line   int // line of data[pos]
	limit  int
	rows   int
	header *Header
	buf    []byte
	ends   []int
}

// NewCSV checks data is UTF-8 text (a byte-order mark is dropped), reads
// its header row and refuses a file of more than limit records (0: MaxRows)
// before any record is read.
func NewCSV(data []byte, limit int) (*CSV, error) {
	if limit <= 0 {
		limit = MaxRows
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, apperr.Errorf(apperr.EINVALID, "The file is not UTF-8 text (first bad byte on line %d). Save it as \"CSV UTF-8\" and try again.", lineAt(data, firstInvalid(data)))
	}
	c := &CSV{data: data, line: 1, limit: limit}
	names, _, err := c.record()
	if err == io.EOF {
		return nil, apperr.Errorf(apperr.EINVALID, "The file has no header row: it is empty")
	}
	if err != nil {
		return nil, err
	}
	if c.header, err = NewHeader(append([]string(nil), names...)); err != nil {
		return nil, err
	}
	if c.tooMany() {
		return nil, tooMany(limit, "rows")
	}
	return c, nil
}

// Header is the file's header row.
func (c *CSV) Header() *Header { return c.header }

// Next returns the next record (see Source).
func (c *CSV) Next() (*Record, error) {
	vals, line, err := c.record()
	if err != nil {
		return nil, err
	}
	if c.rows++; c.rows > c.limit {
		return nil, tooMany(c.limit, "rows")
	}
	if len(vals) != len(c.header.Names) {
		return nil, &RowError{Line: line, Reason: fmt.Sprintf("has %d fields; the header has %d", len(vals), len(c.header.Names))}
	}
	return &Record{Line: line, header: c.header, values: vals}, nil
}

// tooMany says whether the rest of the file holds more than limit
// records. Every record ends at a line end (or the end of the file), so a
// file with no more line ends than the limit cannot; only a longer one
// (quoted fields may hold line ends) is read through.
func (c *CSV) tooMany() bool {
	if bytes.Count(c.data[c.pos:], []byte("\n"))+bytes.Count(c.data[c.pos:], []byte("\r")) <= c.limit {
		return false
	}
	probe := *c
	probe.buf, probe.ends = nil, nil
	for n := 0; ; n++ {
		if _, _, err := probe.record(); err != nil {
			return false // the end, or an error Next will report
		}
		if n >= c.limit {
			return true
		}
	}
}

func isEOL(b byte) bool { return b == '\n' || b == '\r' }

// eol steps over the line end at pos (CRLF, LF or CR).
func (c *CSV) eol() {
	if c.data[c.pos] == '\r' && c.pos+1 < len(c.data) && c.data[c.pos+1] == '\n' {
		c.pos++
	}
	c.pos++
	c.line++
}

// column names field i for a message.
func (c *CSV) column(i int) string {
	s := "column " + strconv.Itoa(i+1)
	if c.header != nil && i < len(c.header.Names) {
		s += fmt.Sprintf(" (%s)", c.header.Names[i])
	}
	return s
}

// record reads one record: its fields and the line it starts on.
func (c *CSV) record() ([]string, int, error) {
	d, n := c.data, len(c.data)
	for c.pos < n && isEOL(d[c.pos]) {
		c.eol()
	}
	if c.pos >= n {
		return nil, 0, io.EOF
	}
	start := c.line
	c.buf, c.ends = c.buf[:0], c.ends[:0]
	for {
		if c.pos < n && d[c.pos] == '"' {
			open, field := c.line, len(c.ends)
			c.pos++
			for {
				i := c.pos
				for i < n && d[i] != '"' && !isEOL(d[i]) {
					i++
				}
				c.buf = append(c.buf, d[c.pos:i]...)
				c.pos = i
				if i == n {
					return nil, start, apperr.Errorf(apperr.EINVALID, "Line %d, %s: the quote that opens this field is never closed. Nothing was imported: close the quote (a quote inside a field is written twice: \"\") and import the file again.", open, c.column(field))
				}
				if d[i] != '"' {
					c.eol()
					c.buf = append(c.buf, '\n')
					continue
				}
				if i+1 < n && d[i+1] == '"' {
					c.buf = append(c.buf, '"')
					c.pos = i + 2
					continue
				}
				c.pos = i + 1
				break
			}
			if c.pos < n && d[c.pos] != ',' && !isEOL(d[c.pos]) {
				r, _ := utf8.DecodeRune(d[c.pos:])
				if open != c.line {
					return nil, start, apperr.Errorf(apperr.EINVALID, "Line %d, %s: the quote that opens this field runs on to line %d, where a quote is followed by %q instead of a comma or the end of the line: a closing quote is probably missing on line %d. Nothing was imported: correct the quotes and import the file again.", open, c.column(field), c.line, string(r), open)
				}
				return nil, start, apperr.Errorf(apperr.EINVALID, "Line %d, %s: a closing quote is followed by %q instead of a comma or the end of the line. Nothing was imported: correct the quotes and import the file again.", c.line, c.column(field), string(r))
			}
		} else {
			i := c.pos
			for i < n && d[i] != ',' && !isEOL(d[i]) {
				if d[i] == '"' {
					return nil, start, apperr.Errorf(apperr.EINVALID, "Line %d, %s: a quote inside a field that does not start with one. Nothing was imported: put the whole field in quotes and write the quote twice (\"a \"\"b\"\" c\"), then import the file again.", c.line, c.column(len(c.ends)))
				}
				i++
			}
			c.buf = append(c.buf, d[c.pos:i]...)
			c.pos = i
		}
		c.ends = append(c.ends, len(c.buf))
		if c.pos < n && d[c.pos] == ',' {
			c.pos++
			continue
		}
		if c.pos < n {
			c.eol()
		}
		break
	}
	s := string(c.buf)
	out := make([]string, len(c.ends))
	from := 0
	for i, e := range c.ends {
		out[i] = s[from:e]
		from = e
	}
	return out, start, nil
}

// lineAt is the line of byte offset off (lines end in LF, CRLF or CR).
func lineAt(b []byte, off int) int {
	line := 1
	for i := 0; i < off; i++ {
		if b[i] == '\n' || (b[i] == '\r' && (i+1 >= len(b) || b[i+1] != '\n')) {
			line++
		}
	}
	return line
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
