package partnerships

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/notify"
	"partnerhub/internal/web"
)

// "Invite to a partnership" in one step (issue 13 item 4): from a partner
// finder result, an organisation's profile or a shortlist row, a short form
// lists the partnerships the caller manages (CanManage: their organisation
// leads it and they edit for it) and their organisations' open "looking for
// partners" posts. Inviting into a partnership records an Invitation and
// emails the invited organisation's editors, who accept (the membership is
// added) or decline at /orgs/{org}/partnership-invitations/{id} (object
// policy "partnership-invitation": editor of the invited organisation).
// Inviting to respond to a post emails them its link. Both are audited and
// limited by the email throttle (accounts.AllowRelay).

func (s *Service) inviteRoutes() []web.Route {
	invitee := web.ObjectRole("partnership-invitation", web.RoleEditor)
	return []web.Route{
		web.Get("/partnerships/invite", web.SignedIn, s.inviteForm),
		web.Post("/partnerships/invite", web.SignedIn, s.invite),
		web.Get("/orgs/{org}/partnership-invitations/{id}", invitee, s.invitationPage),
		web.Post("/orgs/{org}/partnership-invitations/{id}/accept", invitee, s.acceptInvitation),
		web.Post("/orgs/{org}/partnership-invitations/{id}/decline", invitee, s.declineInvitation),
	}
}

// inviteChoice is what the invite form offers for one organisation.
type inviteChoice struct {
	Target       *directory.Profile
	Partnerships []*Partnership
	Posts        []*PartnerPost
}

// inviteChoices loads the invited organisation named by slug (a missing
// or, to outsiders, unpublished one is ENOTFOUND) and what the caller can
// invite it to.
func (s *Service) inviteChoices(r *http.Request, slug string) (*inviteChoice, error) {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	t, err := directory.VisibleProfile(ctx, s.DB.Q(), slug)
	if err != nil {
		return nil, err
	}
	c := &inviteChoice{Target: t}
	var orgs []int64
	for _, o := range accounts.EditableOrgs(r, s.DB.Q(), t.ID) {
		orgs = append(orgs, o.ID)
		posts, _, err := ListPosts(ctx, s.DB.Q(), PostFilter{OrgID: o.ID, OpenOnly: true, Today: postToday(time.Now()), Limit: 50})
		if err != nil {
			return nil, err
		}
		c.Posts = append(c.Posts, posts...)
	}
	ps, err := InviteTargets(ctx, s.DB.Q(), s.DB.Dialect, id, orgs)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if !p.currentMember(t.ID) {
			c.Partnerships = append(c.Partnerships, p)
		}
	}
	return c, nil
}

// currentMember reports whether org is a current member of p.
func (p *Partnership) currentMember(org int64) bool {
	for _, m := range p.Members {
		if m.OrgID == org && m.Current(time.Now()) {
			return true
		}
	}
	return false
}

func (s *Service) renderInvite(w http.ResponseWriter, r *http.Request, status int, c *inviteChoice, form url.Values, err error) error {
	return s.Web.Render(w, r, status, "partnerships/invite.html", inviteView{View: web.View{Title: "Invite " + c.Target.Name, Form: form, Err: err}, C: c, Roles: InviteRoles})
}

func (s *Service) inviteForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.inviteChoices(r, r.URL.Query().Get("org"))
	if err != nil {
		return err
	}
	form := url.Values{"org": {c.Target.Slug}, "role": {"member"}}
	if len(c.Partnerships)+len(c.Posts) == 1 {
		for _, p := range c.Partnerships {
			form.Set("to", "partnership:"+strconv.FormatInt(p.ID, 10))
		}
		for _, p := range c.Posts {
			form.Set("to", "post:"+strconv.FormatInt(p.ID, 10))
		}
	}
	return s.renderInvite(w, r, http.StatusOK, c, form, nil)
}

