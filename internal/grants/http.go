package grants

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	return []web.Route{
		web.Get("/funding", web.Public, s.overview),
		web.Get("/funding/grants", web.Public, s.list),
		web.Get("/funding/wards", web.Public, s.wards),
		web.Get("/funding/themes", web.Public, s.themes),
		web.Get("/funding/organisations/{org}", web.Public, s.orgGrants),
		web.Get("/admin/grants/import", web.Admin, s.importForm),
		web.Post("/admin/grants/import", web.Admin, s.importPreview),
		web.Post("/admin/grants/import/confirm", web.Admin, s.importConfirm),
		web.Get("/admin/grants/matches", web.Admin, s.matches),
		web.Post("/admin/grants/matches/{id}", web.Admin, s.decide),
	}
}

var gbp = message.NewPrinter(language.BritishEnglish)

// Money is an amount for people: "£12,500" (pence shown only when there
// are any), or "1,200.50 USD" in another currency.
func Money(minor int64, currency string) string {
	whole := minor / 100
	s := gbp.Sprintf("%d", whole)
	if p := minor % 100; p != 0 {
		if p < 0 {
			p = -p
		}
		s += fmt.Sprintf(".%02d", p)
	}
	if currency == "GBP" || currency == "" {
		return "£" + s
	}
	return s + " " + currency
}

func plainMoney(minor int64) string { return fmt.Sprintf("%.2f", float64(minor)/100) }

// totalsRow is a Totals row as the pages show it.
type totalsRow struct {
	Totals
	Money string
}

func rows(ts []Totals) []totalsRow {
	out := make([]totalsRow, len(ts))
	for i, t := range ts {
		out[i] = totalsRow{t, Money(t.GBPMinor, "GBP")}
	}
	return out
}

var totalsColumns = []web.Column[Totals]{
	{Header: "Key", Cell: func(t Totals) string { return t.Key }},
	{Header: "Name", Cell: func(t Totals) string { return t.Label }},
	{Header: "Grants", Cell: func(t Totals) string { return strconv.Itoa(t.Grants) }},
	{Header: "Total GBP", Cell: func(t Totals) string { return plainMoney(t.GBPMinor) }},
	{Header: "Grants in other currencies (not in the GBP total)", Cell: func(t Totals) string { return strconv.Itoa(t.NonGBP) }},
	{Header: "Organisations funded", Cell: func(t Totals) string { return strconv.Itoa(t.Orgs) }},
}

func totalsItem(t Totals) any {
	return map[string]any{"key": t.Key, "name": t.Label, "grants": t.Grants, "total_gbp": float64(t.GBPMinor) / 100,
		"grants_other_currencies": t.NonGBP, "organisations_funded": t.Orgs, "ward_from": t.Source}
}

