package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"partnerhub/internal/config"
	"partnerhub/internal/web"
)

// numbers is a list of n rows "row 1" ... "row n" whose store, like the
// directory's, caps one fetch at 500 rows; calls counts the fetches.
func numbers(n int, calls *int) web.List[int] {
	return web.List[int]{
		Name: "numbers",
		Fetch: func(_ context.Context, limit, offset int) ([]int, int, error) {
			*calls++
			if limit > 500 {
				limit = 20 // what directory.Search did with a larger limit
			}
			var out []int
			for i := offset + 1; i <= min(n, offset+limit); i++ {
				out = append(out, i)
			}
			return out, n, nil
		},
		Columns: []web.Column[int]{
			{Header: "name", Cell: func(i int) string { return "row " + strconv.Itoa(i) }},
			{Header: "formula", Cell: func(i int) string { return "=1+" + strconv.Itoa(i) }},
		},
		Item: func(i int) any { return map[string]int{"n": i} },
		Render: func(p web.ListPage[int]) error {
			return nil
		},
	}
}

func serveList(t *testing.T, l web.List[int], target string, h http.Header) *httptest.ResponseRecorder {
	t.Helper()
	s := &web.Server{Config: config.Default()}
	s.Config.BaseURL = "https://ph.example"
	r := httptest.NewRequest("GET", target, nil)
	for k, v := range h {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	if err := web.ServeList(s, w, r, l); err != nil {
		w.Code = web.Status(err)
		w.Body.WriteString(err.Error())
	}
	return w
}

func TestListCSVIsWholeListWithBOMAndCRLF(t *testing.T) {
	var calls int
	w := serveList(t, numbers(1234, &calls), "/numbers?format=csv&page=3&per_page=5", nil)
	body := w.Body.String()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	if !strings.HasPrefix(body, "\ufeffname,formula\r\n") || strings.Count(body, "\r\n") != strings.Count(body, "\n") {
		t.Fatalf("no byte-order mark or not CRLF: %q", body[:40])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Every row, whatever page and per_page say; formulas neutralised.
	if len(recs) != 1235 || recs[1][0] != "row 1" || recs[1234][0] != "row 1234" || recs[1][1] != "'=1+1" {
		t.Fatalf("%d records: %v ... %v", len(recs), recs[1], recs[len(recs)-1])
	}
	if w.Header().Get("X-Export-Truncated") != "" || w.Header().Get("X-Total-Count") != "1234" {
		t.Fatalf("headers %v", w.Header())
	}
}

func TestListExportCutAtTheLimitSaysSo(t *testing.T) {
	var calls int
	w := serveList(t, numbers(web.ExportLimit+7, &calls), "/numbers", http.Header{"Accept": {"text/csv"}})
	if w.Header().Get("X-Export-Truncated") != "true" || w.Header().Get("X-Total-Count") != strconv.Itoa(web.ExportLimit+7) {
		t.Fatalf("headers %v", w.Header())
	}
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff")))
	recs, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != web.ExportLimit+2 || recs[web.ExportLimit][0] != "row "+strconv.Itoa(web.ExportLimit) {
		t.Fatalf("%d records", len(recs))
	}
	if last := recs[len(recs)-1][0]; last != web.TruncatedLine(web.ExportLimit, web.ExportLimit+7) {
		t.Fatalf("last line %q", last)
	}

	var doc struct {
		Items     []map[string]int
		Total     int
		Truncated bool
		Links     web.Links
	}
	w = serveList(t, numbers(web.ExportLimit+7, &calls), "/numbers?format=json&q=x", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Items) != web.ExportLimit || !doc.Truncated || doc.Total != web.ExportLimit+7 || doc.Links.Next == nil || doc.Links.Prev != nil ||
		w.Header().Get("X-Export-Truncated") != "true" {
		t.Fatalf("JSON: %d items, %+v", len(doc.Items), doc.Links)
	}
	if *doc.Links.Next != "https://ph.example/numbers?format=json&page=2&q=x" {
		t.Fatalf("next %s", *doc.Links.Next)
	}
	w = serveList(t, numbers(web.ExportLimit+7, &calls), "/numbers?format=json&q=x&page=2", nil)
	doc.Items, doc.Links = nil, web.Links{}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Items) != 7 || doc.Items[0]["n"] != web.ExportLimit+1 || doc.Truncated || doc.Links.Next != nil || doc.Links.Prev == nil {
		t.Fatalf("page 2: %+v", doc)
	}
}

func TestListJSONEnvelopeAndPaging(t *testing.T) {
	var calls int
	var doc struct {
		Items     []map[string]int
		Total     int
		Page      int
		PerPage   int `json:"per_page"`
		Truncated bool
		Links     web.Links
	}
	w := serveList(t, numbers(45, &calls), "/numbers?per_page=20&page=2", http.Header{"Accept": {"application/json"}})
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Items) != 20 || doc.Items[0]["n"] != 21 || doc.Total != 45 || doc.Page != 2 || doc.PerPage != 20 || !doc.Truncated ||
		doc.Links.Next == nil || doc.Links.Prev == nil || doc.Links.Self != "https://ph.example/numbers?format=json&page=2&per_page=20" {
		t.Fatalf("%+v", doc)
	}
	for _, bad := range []string{"per_page=0", "per_page=10001", "page=0", "page=x"} {
		if w := serveList(t, numbers(45, &calls), "/numbers?format=json&"+bad, nil); w.Code != 422 {
			t.Errorf("%s: status %d", bad, w.Code)
		}
	}
}

func TestListPageGetsOnePageAndExportLinks(t *testing.T) {
	var calls int
	l := numbers(45, &calls)
	var got web.ListPage[int]
	l.PerPage = 10
	l.Render = func(p web.ListPage[int]) error { got = p; return nil }
	serveList(t, l, "/numbers?q=a+b&page=2", nil)
	if len(got.Items) != 10 || got.Items[0] != 11 || got.Total != 45 || got.Pager.Pages() != 5 {
		t.Fatalf("%+v", got)
	}
	if got.CSVURL != "/numbers?format=csv&q=a+b" || got.JSONURL != "/numbers?format=json&q=a+b" {
		t.Fatalf("links %s %s", got.CSVURL, got.JSONURL)
	}
}

func TestHTMLID(t *testing.T) {
	for in, want := range map[string]string{"Squires Gate": "squires-gate", "St. Anne's": "st-anne-s", "Talbot": "talbot", " x  y ": "x-y"} {
		if got := web.HTMLID(in); got != want {
			t.Errorf("HTMLID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChartsOfSameShapeHaveDistinctIDs(t *testing.T) {
	labels := []string{"2024", "2025"}
	a := web.BarChart("Partnerships active, started and ended by year", labels, web.Series{Name: "Active", Values: []float64{1, 2}})
	b := web.BarChart("Consortia active, formed and dissolved by year", labels, web.Series{Name: "Active", Values: []float64{1, 2}})
	id := func(svg string) string {
		i := strings.Index(svg, `<title id="`)
		return svg[i+11 : i+11+strings.Index(svg[i+11:], `"`)]
	}
	if id(string(a)) == id(string(b)) {
		t.Fatalf("two charts share the id %s", id(string(a)))
	}
}
