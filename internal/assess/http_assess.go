package assess

import (
	"context"
	"fmt"
	"net/http"
	"partnerhub/internal/clean"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

// areaRow is an area's progress on the task list.
type areaRow struct {
	Area     Area
	Answered int
	Total    int
	Evidence int
}

func (s *Service) progress(r *http.Request, v *view, table string) ([]areaRow, map[string]Answer, map[string][]Evidence, error) {
	ans, err := Answers(r.Context(), s.DB.Q(), table, v.A.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	ev, err := EvidenceOf(r.Context(), s.DB.Q(), v.A.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	var rows []areaRow
	for _, a := range v.FW.F.Areas {
		row := areaRow{Area: a, Total: len(a.Indicators)}
		for _, in := range a.Indicators {
			if x, ok := ans[in.Code]; ok && x.Rating != nil {
				row.Answered++
			}
			row.Evidence += len(ev[in.Code])
		}
		rows = append(rows, row)
	}
	return rows, ans, ev, nil
}

func (s *Service) overview(w http.ResponseWriter, r *http.Request) error {
	v, err := s.load(r)
	if err != nil {
		return err
	}
	return s.renderOverview(w, r, v, 200, nil)
}

func (s *Service) renderOverview(w http.ResponseWriter, r *http.Request, v *view, status int, err error) error {
	ctx := r.Context()
	rows, ans, _, perr := s.progress(r, v, "assess_answers")
	if perr != nil {
		return perr
	}
	contributors, cerr := Contributors(ctx, s.DB.Q(), v.A.ID)
	if cerr != nil {
		return cerr
	}
	var assessors []Person
	if v.Ac.Admin {
		if assessors, cerr = Assessors(ctx, s.DB.Q()); cerr != nil {
			return cerr
		}
	}
	// When the reviewer has asked for more evidence, show what they asked
	// for where the applicant will read it, not only in the history.
	var request *HistoryEntry
	if v.A.Status == StatusMoreEvidence {
		h, herr := HistoryOf(ctx, s.DB.Q(), v.A.ID)
		if herr != nil {
			return herr
		}
		for i := range h {
			if h[i].Action == "request_evidence" {
				request = &h[i]
			}
		}
	}
	res := Score(v.FW.F, Ratings(ans))
	var invited []Invitation
	if v.Ac.Lead {
		if invited, cerr = PendingInvitations(ctx, s.DB.Q(), v.A.ID); cerr != nil {
			return cerr
		}
	}
	return s.Web.Render(w, r, status, "assess/assessment.html", assessmentView{
		View:         web.View{Title: v.FW.F.Name + ": " + v.A.SubjectName, Err: err, Form: r.PostForm},
		V:            v,
		Rows:         rows,
		Res:          res,
		Contributors: contributors,
		Invited:      invited,
		Assessors:    assessors,
		Request:      request,
	})
}

func (s *Service) areaOf(r *http.Request, v *view) (*Area, error) {
	a := v.FW.F.Area(r.PathValue("area"))
	if a == nil {
		return nil, apperr.NotFound("area")
	}
	return a, nil
}

func (s *Service) areaForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.load(r)
	if err != nil {
		return err
	}
	area, err := s.areaOf(r, v)
	if err != nil {
		return err
	}
	return s.renderArea(w, r, v, area, 200, nil)
}

func (s *Service) renderArea(w http.ResponseWriter, r *http.Request, v *view, area *Area, status int, err error) error {
	_, ans, ev, perr := s.progress(r, v, "assess_answers")
	if perr != nil {
		return perr
	}
	if err != nil && r.PostForm.Get("form") == "answers" {
		for k, a := range readAnswers(r, area) {
			ans[k] = a
		}
	}
	links, lerr := Linkable(r.Context(), s.DB.Q(), v.A)
	if lerr != nil {
		return lerr
	}
	return s.Web.Render(w, r, status, "assess/area.html", areaView{
		View:     web.View{Title: area.Title, Err: err, Form: r.PostForm},
		V:        v,
		Area:     area,
		Answers:  ans,
		Evidence: ev,
		FileHint: EvidencePolicy.Hint(),
		Links:    links,
		Editable: v.Ac.Contributor && v.A.Editable(),
	})
}

// readAnswers reads r_<code> and c_<code> fields for an area's indicators.
func readAnswers(r *http.Request, area *Area) map[string]Answer {
	out := map[string]Answer{}
	for _, in := range area.Indicators {
		raw := strings.TrimSpace(r.PostForm.Get("r_" + in.Code))
		an := Answer{Comment: clean.Text(r.PostForm.Get("c_" + in.Code))}
		if raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				n = -99
			}
			an.Rating = &n
		}
		out[in.Code] = an
	}
	return out
}

