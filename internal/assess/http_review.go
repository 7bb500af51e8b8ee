package assess

import (
	"context"
	"fmt"
	"net/http"
	"partnerhub/internal/clean"
	"strconv"
	"strings"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

// errMsg is the first message an error carries.
func errMsg(err error) string {
	if f := apperr.Fields(err); len(f) > 0 {
		return f[0].Message
	}
	return apperr.Message(err)
}

// loadReview loads an assessment for its reviewer.
func (s *Service) loadReview(r *http.Request) (*view, error) {
	v, err := s.load(r)
	if err != nil {
		return nil, err
	}
	if !v.FW.F.Review || (!v.Ac.Reviewer && !v.Ac.Admin) {
		return nil, apperr.NotFound("review")
	}
	return v, nil
}

// reviewerForm checks the caller may review the assessment now (see
// CheckReviewer) and parses the posted form.
func (s *Service) reviewerForm(r *http.Request, v *view) error {
	ctx := r.Context()
	if err := CheckReviewer(ctx, s.DB.Q(), v.A, v.Ac, web.IdentityFrom(ctx).UserID); err != nil {
		return err
	}
	return web.ParseForm(r)
}

func (s *Service) review(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadReview(r)
	if err != nil {
		return err
	}
	return s.renderReview(w, r, v, 200, nil)
}

func (s *Service) renderReview(w http.ResponseWriter, r *http.Request, v *view, status int, err error) error {
	rows, _, _, perr := s.progress(r, v, "assess_reviews")
	if perr != nil {
		return perr
	}
	rev, rerr := Answers(r.Context(), s.DB.Q(), "assess_reviews", v.A.ID)
	if rerr != nil {
		return rerr
	}
	ans, aerr := Answers(r.Context(), s.DB.Q(), "assess_answers", v.A.ID)
	if aerr != nil {
		return aerr
	}
	res := Score(v.FW.F, Ratings(rev))
	cerr := CheckReviewer(r.Context(), s.DB.Q(), v.A, v.Ac, web.IdentityFrom(r.Context()).UserID)
	return s.Web.Render(w, r, status, "assess/review.html", reviewView{
		View:      web.View{Title: "Review: " + v.A.SubjectName, Err: err, Form: r.PostForm},
		V:         v,
		Rows:      rows,
		Res:       res,
		Self:      Score(v.FW.F, Ratings(ans)),
		CanReview: cerr == nil,
		Why:       errMsgOrEmpty(cerr),
	})
}

func errMsgOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return errMsg(err)
}

func (s *Service) reviewAreaForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadReview(r)
	if err != nil {
		return err
	}
	area, err := s.areaOf(r, v)
	if err != nil {
		return err
	}
	return s.renderReviewArea(w, r, v, area, 200, nil)
}

func (s *Service) renderReviewArea(w http.ResponseWriter, r *http.Request, v *view, area *Area, status int, err error) error {
	_, ans, ev, perr := s.progress(r, v, "assess_answers")
	if perr != nil {
		return perr
	}
	rev, rerr := Answers(r.Context(), s.DB.Q(), "assess_reviews", v.A.ID)
	if rerr != nil {
		return rerr
	}
	cerr := CheckReviewer(r.Context(), s.DB.Q(), v.A, v.Ac, web.IdentityFrom(r.Context()).UserID)
	return s.Web.Render(w, r, status, "assess/review-area.html", reviewAreaView{
		View:      web.View{Title: "Review: " + area.Title, Err: err, Form: r.PostForm},
		V:         v,
		Area:      area,
		Answers:   ans,
		Reviews:   rev,
		Evidence:  ev,
		CanReview: cerr == nil,
	})
}

func (s *Service) reviewAreaSave(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadReview(r)
	if err != nil {
		return err
	}
	area, err := s.areaOf(r, v)
	if err != nil {
		return err
	}
	if err := s.reviewerForm(r, v); err != nil {
		return err
	}
	return s.saveForm(w, r, func(ctx context.Context, tx *db.Tx) error {
		return SaveAnswers(ctx, tx, v.A, v.FW.F, "assess_reviews", area, readAnswers(r, area))
	}, func(err error) error { return s.renderReviewArea(w, r, v, area, 422, err) },
		fmt.Sprintf("/assessments/%d/review", v.A.ID), "Your ratings for "+area.Title+" have been saved.")
}

