package grants

import "partnerhub/internal/web"

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route { return nil }
