package importing

import (
	"bytes"
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
	data  []byte
	s     *Stream
	limit int
}

// NewCSV checks data is UTF-8 text (a byte-order mark is dropped), reads
// its header row and refuses a file of more than limit records (0: MaxRows)
// before any record is read. It reads records with the streaming mode's
// parser (see NewStream), from memory.
func NewCSV(data []byte, limit int) (*CSV, error) {
	if limit <= 0 {
		limit = MaxRows
	}
	data = bytes.TrimPrefix(data, bom)
	if !utf8.Valid(data) {
		return nil, apperr.Errorf(apperr.EINVALID, "The file is not UTF-8 text (first bad byte on line %d). Save it as \"CSV UTF-8\" and try again.", lineAt(data, firstInvalid(data)))
	}
	s, err := NewStream(bytes.NewReader(data), Format{Limit: limit})
	if err != nil {
		return nil, err
	}
	c := &CSV{data: data, s: s, limit: limit}
	if c.tooMany() {
		return nil, tooMany(limit, "rows")
	}
	return c, nil
}

// Header is the file's header row.
func (c *CSV) Header() *Header { return c.s.Header() }

// Next returns the next record (see Source).
func (c *CSV) Next() (*Record, error) {
	row, err := c.s.Next()
	if err != nil {
		return nil, err
	}
	s := string(c.s.p.buf)
	vals := make([]string, len(row.Fields))
	from := 0
	for i, f := range row.Fields {
		vals[i] = s[from : from+len(f)]
		from += len(f)
	}
	return &Record{Line: row.Line, header: row.header, values: vals}, nil
}

// tooMany says whether the file holds more than limit records after its
// header. Every record ends at a line end (or the end of the file), so a
// file with no more line ends than the limit and the header's cannot; only
// a longer one (quoted fields may hold line ends) is read through.
func (c *CSV) tooMany() bool {
	if bytes.Count(c.data, []byte("\n"))+bytes.Count(c.data, []byte("\r")) <= c.limit+1 {
		return false
	}
	probe, err := NewStream(bytes.NewReader(c.data), Format{Limit: c.limit + 1})
	if err != nil {
		return false
	}
	for n := 0; ; n++ {
		if _, _, err := probe.p.record(); err != nil {
			return false // the end, or an error Next will report
		}
		if n >= c.limit {
			return true
		}
	}
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
