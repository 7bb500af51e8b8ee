package strategy

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/markdown"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/web"
)

const reportsPath = "/reports/state-of-the-sector"

func (s *Service) reportRoutes() []web.Route {
	return []web.Route{
		web.Get(reportsPath, web.Public, s.reports),
		web.Get(reportsPath+"/{year}", web.Public, s.report),
		web.Get(reportsPath+"/{year}/report.pdf", web.Public, s.reportPDF),
		web.Get("/admin"+reportsPath+"/{year}", web.Admin, s.reportAdmin),
		web.Post("/admin"+reportsPath+"/{year}/commentary/{chapter}", web.Admin, s.saveCommentary),
		web.Get("/admin"+reportsPath+"/{year}/publish", web.Admin, s.confirmPublish),
		web.Post("/admin"+reportsPath+"/{year}/publish", web.Admin, s.publish),
	}
}

// currentYear is the measuring year that contains today.
func (s *Service) currentYear(ctx context.Context) (int, time.Month, error) {
	set, err := partnerships.LoadSettings(ctx, s.DB.Q())
	if err != nil {
		return 0, 0, err
	}
	return lastComplete(s.Now(), set.YearStartMonth) + 1, set.YearStartMonth, nil
}

// yearParam reads {year}: a year up to the current one (later years have
// no report).
func (s *Service) yearParam(r *http.Request) (int, error) {
	cur, _, err := s.currentYear(r.Context())
	if err != nil {
		return 0, err
	}
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < 1990 || y > cur {
		return 0, apperr.NotFound("report")
	}
	return y, nil
}

// builder builds reports over the live records.
func (s *Service) builder(q db.Querier, startMonth time.Month) *Builder {
	return &Builder{Q: q, StartMonth: startMonth, Sources: s.Sources(), Now: s.Now()}
}

// Get is year's report: the published one, or a draft built now.
func (s *Service) Get(ctx context.Context, year int) (*Report, error) {
	r, err := Published(ctx, s.DB.Q(), year)
	if err == nil || apperr.Code(err) != apperr.ENOTFOUND {
		return r, err
	}
	return s.Draft(ctx, s.DB.Q(), year)
}

// Draft builds year's report from the live records with its commentary.
func (s *Service) Draft(ctx context.Context, q db.Querier, year int) (*Report, error) {
	set, err := partnerships.LoadSettings(ctx, q)
	if err != nil {
		return nil, err
	}
	st, err := Load(ctx, q)
	if err != nil && err != ErrNoStrategy {
		return nil, err
	}
	com, err := Commentary(ctx, q, year)
	if err != nil {
		return nil, err
	}
	return s.builder(q, set.YearStartMonth).Build(ctx, year, st, com)
}

func (s *Service) reports(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur, _, err := s.currentYear(ctx)
	if err != nil {
		return err
	}
	pub, err := PublishedYears(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	var drafts []int
	for y := cur; y >= cur-2; y-- {
		if !slices.ContainsFunc(pub, func(p PublishedYear) bool { return p.Year == y }) {
			drafts = append(drafts, y)
		}
	}
	return s.Web.Render(w, r, http.StatusOK, "strategy/reports.html", reportsView{
		View:      web.View{Title: "State of the Sector reports", Description: "The yearly State of the Sector report on Blackpool's third sector, built from Partnerhub's records."},
		Published: pub,
		Drafts:    drafts,
	})
}

// chartView is a chart as the pages draw it.
type chartView struct {
	*Chart
	Chapter string
	SVG     template.HTML
	Rows    [][]string
}

func viewCharts(ch *Chapter, label func(string) string) []chartView {
	var out []chartView
	for i := range ch.Charts {
		c := &ch.Charts[i]
		var series []web.Series
		for j, s := range c.Series {
			vals := make([]float64, len(c.Labels))
			for k := range vals {
				if k < len(s.Values) && s.Values[k] != nil {
					vals[k] = *s.Values[k]
				}
			}
			cls := ""
			if j == 1 {
				cls = "bar--prev"
			} else if j == 2 {
				cls = "bar--alt"
			}
			series = append(series, web.Series{Name: s.Name, Values: vals, Class: cls})
		}
		v := chartView{Chart: c, Chapter: ch.Key}
		words := c.Words(label)
		if len(c.Labels) > 0 {
			if c.Kind == "line" {
				v.SVG = web.LineChart(c.Title, words, series...)
			} else {
				v.SVG = web.BarChart(c.Title, words, series...)
			}
		}
		for k, l := range words {
			row := []string{l}
			for _, s := range c.Series {
				row = append(row, c.Cell(s, k, false))
			}
			v.Rows = append(v.Rows, row)
		}
		out = append(out, v)
	}
	return out
}

// chapterView is a chapter as the pages show it.
type chapterView struct {
	*Chapter
	Charts     []chartView
	Commentary template.HTML
}

func (s *Service) report(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	year, err := s.yearParam(r)
	if err != nil {
		return err
	}
	rep, err := s.Get(ctx, year)
	if err != nil {
		return err
	}
	switch web.ExportFormat(r) {
	case "json":
		return web.JSON(w, http.StatusOK, rep)
	case "csv":
		chapter, key, _ := strings.Cut(r.URL.Query().Get("chart"), "/")
		c := rep.Chart(chapter, key)
		if c == nil {
			return apperr.NotFound("chart")
		}
		header, rows := c.CSV(s.Web.R.Label)
		return web.SpreadsheetCSV(w, "state-of-the-sector-"+strconv.Itoa(year)+"-"+chapter+"-"+key+".csv", header, rows)
	}
	var chs []chapterView
	for i := range rep.Chapters {
		ch := &rep.Chapters[i]
		chs = append(chs, chapterView{Chapter: ch, Charts: viewCharts(ch, s.Web.R.Label), Commentary: markdownHTML(ch.Commentary)})
	}
	return s.Web.Render(w, r, http.StatusOK, "strategy/report.html", reportView{
		View:         web.View{Title: rep.Title, Description: "Blackpool's State of the Sector report for " + rep.Period + ": the third sector's size and shape, partnership working, consortia, commissioning, funding, events, quality and the strategy's milestones."},
		Report:       rep,
		Chapters:     chs,
		StatusLabels: StatusLabels,
		RAG:          RAGLabels,
		Rule:         RAGRule,
	})
}

func (s *Service) reportAdmin(w http.ResponseWriter, r *http.Request) error {
	year, err := s.yearParam(r)
	if err != nil {
		return err
	}
	return s.renderReportAdmin(w, r, http.StatusOK, year, nil, "", nil)
}

func (s *Service) renderReportAdmin(w http.ResponseWriter, r *http.Request, status, year int, form url.Values, chapter string, ferr error) error {
	ctx := r.Context()
	rep, err := s.Get(ctx, year)
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
		for _, ch := range rep.Chapters {
			form.Set("body-"+ch.Key, ch.Commentary)
		}
	}
	return s.Web.Render(w, r, status, "strategy/report_admin.html", reportAdminView{
		View:    web.View{Title: "Edit " + rep.Title, Form: form, Err: ferr},
		Report:  rep,
		Chapter: chapter,
	})
}

