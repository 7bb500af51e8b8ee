// Package outcomes is outcomes planning and monitoring (issue 17): plans
// for organisations, partnerships and consortia in the planning-triangle
// and theory-of-change forms, indicators with baselines and targets,
// aggregate measurements (entered or imported), charts and reports, the
// town-wide outcome bank with its roll-ups, and the adoption ladder among
// the strategy's measures.
package outcomes

import (
	"context"
	"embed"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Service is the outcomes feature.
type Service struct {
	DB  *db.DB
	Web *web.Server
	// Now is the clock (tests replace it).
	Now func() time.Time
	// RequiredKPIs lists the commissioners' required KPIs on contracts a
	// partnership delivers (wired in internal/app from bids).
	RequiredKPIs func(ctx context.Context, q db.Querier, partnershipID int64) ([]RequiredKPI, error)
}

// New returns the outcomes feature.
func New(d *db.DB, w *web.Server) *Service {
	s := &Service{DB: d, Web: w, Now: db.Now}
	if w != nil {
		w.Resolve("outcome-plan", s.resolvePlan)
		w.Resolve("outcome-partnership", s.resolvePartnership)
		w.Resolve("outcome-partnership-lead", s.resolvePartnershipLead)
	}
	return s
}

// Templates registers the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error {
	web.AddLabels(Labels)
	return rd.AddPages(templateFS, "templates", "outcomes")
}

// Nav adds Outcomes to the main navigation.
func (s *Service) Nav() []web.NavItem {
	return []web.NavItem{{Label: "Outcomes", Href: "/outcomes"}}
}
