package grants

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/xuri/excelize/v2"

	"partnerhub/internal/apperr"
	"partnerhub/internal/importing"
)

// item is one grant as read from a file, before it is checked: its
// number (a CSV or sheet line, or the grant's position in a JSON file)
// and its value.
type item struct {
	n     int
	value any // as jsonschema.UnmarshalJSON gives it (numbers are json.Number)
}

// file is what a 360Giving file holds.
type file struct {
	format string // "360Giving JSON", "360Giving CSV", "360Giving XLSX (sheet …)"
	unit   string // what item.n counts: "grant" (JSON) or "line" (CSV, XLSX)
	items  []item
	// notes are problems of the file as a whole that do not stop it
	// (columns the standard does not name).
	notes []string
	// titles maps a JSON property path ("recipientOrganization/0/id") to
	// the column it came from, for messages about flattened files.
	titles map[string]string
}

// Kind of a file's content.
const (
	kindJSON = "JSON"
	kindCSV  = "CSV"
	kindXLSX = "XLSX"
)

// sniff tells a JSON, CSV or XLSX file apart by its content (never by its
// name: an upload's name is the sender's word). Anything else is refused.
func sniff(data []byte) (string, error) {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return "", apperr.Errorf(apperr.EINVALID, "The file is empty.")
	case importing.IsJSON(data):
		return kindJSON, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return kindXLSX, nil
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", apperr.Errorf(apperr.EINVALID, "The file is an old Excel workbook (.xls). Save it as .xlsx or CSV UTF-8 and try again.")
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "", apperr.Errorf(apperr.EINVALID, "The file is a PDF, not 360Giving data. Use the JSON, CSV or XLSX file the funder publishes.")
	}
	head := data[:min(len(data), 4096)]
	if bytes.IndexByte(head, 0) >= 0 || (!utf8.Valid(head) && !utf8.Valid(head[:max(0, len(head)-3)])) {
		return "", apperr.Errorf(apperr.EINVALID, "The file is not 360Giving data: it is not JSON, CSV or an XLSX workbook.")
	}
	return kindCSV, nil
}

// readFile reads a 360Giving file of any of the three forms.
func readFile(data []byte) (*file, error) {
	kind, err := sniff(data)
	if err != nil {
		return nil, err
	}
	switch kind {
	case kindJSON:
		return readJSON(data)
	case kindXLSX:
		return readXLSX(data)
	}
	src, err := importing.NewCSV(data, 0)
	if err != nil {
		return nil, err
	}
	f, err := newFlat("360Giving CSV", src.Header().Names)
	if err != nil {
		return nil, err
	}
	for {
		rec, err := src.Next()
		if err != nil {
			var re *importing.RowError
			if errorsAs(err, &re) {
				f.items = append(f.items, item{n: re.Line, value: rowError(re.Reason)})
				continue
			}
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		vals := make([]string, len(src.Header().Names))
		for i, h := range src.Header().Names {
			vals[i] = rec.Get(importing.Normalize(h))
		}
		f.add(rec.Line, vals)
	}
	return f.file, nil
}

// rowError is a row the reader could not hand over (a wrong field count).
type rowError string

// readJSON reads a 360Giving JSON package: an object with "grants".
func readJSON(data []byte) (*file, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		var se *json.SyntaxError
		if errorsAs(err, &se) {
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return nil, apperr.Errorf(apperr.EINVALID, "The JSON cannot be read: line %d: %v. Nothing was imported.", line, err)
		}
		return nil, apperr.Errorf(apperr.EINVALID, "The JSON cannot be read: %v. Nothing was imported.", err)
	}
	pkg, ok := v.(map[string]any)
	if !ok {
		return nil, apperr.Errorf(apperr.EINVALID, "The JSON is not an object; a 360Giving package is an object with a \"grants\" list ({\"grants\": [...]}). Nothing was imported.")
	}
	list, ok := pkg["grants"]
	if !ok {
		return nil, apperr.Errorf(apperr.EINVALID, "/: the JSON has no \"grants\" list, so it is not a 360Giving data package. Nothing was imported.")
	}
	raws, ok := list.([]any)
	if !ok {
		return nil, apperr.Errorf(apperr.EINVALID, "/grants: is not a list of grants. Nothing was imported.")
	}
	if len(raws) == 0 {
		return nil, apperr.Errorf(apperr.EINVALID, "/grants: the list is empty (the standard asks for at least one grant). Nothing was imported.")
	}
	if len(raws) > importing.MaxRows {
		return nil, apperr.Errorf(apperr.ETOOLARGE, "The file has more than %d grants; split it into smaller files", importing.MaxRows)
	}
	f := &file{format: "360Giving JSON", unit: "grant", items: make([]item, len(raws))}
	for i, r := range raws {
		f.items[i] = item{n: i + 1, value: r}
	}
	return f, nil
}

