package web

import "net/http"

// InfoRoutes are the home page and the fixed information pages.
func (s *Server) InfoRoutes() []Route {
	page := func(name, title, desc string) HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error {
			return s.RenderStatic(w, r, name, View{Title: title, Description: desc})
		}
	}
	return []Route{
		{"GET", "/{$}", Public, page("home.html", "", siteDescription)},
		{"GET", "/about", Public, page("about.html", "About the strategy", "What Blackpool's strategy for partnership working between the voluntary, community, faith and public sectors sets out to do, and how Partnerhub measures it.")},
		{"GET", "/accessibility", Public, page("accessibility.html", "Accessibility statement", "How accessible Partnerhub is, what we know is not yet accessible, and how to report a problem or ask for another format.")},
		{"GET", "/privacy", Public, s.privacy},
		{"GET", "/admin/privacy", Admin, s.privacySettingsForm},
		{"POST", "/admin/privacy", Admin, s.savePrivacySettings},
	}
}
