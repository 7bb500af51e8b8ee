// Package grants imports 360Giving grant data (Data Standard 1.4.3: JSON
// packages, CSV and XLSX with the standard's column titles), matches
// recipients to directory organisations, and shows what funders gave to
// the town: by funder, by organisation, by ward and by theme.
package grants

import (
	"embed"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Service is the grants feature.
type Service struct {
	DB  *db.DB
	Web *web.Server
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// New returns the grants feature.
func New(d *db.DB, w *web.Server) *Service {
	return &Service{DB: d, Web: w, Now: db.Now}
}

// Templates registers the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error {
	return rd.AddPages(templateFS, "templates", "grants")
}

// Nav adds Funding to the main navigation.
func (s *Service) Nav() []web.NavItem { return []web.NavItem{{Label: "Funding", Href: "/funding"}} }
