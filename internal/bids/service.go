package bids

import (
	"context"
	"embed"
	"strconv"
	"time"

	"partnerhub/internal/accounts"

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

// Panel is the organisation dashboard's section on bids: those it leads
// and those it is invited to sign off.
func (s *Service) Panel(ctx context.Context, org *accounts.Organisation, role web.Role) (*accounts.OrgPanel, error) {
	if org.Sector == "public" {
		return nil, nil
	}
	bs, err := List(ctx, s.DB.Q(), ListFilter{OrgID: org.ID, Limit: 5})
	if err != nil {
		return nil, err
	}
	p := &accounts.OrgPanel{Heading: "Bids", Intro: "Bids your organisation leads or was invited into.",
		Empty: "No bids yet. Start one from an open opportunity's page.", More: "/orgs/" + org.Slug + "/bids", MoreText: "All your bids"}
	for _, b := range bs {
		href := "/orgs/" + org.Slug + "/bid-invitations/" + strconv.FormatInt(b.ID, 10)
		if b.LeadOrgID == org.ID {
			href = "/orgs/" + org.Slug + "/bids/" + strconv.FormatInt(b.ID, 10)
		}
		it := accounts.OrgPanelItem{Title: b.Title, Href: href, Detail: b.StatusLabel() + ", led by " + b.LeadName}
		if b.Status == StatusDrafting {
			ms, err := membersOf(ctx, s.DB.Q(), b.ID)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if m.OrgID == org.ID && m.SignOff == SignInvited {
					it.Warnings = append(it.Warnings, "Waiting for "+org.Name+"'s owner to sign off")
				}
			}
		}
		p.Items = append(p.Items, it)
	}
	return p, nil
}
