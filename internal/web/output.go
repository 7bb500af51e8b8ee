package web

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// JSON writes v as JSON with status.
func JSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// SafeCell neutralises spreadsheet formulas: a cell starting with = + - @,
// tab or carriage return is prefixed with an apostrophe.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSV writes a formula-safe CSV download as it always has (no byte-order
// mark, LF line ends): for files made for other programs (the stats API,
// the network map's Gephi files) and one-object tables. Lists use
// ServeList, whose CSV is made for spreadsheets (byte-order mark, CRLF).
func CSV(w http.ResponseWriter, filename string, header []string, rows [][]string) error {
	csvHeaders(w, filename)
	return writeCSV(w, header, rows, false)
}

// SpreadsheetCSV writes a figures report's CSV download (a page that is not
// a list, such as the partnership measures) as list exports are written:
// byte-order mark, CRLF line ends, formulas neutralised.
func SpreadsheetCSV(w http.ResponseWriter, filename string, header []string, rows [][]string) error {
	csvHeaders(w, filename)
	return writeCSV(w, header, rows, true)
}

// WriteSpreadsheetCSV writes rows as list exports are written (byte-order
// mark, CRLF line ends, formulas neutralised) to any writer: for CSV files
// that are not downloads of their own, such as those in a subject-access
// ZIP.
func WriteSpreadsheetCSV(w io.Writer, header []string, rows [][]string) error {
	return writeCSV(w, header, rows, true)
}

func csvHeaders(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(filename, `"`, "")+`"`)
}

// Pager reads ?page= and computes limits for a listing.
type Pager struct {
	Page    int
	PerPage int
	Total   int
}

// NewPager reads the page number from the request (bad values mean 1).
func NewPager(r *http.Request, perPage int) Pager {
	p, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || p < 1 {
		p = 1
	}
	if p > 100000 {
		p = 100000
	}
	if pp, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && pp >= 1 && pp <= 500 {
		perPage = pp
	}
	return Pager{Page: p, PerPage: perPage}
}

// Offset is the number of rows to skip.
func (p Pager) Offset() int { return (p.Page - 1) * p.PerPage }

// First is the number of the page's first row (an <ol>'s start).
func (p Pager) First() int { return p.Offset() + 1 }

// Pages is the number of pages for Total rows.
func (p Pager) Pages() int {
	if p.Total == 0 {
		return 1
	}
	return int(math.Ceil(float64(p.Total) / float64(p.PerPage)))
}

// Template returns the map the "pagination" partial takes.
func (p Pager) Template(r *http.Request) map[string]any {
	return map[string]any{"R": r, "Page": p.Page, "Pages": p.Pages(), "Total": p.Total}
}
