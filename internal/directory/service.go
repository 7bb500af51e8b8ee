package directory

import (
	"embed"
	"sync"

	"partnerhub/internal/db"
	"partnerhub/internal/importing"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Service is the directory feature.
type Service struct {
	DB  *db.DB
	Web *web.Server

	vocab vocabCache // the directory's words, for compounds and "did you mean"
	forms formCache  // the search and finder forms' choices (formdata.go)

	readsOnce sync.Once
	reads     db.Querier
}

// q is the read Querier of the directory's search page and the partner
// finder, which keeps their statements prepared on SQLite
// (db.NewReadStatements): parsing them again was a tenth of each
// request's CPU (BenchmarkPages).
func (s *Service) q() db.Querier {
	s.readsOnce.Do(func() { s.reads = db.NewReadStatements(s.DB) })
	return s.reads
}

// New returns the directory feature.
func New(d *db.DB, w *web.Server) *Service {
	s := &Service{DB: d, Web: w}
	if w != nil {
		w.Resolve("organisation", s.resolveOrganisation)
		w.Resolve("shortlist-entry", s.resolveShortlistEntry)
	}
	return s
}

// Templates registers the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error {
	if err := rd.AddLabels("directory", labels); err != nil {
		return err
	}
	return rd.AddPages(templates, "templates", "directory")
}

// Nav is the feature's main navigation entry.
func (s *Service) Nav() []web.NavItem {
	return []web.NavItem{{Label: "Directory", Href: "/directory"}}
}

// Importers are the `partnerhub import` kinds this feature provides.
func (s *Service) Importers() map[string]importing.Func {
	return map[string]importing.Func{"orgs": s.importFile, "charities": s.importRegisterFile(RegisterCharity), "companies": s.importRegisterFile(RegisterCompany)}
}

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	editor := web.OrgRole(web.RoleEditor)
	return append(append(append(append(s.networkRoutes(), append(s.orukRoutes(), s.shortlistRoutes()...)...), s.apiRoutes()...), s.adminRegisterRoutes()...), []web.Route{
		web.Get("/directory", web.Public, s.list),
		web.Get("/directory/{slug}", web.Public, s.show),
		web.Get("/directory/{slug}/history", web.Admin, s.history),
		web.Get("/orgs/{org}/profile", editor, s.editForm),
		web.Post("/orgs/{org}/profile", editor, s.edit),
		web.Post("/orgs/{org}/profile/policies", editor, s.editPolicies),
		web.Post("/orgs/{org}/profile/quality-marks", editor, s.addMark),
		web.Get("/orgs/{org}/profile/quality-marks/{id}/delete", editor, s.confirmDeleteMark),
		web.Post("/orgs/{org}/profile/quality-marks/{id}/delete", editor, s.deleteMark),
		web.Post("/orgs/{org}/profile/contacts", editor, s.addContact),
		web.Get("/orgs/{org}/profile/contacts/{id}/delete", editor, s.confirmDeleteContact),
		web.Post("/orgs/{org}/profile/contacts/{id}/delete", editor, s.deleteContact),
		web.Get("/directory/{slug}/message", web.SignedIn, s.messageForm),
		web.Post("/directory/{slug}/message", web.SignedIn, s.message),
		web.Get("/directory/{slug}/claim", web.SignedIn, s.claimForm),
		web.Post("/directory/{slug}/claim", web.SignedIn, s.claim),
		web.Get("/admin/claims", web.Admin, s.claims),
		web.Post("/admin/claims/{id}", web.Admin, s.decideClaim),
		web.Get("/partners/find", web.Public, s.finder),
	}...)
}
