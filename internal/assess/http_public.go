package assess

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// qualityMark is the about page and the public register.
func (s *Service) qualityMark(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fw, err := CurrentFramework(ctx, s.DB.Q(), KeyQualityMark)
	if err != nil {
		return err
	}
	reg, err := Register(ctx, s.DB.Q(), KindQualityMark, Today(s.Now()))
	if err != nil {
		return err
	}
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	return web.ServeList(s.Web, w, r, web.List[Award]{
		Name: "quality-mark-register", PerPage: web.Unpaged, Fetch: web.Rows(reg),
		Columns: []web.Column[Award]{
			{Header: "consortium", Cell: func(a Award) string { return a.SubjectName }},
			{Header: "result", Cell: func(a Award) string { return a.Label }},
			{Header: "awarded_on", Cell: func(a Award) string { return a.AwardedOn.Format(time.DateOnly) }},
			{Header: "valid_until", Cell: func(a Award) string { return date(a.ValidUntil) }},
		},
		Item: func(a Award) any {
			return map[string]any{"consortium": a.SubjectName, "slug": a.Slug, "result": a.Result, "label": a.Label,
				"awarded_on": a.AwardedOn.Format(time.DateOnly), "valid_until": date(a.ValidUntil)}
		},
		Render: func(p web.ListPage[Award]) error {
			return s.Web.Render(w, r, 200, "assess/quality-mark.html", qualityMarkView{
				View:     web.View{Title: "The Consortia Quality Mark"},
				F:        fw.F,
				Register: p.Items,
				CSV:      p.CSVURL,
				JSONURL:  p.JSONURL,
			})
		},
	})
}

// readiness is the about page of commissioning readiness, with guidance by
// area and a start form.
func (s *Service) readiness(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fw, err := CurrentFramework(ctx, s.DB.Q(), KeyReadiness)
	if err != nil {
		return err
	}
	data := readinessView{View: web.View{Title: "Commissioning readiness"}, F: fw.F}
	if id := web.IdentityFrom(ctx); id != nil {
		subs, err := OwnedSubjects(ctx, s.DB.Q(), fw.F, id.UserID)
		if err != nil {
			return err
		}
		data.Subjects = subs
	}
	return s.Web.Render(w, r, 200, "assess/readiness.html", data)
}

// startForm asks which subject to assess.
func (s *Service) startForm(key string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.renderStart(w, r, key, 200, nil)
	}
}

func (s *Service) renderStart(w http.ResponseWriter, r *http.Request, key string, status int, err error) error {
	ctx := r.Context()
	fw, ferr := CurrentFramework(ctx, s.DB.Q(), key)
	if ferr != nil {
		return ferr
	}
	subs, serr := OwnedSubjects(ctx, s.DB.Q(), fw.F, web.IdentityFrom(ctx).UserID)
	if serr != nil {
		return serr
	}
	return s.Web.Render(w, r, status, "assess/start.html", startView{
		View:     web.View{Title: "Apply for the " + fw.F.Name, Err: err, Form: r.PostForm},
		F:        fw.F,
		Subjects: subs,
		Action:   r.URL.Path,
	})
}

// start begins an assessment of the chosen subject.
func (s *Service) start(key string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := web.ParseForm(r); err != nil {
			return err
		}
		ctx := r.Context()
		id := web.IdentityFrom(ctx)
		parts := strings.SplitN(r.PostForm.Get("subject"), ":", 2)
		var sid int64
		if len(parts) == 2 {
			sid, _ = strconv.ParseInt(parts[1], 10, 64)
		}
		if len(parts) != 2 || sid <= 0 || (parts[0] != "organisation" && parts[0] != "partnership") {
			v := &apperr.Validation{}
			v.Add("subject", "Choose what you want to assess")
			if key == KeyReadiness {
				return s.readinessErr(w, r, v.Err())
			}
			return s.renderStart(w, r, key, 422, v.Err())
		}
		var a *Assessment
		err := s.DB.Write(ctx, func(tx *db.Tx) error {
			fw, err := CurrentFramework(ctx, tx, key)
			if err != nil {
				return err
			}
			a, err = Start(ctx, tx, fw, parts[0], sid, id.UserID)
			return err
		})
		if err != nil {
			if apperr.Is(err, apperr.EINVALID) || apperr.Is(err, apperr.ECONFLICT) {
				if key == KeyReadiness {
					return s.readinessErr(w, r, err)
				}
				return s.renderStart(w, r, key, 422, err)
			}
			return err
		}
		return web.Redirect(w, r, fmt.Sprintf("/assessments/%d", a.ID), "Your assessment has started. Work through each area in any order.")
	}
}

func (s *Service) readinessErr(w http.ResponseWriter, r *http.Request, err error) error {
	ctx := r.Context()
	fw, ferr := CurrentFramework(ctx, s.DB.Q(), KeyReadiness)
	if ferr != nil {
		return ferr
	}
	subs, _ := OwnedSubjects(ctx, s.DB.Q(), fw.F, web.IdentityFrom(ctx).UserID)
	return s.Web.Render(w, r, 422, "assess/readiness.html", readinessView{
		View:     web.View{Title: "Commissioning readiness", Err: err, Form: r.PostForm},
		F:        fw.F,
		Subjects: subs,
	})
}
