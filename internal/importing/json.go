package importing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"partnerhub/internal/apperr"
)

// JSON reads records from a JSON file: an array of objects, an object
// holding them in a list (listKey: "contents" for an Open Referral UK
// page, "grants" for 360Giving, "releases" for OCDS), or one object. A
// record's Line is its item number (1 for the first); Raw is the item for
// decoding nested fields; Get reads its top-level strings, numbers and
// booleans by key, keys matched as headers are.
type JSON struct {
	items []json.RawMessage
	next  int
}

// IsJSON says whether data looks like JSON rather than CSV.
func IsJSON(data []byte) bool {
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// NewJSON parses data and refuses a file of more than limit items (0:
// MaxRows).
func NewJSON(data []byte, listKey string, limit int) (*JSON, error) {
	if limit <= 0 {
		limit = MaxRows
	}
	data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	var items []json.RawMessage
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, apperr.Errorf(apperr.EINVALID, "The JSON cannot be read: %v", err)
		}
	} else {
		var page map[string]json.RawMessage
		if err := json.Unmarshal(data, &page); err != nil {
			return nil, apperr.Errorf(apperr.EINVALID, "The JSON cannot be read: %v", err)
		}
		if list, ok := page[listKey]; ok && listKey != "" {
			if err := json.Unmarshal(list, &items); err != nil {
				return nil, apperr.Errorf(apperr.EINVALID, "The JSON's %q is not a list of items: %v", listKey, err)
			}
		} else {
			items = []json.RawMessage{data}
		}
	}
	if len(items) > limit {
		return nil, tooMany(limit, "items")
	}
	return &JSON{items: items}, nil
}

// Len is the number of items.
func (j *JSON) Len() int { return len(j.items) }

// Next returns the next item (see Source); one that is not an object is
// rejected.
func (j *JSON) Next() (*Record, error) {
	if j.next >= len(j.items) {
		return nil, io.EOF
	}
	raw := j.items[j.next]
	j.next++
	rec := &Record{Line: j.next, Raw: raw}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, &RowError{Line: j.next, Reason: "item is not an object: " + err.Error()}
	}
	rec.header = &Header{index: make(map[string]int, len(obj))}
	for k, v := range obj {
		if s, ok := scalar(v); ok {
			rec.header.index[Normalize(k)] = len(rec.values)
			rec.header.Names = append(rec.header.Names, k)
			rec.values = append(rec.values, s)
		}
	}
	return rec, nil
}

// scalar is a JSON string, number or boolean as text ("" for null).
func scalar(v json.RawMessage) (string, bool) {
	t := strings.TrimSpace(string(v))
	switch {
	case t == "null":
		return "", true
	case strings.HasPrefix(t, `"`):
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false
		}
		return s, true
	case strings.HasPrefix(t, "{"), strings.HasPrefix(t, "["):
		return "", false
	}
	return t, true
}

// Decode decodes a JSON record's item into v; a CSV record has none.
func (r *Record) Decode(v any) error {
	if r.Raw == nil {
		return fmt.Errorf("line %d is not a JSON item", r.Line)
	}
	return json.Unmarshal(r.Raw, v)
}