func (s *Service) moreEvidence(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadReview(r)
	if err != nil {
		return err
	}
	if err := s.reviewerForm(r, v); err != nil {
		return err
	}
	return s.saveForm(w, r, func(ctx context.Context, tx *db.Tx) error {
		return RequestEvidence(ctx, tx, v.A, clean.Text(r.PostForm.Get("note")), s.Web.Config.BaseURL)
	}, func(err error) error { return s.renderReview(w, r, v, 422, err) },
		fmt.Sprintf("/assessments/%d/review", v.A.ID), "The assessment has been returned for more evidence.")
}

func (s *Service) decide(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadReview(r)
	if err != nil {
		return err
	}
	if err := s.reviewerForm(r, v); err != nil {
		return err
	}
	return s.saveForm(w, r, func(ctx context.Context, tx *db.Tx) error {
		return Decide(ctx, tx, v.A, v.FW, r.PostForm.Get("result"), clean.Text(r.PostForm.Get("conditions")), clean.Text(r.PostForm.Get("decision_note")), s.Web.Config.BaseURL)
	}, func(err error) error { return s.renderReview(w, r, v, 422, err) },
		fmt.Sprintf("/assessments/%d/results", v.A.ID), "The decision has been recorded.")
}

func (s *Service) assignReviewer(w http.ResponseWriter, r *http.Request) error {
	v, err := s.load(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	uid, _ := strconv.ParseInt(r.PostForm.Get("reviewer"), 10, 64)
	return s.saveForm(w, r, func(ctx context.Context, tx *db.Tx) error {
		return AssignReviewer(ctx, tx, v.A, uid, s.Web.Config.BaseURL)
	}, func(err error) error { return s.renderOverview(w, r, v, 422, err) },
		fmt.Sprintf("/assessments/%d", v.A.ID), "The reviewer has been appointed.")
}

// Frameworks (admins).

func (s *Service) frameworks(w http.ResponseWriter, r *http.Request) error {
	list, err := ListFrameworks(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "assess/frameworks.html", frameworksView{View: web.View{Title: "Assessment frameworks"}, List: list})
}

func (s *Service) loadFramework(r *http.Request) (*FrameworkRow, error) {
	id, err := web.PathID(r, "fid", "framework")
	if err != nil {
		return nil, err
	}
	return FrameworkByID(r.Context(), s.DB.Q(), id)
}

func (s *Service) framework(w http.ResponseWriter, r *http.Request) error {
	fw, err := s.loadFramework(r)
	if err != nil {
		return err
	}
	return s.renderFramework(w, r, fw, string(fw.F.JSON()), 200, nil)
}

func (s *Service) renderFramework(w http.ResponseWriter, r *http.Request, fw *FrameworkRow, def string, status int, err error) error {
	if err != nil {
		// Field errors of the definition all point at the one text box.
		var msgs []string
		for _, f := range apperr.Fields(err) {
			msgs = append(msgs, f.Message)
		}
		if len(msgs) > 0 {
			v := &apperr.Validation{}
			v.Add("definition", strings.Join(msgs, ". "))
			err = v.Err()
		}
	}
	return s.Web.Render(w, r, status, "assess/framework.html", frameworkView{
		View:       web.View{Title: fmt.Sprintf("%s, version %d", fw.Name, fw.Version), Err: err},
		FW:         fw,
		Definition: def,
		Editable:   fw.Status == "draft" && fw.InUse == 0,
	})
}

func (s *Service) frameworkExport(w http.ResponseWriter, r *http.Request) error {
	fw, err := s.loadFramework(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-v%d.json"`, fw.Key, fw.Version))
	_, err = w.Write(fw.F.JSON())
	return err
}

// frameworkPolicy is what a framework file to import may be: JSON, at most 2 MB.
var frameworkPolicy = uploads.Policy{Field: "file", Max: 2 << 20, Types: []uploads.Type{uploads.JSON}, Fallback: "framework"}

func (s *Service) frameworkImport(w http.ResponseWriter, r *http.Request) error {
	var body []byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		form, err := uploads.ReadForm(r, frameworkPolicy.Max)
		if err != nil && apperr.Code(err) != apperr.EINVALID {
			return err
		}
		f, err := frameworkPolicy.Check(form)
		if err != nil {
			list, lerr := ListFrameworks(r.Context(), s.DB.Q())
			if lerr != nil {
				return lerr
			}
			return s.Web.Render(w, r, uploads.Status(err), "assess/frameworks.html", frameworksView{View: web.View{Title: "Assessment frameworks", Err: fieldAs(err, "definition")}, List: list})
		}
		body = f.Data
	} else {
		if err := web.ParseForm(r); err != nil {
			return err
		}
		body = []byte(r.PostForm.Get("definition"))
	}
	ctx := r.Context()
	var id int64
	f, err := ParseFramework(body)
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error {
			var err error
			id, err = ImportFramework(ctx, tx, f)
			return err
		})
	}
	if err != nil {
		if apperr.Is(err, apperr.EINVALID) {
			list, _ := ListFrameworks(ctx, s.DB.Q())
			return s.Web.Render(w, r, 422, "assess/frameworks.html", frameworksView{
				View:       web.View{Title: "Assessment frameworks", Err: fieldAs(err, "definition")},
				List:       list,
				Definition: string(body),
			})
		}
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/admin/frameworks/%d", id), "Imported as a draft. Check it, then publish it.")
}

