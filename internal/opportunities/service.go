package opportunities

import (
	"embed"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Service is the opportunities feature.
type Service struct {
	DB    *db.DB
	Web   *web.Server
	Store *Store
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// New returns the opportunities feature.
func New(d *db.DB, w *web.Server) *Service {
	return &Service{DB: d, Web: w, Store: &Store{}, Now: db.Now}
}

// Templates registers the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error {
	return rd.AddPages(templateFS, "templates", "opportunities")
}

// Nav adds Opportunities to the main navigation.
func (s *Service) Nav() []web.NavItem {
	return []web.NavItem{{Label: "Opportunities", Href: "/opportunities"}}
}

func (s *Service) baseURL() string {
	if s.Web == nil {
		return ""
	}
	return s.Web.Config.BaseURL
}