func (s *Service) saveCommentary(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	year, err := s.yearParam(r)
	if err != nil {
		return err
	}
	chapter := r.PathValue("chapter")
	if !slices.Contains(ChapterKeys(), chapter) {
		return apperr.NotFound("chapter")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	field := "body-" + chapter
	body := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get(field), "\r\n", "\n"))
	if len([]rune(body)) > 20000 {
		v := &apperr.Validation{}
		v.Add(field, "Commentary must be 20,000 characters or fewer")
		form := url.Values{}
		rep, err := s.Get(ctx, year)
		if err != nil {
			return err
		}
		for _, ch := range rep.Chapters {
			form.Set("body-"+ch.Key, ch.Commentary)
		}
		form.Set(field, r.PostForm.Get(field))
		return s.renderReportAdmin(w, r, http.StatusUnprocessableEntity, year, form, chapter, v.Err())
	}
	uid := web.IdentityFrom(ctx).UserID
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return SaveCommentary(ctx, tx, year, chapter, body, uid, s.Now()) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin"+reportsPath+"/"+strconv.Itoa(year)+"#chapter-"+chapter, "Commentary saved.")
}

func (s *Service) confirmPublish(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	year, err := s.yearParam(r)
	if err != nil {
		return err
	}
	back := "/admin" + reportsPath + "/" + strconv.Itoa(year)
	if pub, err := isPublished(ctx, s.DB.Q(), year); err != nil {
		return err
	} else if pub {
		return s.Web.Confirm(w, r, web.Confirm{Title: "Report already published", Question: "The " + strconv.Itoa(year) + " report has already been published",
			Detail: "A published report never changes, so it cannot be published again.", NoAction: true, Back: reportsPath + "/" + strconv.Itoa(year), BackText: "Read the published report"})
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Publish report", Question: "Are you sure you want to publish the State of the Sector report for " + strconv.Itoa(year) + "?",
		Detail: "Its figures and commentary will be frozen as they are now, with a fingerprint (SHA-256) of the data. Later changes to the records will not change it, and it cannot be published again.",
		Button: "Publish report", Back: back})
}

func (s *Service) publish(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	year, err := s.yearParam(r)
	if err != nil {
		return err
	}
	uid := web.IdentityFrom(ctx).UserID
	var hash string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		rep, err := s.Draft(ctx, tx, year)
		if err != nil {
			return err
		}
		if err := Publish(ctx, tx, rep, uid, s.Now()); err != nil {
			return err
		}
		hash = rep.Hash
		return nil
	})
	if err != nil { // a year published twice is a 409 saying so
		return err
	}
	return web.Redirect(w, r, reportsPath+"/"+strconv.Itoa(year), "Report published. Its SHA-256 is "+hash+".")
}

func markdownHTML(s string) template.HTML {
	if s == "" {
		return ""
	}
	return markdown.HTML(s)
}
