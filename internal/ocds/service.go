package ocds

import (
	"context"
	"embed"
	"path/filepath"

	"partnerhub/internal/db"
	"partnerhub/internal/importing"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Service is the OCDS feature: the release publisher hooked into the
// opportunities store, the import (command and admin page) and the API.
type Service struct {
	DB   *db.DB
	Web  *web.Server
	Opps *opportunities.Store

	sections []Section
	awards   []AwardHook
}

// An AwardHook hears, inside the import's transaction, of the awards an
// imported process carries (the bids feature records them, matching their
// suppliers to bids). It is called on every import of the process that
// brings new releases, so it must be idempotent by award id.
type AwardHook func(ctx context.Context, tx *db.Tx, oppID int64, awards []NoticeAward) error

// OnImportedAwards registers h (call at start-up).
func (s *Service) OnImportedAwards(h AwardHook) { s.awards = append(s.awards, h) }

// New makes the service and registers its publisher on opps, so every
// change to a published opportunity adds a release in the same
// transaction.
func New(d *db.DB, w *web.Server, opps *opportunities.Store) *Service {
	s := &Service{DB: d, Web: w, Opps: opps}
	opps.OnChange(s.publish)
	return s
}

// Templates adds the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error {
	return rd.AddPages(templates, "templates", "ocds")
}

// Importers are the `partnerhub import` kinds this feature provides.
func (s *Service) Importers() map[string]importing.Func {
	return map[string]importing.Func{"ocds": s.importFile}
}

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	return []web.Route{
		web.Get("/api/ocds/releases", web.Public, s.apiReleases),
		web.Get("/api/ocds/records/{ocid}", web.Public, s.apiRecord),
		web.Get("/admin/ocds/import", web.Admin, s.importForm),
		web.Post("/admin/ocds/import", web.Admin, s.importPreview),
		web.Post("/admin/ocds/import/confirm", web.Admin, s.importConfirm),
	}
}

func (s *Service) pending() uploads.Pending {
	return uploads.Pending{Dir: filepath.Join(s.Web.Config.UploadDir(), "ocds-imports")}
}
