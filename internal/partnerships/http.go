package partnerships

import (
	"embed"
	"net/url"
	"time"

	"partnerhub/internal/apperr"

	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates registers the feature's pages and its code labels.
func (s *Service) Templates(rd *web.Renderer) error {
	if err := rd.AddLabels("partnerships", codeLabels); err != nil {
		return err
	}
	return rd.AddPages(templates, "templates", "partnerships")
}

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	var out []web.Route
	out = append(out, s.measureRoutes()...)
	out = append(out, s.partnershipRoutes()...)
	out = append(out, s.networkRoutes()...)
	out = append(out, s.consortiumRoutes()...)
	out = append(out, s.postRoutes()...)
	out = append(out, s.inviteRoutes()...)
	return out
}

// fieldErr is a validation error on one field.
func fieldErr(field, msg string) error {
	v := &apperr.Validation{}
	v.Add(field, msg)
	return v.Err()
}

// timeNow is the clock (a variable for tests).
var timeNow = time.Now

func urlValues(m map[string][]string) url.Values { return url.Values(m) }