func (s *Service) areaSave(w http.ResponseWriter, r *http.Request) error {
	v, err := s.load(r)
	if err != nil {
		return err
	}
	area, err := s.areaOf(r, v)
	if err != nil {
		return err
	}
	if err := v.needEdit(); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	return s.saveForm(w, r, func(ctx context.Context, tx *db.Tx) error {
		return SaveAnswers(ctx, tx, v.A, v.FW.F, "assess_answers", area, readAnswers(r, area))
	}, func(err error) error { return s.renderArea(w, r, v, area, 422, err) },
		fmt.Sprintf("/assessments/%d", v.A.ID), "Your answers for "+area.Title+" have been saved.")
}

// evidenceUpload adds a file to an indicator. The upload button is part
// of the area's answers form, so the answers and comments typed on the
// page are saved with the file (in one transaction) instead of being lost.
func (s *Service) evidenceUpload(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadEditable(r)
	if err != nil {
		return err
	}
	form, err := uploads.ReadForm(r, EvidencePolicy.Max)
	if err != nil && apperr.Code(err) != apperr.EINVALID {
		return err
	}
	indicator := form.Values.Get("indicator")
	area, in := v.FW.F.Indicator(indicator)
	if in == nil {
		return apperr.Errorf(apperr.EINVALID, "Choose the indicator the evidence is for")
	}
	pol := EvidencePolicy
	pol.Field = "file_" + indicator
	if _, ok := form.Files[pol.Field]; !ok && form.Files["file"] != nil {
		form.Files[pol.Field] = form.Files["file"] // a form with one file field
	}
	file, err := pol.Check(form)
	if err != nil {
		return s.renderArea(w, r, v, area, uploads.Status(err), err)
	}
	store := EvidenceStore(s.uploadDir())
	stored, err := store.Save(file)
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := saveTypedAnswers(ctx, tx, r, v, area); err != nil {
			return err
		}
		_, err := AddFile(ctx, tx, v.A, v.FW.F, indicator, file, stored)
		return err
	})
	if err != nil {
		store.Discard(stored)
		if apperr.Is(err, apperr.EINVALID) {
			return s.renderArea(w, r, v, area, http.StatusUnprocessableEntity, err)
		}
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/assessments/%d/areas/%s#%s", v.A.ID, area.Code, indicator), "The evidence file has been added"+answersSaved(r)+".")
}

// saveTypedAnswers saves the answers of the area's form when the evidence
// was sent with them (form=answers).
func saveTypedAnswers(ctx context.Context, tx *db.Tx, r *http.Request, v *view, area *Area) error {
	if r.PostForm.Get("form") != "answers" {
		return nil
	}
	return SaveAnswers(ctx, tx, v.A, v.FW.F, "assess_answers", area, readAnswers(r, area))
}

func answersSaved(r *http.Request) string {
	if r.PostForm.Get("form") == "answers" {
		return " and your answers on this page have been saved"
	}
	return ""
}

