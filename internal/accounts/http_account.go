package accounts

import (
	"net/http"

	"partnerhub/internal/web"
)

func accountRoutes(s *Service) []web.Route {
	return []web.Route{
		web.Get("/account", web.SignedIn, s.accountPage),
	}
}

func (s *Service) accountPage(w http.ResponseWriter, r *http.Request) error {
	id := web.IdentityFrom(r.Context())
	orgs, err := OrgsForUser(r.Context(), s.DB.Q(), id.UserID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/account.html", map[string]any{"Title": "Your account", "Orgs": orgs})
}
