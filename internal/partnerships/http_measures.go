package partnerships

import (
	"net/http"
	"strconv"
	"time"

	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/web"
)

func (s *Service) measureRoutes() []web.Route {
	return []web.Route{
		web.Get("/api/v1/stats/partnerships", web.Public, s.statsAPI),
		web.Get("/partnerships/measures", web.Public, s.dashboard),
		web.Get("/admin/partnership-settings", web.Admin, s.settingsForm),
		web.Post("/admin/partnership-settings", web.Admin, s.saveSettings),
	}
}

// currentYear is the measuring year that contains today.
func currentYear(now time.Time, startMonth time.Month) int {
	now = now.In(web.London())
	y := now.Year()
	if now.Month() < startMonth {
		y--
	}
	return y
}

// yearParam reads ?year=, defaulting to the current measuring year.
func yearParam(r *http.Request, startMonth time.Month) (int, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		return currentYear(time.Now(), startMonth), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 1900 || y > 2200 {
		return 0, fieldErr("year", "Enter a year as four digits, for example 2024")
	}
	return y, nil
}

func (s *Service) statsAPI(w http.ResponseWriter, r *http.Request) error {
	return s.serveStats(w, r, web.CSV)
}

// serveStats answers the measures as JSON or, with csv, as CSV: the API's
// CSV is for programs (web.CSV, no byte-order mark, as documented and
// read since), the page's download for spreadsheets (web.SpreadsheetCSV).
func (s *Service) serveStats(w http.ResponseWriter, r *http.Request, csv func(http.ResponseWriter, string, []string, [][]string) error) error {
	ctx := r.Context()
	st, err := LoadSettings(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	year, err := yearParam(r, st.YearStartMonth)
	if err != nil {
		return err
	}
	// The rest as the OpenAPI document declares it (format=xml is a 422).
	if err := directory.CheckAPIQuery("/api/v1/stats/partnerships", r.URL.Query()); err != nil {
		return err
	}
	rep, err := Measure(ctx, s.DB.Q(), year, st.YearStartMonth, s.Sources...)
	if err != nil {
		return err
	}
	if web.ExportFormat(r) == "csv" {
		return csv(w, "partnership-measures-"+strconv.Itoa(year)+".csv", CSVHeader, rep.CSVRows())
	}
	return web.JSON(w, http.StatusOK, rep.JSON())
}

// seriesRange is the span of years the dashboard charts: from the first
// partnership's start (at most 20 years back) to the year shown.
func (s *Service) seriesRange(r *http.Request, year int) (int, error) {
	first, err := firstStart(r.Context(), s.DB.Q())
	if err != nil {
		return 0, err
	}
	from := year - 9
	if first != nil && first.Year() > from {
		from = first.Year()
	}
	if from < year-19 {
		from = year - 19
	}
	if from > year {
		from = year
	}
	return from, nil
}

func (s *Service) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := LoadSettings(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	year, err := yearParam(r, st.YearStartMonth)
	if err != nil {
		return err
	}
	if web.ExportFormat(r) != "" {
		return s.serveStats(w, r, web.SpreadsheetCSV)
	}
	from, err := s.seriesRange(r, year)
	if err != nil {
		return err
	}
	series, err := Series(ctx, s.DB.Q(), from, year, st.YearStartMonth, s.Sources...)
	if err != nil {
		return err
	}
	rep := series[len(series)-1]
	var labels []string
	vals := map[string][]float64{}
	for _, sr := range series {
		labels = append(labels, sr.Period.Label)
		for _, fg := range sr.Figures() {
			v := 0.0
			if fg.Value != nil {
				v = *fg.Value
			}
			vals[fg.Key] = append(vals[fg.Key], v)
		}
	}
	charts := []measureChart{
		{Title: "Organisations working in partnership, and those doing so for the first time", SVG: web.LineChart("Organisations working in partnership and first-time partners by year", labels,
			web.Series{Name: "Organisations in partnership", Values: vals["organisations_in_partnership"]},
			web.Series{Name: "First-time partners", Values: vals["first_time_partners"]})},
		{Title: "Partnerships active, started and ended", SVG: web.BarChart("Partnerships active, started and ended by year", labels,
			web.Series{Name: "Active", Values: vals["partnerships_active"]},
			web.Series{Name: "Started", Values: vals["partnerships_started"], Class: "bar--prev"},
			web.Series{Name: "Ended", Values: vals["partnerships_ended"], Class: "bar--alt"})},
		{Title: "Cross-sector partnerships", SVG: web.LineChart("Public and third sector, and private and third sector partnerships by year", labels,
			web.Series{Name: "Public and third sector", Values: vals["public_third_partnerships"]},
			web.Series{Name: "Private and third sector", Values: vals["private_third_partnerships"]})},
		{Title: "Diversity of partnership models (Shannon index)", SVG: web.LineChart("Diversity of partnership models by year", labels,
			web.Series{Name: "Model diversity", Values: vals["model_diversity"]})},
		{Title: "Consortia active, formed and dissolved", SVG: web.BarChart("Consortia active, formed and dissolved by year", labels,
			web.Series{Name: "Active", Values: vals["consortia_active"]},
			web.Series{Name: "Formed", Values: vals["consortia_formed"], Class: "bar--prev"},
			web.Series{Name: "Dissolved", Values: vals["consortia_dissolved"], Class: "bar--alt"})},
	}
	var years []int
	for y := currentYear(time.Now(), st.YearStartMonth) + 1; y >= currentYear(time.Now(), st.YearStartMonth)-20; y-- {
		years = append(years, y)
	}
	return s.Web.Render(w, r, http.StatusOK, "partnerships/measures.html", measuresView{View: web.View{Title: "Partnership measures " + rep.Period.Label}, Report: rep, Figures: rep.Figures(), Models: rep.ModelFigures(), Origins: rep.OriginFigures(), Series: series, Keys: AllDefinitions(s.Sources), Charts: charts, Rules: Rules, Year: year, Years: years, April: st.YearStartMonth == time.April, Definitions: AllDefinitions(s.Sources)})
}

func (s *Service) settingsForm(w http.ResponseWriter, r *http.Request) error {
	st, err := LoadSettings(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "partnerships/settings.html", settingsView{View: web.View{Title: "Partnership measures settings"}, Month: int(st.YearStartMonth)})
}

func (s *Service) saveSettings(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var st Settings
	switch r.PostForm.Get("year_start") {
	case "1":
		st.YearStartMonth = time.January
	case "4":
		st.YearStartMonth = time.April
	default:
		err := fieldErr("year_start", "Select when the measuring year starts")
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "partnerships/settings.html", settingsView{View: web.View{Title: "Partnership measures settings", Err: err}, Month: 0})
	}
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SaveSettings(ctx, tx, st); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "partnerships.settings", "partnership_settings", "year_start_month", st.YearStartMonth.String())
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/partnerships/measures", "The measuring year now starts in "+st.YearStartMonth.String()+".")
}
