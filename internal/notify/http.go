package notify

import (
	"embed"
	"net/http"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Service serves the one-click unsubscribe pages.
type Service struct {
	DB  *db.DB
	Web *web.Server
}

// New returns the notifications feature.
func New(d *db.DB, w *web.Server) *Service { return &Service{DB: d, Web: w} }

// Templates registers the unsubscribe page.
func (s *Service) Templates(rd *web.Renderer) error {
	return rd.AddPages(templateFS, "templates", "notify")
}

// Routes: the unsubscribe link of every notice works without signing in
// (the token is the permission); POST is also the RFC 8058 one-click
// unsubscribe a mail program sends from the List-Unsubscribe header.
func (s *Service) Routes() []web.Route {
	return []web.Route{
		web.Get("/unsubscribe/{token}", web.Public, s.page),
		web.Post("/unsubscribe/{token}", web.Public, s.unsubscribe),
	}
}

func (s *Service) page(w http.ResponseWriter, r *http.Request) error {
	sub, err := ByToken(r.Context(), s.DB.Q(), r.PathValue("token"))
	if err != nil {
		return err
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	return s.Web.Render(w, r, http.StatusOK, "notify/unsubscribe.html", unsubscribeView{View: web.View{Title: "Stop these emails"}, Sub: sub, Action: r.URL.Path})
}

func (s *Service) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sub, err := ByToken(ctx, s.DB.Q(), r.PathValue("token"))
	if err != nil {
		return err
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return TurnOff(ctx, tx, sub.Email, sub.Kind, sub.OrgID) }); err != nil {
		return err
	}
	sub.Off = true
	w.Header().Set("Referrer-Policy", "no-referrer")
	return s.Web.Render(w, r, http.StatusOK, "notify/unsubscribe.html", unsubscribeView{View: web.View{Title: "You will not get these emails"}, Sub: sub, Action: r.URL.Path})
}
