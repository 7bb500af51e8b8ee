package strategy

import (
	"strings"
	"testing"
)

func known() func(string) bool {
	k := knownKeys(MeasureSources())
	return func(s string) bool { _, ok := k[s]; return ok }
}

// TestSeedIsTheStrategy: the embedded seed passes its schema, binds only
// measures that exist, and holds the document's three aims, its outcomes
// and its ten milestones from March 2010 to March 2013.
func TestSeedIsTheStrategy(t *testing.T) {
	d, problems := Parse(SeedJSON(), known())
	if len(problems) > 0 {
		t.Fatalf("seed problems: %v", problems)
	}
	var titles []string
	outcomes := 0
	for _, a := range d.Aims {
		titles = append(titles, a.Title)
		outcomes += len(a.Outcomes)
	}
	if strings.Join(titles, "|") != "Encouraging Partnerships|Developing Consortia|Preparing for a Commissioning Environment" || outcomes != 20 {
		t.Fatalf("aims %v, %d outcomes", titles, outcomes)
	}
	if n := len(d.Milestones); n != 10 || d.Milestones[0].Date != "2010-03-31" || d.Milestones[n-1].Date != "2013-03-31" {
		t.Fatalf("milestones %+v", d.Milestones)
	}
}

// TestParseNamesEveryProblemAtItsPath: a broken strategy file is refused
// with each problem at its JSON path, the schema's and the rules beyond it.
func TestParseNamesEveryProblemAtItsPath(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"not JSON", `{"title": `, []string{"not JSON"}},
		{"schema", `{"title": "", "starts_on": "2010-13-01", "ends_on": "2011-01-01", "aims": [{"key": "Bad Key", "title": "A", "outcomes": [{"title": "o", "measures": []}]}],
			"milestones": [{"date": "2010-01-01", "title": "m", "status": "late", "evidence": [{"label": "x", "href": "javascript:alert(1)"}]}]}`,
			[]string{"/title", "/starts_on", "/aims/0/key", "/aims/0/outcomes/0/measures", "/milestones/0/status", "/milestones/0/evidence/0/href"}},
		{"rules", `{"title": "T", "starts_on": "2012-01-01", "ends_on": "2011-01-01", "aims": [{"key": "a", "title": "A", "outcomes": [{"title": "o", "measures": ["no_such_measure"]}]}, {"key": "a", "title": "B", "outcomes": []}],
			"milestones": [{"date": "2010-01-01", "title": "m", "status": "done", "aim": "zzz"}]}`,
			[]string{"/ends_on", "/aims/1/key", "/aims/0/outcomes/0/measures/0", "no_such_measure", "/milestones/0/aim"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, problems := Parse([]byte(c.file), known())
			if d != nil && len(problems) == 0 {
				t.Fatal("accepted")
			}
			var all []string
			for _, p := range problems {
				all = append(all, p.Path+" "+p.Message)
			}
			got := strings.Join(all, "\n")
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in:\n%s", w, got)
				}
			}
		})
	}
}

func TestRate(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		now, before *float64
		dir         string
		target      *float64
		want        string
	}{
		{f(5), f(3), "up", nil, Green},
		{f(3), f(5), "up", nil, Red},
		{f(3), f(5), "down", nil, Green},
		{f(5), f(5), "up", nil, Amber},
		{f(5), f(3), "up", f(10), Amber},   // better, short of target
		{f(12), f(13), "up", f(10), Green}, // worse but meets target
		{f(2), f(3), "up", f(10), Red},
		{f(4), f(9), "down", f(5), Green},
		{nil, f(3), "up", nil, None},
		{f(3), nil, "up", nil, None},
		{f(3), nil, "up", f(2), Green},
	} {
		if got, why := rate(c.now, c.before, c.dir, c.target); got != c.want || why == "" {
			t.Errorf("rate(%v, %v, %s, %v) = %s (%q), want %s", NumPtr(c.now), NumPtr(c.before), c.dir, c.target, got, why, c.want)
		}
	}
	// An outcome takes the worst status of its measures.
	tr := &Trends{ByKey: map[string]*Trend{
		"a": {Key: "a", Labels: []string{"1", "2"}, Values: []*float64{f(1), f(2)}},
		"b": {Key: "b", Labels: []string{"1", "2"}, Values: []*float64{f(2), f(1)}},
	}}
	if st := Assess(&Outcome{Measures: []string{"a", "b"}, Direction: "up"}, tr); st.Status != Red {
		t.Errorf("worst of green and red = %s", st.Status)
	}
	if st := Assess(&Outcome{Measures: []string{"a"}, Direction: "up"}, tr); st.Status != Green {
		t.Errorf("a = %s", st.Status)
	}
}

// TestSuppression: counts from 1 to 4 are hidden, 0 and 5 shown.
func TestSuppression(t *testing.T) {
	c := countChart("k", "t", "Ward", []string{"a", "b", "c", "d"}, []int{0, 1, 4, 5})
	if !c.Suppressed || c.Series[0].Values[0] == nil || c.Series[0].Values[1] != nil || c.Series[0].Values[2] != nil || *c.Series[0].Values[3] != 5 {
		t.Fatalf("%+v", c.Series[0].Values)
	}
	_, rows := c.CSV(nil)
	if rows[1][1] != "fewer than 5" || rows[0][1] != "0" || rows[3][1] != "5" {
		t.Fatalf("%v", rows)
	}
	if c := countChart("k", "t", "Ward", []string{"a"}, []int{7}); c.Suppressed || c.Note != "" {
		t.Fatal("nothing to suppress")
	}
}

// TestPDFDrawsEveryChapterAndChart: the PDF has a page for each chapter,
// every chart's title, its bars (rectangles) and lines, the labels in
// words and a suppressed count as "fewer than 5".
func TestPDFDrawsEveryChapterAndChart(t *testing.T) {
	pdfCompress = false
	defer func() { pdfCompress = true }()
	f := func(v float64) *float64 { return &v }
	rep := &Report{Year: 2012, Title: "State of the Sector 2012", Status: "draft"}
	for _, c := range chapterTitles {
		rep.Chapters = append(rep.Chapters, Chapter{Key: c.Key, Title: c.Title, Intro: c.Intro})
	}
	rep.Chapters[0].Charts = []Chart{countChart("sector", "Organisations by sector", "Sector", []string{"vcs", "faith"}, []int{12, 3})}
	rep.Chapters[0].Charts[0].Codes = true
	rep.Chapters[1].Charts = []Chart{{Key: "l", Title: "Organisations working in partnership by year", Kind: "line", Category: "Year",
		Labels: []string{"2010", "2011", "2012"}, Series: []ChartSeries{{Name: "Organisations", Values: []*float64{f(19), f(33), f(42)}}}}}
	rep.Chapters[1].Commentary = "**More** than before."
	b, err := PDF(rep, func(c string) string {
		return map[string]string{"vcs": "Voluntary and community", "faith": "Faith group"}[c]
	})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if n := strings.Count(s, "/Type /Page\n"); n != len(chapterTitles) {
		t.Errorf("%d pages for %d chapters", n, len(chapterTitles))
	}
	for _, want := range []string{"(Organisations by sector)", "(Voluntary and community)", "(fewer than 5)", "(Organisations working in partnership by year)", "(More than before.)", "(Milestones of the year)", " re f", " l S"} {
		if !strings.Contains(s, want) {
			t.Errorf("the PDF has no %q", want)
		}
	}
}
