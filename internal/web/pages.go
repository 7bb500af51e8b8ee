package web

import "net/http"

// InfoRoutes are the home page and the fixed information pages.
func (s *Server) InfoRoutes() []Route {
	page := func(name, title string) HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error {
			return s.RenderStatic(w, r, name, map[string]any{"Title": title})
		}
	}
	return []Route{
		{"GET", "/{$}", Public, page("home.html", "")},
		{"GET", "/about", Public, page("about.html", "About the strategy")},
		{"GET", "/accessibility", Public, page("accessibility.html", "Accessibility statement")},
		{"GET", "/privacy", Public, s.privacy},
		{"GET", "/admin/privacy", Admin, s.privacySettingsForm},
		{"POST", "/admin/privacy", Admin, s.savePrivacySettings},
	}
}