// overview is /funding: the funders giving into the town, largest
// first, and the grants by year.
func (s *Service) overview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	funders, err := Funders(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	years, err := ByYear(ctx, s.DB.Q(), Filter{})
	if err != nil {
		return err
	}
	var labels []string
	var values []float64
	var all Totals
	for _, y := range years {
		labels = append(labels, y.Label)
		values = append(values, y.GBP())
		all.Grants += y.Grants
		all.GBPMinor += y.GBPMinor
		all.NonGBP += y.NonGBP
	}
	orgs, err := RecipientCount(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	cols := append([]web.Column[Totals]{}, totalsColumns...)
	cols = append(cols,
		web.Column[Totals]{Header: "First year", Cell: func(t Totals) string { return strconv.Itoa(t.FirstYear) }},
		web.Column[Totals]{Header: "Last year", Cell: func(t Totals) string { return strconv.Itoa(t.LastYear) }},
		web.Column[Totals]{Header: "Grants outside the town", Cell: func(t Totals) string { return strconv.Itoa(t.Elsewhere) }})
	return web.ServeList(s.Web, w, r, web.List[Totals]{
		Name: "funders", PerPage: web.Unpaged, Fetch: web.Rows(funders), Columns: cols,
		Item: func(t Totals) any {
			m := totalsItem(t).(map[string]any)
			m["first_year"], m["last_year"], m["grants_outside_town"] = t.FirstYear, t.LastYear, t.Elsewhere
			return m
		},
		Render: func(p web.ListPage[Totals]) error {
			var chart any
			if len(years) > 0 {
				chart = web.BarChart("Value of grants into the town by year of award (£, GBP grants)", labels, web.Series{Name: "£ awarded", Values: values})
			}
			return s.Web.Render(w, r, http.StatusOK, "grants/funding.html", fundingView{
				View:    web.View{Title: "Funding into the town"},
				Funders: rows(p.Items),
				Years:   rows(years),
				Chart:   chart,
				All:     totalsRow{all, Money(all.GBPMinor, "GBP")},
				Orgs:    orgs,
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

// filterFrom reads the grants list's filters; a bad one is a field error.
func (s *Service) filterFrom(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Q: strings.TrimSpace(q.Get("q")), Funder: strings.ToUpper(strings.TrimSpace(q.Get("funder"))), Theme: q.Get("theme"), All: q.Get("scope") == "all"}
	var v apperr.Validation
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > 2200 {
			v.Add("year", "Enter a year as four digits, for example 2012")
		} else {
			f.Year = n
		}
	}
	if wd := q.Get("ward"); wd != "" {
		c, ok := directory.CanonicalWard(wd)
		if !ok {
			v.Add("ward", "Select a ward from the list")
		}
		f.Ward = c
	}
	if f.Theme != "" && f.Theme != "none" {
		if _, err := taxonomy.ByCode(r.Context(), s.DB.Q(), taxonomy.Themes, f.Theme); err != nil {
			v.Add("theme", "Select a theme from the list")
			f.Theme = ""
		}
	}
	if len(q.Get("q")) > 200 {
		v.Add("q", "Search for at most 200 characters")
	}
	return f, v.Err()
}

var grantColumns = []web.Column[Grant]{
	{Header: "Identifier", Cell: func(g Grant) string { return g.Identifier }},
	{Header: "Title", Cell: func(g Grant) string { return g.Title }},
	{Header: "Award date", Cell: func(g Grant) string { return g.AwardDate }},
	{Header: "Currency", Cell: func(g Grant) string { return g.Currency }},
	{Header: "Amount awarded", Cell: func(g Grant) string { return plainMoney(g.AmountMinor) }},
	{Header: "Funder identifier", Cell: func(g Grant) string { return g.FunderIdentifier }},
	{Header: "Funder", Cell: func(g Grant) string { return g.FunderName }},
	{Header: "Recipient identifier", Cell: func(g Grant) string { return g.RecipientIdentifier }},
	{Header: "Recipient", Cell: func(g Grant) string { return g.RecipientName }},
	{Header: "Directory organisation", Cell: func(g Grant) string { return g.RecipientOrgName }},
	{Header: "Programme", Cell: func(g Grant) string { return g.Programme }},
	{Header: "Beneficiary location", Cell: func(g Grant) string { return g.BeneficiaryLocation }},
	{Header: "Theme", Cell: func(g Grant) string { return g.ThemeCode }},
}

func grantItem(g Grant) any {
	return map[string]any{"identifier": g.Identifier, "title": g.Title, "award_date": g.AwardDate, "currency": g.Currency,
		"amount_awarded": g.Amount(), "funder": map[string]string{"id": g.FunderIdentifier, "name": g.FunderName},
		"recipient": map[string]any{"id": g.RecipientIdentifier, "name": g.RecipientName, "organisation": g.RecipientOrgSlug, "matched_by": g.MatchMethod},
		"programme": g.Programme, "beneficiary_location": g.BeneficiaryLocation, "theme": g.ThemeCode, "data_source": g.DataSource}
}

// grantRow is a grant as the list shows it.
type grantRow struct {
	Grant
	Money string
}

func grantRows(gs []Grant) []grantRow {
	out := make([]grantRow, len(gs))
	for i, g := range gs {
		out[i] = grantRow{g, Money(g.AmountMinor, g.Currency)}
	}
	return out
}

// list is /funding/grants: the grants into the town (or every grant),
// searchable and filtered by funder, year, ward and theme.
func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, ferr := s.filterFrom(r)
	themes, err := taxonomy.List(ctx, s.DB.Q(), taxonomy.Themes, false)
	if err != nil {
		return err
	}
	funders, err := Funders(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	return web.ServeList(s.Web, w, r, web.List[Grant]{
		Name: "grants", Invalid: ferr, Columns: grantColumns, Item: grantItem,
		Fetch: func(ctx context.Context, limit, offset int) ([]Grant, int, error) {
			return List(ctx, s.DB.Q(), f, limit, offset)
		},
		Render: func(p web.ListPage[Grant]) error {
			return s.Web.Render(w, r, http.StatusOK, "grants/list.html", listView{
				View:    web.View{Title: "Grants", Err: p.Err, Form: r.URL.Query()},
				Grants:  grantRows(p.Items),
				Total:   p.Total,
				Pager:   p.PagerData(r),
				Themes:  themes,
				Funders: funders,
				Wards:   directory.Wards(),
				All:     f.All,
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

// wards is /funding/wards: grants into the town by ward, saying whether
// the ward is the grant's beneficiary location or its recipient's.
func (s *Service) wards(w http.ResponseWriter, r *http.Request) error {
	ts, err := ByWard(r.Context(), s.DB.Q(), Filter{})
	if err != nil {
		return err
	}
	var labels []string
	var values []float64
	byWard := map[string]float64{}
	var order []string
	for _, t := range ts {
		if t.Key == "" {
			continue
		}
		if _, ok := byWard[t.Key]; !ok {
			order = append(order, t.Key)
		}
		byWard[t.Key] += t.GBP()
	}
	for _, k := range order {
		labels = append(labels, k)
		values = append(values, byWard[k])
	}
	cols := append([]web.Column[Totals]{}, totalsColumns...)
	cols = append(cols, web.Column[Totals]{Header: "Ward taken from", Cell: func(t Totals) string { return sourceLabel(t.Source) }})
	return web.ServeList(s.Web, w, r, web.List[Totals]{
		Name: "grants-by-ward", PerPage: web.Unpaged, Fetch: web.Rows(ts), Columns: cols, Item: totalsItem,
		Render: func(p web.ListPage[Totals]) error {
			var chart any
			if len(labels) > 0 {
				chart = web.BarChart("Value of grants by ward (£, GBP grants)", labels, web.Series{Name: "£ awarded", Values: values})
			}
			return s.Web.Render(w, r, http.StatusOK, "grants/wards.html", wardsView{
				View:    web.View{Title: "Grants by ward"},
				Rows:    rows(p.Items),
				Chart:   chart,
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

func sourceLabel(src string) string {
	switch src {
	case "beneficiary":
		return "the grant's beneficiary location"
	case "recipient":
		return "the recipient's wards in the directory"
	}
	return "no ward known"
}

// themes is /funding/themes: grants into the town by theme.
func (s *Service) themes(w http.ResponseWriter, r *http.Request) error {
	ts, err := ByTheme(r.Context(), s.DB.Q(), Filter{})
	if err != nil {
		return err
	}
	var labels []string
	var values []float64
	for _, t := range ts {
		labels = append(labels, t.Label)
		values = append(values, t.GBP())
	}
	return web.ServeList(s.Web, w, r, web.List[Totals]{
		Name: "grants-by-theme", PerPage: web.Unpaged, Fetch: web.Rows(ts), Columns: totalsColumns, Item: totalsItem,
		Render: func(p web.ListPage[Totals]) error {
			var chart any
			if len(labels) > 0 {
				chart = web.BarChart("Value of grants by theme (£, GBP grants)", labels, web.Series{Name: "£ awarded", Values: values})
			}
			return s.Web.Render(w, r, http.StatusOK, "grants/themes.html", themesView{
				View:    web.View{Title: "Grants by theme"},
				Rows:    rows(p.Items),
				Chart:   chart,
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

// orgGrants is /funding/organisations/{org}: the grants an organisation
// received, linked from its directory profile.
func (s *Service) orgGrants(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgBySlug(ctx, s.DB.Q(), r.PathValue("org"))
	if err != nil {
		return err
	}
	years, err := ByYear(ctx, s.DB.Q(), Filter{OrgID: org.ID})
	if err != nil {
		return err
	}
	return web.ServeList(s.Web, w, r, web.List[Grant]{
		Name: "grants-" + org.Slug, Columns: grantColumns, Item: grantItem,
		Fetch: func(ctx context.Context, limit, offset int) ([]Grant, int, error) {
			return List(ctx, s.DB.Q(), Filter{OrgID: org.ID}, limit, offset)
		},
		Render: func(p web.ListPage[Grant]) error {
			return s.Web.Render(w, r, http.StatusOK, "grants/org.html", orgView{
				View:    web.View{Title: "Grants received by " + org.Name},
				Org:     org,
				Grants:  grantRows(p.Items),
				Years:   rows(years),
				Total:   p.Total,
				Pager:   p.PagerData(r),
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

// The admin upload: the file is checked with a dry run of the import
// and kept under DATA_DIR/uploads/grant-imports until confirmed; the
// confirm form carries its stored name and SHA-256, checked before the
// import, so exactly the previewed bytes are imported.

// MaxUpload is the largest file the upload page takes; bigger files go
// through `partnerhub import grants FILE`.
const MaxUpload = 20 << 20

var uploadPolicy = uploads.Policy{Field: "file", Max: MaxUpload, Types: []uploads.Type{uploads.JSON, uploads.CSV, uploads.XLSX}, Fallback: "grants"}

var storedName = regexp.MustCompile(`^[0-9a-f]{32}\.(json|csv|xlsx)$`)

func (s *Service) store() uploads.Store {
	base := s.Web.Config.DataDir
	if strings.TrimSpace(base) == "" {
		base = filepath.Join(os.TempDir(), "partnerhub")
	}
	return uploads.NewStore(filepath.Join(base, "uploads"), "grant-imports")
}

func (s *Service) importForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderImportForm(w, r, http.StatusOK, nil)
}

func (s *Service) renderImportForm(w http.ResponseWriter, r *http.Request, status int, err error) error {
	return s.Web.Render(w, r, status, "grants/admin_import.html", adminImportView{View: web.View{Title: "Import 360Giving grants", Err: err}, Hint: uploadPolicy.Hint()})
}

func fileErr(code, msg string) error {
	return &apperr.Error{Code: code, Message: msg, Fields: []apperr.FieldError{{Field: "file", Message: msg}}}
}

// importPreview checks an uploaded file with a dry run and shows what
// importing it would do.
func (s *Service) importPreview(w http.ResponseWriter, r *http.Request) error {
	form, err := uploads.ReadForm(r, MaxUpload)
	if err != nil && apperr.Code(err) != apperr.EINVALID {
		return err
	}
	f, err := uploadPolicy.Check(form)
	switch {
	case uploads.TooLarge(err):
		return s.renderImportForm(w, r, http.StatusRequestEntityTooLarge, fileErr(apperr.ETOOLARGE, uploadPolicy.TooLargeMessage()+" Import bigger files with partnerhub import grants FILE."))
	case err != nil && (form == nil || form.Files["file"] == nil):
		return s.renderImportForm(w, r, http.StatusUnprocessableEntity, fileErr(apperr.EINVALID, "Select a 360Giving JSON, CSV or XLSX file to upload"))
	case err != nil:
		return s.renderImportForm(w, r, http.StatusUnprocessableEntity, fileErr(apperr.EINVALID, apperr.Fields(err)[0].Message))
	}
	res, err := Import(r.Context(), s.DB, f.Data, Options{DryRun: true, Now: s.Now()})
	if apperr.Code(err) == apperr.EINVALID || apperr.Code(err) == apperr.ETOOLARGE {
		return s.renderImportForm(w, r, http.StatusUnprocessableEntity, fileErr(apperr.EINVALID, apperr.Message(err)))
	}
	if err != nil {
		return err
	}
	stored, err := s.store().Save(f)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(f.Data)
	preview := res.Grants
	more := 0
	if len(preview) > 200 {
		preview, more = preview[:200], len(preview)-200
	}
	return s.Web.Render(w, r, http.StatusOK, "grants/admin_preview.html", adminPreviewView{
		View:     web.View{Title: "Check the grants import"},
		Report:   res.Report,
		Res:      res,
		Grants:   grantRows(preview),
		More:     more,
		Filename: f.Name,
		Upload:   stored,
		SHA256:   hex.EncodeToString(sum[:]),
	})
}

// importConfirm imports the file previewed, if it is still the same.
func (s *Service) importConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Errorf(apperr.EINVALID, "The form could not be read")
	}
	name := r.PostForm.Get("upload")
	if !storedName.MatchString(name) {
		return s.renderImportForm(w, r, http.StatusUnprocessableEntity, fileErr(apperr.EINVALID, "The file to import was not found: upload it again"))
	}
	st := s.store()
	data, err := os.ReadFile(filepath.Join(st.Dir, name))
	if err != nil {
		return s.renderImportForm(w, r, http.StatusUnprocessableEntity, fileErr(apperr.EINVALID, "The file to import is no longer on the server: upload it again"))
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != r.PostForm.Get("sha256") {
		return s.renderImportForm(w, r, http.StatusUnprocessableEntity, fileErr(apperr.EINVALID, "The file changed after it was checked: upload it again"))
	}
	res, err := Import(r.Context(), s.DB, data, Options{Now: s.Now(), UserID: web.IdentityFrom(r.Context()).UserID})
	if apperr.Code(err) == apperr.EINVALID {
		return s.renderImportForm(w, r, http.StatusUnprocessableEntity, fileErr(apperr.EINVALID, apperr.Message(err)))
	}
	if err != nil {
		return err
	}
	st.Discard(name)
	msg := fmt.Sprintf("Imported: %d grants added, %d updated, %d unchanged, %d rejected; %d matched to directory organisations, %d matches proposed.",
		res.Created, res.Updated, res.Unchanged, len(res.Rejected), res.Matched, res.Proposed)
	target := "/funding"
	if res.Proposed > 0 {
		target = "/admin/grants/matches"
	}
	return web.Redirect(w, r, target, msg)
}

// matches is /admin/grants/matches: recipients proposed as directory
// organisations, to confirm or reject.
func (s *Service) matches(w http.ResponseWriter, r *http.Request) error {
	status := r.URL.Query().Get("status")
	if status != "confirmed" && status != "rejected" {
		status = "proposed"
	}
	return web.ServeList(s.Web, w, r, web.List[Proposal]{
		Name: "grant-matches-" + status,
		Fetch: func(ctx context.Context, limit, offset int) ([]Proposal, int, error) {
			return Proposals(ctx, s.DB.Q(), status, limit, offset)
		},
		Columns: []web.Column[Proposal]{
			{Header: "Recipient", Cell: func(p Proposal) string { return p.RecipientName }},
			{Header: "Recipient key", Cell: func(p Proposal) string { return p.RecipientKey }},
			{Header: "Recipient postcode", Cell: func(p Proposal) string { return p.RecipientPostcode }},
			{Header: "Organisation", Cell: func(p Proposal) string { return p.OrgName }},
			{Header: "Organisation postcode", Cell: func(p Proposal) string { return p.OrgPostcode }},
			{Header: "Confidence", Cell: func(p Proposal) string { return strconv.Itoa(p.Confidence) }},
			{Header: "Why", Cell: func(p Proposal) string { return p.Reason }},
			{Header: "Grants", Cell: func(p Proposal) string { return strconv.Itoa(p.Grants) }},
			{Header: "Total GBP", Cell: func(p Proposal) string { return plainMoney(p.GBP) }},
		},
		Render: func(p web.ListPage[Proposal]) error {
			out := make([]proposalRow, len(p.Items))
			for i, x := range p.Items {
				out[i] = proposalRow{x, Money(x.GBP, "GBP")}
			}
			return s.Web.Render(w, r, http.StatusOK, "grants/admin_matches.html", adminMatchesView{
				View:    web.View{Title: "Grant recipients to match"},
				Rows:    out,
				Status:  status,
				Total:   p.Total,
				Pager:   p.PagerData(r),
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

// decide confirms or rejects one proposal.
func (s *Service) decide(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "Proposed match")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Errorf(apperr.EINVALID, "The form could not be read")
	}
	decision := r.PostForm.Get("decision")
	if decision != "confirm" && decision != "reject" {
		return apperr.Errorf(apperr.EINVALID, "Choose to confirm or reject the match")
	}
	var p Proposal
	var n int
	err = s.DB.Write(r.Context(), func(tx *db.Tx) error {
		var err error
		p, n, err = Decide(r.Context(), tx, id, decision == "confirm", web.IdentityFrom(r.Context()).UserID)
		return err
	})
	if apperr.Code(err) == apperr.EINVALID {
		return web.Redirect(w, r, "/admin/grants/matches", apperr.Message(err))
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Rejected: %s is not %s.", p.RecipientName, p.OrgName)
	if decision == "confirm" {
		msg = fmt.Sprintf("Confirmed: %s is %s; %d grants matched.", p.RecipientName, p.OrgName, n)
	}
	return web.Redirect(w, r, "/admin/grants/matches", msg)
}