func (s *Service) evidenceLink(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadEditable(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	indicator := r.PostForm.Get("indicator")
	area, in := v.FW.F.Indicator(indicator)
	if in == nil {
		return apperr.Errorf(apperr.EINVALID, "Choose the indicator the evidence is for")
	}
	links, err := Linkable(ctx, s.DB.Q(), v.A)
	if err != nil {
		return err
	}
	key := r.PostForm.Get("record_" + indicator)
	if key == "" {
		key = r.PostForm.Get("record")
	}
	var pick *LinkableRecord
	for i := range links {
		if key == links[i].Key {
			pick = &links[i]
		}
	}
	if pick == nil {
		ve := &apperr.Validation{}
		ve.Add("record_"+indicator, "Choose a record to link")
		return s.renderArea(w, r, v, area, 422, ve.Err())
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := saveTypedAnswers(ctx, tx, r, v, area); err != nil {
			return err
		}
		return AddLink(ctx, tx, v.A, v.FW.F, indicator, pick.Type, pick.ID, pick.Label)
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderArea(w, r, v, area, http.StatusUnprocessableEntity, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/assessments/%d/areas/%s#%s", v.A.ID, area.Code, indicator), "The record has been linked as evidence"+answersSaved(r)+".")
}

// evidenceDownload serves a file only to people who may see the
// assessment, always as an attachment.
func (s *Service) evidenceDownload(w http.ResponseWriter, r *http.Request) error {
	v, err := s.load(r)
	if err != nil {
		return err
	}
	eid, err := web.PathID(r, "eid", "evidence")
	if err != nil {
		return err
	}
	e, err := EvidenceByID(r.Context(), s.DB.Q(), v.A.ID, eid)
	if err != nil {
		return err
	}
	if e.Kind != "file" {
		return apperr.NotFound("evidence")
	}
	return EvidenceStore(s.uploadDir()).Serve(w, r, e.StorageName, e.Name, e.ContentType, e.CreatedAt)
}

// editableEvidence loads an assessment its contributor may still change
// and the evidence id in the path.
func (s *Service) editableEvidence(r *http.Request) (*view, int64, error) {
	v, err := s.loadEditable(r)
	if err != nil {
		return nil, 0, err
	}
	eid, err := web.PathID(r, "eid", "evidence")
	if err != nil {
		return nil, 0, err
	}
	return v, eid, nil
}

func (s *Service) evidenceDeleteForm(w http.ResponseWriter, r *http.Request) error {
	v, eid, err := s.editableEvidence(r)
	if err != nil {
		return err
	}
	e, err := EvidenceByID(r.Context(), s.DB.Q(), v.A.ID, eid)
	if err != nil {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Remove evidence", Question: "Are you sure you want to remove " + e.Name + "?",
		Button: "Remove evidence", Back: fmt.Sprintf("/assessments/%d", v.A.ID), BackText: "Cancel"})
}

func (s *Service) evidenceDelete(w http.ResponseWriter, r *http.Request) error {
	v, eid, err := s.editableEvidence(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return RemoveEvidence(ctx, tx, EvidenceStore(s.uploadDir()), v.A, eid) }); err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/assessments/%d", v.A.ID), "The evidence has been removed.")
}

func (s *Service) invite(w http.ResponseWriter, r *http.Request) error {
	v, err := s.load(r)
	if err != nil {
		return err
	}
	if !v.Ac.Lead {
		return apperr.Errorf(apperr.EFORBIDDEN, "Only the subject's owners can add contributors")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	email := accounts.NormaliseEmail(r.PostForm.Get("email"))
	if !mail.ValidAddress(email) {
		return s.renderOverview(w, r, v, http.StatusUnprocessableEntity, emailFormatErr())
	}
	// Someone with an account is added at once; anyone else is emailed an
	// invitation to sign up and accept (invitations.go).
	flash := email + " has been added as a contributor."
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := accounts.UserByEmail(ctx, tx, email); err == nil {
			return Invite(ctx, tx, v.A, email, s.Web.Config.BaseURL)
		} else if !apperr.Is(err, apperr.ENOTFOUND) {
			return err
		}
		flash = fmt.Sprintf("%s has no Partnerhub account yet, so we emailed them an invitation. They become a contributor when they accept it (within %d days).", email, int(InvitationTTL.Hours()/24))
		return InviteByEmail(ctx, tx, v.A, email, s.Web.ClientIP(r), s.Web.Config.BaseURL)
	})
	switch {
	case apperr.Is(err, apperr.EINVALID):
		return s.renderOverview(w, r, v, http.StatusUnprocessableEntity, err)
	case apperr.Is(err, apperr.ETOOMANY):
		return s.renderOverview(w, r, v, http.StatusTooManyRequests, err)
	case err != nil:
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/assessments/%d", v.A.ID), flash)
}

func (s *Service) submitForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadEditable(r)
	if err != nil {
		return err
	}
	rows, ans, ev, err := s.progress(r, v, "assess_answers")
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "assess/submit.html", submitView{
		View:     web.View{Title: "Check your answers before you submit"},
		V:        v,
		Rows:     rows,
		Answers:  ans,
		Evidence: ev,
		Res:      Score(v.FW.F, Ratings(ans)),
	})
}

