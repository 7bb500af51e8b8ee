package accounts

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
	"partnerhub/internal/web"
)

func memberRoutes(s *Service) []web.Route {
	return []web.Route{
		web.Get("/orgs/{org}/members", web.OrgRole(web.RoleViewer), s.membersPage),
		web.Post("/orgs/{org}/members/invite", web.OrgRole(web.RoleOwner), s.invite),
		web.Post("/orgs/{org}/members/role", web.OrgRole(web.RoleOwner), s.changeRole),
		web.Get("/orgs/{org}/members/remove", web.OrgRole(web.RoleOwner), s.removeForm),
		web.Post("/orgs/{org}/members/remove", web.OrgRole(web.RoleOwner), s.remove),
		web.Post("/orgs/{org}/invitations/revoke", web.OrgRole(web.RoleOwner), s.revokeInvitation),
		// The link in the email: anyone holding it may see what it offers;
		// accepting needs the invited person signed in.
		web.Get("/invitations/{token}", web.Public, s.invitationPage),
		web.Post("/invitations/{token}", web.SignedIn, s.acceptInvitation),
	}
}

func roleOptions() []any { return []any{"owner", "editor", "viewer"} }

func (s *Service) membersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderMembers(w, r, 200, nil)
}

func (s *Service) renderMembers(w http.ResponseWriter, r *http.Request, status int, err error) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	org, oerr := OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if oerr != nil {
		return oerr
	}
	members, merr := Members(ctx, s.DB.Q(), org.ID)
	if merr != nil {
		return merr
	}
	canManage := id.Can(org.ID, web.RoleOwner)
	var pending []Invitation
	if canManage {
		if pending, merr = PendingInvitations(ctx, s.DB.Q(), org.ID); merr != nil {
			return merr
		}
	}
	return s.Web.Render(w, r, status, "accounts/members.html", membersView{View: web.View{Title: "Members of " + org.Name, Form: r.PostForm, Err: err}, Org: org, Members: members,
		Pending: pending, CanManage: canManage, Roles: roleOptions(), Me: id.UserID})
}

func (s *Service) invite(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	org, err := OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	email, role := NormaliseEmail(r.PostForm.Get("email")), r.PostForm.Get("role")
	var v apperr.Validation
	switch {
	case email == "":
		v.Add("email", "Enter the email address of the person to invite")
	case !mail.ValidAddress(email):
		v.Add("email", "Enter an email address in the correct format, like name@example.org")
	}
	v.Check(roleRank(role) > 0, "role", "Choose owner, editor or viewer")
	if err := v.Err(); err != nil {
		return s.renderMembers(w, r, http.StatusUnprocessableEntity, err)
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if u, err := UserByEmail(ctx, tx, email); err == nil {
			if _, err := MemberOf(ctx, tx, org.ID, u.ID); err == nil {
				return fieldErr(apperr.ECONFLICT, "email", email+" is already a member of "+org.Name+". Change their role in the list of members instead.")
			}
		}
		tok, _, err := CreateInvitation(ctx, tx, org.ID, email, role, id.UserID)
		if err != nil {
			return err
		}
		link := strings.TrimRight(s.Web.Config.BaseURL, "/") + "/invitations/" + tok
		return mail.Enqueue(ctx, tx, mail.Message{To: email, Kind: "invite", Subject: "You are invited to join " + strings.NewReplacer("\r", " ", "\n", " ").Replace(org.Name) + " on Partnerhub",
			Body: fmt.Sprintf("Hello,\n\n%s has invited you to join %s on Partnerhub as %s.\n\nTo accept, open:\n\n%s\n\nIf you do not have a Partnerhub account yet, create one with this email address (%s) first. The invitation works once and expires in 14 days.\nIf you did not expect this, you can ignore this email.\n",
				id.Name, org.Name, strings.ToLower(Label(role)), link, email)})
	})
	if apperr.Is(err, apperr.ECONFLICT) || apperr.Is(err, apperr.EINVALID) {
		return s.renderMembers(w, r, formStatus(err), err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+org.Slug+"/members", "An invitation has been sent to "+email+".")
}

