package privacy

// Pages: a signed-in person's "Your data" (what we hold, a ZIP download,
// closing the account) and the administrators' register of requests,
// with legal holds.

import (
	"bytes"
	"embed"
	"fmt"
	"net/http"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Service serves the privacy pages.
type Service struct {
	DB       *db.DB
	Web      *web.Server
	Accounts *accounts.Service
}

// New returns the privacy service.
func New(d *db.DB, w *web.Server, a *accounts.Service) *Service {
	return &Service{DB: d, Web: w, Accounts: a}
}

// Templates registers the privacy pages.
func (s *Service) Templates(rd *web.Renderer) error {
	return rd.AddPages(templateFS, "templates", "privacy")
}

// Routes: everybody signed in reaches only their own data (no parameter
// names a person); the register is for platform administrators.
func (s *Service) Routes() []web.Route {
	return []web.Route{
		web.Get("/account/data", web.SignedIn, s.dataPage),
		web.Get("/account/data.zip", web.SignedIn, s.download),
		web.Get("/account/close", web.SignedIn, s.closeConfirm),
		web.Post("/account/close", web.SignedIn, s.close),
		web.Get("/admin/privacy/requests", web.Admin, s.requests),
		web.Get("/admin/privacy/requests/new", web.Admin, s.requestForm),
		web.Post("/admin/privacy/requests", web.Admin, s.createRequest),
		web.Get("/admin/privacy/requests/{id}", web.Admin, s.request),
		web.Get("/admin/privacy/requests/{id}/export", web.Admin, s.requestExport),
		web.Post("/admin/privacy/requests/{id}/extend", web.Admin, s.extend),
		web.Post("/admin/privacy/requests/{id}/complete", web.Admin, s.complete),
		web.Get("/admin/privacy/requests/{id}/erase", web.Admin, s.eraseConfirm),
		web.Post("/admin/privacy/requests/{id}/erase", web.Admin, s.erase),
		web.Get("/admin/privacy/holds", web.Admin, s.holds),
		web.Post("/admin/privacy/holds", web.Admin, s.addHold),
		web.Post("/admin/privacy/holds/{id}/release", web.Admin, s.releaseHold),
	}
}

func (s *Service) dataPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	sub, err := SubjectOf(ctx, s.DB.Q(), id.UserID)
	if err != nil {
		return err
	}
	kinds, err := Collect(ctx, s.DB.Q(), sub)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "privacy/data.html", dataView{View: web.View{Title: "Your data"}, Kinds: kinds})
}

// sendZip answers with the person's export as a download.
func (s *Service) sendZip(w http.ResponseWriter, r *http.Request, sub Subject, name string) error {
	var buf bytes.Buffer
	if err := Export(r.Context(), s.DB.Q(), sub, &buf, s.Web.Config.BaseURL); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(buf.Bytes())
	return err
}

func (s *Service) download(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	sub, err := SubjectOf(ctx, s.DB.Q(), id.UserID)
	if err != nil {
		return err
	}
	if err := RecordExport(ctx, s.DB, sub, "downloaded by the person"); err != nil {
		return err
	}
	return s.sendZip(w, r, sub, "partnerhub-your-data.zip")
}

// consequences lists what erasing the person does, for confirmation pages.
func (s *Service) consequences(r *http.Request, sub Subject) ([]string, error) {
	items := []string{
		"Your name, email address and password are erased and you are signed out everywhere.",
		"Your memberships, sessions, tokens, alerts, follows and notification settings are deleted.",
		"Your event bookings stay in attendance counts, without your name, email or access needs; feedback stays anonymous.",
		"Where other people's text names you, your name and email are replaced with “[erased person]”.",
		"The audit log keeps what happened and shows “erased person” instead of you.",
	}
	if sub.UserID != 0 {
		orgs, err := db.Column[string](r.Context(), s.DB.Q(), `SELECT o.name FROM memberships m JOIN organisations o ON o.id = m.organisation_id
			WHERE m.user_id = $1 AND m.role = 'owner' AND NOT EXISTS (SELECT 1 FROM memberships x WHERE x.organisation_id = m.organisation_id AND x.role = 'owner' AND x.user_id <> $1) ORDER BY o.name`, sub.UserID)
		if err != nil {
			return nil, err
		}
		for _, o := range orgs {
			items = append(items, o+" has no other owner: a platform administrator becomes its owner.")
		}
	}
	return items, nil
}

func (s *Service) closeConfirm(w http.ResponseWriter, r *http.Request) error {
	// Someone at an unattended browser must not close the account: a
	// session older than a few minutes proves the password (and the
	// second factor, when it is on) again first.
	if ok, err := s.Accounts.RequireRecentAuth(w, r, "/account/close"); !ok {
		return err
	}
	ctx := r.Context()
	sub, err := SubjectOf(ctx, s.DB.Q(), web.IdentityFrom(ctx).UserID)
	if err != nil {
		return err
	}
	items, err := s.consequences(r, sub)
	if err != nil {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Close your account",
		Question: "Are you sure you want to close your account?",
		Detail:   "Closing your account erases your personal data from Partnerhub. This cannot be undone.",
		Items:    items,
		After:    "You may want to download your data first.",
		Hidden:   []web.Hidden{{Name: "step", Value: "confirmed"}},
		Button:   "Yes, close my account", Back: "/account/data"})
}

func (s *Service) close(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if ok, err := s.Accounts.RequireRecentAuth(w, r, "/account/close"); !ok {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	render := func(status int, err error) error {
		return s.Web.Render(w, r, status, "privacy/close.html", web.View{Title: "Enter your password to close your account", Err: err})
	}
	if r.PostForm.Get("step") != "password" {
		return render(http.StatusOK, nil)
	}
	pw := r.PostForm.Get("password")
	if pw == "" {
		return render(http.StatusUnprocessableEntity, fieldErr(apperr.EINVALID, "password", "Enter your password"))
	}
	if _, err := s.Accounts.Authenticate(ctx, id.Email, pw, s.Web.ClientIP(r)); err != nil {
		switch apperr.Code(err) {
		case apperr.EUNAUTHORIZED:
			return render(http.StatusUnprocessableEntity, fieldErr(apperr.EINVALID, "password", "Your password is not correct"))
		case apperr.ETOOMANY:
			return render(http.StatusTooManyRequests, fieldErr(apperr.ETOOMANY, "password", apperr.Message(err)))
		}
		return err
	}
	sub, err := SubjectOf(ctx, s.DB.Q(), id.UserID)
	if err != nil {
		return err
	}
	if _, err := Erase(ctx, s.DB, sub); err != nil {
		if apperr.Is(err, apperr.ECONFLICT) {
			return render(http.StatusConflict, fieldErr(apperr.ECONFLICT, "password", apperr.Message(err)))
		}
		return err
	}
	if err := s.Accounts.EndSession(w, r); err != nil {
		return err
	}
	return web.Redirect(w, r, "/", "Your account is closed and your personal data erased.")
}

func fieldErr(code, field, msg string) error {
	return &apperr.Error{Code: code, Message: msg, Fields: []apperr.FieldError{{Field: field, Message: msg}}}
}
