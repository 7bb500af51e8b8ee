package directory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"partnerhub/internal/apperr"
	"partnerhub/internal/importing"
)

// Reading the registers' files as they are published, a line (or an
// item) at a time, so memory stays bounded whatever the file's size (the
// Charity Commission's charity file is about 380,000 rows, Companies
// House's about 5 million in parts).
//
//   - The Charity Commission's tab-separated text (ccText) and Companies
//     House's quoted CSV (chCSV) are read by importing's streaming mode
//     (importing.NewStream): the text has no quoting at all (a field may
//     hold a lone double quote, which encoding/csv refuses or mis-reads
//     even with LazyQuotes) and lines ending CRLF, LF or a lone CR in the
//     same file; a record with too few fields is joined with the next
//     line (a line break inside a field); one with too many is rejected;
//     a last record cut short refuses the file as truncated.
//   - jsonArray: the Charity Commission's JSON, an array of objects, read
//     item by item, never loaded whole.

// registerRows is the row limit of one register file: Companies House's
// file in one piece is about 5.5 million rows.
const registerRows = 10_000_000

// ccText is the Charity Commission's tab-separated text.
func ccText(what string, want ...string) importing.Format {
	return importing.Format{What: what, Comma: '\t', Unquoted: true, Want: want, Limit: registerRows}
}

// bom is the UTF-8 byte-order mark.
var bom = []byte("\xef\xbb\xbf")

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