func (s *Service) invite(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.inviteChoices(r, r.PostForm.Get("org"))
	if err != nil {
		return err
	}
	me := web.IdentityFrom(ctx)
	var p *Partnership
	var post *PartnerPost
	kind, raw, _ := strings.Cut(r.PostForm.Get("to"), ":")
	for _, x := range c.Partnerships {
		if kind == "partnership" && strconv.FormatInt(x.ID, 10) == raw {
			p = x
		}
	}
	for _, x := range c.Posts {
		if kind == "post" && strconv.FormatInt(x.ID, 10) == raw {
			post = x
		}
	}
	role := r.PostForm.Get("role")
	message := clean.Text(r.PostForm.Get("message"))
	v := &apperr.Validation{}
	v.Check(p != nil || post != nil, "to", "Choose what to invite "+c.Target.Name+" to")
	if p != nil {
		v.Check(in(InviteRoles, role), "role", "Choose the role you invite them to take")
	}
	v.Check(len([]rune(message)) <= 2000, "message", "Your message must be 2,000 characters or fewer")
	if err := v.Err(); err != nil {
		return s.renderInvite(w, r, http.StatusUnprocessableEntity, c, r.PostForm, err)
	}
	editors, err := notify.OrgEditors(ctx, s.DB.Q(), c.Target.ID)
	if err != nil {
		return err
	}
	if len(editors[c.Target.ID]) == 0 {
		return s.renderInvite(w, r, http.StatusConflict, c, r.PostForm,
			apperr.Errorf(apperr.ECONFLICT, "Nobody manages %s on Partnerhub yet, so there is no one to answer an invitation. Its profile may show other ways to contact it.", c.Target.Name))
	}
	sender := me.Name
	if sender == "" {
		sender = "A Partnerhub member"
	}
	var target, flash string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := accounts.AllowRelay(ctx, tx, me.UserID, c.Target.ID); err != nil {
			return err
		}
		if post != nil {
			target = "/looking-for-partners/" + strconv.FormatInt(post.ID, 10)
			flash = "We emailed the people who manage " + c.Target.Name + " an invitation to respond to your post."
			text := fmt.Sprintf("%s of %s invites %s to respond to their post “%s” on Partnerhub.\n\n%s\n\nSee the post and respond:\n%s%s",
				sender, post.OrgName, c.Target.Name, post.Title, quoteMessage(message), s.Web.Config.BaseURL, target)
			if _, err := notify.TellOrgEditors(ctx, tx, s.Web.Config.BaseURL, c.Target.ID, notify.Notice{Kind: "partnership_invitation",
				Subject: post.OrgName + " invites you to respond to: " + post.Title, Text: text, ReplyTo: strings.ToLower(me.Email),
				Why: "You get these emails as an owner or editor of " + c.Target.Name + " on Partnerhub."}); err != nil {
				return err
			}
			return audit.Record(ctx, tx, post.OrgID, "post.invite", "partner_post", post.ID, c.Target.Name)
		}
		inv, err := Invite(ctx, tx, p, c.Target.ID, role, message, me.UserID)
		if err != nil {
			return err
		}
		target = "/partnerships/" + p.Slug + "#members"
		flash = c.Target.Name + " is invited to join " + p.Name + " as " + roleWord(role) + ". Its owners and editors were emailed to accept or decline."
		link := s.Web.Config.BaseURL + "/orgs/" + c.Target.Slug + "/partnership-invitations/" + strconv.FormatInt(inv.ID, 10)
		text := fmt.Sprintf("%s invites %s to join the partnership “%s” as %s.\n\n%s\n\nAs an owner or editor of %s, accept or decline here:\n%s",
			sender, c.Target.Name, p.Name, roleWord(role), quoteMessage(message), c.Target.Name, link)
		if _, err := notify.TellOrgEditors(ctx, tx, s.Web.Config.BaseURL, c.Target.ID, notify.Notice{Kind: "partnership_invitation",
			Subject: "Invitation to join " + p.Name, Text: text, ReplyTo: strings.ToLower(me.Email),
			Why: "You get these emails as an owner or editor of " + c.Target.Name + " on Partnerhub."}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, firstLead(p), "partnership.invite", "partnership", p.ID, c.Target.Name+" as "+role)
	})
	if apperr.Is(err, apperr.ETOOMANY) || apperr.Is(err, apperr.ECONFLICT) {
		status := http.StatusConflict
		if apperr.Is(err, apperr.ETOOMANY) {
			status = http.StatusTooManyRequests
		}
		return s.renderInvite(w, r, status, c, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, target, flash)
}

// quoteMessage is the inviter's own words in an email, or a line saying
// there are none.
func quoteMessage(m string) string {
	if m == "" {
		return "(No message.)"
	}
	return "Their message:\n\n" + m
}

// invited is an invitation with its organisation and partnership.
type invited struct {
	Org *accounts.Organisation
	Inv *Invitation
	P   *Partnership
}

