package assess

import (
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Service is the assess feature.
type Service struct {
	DB  *db.DB
	Web *web.Server
}

// New returns the assess feature.
func New(d *db.DB, w *web.Server) *Service { return &Service{DB: d, Web: w} }

// Templates registers the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error { return nil }

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route { return nil }
