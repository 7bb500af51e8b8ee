package assess

import (
	"fmt"
	"net/http"
	"net/url"
	"partnerhub/internal/clean"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// The form-based framework editor (admins): one thing per page, changes a
// draft version through updateDraft (so Validate is the one check and every
// change is audited). Published, superseded and in-use versions are refused.

func (s *Service) frameworkEditRoutes() []web.Route {
	const b = "/admin/frameworks/{fid}/edit"
	return []web.Route{
		web.Get(b+"/name", web.Admin, s.fwNameForm),
		web.Post(b+"/name", web.Admin, s.fwNameSave),
		web.Get(b+"/areas/new", web.Admin, s.fwAreaForm),
		web.Post(b+"/areas/new", web.Admin, s.fwAreaSave),
		web.Get(b+"/areas/{area}", web.Admin, s.fwAreaForm),
		web.Post(b+"/areas/{area}", web.Admin, s.fwAreaSave),
		web.Post(b+"/areas/{area}/move", web.Admin, s.fwAreaMove),
		web.Get(b+"/areas/{area}/remove", web.Admin, s.fwAreaRemoveForm),
		web.Post(b+"/areas/{area}/remove", web.Admin, s.fwAreaRemove),
		web.Get(b+"/areas/{area}/indicators/new", web.Admin, s.fwIndicatorForm),
		web.Post(b+"/areas/{area}/indicators/new", web.Admin, s.fwIndicatorSave),
		web.Get(b+"/areas/{area}/indicators/{ind}", web.Admin, s.fwIndicatorForm),
		web.Post(b+"/areas/{area}/indicators/{ind}", web.Admin, s.fwIndicatorSave),
		web.Post(b+"/areas/{area}/indicators/{ind}/move", web.Admin, s.fwIndicatorMove),
		web.Get(b+"/areas/{area}/indicators/{ind}/remove", web.Admin, s.fwIndicatorRemoveForm),
		web.Post(b+"/areas/{area}/indicators/{ind}/remove", web.Admin, s.fwIndicatorRemove),
		web.Get(b+"/results/new", web.Admin, s.fwResultForm),
		web.Post(b+"/results/new", web.Admin, s.fwResultSave),
		web.Get(b+"/results/{res}", web.Admin, s.fwResultForm),
		web.Post(b+"/results/{res}", web.Admin, s.fwResultSave),
		web.Get(b+"/results/{res}/remove", web.Admin, s.fwResultRemoveForm),
		web.Post(b+"/results/{res}/remove", web.Admin, s.fwResultRemove),
	}
}

// Editable reports whether the version can still be changed.
func (r *FrameworkRow) Editable() bool { return r.Status == "draft" && r.InUse == 0 }

// loadDraft loads the framework in the path and refuses a version that
// cannot be edited (only "create a new version" is offered for those).
func (s *Service) loadDraft(r *http.Request) (*FrameworkRow, error) {
	fw, err := s.loadFramework(r)
	if err != nil {
		return nil, err
	}
	if !fw.Editable() {
		return nil, apperr.Errorf(apperr.ECONFLICT, "This framework version is %s and cannot be edited; create a new version instead", statusWords(fw))
	}
	return fw, nil
}

func fwURL(fw *FrameworkRow) string { return fmt.Sprintf("/admin/frameworks/%d", fw.ID) }

// formFields maps the framework's validation errors onto a form: messages
// for fields the form has stay on them, the rest go to fallback.
func formFields(err error, fields []string, fallback string) error {
	keep := map[string]bool{}
	for _, f := range fields {
		keep[f] = true
	}
	msgs := map[string][]string{}
	var order []string
	add := func(field, m string) {
		if _, ok := msgs[field]; !ok {
			order = append(order, field)
		}
		msgs[field] = append(msgs[field], m)
	}
	for _, f := range apperr.Fields(err) {
		if keep[f.Field] {
			add(f.Field, f.Message)
		} else {
			add(fallback, f.Message)
		}
	}
	if len(order) == 0 {
		add(fallback, apperr.Message(err))
	}
	v := &apperr.Validation{}
	for _, f := range order {
		v.Add(f, strings.Join(msgs[f], ". "))
	}
	return v.Err()
}

// applyChange applies change to a copy of the draft and stores the copy
// (updateDraft validates it and audits the action).
func (s *Service) applyChange(r *http.Request, fw *FrameworkRow, change func(f *Framework) (action, detail string, err error)) error {
	f := fw.F.Clone()
	action, detail, err := change(f)
	if err != nil {
		return err
	}
	ctx := r.Context()
	return s.DB.Write(ctx, func(tx *db.Tx) error { return updateDraft(ctx, tx, fw.ID, f, action, detail) })
}

// draftAt loads the draft in the path and finds in it, with find, the part
// the path names.
func draftAt[P any](s *Service, r *http.Request, find func(*http.Request, *Framework) (P, error)) (*FrameworkRow, P, error) {
	var none P
	fw, err := s.loadDraft(r)
	if err != nil {
		return nil, none, err
	}
	at, err := find(r, fw.F)
	if err != nil {
		return nil, none, err
	}
	return fw, at, nil
}

// draftForm is draftAt for a form post: the form is parsed too.
func draftForm[P any](s *Service, r *http.Request, find func(*http.Request, *Framework) (P, error)) (*FrameworkRow, P, error) {
	fw, at, err := draftAt(s, r, find)
	if err != nil {
		return nil, at, err
	}
	if err := web.ParseForm(r); err != nil {
		return nil, at, err
	}
	return fw, at, nil
}

// editPage is one page of the editor.
type editPage struct {
	tmpl, title string
	fields      []string   // form fields; validation messages elsewhere go to the first
	data        fwEditView // the page's own fields; renderEdit adds the rest
}

// saveEdit applies change to a copy of the draft and stores it. Invalid
// input (from the form or the framework's validation) re-renders the page
// with field messages and a 422; success returns to the framework page.
func (s *Service) saveEdit(w http.ResponseWriter, r *http.Request, fw *FrameworkRow, pg editPage, change func(f *Framework) (action, detail string, err error), flash string) error {
	err := s.applyChange(r, fw, change)
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderEdit(w, r, fw, pg, 422, r.PostForm, formFields(err, pg.fields, pg.fields[0]))
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, fwURL(fw), flash)
}

