package partnerships

import (
	"embed"

	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates registers the feature's pages and its code labels.
func (s *Service) Templates(rd *web.Renderer) error {
	web.AddLabels(codeLabels)
	return rd.AddPages(templates, "templates", "partnerships")
}

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	var out []web.Route
	for _, f := range routeSets {
		out = append(out, f(s)...)
	}
	return out
}

// routeSets are the route lists of the http_*.go files.
var routeSets = []func(*Service) []web.Route{}
