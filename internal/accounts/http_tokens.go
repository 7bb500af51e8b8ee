package accounts

import (
	"fmt"
	"net/http"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// The /account/tokens pages, where a signed-in user makes and revokes
// personal API tokens (api_tokens.go). Session sign-in only: a bearer token
// is not an identity outside /api/, so a token cannot mint tokens.

// ownToken is the policy of the routes that act on one token: only the user
// it belongs to holds a role on it; everyone else, platform admins too, gets
// 404, as for a missing token (a private, personal object).
var ownToken = web.ObjectRole("api-token", web.RoleOwner)

func (s *Service) resolveToken(r *http.Request) (*web.Object, error) {
	tid, err := web.PathID(r, "id", "token")
	if err != nil {
		return nil, err
	}
	t, owner, err := apiToken(r.Context(), s.DB.Q(), tid)
	if err != nil {
		return nil, err
	}
	return &web.Object{Value: t, Users: map[int64]web.Role{owner: web.RoleOwner}, Private: true, Personal: true}, nil
}

func (s *Service) tokenRoutes() []web.Route {
	return []web.Route{
		web.Get("/account/tokens", web.SignedIn, s.tokensPage),
		web.Post("/account/tokens", web.SignedIn, s.createToken),
		web.Get("/account/tokens/{id}/revoke", ownToken, s.revokeTokenForm),
		web.Post("/account/tokens/{id}/revoke", ownToken, s.revokeToken),
	}
}

func (s *Service) tokensPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, nil, "")
}

func (s *Service) renderTokens(w http.ResponseWriter, r *http.Request, status int, err error, secret string) error {
	id := web.IdentityFrom(r.Context())
	ts, lerr := APITokens(r.Context(), s.DB.Q(), id.UserID)
	if lerr != nil {
		return lerr
	}
	return s.Web.Render(w, r, status, "accounts/tokens.html", tokensView{View: web.View{Title: "API tokens", Form: r.PostForm, Err: err},
		Tokens: ts, Secret: secret, BaseURL: s.Web.Config.BaseURL})
}

func (s *Service) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	var secret string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		secret, _, err = CreateAPIToken(ctx, tx, id.UserID, r.PostForm.Get("name"))
		return err
	})
	if apperr.Code(err) == apperr.EINVALID {
		return s.renderTokens(w, r, http.StatusUnprocessableEntity, err, "")
	}
	if err != nil {
		return err
	}
	// Shown once, on this response only (no redirect: the secret must not
	// travel in a URL or a cookie). Signed-in pages are no-store.
	r.PostForm = nil
	return s.renderTokens(w, r, http.StatusOK, nil, secret)
}

func (s *Service) revokeTokenForm(w http.ResponseWriter, r *http.Request) error {
	t := web.ObjectFrom(r.Context()).(*APIToken)
	if t.RevokedAt != nil {
		return web.Redirect(w, r, "/account/tokens", "That token was already revoked")
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Revoke API token",
		Question: "Are you sure you want to revoke the token “" + t.Name + "”?",
		Detail:   "Programs that use it will stop working at once. This cannot be undone: you can create a new token instead.",
		Action:   fmt.Sprintf("/account/tokens/%d/revoke", t.ID), Button: "Yes, revoke it", Back: "/account/tokens"})
}

func (s *Service) revokeToken(w http.ResponseWriter, r *http.Request) error {
	tid := web.ObjectFrom(r.Context()).(*APIToken).ID
	ctx := r.Context()
	uid := web.IdentityFrom(ctx).UserID
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return RevokeAPIToken(ctx, tx, uid, tid) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/account/tokens", "Token revoked. Programs using it can no longer change your organisations' profiles.")
}