// fieldAs folds every message of err onto one field.
func fieldAs(err error, field string) error {
	var msgs []string
	for _, f := range apperr.Fields(err) {
		msgs = append(msgs, f.Message)
	}
	if len(msgs) == 0 {
		msgs = []string{apperr.Message(err)}
	}
	v := &apperr.Validation{}
	v.Add(field, strings.Join(msgs, ". "))
	return v.Err()
}

func (s *Service) frameworkSave(w http.ResponseWriter, r *http.Request) error {
	fw, err := s.loadFramework(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	def := r.PostForm.Get("definition")
	f, err := ParseFramework([]byte(def))
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return UpdateDraft(ctx, tx, fw.ID, f) })
	}
	if apperr.Is(err, apperr.EINVALID) || apperr.Is(err, apperr.ECONFLICT) {
		return s.renderFramework(w, r, fw, def, 422, fieldAs(err, "definition"))
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/admin/frameworks/%d", fw.ID), "The draft has been saved.")
}

func (s *Service) frameworkNewVersion(w http.ResponseWriter, r *http.Request) error {
	fw, err := s.loadFramework(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var id int64
	f := *fw.F
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = ImportFramework(ctx, tx, &f)
		return err
	}); err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/admin/frameworks/%d", id), fmt.Sprintf("Version %d has been created as a draft.", f.Version))
}

func (s *Service) frameworkPublish(w http.ResponseWriter, r *http.Request) error {
	fw, err := s.loadFramework(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return Publish(ctx, tx, fw.ID) }); err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/admin/frameworks/%d", fw.ID), "Published. New assessments use this version; earlier ones keep theirs.")
}

func (s *Service) assessors(w http.ResponseWriter, r *http.Request) error {
	return s.renderAssessors(w, r, 200, nil)
}

func (s *Service) renderAssessors(w http.ResponseWriter, r *http.Request, status int, err error) error {
	list, lerr := Assessors(r.Context(), s.DB.Q())
	if lerr != nil {
		return lerr
	}
	return s.Web.Render(w, r, status, "assess/assessors.html", assessorsView{View: web.View{Title: "Assessors", Err: err, Form: r.PostForm}, List: list})
}

func (s *Service) assessorAdd(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	return s.saveForm(w, r, func(ctx context.Context, tx *db.Tx) error {
		return AppointAssessor(ctx, tx, accounts.NormaliseEmail(r.PostForm.Get("email")))
	}, func(err error) error { return s.renderAssessors(w, r, 422, err) },
		"/admin/assessors", "The assessor has been appointed.")
}

// assessorRemoveForm asks before taking someone out of the pool.
func (s *Service) assessorRemoveForm(w http.ResponseWriter, r *http.Request) error {
	uid, err := web.PathID(r, "uid", "assessor")
	if err != nil {
		return err
	}
	list, err := Assessors(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	for _, p := range list {
		if p.ID == uid && !p.Admin {
			return s.Web.Confirm(w, r, web.Confirm{Title: "Remove assessor",
				Question: fmt.Sprintf("Are you sure you want to remove %s (%s) from the assessors?", p.Name, p.Email),
				Detail:   "They will no longer be able to review assessments.",
				Button:   "Remove " + p.Name, Back: "/admin/assessors", BackText: "Cancel"})
		}
	}
	return apperr.NotFound("assessor")
}

func (s *Service) assessorRemove(w http.ResponseWriter, r *http.Request) error {
	uid, err := web.PathID(r, "uid", "assessor")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return RemoveAssessor(ctx, tx, uid) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/assessors", "The assessor has been removed.")
}