func (s *Service) renderEdit(w http.ResponseWriter, r *http.Request, fw *FrameworkRow, pg editPage, status int, form url.Values, err error) error {
	data := pg.data
	data.View = web.View{Title: pg.title, Form: form, Err: err}
	data.FW, data.Action = fw, r.URL.Path
	return s.Web.Render(w, r, status, "assess/"+pg.tmpl, data)
}

// confirm shows "Are you sure" before a removal.
func (s *Service) confirmRemove(w http.ResponseWriter, r *http.Request, fw *FrameworkRow, title, question, button string) error {
	return s.Web.Confirm(w, r, web.Confirm{Title: title, Question: question, Button: button, Back: fwURL(fw), BackText: "Cancel"})
}

// removeOrExplain stores a removal; when the framework would no longer be
// valid (an area without indicators, no areas) the framework page shows why.
func (s *Service) removeOrExplain(w http.ResponseWriter, r *http.Request, fw *FrameworkRow, change func(f *Framework) (string, string, error), flash string) error {
	err := s.applyChange(r, fw, change)
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderFramework(w, r, fw, string(fw.F.JSON()), 422, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, fwURL(fw), flash)
}

func parseNumber(v *apperr.Validation, form url.Values, field, msg string) float64 {
	x, err := strconv.ParseFloat(strings.TrimSpace(form.Get(field)), 64)
	v.Check(err == nil, field, msg)
	return x
}

func fnum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// Name and description.

func namePage() editPage {
	return editPage{tmpl: "fw-name.html", title: "Framework name", fields: []string{"name", "description"}}
}

func (s *Service) fwNameForm(w http.ResponseWriter, r *http.Request) error {
	fw, err := s.loadDraft(r)
	if err != nil {
		return err
	}
	return s.renderEdit(w, r, fw, namePage(), 200, url.Values{"name": {fw.F.Name}, "description": {fw.F.Description}}, nil)
}