func (s *Service) submit(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadEditable(r)
	if err != nil {
		return err
	}
	url, msg := fmt.Sprintf("/assessments/%d/results", v.A.ID), "Submitted. Here are your results."
	if v.FW.F.Review {
		url, msg = fmt.Sprintf("/assessments/%d", v.A.ID), "Submitted. A reviewer will look at your assessment and evidence."
	}
	return s.saveForm(w, r, func(ctx context.Context, tx *db.Tx) error { return Submit(ctx, tx, v.A, v.FW, s.Web.Config.BaseURL) },
		func(err error) error { return s.renderOverview(w, r, v, 422, err) }, url, msg)
}

// loadWithdrawable loads an assessment for one of the subject's owners or
// an admin, who may withdraw it.
func (s *Service) loadWithdrawable(r *http.Request) (*view, error) {
	v, err := s.load(r)
	if err != nil {
		return nil, err
	}
	if !v.Ac.Lead && !v.Ac.Admin {
		return nil, apperr.Errorf(apperr.EFORBIDDEN, "Only the subject's owners can withdraw this assessment")
	}
	return v, nil
}

func (s *Service) withdrawForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadWithdrawable(r)
	if err != nil {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Withdraw assessment",
		Question: "Are you sure you want to withdraw this assessment?",
		Detail:   "Any result it gave will stop counting.",
		Button:   "Withdraw assessment", Back: fmt.Sprintf("/assessments/%d", v.A.ID), BackText: "Cancel"})
}

func (s *Service) withdraw(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadWithdrawable(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return Withdraw(ctx, tx, v.A) }); err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/assessments/%d", v.A.ID), "The assessment has been withdrawn.")
}

func (s *Service) history(w http.ResponseWriter, r *http.Request) error {
	v, err := s.load(r)
	if err != nil {
		return err
	}
	h, err := HistoryOf(r.Context(), s.DB.Q(), v.A.ID)
	if err != nil {
		return err
	}
	return web.ServeList(s.Web, w, r, web.List[HistoryEntry]{
		Name: fmt.Sprintf("assessment-%d-history", v.A.ID), PerPage: web.Unpaged, Fetch: web.Rows(h),
		Columns: []web.Column[HistoryEntry]{
			{Header: "at", Cell: func(e HistoryEntry) string { return e.At.Format(time.RFC3339) }},
			{Header: "by", Cell: func(e HistoryEntry) string { return e.Actor }},
			{Header: "action", Cell: func(e HistoryEntry) string { return e.Action }},
			{Header: "note", Cell: func(e HistoryEntry) string { return e.Note }},
		},
		Item: func(e HistoryEntry) any {
			return map[string]any{"at": e.At, "by": e.Actor, "action": e.Action, "note": e.Note}
		},
		Render: func(p web.ListPage[HistoryEntry]) error {
			return s.Web.Render(w, r, 200, "assess/history.html", historyView{
				View:    web.View{Title: "History: " + v.A.SubjectName},
				V:       v,
				History: p.Items,
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}