// formInt reads a positive id from the form or query (0 when missing or bad,
// which then answers as a missing member).
func formInt(r *http.Request, name string) int64 {
	v := r.FormValue(name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

func (s *Service) changeRole(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	org, err := OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	uid, role := formInt(r, "user"), r.PostForm.Get("role")
	var m *Member
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if m, err = MemberOf(ctx, tx, org.ID, uid); err != nil {
			return err
		}
		return SetMemberRole(ctx, tx, org.ID, uid, role)
	})
	if apperr.Is(err, apperr.ECONFLICT) || apperr.Is(err, apperr.EINVALID) {
		return s.renderMembers(w, r, formStatus(err), err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+org.Slug+"/members", m.Name+" is now "+strings.ToLower(Label(role))+".")
}

func (s *Service) removeForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	m, err := MemberOf(ctx, s.DB.Q(), org.ID, formInt(r, "user"))
	if err != nil {
		return err
	}
	c := web.Confirm{Title: "Remove " + m.Name, Caption: org.Name,
		Question: "Are you sure you want to remove " + m.Name + "?",
		Detail:   m.Name + " (" + m.Email + ") will no longer be able to see or change " + org.Name + "'s records. An owner can invite them again later.",
		Action:   "/orgs/" + org.Slug + "/members/remove", Hidden: []web.Hidden{{Name: "user", Value: strconv.FormatInt(m.UserID, 10)}},
		Button: "Remove " + m.Name, Back: "/orgs/" + org.Slug + "/members", BackText: "Cancel"}
	if m.UserID == web.IdentityFrom(ctx).UserID {
		c.Question = "Are you sure you want to leave " + org.Name + "?"
		c.Detail = "You will no longer be able to see or change " + org.Name + "'s records. An owner can invite you again later."
		c.Button = "Leave the organisation"
	}
	return s.Web.Confirm(w, r, c)
}

func (s *Service) remove(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	org, err := OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	uid := formInt(r, "user")
	var m *Member
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if m, err = MemberOf(ctx, tx, org.ID, uid); err != nil {
			return err
		}
		return RemoveMember(ctx, tx, org.ID, uid)
	})
	if apperr.Is(err, apperr.ECONFLICT) {
		return s.renderMembers(w, r, http.StatusConflict, err)
	}
	if err != nil {
		return err
	}
	if uid == id.UserID && !id.Admin {
		return web.Redirect(w, r, "/orgs", "You have left "+org.Name+".")
	}
	return web.Redirect(w, r, "/orgs/"+org.Slug+"/members", m.Name+" has been removed from "+org.Name+".")
}

func (s *Service) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	org, err := OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	var inv *Invitation
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		inv, err = RevokeInvitation(ctx, tx, org.ID, formInt(r, "invitation"))
		return err
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+org.Slug+"/members", "The invitation to "+inv.Email+" has been withdrawn.")
}

func (s *Service) invitationPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderInvitation(w, r, 200, nil)
}

func (s *Service) renderInvitation(w http.ResponseWriter, r *http.Request, status int, err error) error {
	ctx := r.Context()
	tok := r.PathValue("token")
	inv, ierr := InvitationByToken(ctx, s.DB.Q(), tok)
	data := invitationView{View: web.View{Title: "Invitation to join an organisation", Err: err}, Token: tok, Next: r.URL.Path}
	if ierr != nil {
		if !apperr.Is(ierr, apperr.EINVALID) {
			return ierr
		}
		data.Bad = true
		return s.Web.Render(w, r, http.StatusNotFound, "accounts/invitation.html", data)
	}
	org, oerr := OrgByID(ctx, s.DB.Q(), inv.OrgID)
	if oerr != nil {
		return oerr
	}
	data.Invitation, data.Org = inv, org
	if id := web.IdentityFrom(ctx); id != nil {
		data.WrongUser = NormaliseEmail(id.Email) != inv.Email
	}
	return s.Web.Render(w, r, status, "accounts/invitation.html", data)
}

func (s *Service) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	tok := r.PathValue("token")
	inv, err := InvitationByToken(ctx, s.DB.Q(), tok)
	if err != nil {
		return s.renderInvitation(w, r, http.StatusNotFound, nil)
	}
	if NormaliseEmail(id.Email) != inv.Email {
		return s.renderInvitation(w, r, http.StatusForbidden, apperr.Errorf(apperr.EFORBIDDEN,
			"This invitation was sent to %s, but you are signed in as %s. Sign out and sign in as %s, or ask an owner to invite %s.", inv.Email, id.Email, inv.Email, id.Email))
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := AcceptInvitation(ctx, tx, tok, id.UserID)
		return err
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderInvitation(w, r, http.StatusNotFound, nil)
	}
	if err != nil {
		return err
	}
	org, err := OrgByID(ctx, s.DB.Q(), inv.OrgID)
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+org.Slug, "You are now a member of "+org.Name+".")
}