func (s *Service) resolveInvitation(r *http.Request) (*web.Object, error) {
	ctx := r.Context()
	org, err := accounts.OrgBySlug(ctx, s.DB.Q(), r.PathValue("org"))
	if err != nil {
		return nil, err
	}
	id, err := web.PathID(r, "id", "invitation")
	if err != nil {
		return nil, err
	}
	inv, err := InvitationOf(ctx, s.DB.Q(), org.ID, id)
	if err != nil {
		return nil, err
	}
	p, err := ByID(ctx, s.DB.Q(), inv.PartnershipID)
	if err != nil {
		return nil, err
	}
	return &web.Object{Value: &invited{Org: org, Inv: inv, P: p}, Owners: []int64{org.ID}}, nil
}

func (s *Service) invitationPage(w http.ResponseWriter, r *http.Request) error {
	x := web.ObjectFrom(r.Context()).(*invited)
	return s.Web.Render(w, r, http.StatusOK, "partnerships/invitation.html", invitationView{View: web.View{Title: "Invitation to join " + x.P.Name}, X: x})
}

func (s *Service) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	return s.answerInvitation(w, r, true)
}

func (s *Service) declineInvitation(w http.ResponseWriter, r *http.Request) error {
	return s.answerInvitation(w, r, false)
}

// answerInvitation accepts or declines, audits it on the partnership and
// tells the lead organisations' editors.
func (s *Service) answerInvitation(w http.ResponseWriter, r *http.Request, accept bool) error {
	ctx := r.Context()
	x := web.ObjectFrom(ctx).(*invited)
	me := web.IdentityFrom(ctx)
	answer := "declined"
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if accept {
			answer = "accepted"
			if _, err := Accept(ctx, tx, x.Inv, me.UserID); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, firstLead(x.P), "partnership.member_add", "partnership", x.P.ID,
				fmt.Sprintf("%s as %s (accepted an invitation)", x.Org.Name, x.Inv.Role)); err != nil {
				return err
			}
		} else {
			if err := Decline(ctx, tx, x.Inv, me.UserID); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, firstLead(x.P), "partnership.invitation_declined", "partnership", x.P.ID, x.Org.Name); err != nil {
				return err
			}
		}
		text := fmt.Sprintf("%s %s the invitation to join %s as %s.\n\nSee the partnership:\n%s/partnerships/%s",
			x.Org.Name, answer, x.P.Name, roleWord(x.Inv.Role), s.Web.Config.BaseURL, x.P.Slug)
		for _, lead := range managingOrgs(x.P) {
			if _, err := notify.TellOrgEditors(ctx, tx, s.Web.Config.BaseURL, lead, notify.Notice{Kind: "partnership_invitation",
				Subject: x.Org.Name + " " + answer + " your invitation to " + x.P.Name, Text: text,
				Why: "You get these emails as an owner or editor of an organisation leading " + x.P.Name + "."}); err != nil {
				return err
			}
		}
		return nil
	})
	if apperr.Is(err, apperr.ECONFLICT) {
		return s.Web.Render(w, r, http.StatusConflict, "partnerships/invitation.html", invitationView{View: web.View{Title: "Invitation to join " + x.P.Name, Err: err}, X: x})
	}
	if err != nil {
		return err
	}
	if accept {
		return web.Redirect(w, r, "/partnerships/"+x.P.Slug+"#members", x.Org.Name+" is now a member of "+x.P.Name+".")
	}
	return web.Redirect(w, r, "/orgs/"+x.Org.Slug, "You declined the invitation to join "+x.P.Name+". Its lead was told.")
}

// InvitationsPanel is the organisation dashboard's list of partnership
// invitations waiting for its answer (accounts.OrgPanels).
func (s *Service) InvitationsPanel(ctx context.Context, org *accounts.Organisation, role web.Role) (*accounts.OrgPanel, error) {
	pending, err := PendingInvitations(ctx, s.DB.Q(), org.ID)
	if err != nil {
		return nil, err
	}
	var items []accounts.OrgPanelItem
	for _, p := range pending {
		items = append(items, accounts.OrgPanelItem{Title: p.Partnership, Href: "/orgs/" + org.Slug + "/partnership-invitations/" + strconv.FormatInt(p.ID, 10),
			Detail: "Invited as " + roleWord(p.Role)})
	}
	if len(items) == 0 {
		return nil, nil
	}
	return &accounts.OrgPanel{Heading: "Invitations to join partnerships", Intro: "Its editors and owners accept or decline them.", Items: items}, nil
}

// roleWord is a member role in running text ("associate").
func roleWord(role string) string { return strings.ToLower(codeLabels[role]) }
