package opportunities

// Temporary until helper opp commits its Service (removed on merge).

import (
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

type Service struct {
	DB    *db.DB
	Web   *web.Server
	Store *Store
	Now   func() time.Time
}

func (s *Service) baseURL() string {
	if s.Web == nil {
		return ""
	}
	return s.Web.Config.BaseURL
}
