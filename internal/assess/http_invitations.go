package assess

import (
	"fmt"
	"net/http"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// The link of an emailed invitation to contribute (invitations.go): anyone
// holding it sees what it offers and why it cannot be used (unknown, used,
// expired); accepting needs the invited address signed in, and lands in
// the assessment.
func (s *Service) invitationRoutes() []web.Route {
	return []web.Route{
		web.Get("/assessment-invitations/{token}", web.Public, s.invitationPage),
		web.Post("/assessment-invitations/{token}", web.SignedIn, s.acceptInvitation),
	}
}

func (s *Service) invitationPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderInvitation(w, r, http.StatusOK, nil)
}

// renderInvitation shows the invitation of the path's token, or why it
// cannot be used (404), with err (a refusal) above it.
func (s *Service) renderInvitation(w http.ResponseWriter, r *http.Request, status int, err error) error {
	ctx := r.Context()
	tok := r.PathValue("token")
	data := invitationView{
		View:  web.View{Title: "Invitation to contribute to an assessment", Err: err},
		Token: tok,
		Next:  r.URL.Path,
	}
	inv, ierr := InvitationByToken(ctx, s.DB.Q(), tok)
	if apperr.Is(ierr, apperr.EINVALID) {
		data.Bad = apperr.Message(ierr)
		return s.Web.Render(w, r, http.StatusNotFound, "assess/invitation.html", data)
	}
	if ierr != nil {
		return ierr
	}
	a, aerr := AssessmentByID(ctx, s.DB.Q(), inv.AssessmentID)
	if aerr != nil {
		return aerr
	}
	data.Invitation, data.A = inv, a
	if id := web.IdentityFrom(ctx); id != nil {
		data.WrongUser = accounts.NormaliseEmail(id.Email) != inv.Email
	}
	return s.Web.Render(w, r, status, "assess/invitation.html", data)
}

func (s *Service) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	inv, err := InvitationByToken(ctx, s.DB.Q(), r.PathValue("token"))
	if err != nil {
		return s.renderInvitation(w, r, http.StatusNotFound, nil)
	}
	if accounts.NormaliseEmail(id.Email) != inv.Email {
		return s.renderInvitation(w, r, http.StatusForbidden, apperr.Errorf(apperr.EFORBIDDEN,
			"This invitation was sent to %s, but you are signed in as %s. Sign out and sign in as %s, or ask the assessment's lead to invite %s.", inv.Email, id.Email, inv.Email, id.Email))
	}
	var a *Assessment
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		a, err = AcceptInvitation(ctx, tx, r.PathValue("token"), id.UserID, id.Name)
		return err
	})
	switch {
	case apperr.Is(err, apperr.EINVALID):
		return s.renderInvitation(w, r, http.StatusNotFound, nil)
	case apperr.Is(err, apperr.ECONFLICT):
		return s.renderInvitation(w, r, http.StatusConflict, err)
	case err != nil:
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/assessments/%d", a.ID), "You are now a contributor to the assessment of "+a.SubjectName+".")
}
