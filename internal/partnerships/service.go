package partnerships

import (
	"context"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Service is the partnerships feature.
type Service struct {
	DB  *db.DB
	Web *web.Server
	// Sources are other features' measures shown with the partnership
	// measures (AddMeasureSource).
	Sources []MeasureSource
	// PageLinks are other features' pages about a partnership, linked from
	// its page (AddPageLink): the bids feature's impact page, for example.
	PageLinks []PageLink
	// net caches the network map's laid-out views (network_cache.go).
	net netCache
	// definitionHooks and definitionDoc join the definition to its library
	// document (definition_doc.go).
	definitionHooks []DefinitionHook
	definitionDoc   func(ctx context.Context) (DefinitionDoc, bool)
}

// PageLink names another feature's page about partnership p; ok false
// leaves it out.
type PageLink func(p *Partnership) (label, href string, ok bool)

// AddPageLink links another feature's page from every partnership page.
func (s *Service) AddPageLink(l PageLink) { s.PageLinks = append(s.PageLinks, l) }

// New returns the partnerships feature.
func New(d *db.DB, w *web.Server) *Service {
	s := &Service{DB: d, Web: w}
	s.registerResolvers()
	return s
}

// Nav adds the feature's sections to the main navigation.
func (s *Service) Nav() []web.NavItem {
	return []web.NavItem{{Label: "Partnerships", Href: "/partnerships", Also: []string{"/network-map", "/consortia", "/looking-for-partners"}}}
}
