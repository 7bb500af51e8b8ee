// Package events runs the strategy's events: networking, themed and
// outcome-based workshops, commissioning workshops, conferences and the
// trade fair (stands and meet-the-buyer meetings), with booking, waiting
// lists, reminders, feedback and iCalendar feeds.
package events

import (
	"embed"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Service is the events feature.
type Service struct {
	DB  *db.DB
	Web *web.Server
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// New returns the events feature.
func New(d *db.DB, w *web.Server) *Service {
	s := &Service{DB: d, Web: w, Now: db.Now}
	if w != nil { // the object-level policies of policy.go
		w.Resolve("booking", s.resolveBooking)
		w.Resolve("meeting-slot", s.resolveSlot)
	}
	return s
}

// Templates registers the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error {
	if err := rd.AddLabels("events", sharedLabels()); err != nil {
		return err
	}
	return rd.AddPages(templateFS, "templates", "events")
}

// Nav adds Events to the main navigation.
func (s *Service) Nav() []web.NavItem { return []web.NavItem{{Label: "Events", Href: "/events"}} }

func (s *Service) baseURL() string {
	if s.Web == nil {
		return ""
	}
	return s.Web.Config.BaseURL
}