// readXLSX reads the first sheet that has the standard's Identifier
// column (a 360Giving workbook may carry a "Read me" sheet first).
func readXLSX(data []byte) (*file, error) {
	wb, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, apperr.Errorf(apperr.EINVALID, "The file looks like an XLSX workbook but cannot be opened: %v. Nothing was imported.", err)
	}
	defer wb.Close()
	sheets := wb.GetSheetList()
	for _, name := range sheets {
		rows, err := wb.Rows(name)
		if err != nil {
			return nil, apperr.Errorf(apperr.EINVALID, "Sheet %q cannot be read: %v", name, err)
		}
		var f *flat
		line := 0
		for rows.Next() {
			line++
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return nil, apperr.Errorf(apperr.EINVALID, "Sheet %q, row %d cannot be read: %v", name, line, err)
			}
			if f == nil {
				if !slices.ContainsFunc(cols, func(c string) bool { return normTitle(c) == "identifier" }) {
					break // not a grants sheet
				}
				if f, err = newFlat(fmt.Sprintf("360Giving XLSX (sheet %q)", name), cols); err != nil {
					rows.Close()
					return nil, err
				}
				continue
			}
			if len(f.items) >= importing.MaxRows {
				rows.Close()
				return nil, apperr.Errorf(apperr.ETOOLARGE, "The sheet has more than %d grants; split it into smaller files", importing.MaxRows)
			}
			if slices.IndexFunc(cols, func(c string) bool { return strings.TrimSpace(c) != "" }) < 0 {
				continue // a blank row
			}
			f.add(line, cols)
		}
		rows.Close()
		if f != nil {
			return f.file, nil
		}
	}
	return nil, apperr.Errorf(apperr.EINVALID, "No sheet of the workbook has the 360Giving column \"Identifier\" in its first row (sheets: %s). Put the grants on a sheet whose first row holds the standard's column titles. Nothing was imported.", strings.Join(sheets, ", "))
}

// flat reads rows of a flattened (CSV or XLSX) file.
type flat struct {
	*file
	cols []*column // by position; nil for a column the standard does not name
}

func newFlat(format string, header []string) (*flat, error) {
	s, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	f := &flat{file: &file{format: format, unit: "line", titles: map[string]string{}}}
	seen := map[string]int{}
	var unknown []string
	for i, h := range header {
		t := normTitle(strings.TrimPrefix(h, "\ufeff"))
		if t == "" {
			f.cols = append(f.cols, nil)
			continue
		}
		if j, dup := seen[t]; dup {
			return nil, apperr.Errorf(apperr.EINVALID, "Line 1: columns %d (%q) and %d (%q) are the same column; keep one of them. Nothing was imported.", j+1, header[j], i+1, h)
		}
		seen[t] = i
		c, ok := s.columns[t]
		if !ok {
			f.cols = append(f.cols, nil)
			unknown = append(unknown, strings.TrimSpace(h))
			continue
		}
		f.cols = append(f.cols, &c)
		path := c.prop
		if c.sub != "" {
			if c.list {
				path += "/0"
			}
			path += "/" + c.sub
		}
		f.titles[path] = strings.TrimSpace(h)
	}
	if _, ok := seen["identifier"]; !ok {
		return nil, apperr.Errorf(apperr.EINVALID, "Line 1: the file has no column \"Identifier\", so it is not 360Giving data (its columns are %s). The standard's titles are %s. Nothing was imported.", strings.Join(header, ", "), strings.Join(s.titles[:min(8, len(s.titles))], ", ")+" …")
	}
	if len(unknown) > 0 {
		f.notes = append(f.notes, fmt.Sprintf("Columns the 360Giving standard does not name were ignored: %s.", strings.Join(unknown, ", ")))
	}
	return f, nil
}

// add turns one row into a grant as the standard's JSON has it (numbers
// where the schema wants numbers and the cell is one; text otherwise, so
// the schema names the cell).
func (f *flat) add(line int, vals []string) {
	g := map[string]any{}
	for i, v := range vals {
		if i >= len(f.cols) || f.cols[i] == nil {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		c := f.cols[i]
		var val any = v
		if c.kind != "" {
			if n := strings.ReplaceAll(v, ",", ""); isNumber(n) {
				val = json.Number(n)
			}
		}
		if c.sub == "" {
			g[c.prop] = val
			continue
		}
		var obj map[string]any
		if c.list {
			l, _ := g[c.prop].([]any)
			if len(l) == 0 {
				l = []any{map[string]any{}}
				g[c.prop] = l
			}
			obj = l[0].(map[string]any)
		} else {
			o, ok := g[c.prop].(map[string]any)
			if !ok {
				o = map[string]any{}
				g[c.prop] = o
			}
			obj = o
		}
		obj[c.sub] = val
	}
	f.items = append(f.items, item{n: line, value: g})
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil && !strings.ContainsAny(s, "xXpP_") && strings.ToLower(s) != "nan" && !strings.Contains(strings.ToLower(s), "inf")
}
