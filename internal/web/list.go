package web

// The one way a filtered list is served: as its HTML page, as CSV and as
// JSON, from one fetch function (the filter lives in its closure, so the
// exports obey the same filters and permissions as the page) and one
// column definition.

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
)

// ExportLimit is the most rows one CSV or JSON export carries, on every
// list of the site. An export cut at it says so (X-Export-Truncated, a
// last line in the CSV file, "truncated" in JSON).
const ExportLimit = 10000

// exportBatch is how many rows an export asks Fetch for at a time: stores
// cap one page (directory search at 500 rows).
const exportBatch = 500

// Column is one CSV column: its header and how a row fills it.
type Column[T any] struct {
	Header string
	Cell   func(T) string
}

// List is a filtered list of T served by ServeList.
type List[T any] struct {
	// Name names the CSV file (Name + ".csv").
	Name string
	// PerPage is the number of rows on an HTML page (default 20);
	// Unpaged shows every row (up to ExportLimit) on the page.
	PerPage int
	// Fetch returns up to limit matching rows from offset, and how many
	// rows match in all (a lower bound when counting is capped). An
	// apperr EINVALID error is a bad filter: the page shows it, an export
	// answers 422.
	Fetch func(ctx context.Context, limit, offset int) ([]T, int, error)
	// Columns are the CSV columns.
	Columns []Column[T]
	// Item is a row as a JSON item; nil writes T as it is.
	Item func(T) any
	// Meta, if set, adds fields to the JSON envelope after the fetch.
	Meta func() map[string]any
	// Invalid is a filter error found before fetching: exports answer it
	// (422), the page shows it beside the list.
	Invalid error
	// Render renders the HTML page.
	Render func(ListPage[T]) error
}

// Unpaged is List.PerPage for a page that shows the whole list.
const Unpaged = -1

// Rows is a Fetch over a list already in memory.
func Rows[T any](items []T) func(ctx context.Context, limit, offset int) ([]T, int, error) {
	return func(_ context.Context, limit, offset int) ([]T, int, error) {
		if offset >= len(items) {
			return nil, len(items), nil
		}
		return items[offset:min(len(items), offset+limit)], len(items), nil
	}
}

// ListPage is what a list's HTML page gets.
type ListPage[T any] struct {
	Items []T
	Total int
	Pager Pager
	Err   error // a filter error to show in the error summary
	// CSVURL and JSONURL download the whole filtered list.
	CSVURL, JSONURL string
}

// PagerData is the map the "pagination" partial takes.
func (p ListPage[T]) PagerData(r *http.Request) map[string]any { return p.Pager.Template(r) }

// ExportFormat is "csv" or "json" when the caller asks for an export
// (?format= first, then the Accept header), else "".
func ExportFormat(r *http.Request) string {
	switch r.URL.Query().Get("format") {
	case "csv":
		return "csv"
	case "json":
		return "json"
	}
	switch {
	case prefers(r, "application/json"):
		return "json"
	case prefers(r, "text/csv"):
		return "csv"
	}
	return ""
}

// ExportURL is the current URL as format ("csv" or "json"): the same path
// and filters without the page's paging.
func ExportURL(r *http.Request, format string) string {
	q := r.URL.Query()
	q.Del("page")
	q.Del("per_page")
	q.Set("format", format)
	return r.URL.Path + "?" + q.Encode()
}

// ServeList answers r with l as the page, CSV or JSON.
func ServeList[T any](s *Server, w http.ResponseWriter, r *http.Request, l List[T]) error {
	switch ExportFormat(r) {
	case "csv":
		return l.serveCSV(w, r)
	case "json":
		return l.serveJSON(s, w, r)
	}
	var pager Pager
	switch {
	case l.PerPage == Unpaged:
		pager = Pager{Page: 1, PerPage: ExportLimit}
	case l.PerPage == 0:
		pager = NewPager(r, 20)
	default:
		pager = NewPager(r, l.PerPage)
	}
	p := ListPage[T]{Err: l.Invalid, CSVURL: ExportURL(r, "csv"), JSONURL: ExportURL(r, "json")}
	items, total, err := l.Fetch(r.Context(), pager.PerPage, pager.Offset())
	switch {
	case apperr.Is(err, apperr.EINVALID):
		p.Err = err
	case err != nil:
		return err
	default:
		p.Items, p.Total = items, total
	}
	pager.Total = p.Total
	p.Pager = pager
	return l.Render(p)
}

