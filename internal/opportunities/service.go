package opportunities

import (
	"context"
	"embed"
	"sync"
	"time"

	"partnerhub/internal/accounts"
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

	readsOnce sync.Once
	reads     db.Querier
}

// q is the read Querier of the dashboard's "Opportunities that fit you",
// which runs on every view of an organisation's dashboard: its statements
// are kept prepared on SQLite (db.NewReadStatements).
func (s *Service) q() db.Querier {
	s.readsOnce.Do(func() { s.reads = db.NewReadStatements(s.DB) })
	return s.reads
}

// New returns the opportunities feature.
func New(d *db.DB, w *web.Server) *Service {
	s := &Service{DB: d, Web: w, Store: &Store{}, Now: db.Now}
	s.Store.OnChange(consultationOpenCheck) // a consultation cannot open without questions
	return s
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

// FitsPanel is the "Opportunities that fit you" section of an
// organisation's dashboard: open opportunities ranked by the partner
// finder's matching, with its reasons and the mandatory requirements the
// organisation does not meet yet. Public-sector organisations get a link
// to their own opportunities instead.
func (s *Service) FitsPanel(ctx context.Context, org *accounts.Organisation, role web.Role) (*accounts.OrgPanel, error) {
	if org.Sector == "public" {
		return &accounts.OrgPanel{Heading: "Opportunities you publish", Empty: "Tenders, grant programmes, consultations and pipeline notices.",
			More: "/orgs/" + org.Slug + "/opportunities", MoreText: "Your opportunities, drafts and expressions of interest"}, nil
	}
	fits, err := FitsFor(ctx, s.q(), s.DB.Dialect, org.ID, s.Now(), 25)
	if err != nil {
		return nil, err
	}
	fits, err = s.withoutHidden(ctx, fits, 5) // "not relevant" to the person looking: alerts.go
	if err != nil {
		return nil, err
	}
	p := &accounts.OrgPanel{Heading: "Opportunities that fit you",
		Intro: "Open opportunities ranked by how well your profile's services, client groups, themes and areas match them.",
		Empty: "No open opportunity matches your profile's services, themes, client groups or areas. Add them to your profile, or browse all opportunities.",
		More:  "/opportunities", MoreText: "All opportunities"}
	for _, f := range fits {
		detail := f.O.KindLabel() + " from " + f.O.BuyerName
		if c := f.O.ClosesAt(); c != nil {
			detail += ", closes " + c.In(web.London()).Format("2 January 2006 15:04")
		}
		if v := f.O.ValueText(); v != "" {
			detail += ", " + v
		}
		p.Items = append(p.Items, accounts.OrgPanelItem{Title: f.O.Title, Href: "/opportunities/" + f.O.Slug, Detail: detail,
			Reasons: f.Reasons, Warnings: f.Unmet})
	}
	return p, nil
}
