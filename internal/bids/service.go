package bids

import (
	"embed"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Service is the bids feature.
type Service struct {
	DB  *db.DB
	Web *web.Server
	// Opps is the opportunities store (awards move an opportunity to
	// awarded through it, so its change hooks hear of it).
	Opps *opportunities.Store
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// New returns the bids feature.
func New(d *db.DB, w *web.Server, opps *opportunities.Store) *Service {
	return &Service{DB: d, Web: w, Opps: opps, Now: db.Now}
}

// Templates registers the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error {
	return rd.AddPages(templateFS, "templates", "bids")
}

// ImpactLink links a consortium's page to its bids and impact page.
func ImpactLink(p *partnerships.Partnership) (string, string, bool) {
	if !p.IsConsortium() {
		return "", "", false
	}
	return "Bids and impact of " + p.Name, "/consortia/impact/" + p.Slug, true
}

func (s *Service) baseURL() string {
	if s.Web == nil {
		return ""
	}
	return s.Web.Config.BaseURL
}