// collect fetches up to n rows from offset in batches, and reports whether
// more rows match beyond them. total is the store's count (a lower bound
// where the store caps counting).
func (l List[T]) collect(ctx context.Context, n, offset int) (items []T, total int, more bool, err error) {
	want := n + 1 // one more row says whether there are more
	for len(items) < want {
		batch := min(exportBatch, want-len(items))
		got, t, err := l.Fetch(ctx, batch, offset+len(items))
		if err != nil {
			return nil, 0, false, err
		}
		total = max(total, t)
		items = append(items, got...)
		if len(got) < batch {
			break
		}
	}
	if len(items) > n {
		items, more = items[:n], true
	}
	return items, total, more, nil
}

func (l List[T]) serveCSV(w http.ResponseWriter, r *http.Request) error {
	if l.Invalid != nil {
		return l.Invalid
	}
	items, total, more, err := l.collect(r.Context(), ExportLimit, 0)
	if err != nil {
		return err
	}
	header := make([]string, len(l.Columns))
	for i, c := range l.Columns {
		header[i] = c.Header
	}
	rows := make([][]string, 0, len(items)+1)
	for _, it := range items {
		row := make([]string, len(l.Columns))
		for i, c := range l.Columns {
			row[i] = c.Cell(it)
		}
		rows = append(rows, row)
	}
	exportHeaders(w, total, more)
	if more {
		last := make([]string, len(header))
		last[0] = TruncatedLine(len(items), total)
		rows = append(rows, last)
	}
	return SpreadsheetCSV(w, l.Name+".csv", header, rows)
}

// TruncatedLine is the last line of a CSV export cut at the limit.
func TruncatedLine(shown, total int) string {
	return fmt.Sprintf("Export truncated: these are the first %d of %d or more rows. Narrow the filters to export the rest.", shown, total)
}

func exportHeaders(w http.ResponseWriter, total int, more bool) {
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	if more {
		w.Header().Set("X-Export-Truncated", "true")
	}
}

// Links are the paging links of a JSON list.
type Links struct {
	Self string  `json:"self"`
	Next *string `json:"next"`
	Prev *string `json:"prev"`
}

func (l List[T]) serveJSON(s *Server, w http.ResponseWriter, r *http.Request) error {
	if l.Invalid != nil {
		return l.Invalid
	}
	page, perPage, err := exportPaging(r.URL.Query())
	if err != nil {
		return err
	}
	offset := (page - 1) * perPage
	items, total, more, err := l.collect(r.Context(), perPage, offset)
	if err != nil {
		return err
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		if l.Item != nil {
			out = append(out, l.Item(it))
		} else {
			out = append(out, it)
		}
	}
	link := func(p int) string {
		q := r.URL.Query()
		q.Set("format", "json")
		q.Set("page", strconv.Itoa(p))
		return strings.TrimRight(s.Config.BaseURL, "/") + r.URL.Path + "?" + q.Encode()
	}
	links := Links{Self: link(page)}
	if more {
		n := link(page + 1)
		links.Next = &n
	}
	if page > 1 {
		p := link(page - 1)
		links.Prev = &p
	}
	env := map[string]any{}
	if l.Meta != nil {
		for k, v := range l.Meta() {
			env[k] = v
		}
	}
	env["items"], env["total"], env["page"], env["per_page"], env["links"], env["truncated"] = out, total, page, perPage, links, more
	exportHeaders(w, total, more)
	return JSON(w, http.StatusOK, env)
}

// exportPaging reads page and per_page of a JSON export: per_page up to
// ExportLimit, by default all of it.
func exportPaging(q url.Values) (page, perPage int, err error) {
	var v apperr.Validation
	num := func(k string, def, hi int, msg string) int {
		s := q.Get(k)
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > hi {
			v.Add(k, msg)
			return def
		}
		return n
	}
	page = num("page", 1, 100000, "Enter the page as a whole number from 1 to 100000")
	perPage = num("per_page", ExportLimit, ExportLimit, fmt.Sprintf("Enter per_page as a whole number from 1 to %d", ExportLimit))
	return page, perPage, v.Err()
}

// writeCSV writes a formula-safe CSV; for spreadsheets with a UTF-8
// byte-order mark (so Excel reads accented names) and CRLF line ends
// (RFC 4180).
func writeCSV(w io.Writer, header []string, rows [][]string, spreadsheet bool) error {
	if spreadsheet {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = spreadsheet
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, 0, len(header))
	for _, r := range rows {
		rec = rec[:0]
		for _, c := range r {
			rec = append(rec, SafeCell(c))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
