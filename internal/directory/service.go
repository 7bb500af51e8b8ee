package directory

import (
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Service is the directory feature.
type Service struct {
	DB  *db.DB
	Web *web.Server
}

// New returns the directory feature.
func New(d *db.DB, w *web.Server) *Service { return &Service{DB: d, Web: w} }

// Templates registers the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error { return nil }

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route { return nil }
