package privacy

import (
	"archive/zip"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// A Section is one table's rows about a person, with what the registry
// says about them.
type Section struct {
	Table   Table
	Columns []string
	Rows    [][]string
	File    string // base name of the section's JSON and CSV files
}

// A Kind groups the sections of one kind of data (account, bookings ...).
type Kind struct {
	Name     string
	Sections []Section
}

// Count is the number of rows of the kind.
func (k Kind) Count() int {
	n := 0
	for _, s := range k.Sections {
		n += len(s.Rows)
	}
	return n
}

// Collect reads everything the registry exports about the person.
func Collect(ctx context.Context, q db.Querier, s Subject) ([]Kind, error) {
	var kinds []Kind
	at := map[string]int{}
	tables := map[string]int{}
	for _, t := range Registry {
		tables[t.Kind]++
	}
	for _, t := range Registry {
		if t.Kind == "" || t.Match == "" {
			continue
		}
		query := t.Export
		if query == "" {
			query = `SELECT * FROM ` + t.Name + ` WHERE ` + t.Match
		}
		query, args := bind(query, s, db.Now(), 1)
		sec, err := readSection(ctx, q, t, query, args)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", t.Name, err)
		}
		i, ok := at[t.Kind]
		if !ok {
			i = len(kinds)
			at[t.Kind] = i
			kinds = append(kinds, Kind{Name: t.Kind})
		}
		sec.File = slug(t.Kind)
		if tables[t.Kind] > 1 {
			sec.File += "-" + slug(t.Name)
		}
		kinds[i].Sections = append(kinds[i].Sections, sec)
	}
	return kinds, nil
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
}

func readSection(ctx context.Context, q db.Querier, t Table, query string, args []any) (Section, error) {
	sec := Section{Table: t}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return sec, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return sec, err
	}
	var keep []int
	for i, c := range cols {
		if !contains(t.Secret, c) {
			keep = append(keep, i)
			sec.Columns = append(sec.Columns, c)
		}
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return sec, err
		}
		row := make([]string, 0, len(keep))
		for _, i := range keep {
			row = append(row, text(vals[i]))
		}
		sec.Rows = append(sec.Rows, row)
	}
	return sec, rows.Err()
}

// text renders a database value the way the export shows it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprint(x)
	}
}

//go:embed exporttmpl/index.html
var exportFS embed.FS

var indexTemplate = template.Must(template.ParseFS(exportFS, "exporttmpl/index.html"))

// WriteZip writes the subject-access export: index.html (readable, with
// purposes, lawful bases, recipients, retention and sources) and a JSON
// and a CSV file per table.
func WriteZip(w io.Writer, s Subject, kinds []Kind, site string) error {
	z := zip.NewWriter(w)
	now := time.Now().UTC()
	add := func(name string, b []byte) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		_, err = f.Write(b)
		return err
	}
	var buf bytes.Buffer
	if err := indexTemplate.Execute(&buf, map[string]any{"S": s, "Kinds": kinds, "At": now.Format("2 January 2006 15:04 UTC"), "Site": site}); err != nil {
		return err
	}
	if err := add("index.html", buf.Bytes()); err != nil {
		return err
	}
	for _, k := range kinds {
		for _, sec := range k.Sections {
			items := make([]map[string]string, 0, len(sec.Rows))
			for _, r := range sec.Rows {
				m := map[string]string{}
				for i, c := range sec.Columns {
					m[c] = r[i]
				}
				items = append(items, m)
			}
			doc := map[string]any{"kind": k.Name, "table": sec.Table.Name, "whose": sec.Table.Whose,
				"purpose": sec.Table.Purpose, "lawful_basis": sec.Table.Basis, "retention": sec.Table.Retention,
				"recipients": sec.Table.Recipients, "source": sec.Table.Source, "columns": describe(sec), "rows": items}
			b, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				return err
			}
			if err := add("data/"+sec.File+".json", b); err != nil {
				return err
			}
			buf.Reset()
			if err := web.WriteSpreadsheetCSV(&buf, sec.Columns, sec.Rows); err != nil {
				return err
			}
			if err := add("data/"+sec.File+".csv", buf.Bytes()); err != nil {
				return err
			}
		}
	}
	return z.Close()
}

// describe maps each exported column to what the registry says it holds.
func describe(sec Section) map[string]string {
	out := map[string]string{}
	for _, c := range sec.Columns {
		if d, ok := sec.Table.Personal[c]; ok {
			out[c] = d
		} else if d, ok := sec.Table.Plain[c]; ok {
			out[c] = d
		}
	}
	return out
}

// Described lists a section's personal columns and what they hold, sorted.
func (sec Section) Described() [][2]string {
	var out [][2]string
	for _, c := range sortedKeys(sec.Table.Personal) {
		out = append(out, [2]string{c, sec.Table.Personal[c]})
	}
	return out
}

// Export writes the person's subject-access ZIP.
func Export(ctx context.Context, q db.Querier, s Subject, w io.Writer, site string) error {
	kinds, err := Collect(ctx, q, s)
	if err != nil {
		return err
	}
	return WriteZip(w, s, kinds, site)
}

// RecordExport writes the audit entry of a subject-access export.
func RecordExport(ctx context.Context, d *db.DB, s Subject, how string) error {
	return d.Write(ctx, func(tx *db.Tx) error {
		if s.UserID != 0 {
			return audit.Record(ctx, tx, 0, "privacy.export", "user", s.UserID, how)
		}
		return audit.Record(ctx, tx, 0, "privacy.export", "person", "", how+" for "+s.Email)
	})
}