func (s *Service) fwNameSave(w http.ResponseWriter, r *http.Request) error {
	fw, err := s.loadDraft(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	return s.saveEdit(w, r, fw, namePage(), func(f *Framework) (string, string, error) {
		f.Name = clean.Line(r.PostForm.Get("name"))
		f.Description = clean.Text(r.PostForm.Get("description"))
		return "framework.edit_name", f.Name, nil
	}, "The framework name has been saved.")
}

// Areas.

func (s *Service) areaPage(fw *FrameworkRow, a *Area) editPage {
	pg := editPage{tmpl: "fw-area.html", title: "Add an area", fields: []string{"title", "summary", "weight", "text", "guidance", "evidence", "scale", "levels", "ind_weight", "gate"}, data: fwEditView{New: a == nil}}
	if a != nil {
		pg.title = "Change area: " + a.Title
		pg.fields = pg.fields[:3]
		pg.data.Area = a
	}
	pg.data.HealthCheck = fw.Kind == KindHealthCheck
	return pg
}

// pathArea finds the area named in the path ("" for a new one).
func pathArea(r *http.Request, f *Framework) (int, error) {
	code := r.PathValue("area")
	if code == "" {
		return -1, nil
	}
	i := f.areaIndex(code)
	if i < 0 {
		return 0, apperr.NotFound("area")
	}
	return i, nil
}

// existingArea is pathArea for an area that must exist.
func existingArea(r *http.Request, f *Framework) (int, error) {
	i, err := pathArea(r, f)
	if err != nil || i < 0 {
		return 0, apperr.NotFound("area")
	}
	return i, nil
}

func (s *Service) fwAreaForm(w http.ResponseWriter, r *http.Request) error {
	fw, i, err := draftAt(s, r, pathArea)
	if err != nil {
		return err
	}
	if i < 0 {
		return s.renderEdit(w, r, fw, s.areaPage(fw, nil), 200, url.Values{"weight": {"1"}, "ind_weight": {"1"}}, nil)
	}
	a := &fw.F.Areas[i]
	return s.renderEdit(w, r, fw, s.areaPage(fw, a), 200, url.Values{"title": {a.Title}, "summary": {a.Summary}, "weight": {fnum(a.Weight)}}, nil)
}

func (s *Service) fwAreaSave(w http.ResponseWriter, r *http.Request) error {
	fw, i, err := draftForm(s, r, pathArea)
	if err != nil {
		return err
	}
	var cur *Area
	if i >= 0 {
		cur = &fw.F.Areas[i]
	}
	return s.saveEdit(w, r, fw, s.areaPage(fw, cur), func(f *Framework) (string, string, error) {
		v := &apperr.Validation{}
		title := clean.Line(r.PostForm.Get("title"))
		v.Check(title != "", "title", "Enter the area name")
		weight := parseNumber(v, r.PostForm, "weight", "Enter the area's weight as a number above 0, such as 1")
		var in Indicator
		if i < 0 {
			in = indicatorFrom(v, r.PostForm, "ind_weight")
		}
		if err := v.Err(); err != nil {
			return "", "", err
		}
		if i >= 0 {
			a := &f.Areas[i]
			a.Title, a.Summary, a.Weight = title, clean.Text(r.PostForm.Get("summary")), weight
			return "framework.edit_area", a.Code + " " + title, nil
		}
		used := f.usedCodes()
		a := Area{Code: newCode(title, "", used), Title: title, Summary: clean.Text(r.PostForm.Get("summary")), Weight: weight}
		in.Code = newCode(a.Code+" "+in.Text, "", used)
		a.Indicators = []Indicator{in}
		f.Areas = append(f.Areas, a)
		return "framework.add_area", a.Code + " " + title, nil
	}, "The area has been saved.")
}

func (s *Service) fwAreaMove(w http.ResponseWriter, r *http.Request) error {
	fw, i, err := draftForm(s, r, existingArea)
	if err != nil {
		return err
	}
	up := r.PostForm.Get("direction") == "up"
	return s.removeOrExplain(w, r, fw, func(f *Framework) (string, string, error) {
		if !move(f.Areas, i, up) {
			return "", "", apperr.Errorf(apperr.EINVALID, "That area cannot move further")
		}
		return "framework.move_area", f.Areas[i].Code + " " + r.PostForm.Get("direction"), nil
	}, "The area has been moved.")
}

func (s *Service) fwAreaRemoveForm(w http.ResponseWriter, r *http.Request) error {
	fw, i, err := draftAt(s, r, existingArea)
	if err != nil {
		return err
	}
	a := fw.F.Areas[i]
	return s.confirmRemove(w, r, fw, "Remove area",
		fmt.Sprintf("Are you sure you want to remove the area %q and its %d indicators from this draft?", a.Title, len(a.Indicators)), "Remove area")
}

func (s *Service) fwAreaRemove(w http.ResponseWriter, r *http.Request) error {
	fw, i, err := draftAt(s, r, existingArea)
	if err != nil {
		return err
	}
	return s.removeOrExplain(w, r, fw, func(f *Framework) (string, string, error) {
		a := f.Areas[i]
		f.Areas = append(f.Areas[:i], f.Areas[i+1:]...)
		return "framework.remove_area", a.Code + " " + a.Title, nil
	}, "The area has been removed.")
}

// Indicators.

// indicatorFrom reads an indicator's fields (code aside).
func indicatorFrom(v *apperr.Validation, form url.Values, weightField string) Indicator {
	in := Indicator{Text: clean.Text(form.Get("text")), Guidance: clean.Text(form.Get("guidance")),
		Evidence: clean.Text(form.Get("evidence")), Scale: form.Get("scale")}
	v.Check(in.Text != "", "text", "Enter the indicator text")
	v.Check(in.Scale == ScaleMet || in.Scale == ScaleAgree5 || in.Scale == ScaleLevels, "scale", "Select the rating scale")
	if in.Scale == ScaleLevels {
		for _, l := range strings.Split(form.Get("levels"), "\n") {
			if l = clean.Line(l); l != "" {
				in.Levels = append(in.Levels, l)
			}
		}
		v.Check(len(in.Levels) >= 2 && len(in.Levels) <= 10, "levels", "Enter between 2 and 10 level descriptors, one per line, lowest first")
	}
	in.Weight = parseNumber(v, form, weightField, "Enter the indicator's weight as a number above 0, such as 1")
	in.Gate = form.Get("gate")
	return in
}

func (s *Service) indicatorPage(fw *FrameworkRow, a *Area, in *Indicator) editPage {
	pg := editPage{tmpl: "fw-indicator.html", title: "Add an indicator to " + a.Title, fields: []string{"text", "guidance", "evidence", "scale", "levels", "ind_weight", "gate"},
		data: fwEditView{Area: a, HealthCheck: fw.Kind == KindHealthCheck}}
	if in != nil {
		pg.title = "Change indicator"
		pg.data.Indicator = in
	}
	return pg
}

// indicatorAt is where an indicator stands: Areas[i].Indicators[j].
type indicatorAt struct{ i, j int }

// pathIndicator finds the area and indicator in the path (j < 0: new).
func pathIndicator(r *http.Request, f *Framework) (indicatorAt, error) {
	i, err := pathArea(r, f)
	if err != nil || i < 0 {
		return indicatorAt{}, apperr.NotFound("area")
	}
	code := r.PathValue("ind")
	if code == "" {
		return indicatorAt{i, -1}, nil
	}
	j := f.Areas[i].indicatorIndex(code)
	if j < 0 {
		return indicatorAt{}, apperr.NotFound("indicator")
	}
	return indicatorAt{i, j}, nil
}

// existingIndicator is pathIndicator for an indicator that must exist.
func existingIndicator(r *http.Request, f *Framework) (indicatorAt, error) {
	at, err := pathIndicator(r, f)
	if err != nil || at.j < 0 {
		return indicatorAt{}, apperr.NotFound("indicator")
	}
	return at, nil
}

func (s *Service) fwIndicatorForm(w http.ResponseWriter, r *http.Request) error {
	fw, at, err := draftAt(s, r, pathIndicator)
	if err != nil {
		return err
	}
	i, j := at.i, at.j
	a := &fw.F.Areas[i]
	if j < 0 {
		return s.renderEdit(w, r, fw, s.indicatorPage(fw, a, nil), 200, url.Values{"ind_weight": {"1"}}, nil)
	}
	in := &a.Indicators[j]
	form := url.Values{"text": {in.Text}, "guidance": {in.Guidance}, "evidence": {in.Evidence}, "scale": {in.Scale}, "levels": {strings.Join(in.Levels, "\n")}, "ind_weight": {fnum(in.Weight)}, "gate": {in.Gate}}
	return s.renderEdit(w, r, fw, s.indicatorPage(fw, a, in), 200, form, nil)
}

func (s *Service) fwIndicatorSave(w http.ResponseWriter, r *http.Request) error {
	fw, at, err := draftForm(s, r, pathIndicator)
	if err != nil {
		return err
	}
	i, j := at.i, at.j
	var cur *Indicator
	if j >= 0 {
		cur = &fw.F.Areas[i].Indicators[j]
	}
	return s.saveEdit(w, r, fw, s.indicatorPage(fw, &fw.F.Areas[i], cur), func(f *Framework) (string, string, error) {
		v := &apperr.Validation{}
		in := indicatorFrom(v, r.PostForm, "ind_weight")
		if err := v.Err(); err != nil {
			return "", "", err
		}
		a := &f.Areas[i]
		if j >= 0 {
			in.Code = a.Indicators[j].Code
			a.Indicators[j] = in
			return "framework.edit_indicator", in.Code, nil
		}
		in.Code = newCode(a.Code+" "+in.Text, "", f.usedCodes())
		a.Indicators = append(a.Indicators, in)
		return "framework.add_indicator", in.Code, nil
	}, "The indicator has been saved.")
}

func (s *Service) fwIndicatorMove(w http.ResponseWriter, r *http.Request) error {
	fw, at, err := draftForm(s, r, existingIndicator)
	if err != nil {
		return err
	}
	i, j := at.i, at.j
	up := r.PostForm.Get("direction") == "up"
	return s.removeOrExplain(w, r, fw, func(f *Framework) (string, string, error) {
		if !move(f.Areas[i].Indicators, j, up) {
			return "", "", apperr.Errorf(apperr.EINVALID, "That indicator cannot move further")
		}
		return "framework.move_indicator", fw.F.Areas[i].Indicators[j].Code + " " + r.PostForm.Get("direction"), nil
	}, "The indicator has been moved.")
}

func (s *Service) fwIndicatorRemoveForm(w http.ResponseWriter, r *http.Request) error {
	fw, at, err := draftAt(s, r, existingIndicator)
	if err != nil {
		return err
	}
	i, j := at.i, at.j
	return s.confirmRemove(w, r, fw, "Remove indicator",
		fmt.Sprintf("Are you sure you want to remove the indicator %q from the area %q in this draft?", fw.F.Areas[i].Indicators[j].Text, fw.F.Areas[i].Title), "Remove indicator")
}

func (s *Service) fwIndicatorRemove(w http.ResponseWriter, r *http.Request) error {
	fw, at, err := draftAt(s, r, existingIndicator)
	if err != nil {
		return err
	}
	i, j := at.i, at.j
	return s.removeOrExplain(w, r, fw, func(f *Framework) (string, string, error) {
		a := &f.Areas[i]
		code := a.Indicators[j].Code
		a.Indicators = append(a.Indicators[:j], a.Indicators[j+1:]...)
		return "framework.remove_indicator", code, nil
	}, "The indicator has been removed.")
}

// Result bands (thresholds).

func resultPage(o *Outcome) editPage {
	pg := editPage{tmpl: "fw-result.html", title: "Add a result band", fields: []string{"label", "min_overall", "min_area", "counts"}}
	if o != nil {
		pg.title = "Change result band: " + o.Label
		pg.data.Result = o
	}
	return pg
}

func pathResult(r *http.Request, f *Framework) (int, error) {
	code := r.PathValue("res")
	if code == "" {
		return -1, nil
	}
	for i := range f.Results {
		if f.Results[i].Code == code {
			return i, nil
		}
	}
	return 0, apperr.NotFound("result band")
}

// existingResult is pathResult for a result band that must exist.
func existingResult(r *http.Request, f *Framework) (int, error) {
	i, err := pathResult(r, f)
	if err != nil || i < 0 {
		return 0, apperr.NotFound("result band")
	}
	return i, nil
}

func (s *Service) fwResultForm(w http.ResponseWriter, r *http.Request) error {
	fw, i, err := draftAt(s, r, pathResult)
	if err != nil {
		return err
	}
	if i < 0 {
		return s.renderEdit(w, r, fw, resultPage(nil), 200, url.Values{"min_overall": {"0"}, "min_area": {"0"}}, nil)
	}
	o := &fw.F.Results[i]
	form := url.Values{"label": {o.Label}, "min_overall": {fnum(o.MinOverall)}, "min_area": {fnum(o.MinArea)}}
	if o.Counts {
		form.Set("counts", "yes")
	}
	return s.renderEdit(w, r, fw, resultPage(o), 200, form, nil)
}

func (s *Service) fwResultSave(w http.ResponseWriter, r *http.Request) error {
	fw, i, err := draftForm(s, r, pathResult)
	if err != nil {
		return err
	}
	var cur *Outcome
	if i >= 0 {
		cur = &fw.F.Results[i]
	}
	return s.saveEdit(w, r, fw, resultPage(cur), func(f *Framework) (string, string, error) {
		v := &apperr.Validation{}
		o := Outcome{Label: clean.Line(r.PostForm.Get("label")), Counts: r.PostForm.Get("counts") == "yes"}
		v.Check(o.Label != "", "label", "Enter the result band's label, such as Ready")
		o.MinOverall = parseNumber(v, r.PostForm, "min_overall", "Enter the minimum overall score as a number from 0 to 100")
		v.Check(o.MinOverall >= 0 && o.MinOverall <= 100, "min_overall", "Enter the minimum overall score as a number from 0 to 100")
		o.MinArea = parseNumber(v, r.PostForm, "min_area", "Enter the minimum score in every area as a number from 0 to 100")
		v.Check(o.MinArea >= 0 && o.MinArea <= 100, "min_area", "Enter the minimum score in every area as a number from 0 to 100")
		if err := v.Err(); err != nil {
			return "", "", err
		}
		action := "framework.edit_result"
		if i >= 0 {
			o.Code = f.Results[i].Code
			f.Results[i] = o
		} else {
			o.Code = newCode(o.Label, "result:", f.usedCodes())
			f.Results = append(f.Results, o)
			action = "framework.add_result"
		}
		sortResults(f.Results)
		return action, fmt.Sprintf("%s overall %s area %s", o.Code, fnum(o.MinOverall), fnum(o.MinArea)), nil
	}, "The result band has been saved.")
}

func (s *Service) fwResultRemoveForm(w http.ResponseWriter, r *http.Request) error {
	fw, i, err := draftAt(s, r, existingResult)
	if err != nil {
		return err
	}
	return s.confirmRemove(w, r, fw, "Remove result band",
		fmt.Sprintf("Are you sure you want to remove the result band %q from this draft?", fw.F.Results[i].Label), "Remove result band")
}

func (s *Service) fwResultRemove(w http.ResponseWriter, r *http.Request) error {
	fw, i, err := draftAt(s, r, existingResult)
	if err != nil {
		return err
	}
	return s.removeOrExplain(w, r, fw, func(f *Framework) (string, string, error) {
		code := f.Results[i].Code
		f.Results = append(f.Results[:i], f.Results[i+1:]...)
		return "framework.remove_result", code, nil
	}, "The result band has been removed.")
}
