package directory

import (
	"context"
	"net/http"
	"partnerhub/internal/clean"
	"strconv"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/notify"
	"partnerhub/internal/web"
)

// Asking to join a network, and the answer, are told both ways through
// notify: a request to the owners and editors of the organisation that
// runs the network; an acceptance or a decline (with its reason) to the
// owners and editors of the organisation that asked.

func (s *Service) joinNetwork(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	n, err := s.netBySlug(r)
	if err != nil {
		return err
	}
	org := web.OrgFrom(ctx)
	if org == n.OwnerOrgID {
		return apperr.Errorf(apperr.ECONFLICT, "Your organisation runs this network")
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := RequestToJoin(ctx, tx, n.ID, org); err != nil {
			return err
		}
		o, err := accounts.OrgByID(ctx, tx, org)
		if err != nil {
			return err
		}
		if err := s.tellNetwork(ctx, tx, n, n.OwnerOrgID, o.Name+" asks to join "+n.Name,
			o.Name+" has asked to join "+n.Name+".\n\nAccept or decline the request on the network's page:\n"+s.Web.Config.BaseURL+"/networks/"+n.Slug+"\n",
			"You get these emails as an owner or editor of "+n.OwnerName+", which runs "+n.Name+"."); err != nil {
			return err
		}
		return audit.Record(ctx, tx, org, "directory.network_join_request", "network", n.ID, n.Name)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/networks/"+n.Slug, "You have asked to join. The network's organisers will reply.")
}

// tellNetwork sends a network_join notice to the owners and editors of orgID.
func (s *Service) tellNetwork(ctx context.Context, tx *db.Tx, n Network, orgID int64, subject, text, why string) error {
	_, err := notify.TellOrgEditors(ctx, tx, s.Web.Config.BaseURL, orgID, notify.Notice{Kind: "network_join", Subject: subject, Text: text, Why: why})
	return err
}

// joinRequest resolves the network and the asking organisation of an
// owner's accept or decline; another organisation's network, or no
// pending request, answers as missing.
func (s *Service) joinRequest(r *http.Request) (Network, *accounts.Organisation, error) {
	n, err := s.netBySlug(r)
	if err != nil {
		return n, nil, err
	}
	if web.OrgFrom(r.Context()) != n.OwnerOrgID {
		return n, nil, apperr.NotFound("network")
	}
	member, err := web.PathID(r, "member", "request")
	if err != nil {
		return n, nil, err
	}
	asked, err := joinRequested(r.Context(), s.DB.Q(), n.ID, member)
	if err != nil {
		return n, nil, err
	}
	if !asked {
		return n, nil, apperr.NotFound("request")
	}
	o, err := accounts.OrgByID(r.Context(), s.DB.Q(), member)
	return n, o, err
}

// decide accepts (reason "") or declines the pending request of o, and
// tells o's owners and editors.
func (s *Service) decide(ctx context.Context, n Network, o *accounts.Organisation, accept bool, reason string) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		action := "directory.network_accept"
		subject, text := "Welcome to "+n.Name, n.OwnerName+" has accepted "+o.Name+" as a member of "+n.Name+".\n\n"
		if !accept {
			action = "directory.network_decline"
			subject, text = "Your request to join "+n.Name, n.OwnerName+" has declined "+o.Name+"'s request to join "+n.Name+". Their reason:\n\n"+reason+"\n\n"
		}
		if err := DecideJoinRequest(ctx, tx, n.ID, o.ID, accept); err != nil {
			return err
		}
		if err := s.tellNetwork(ctx, tx, n, o.ID, subject, text+s.Web.Config.BaseURL+"/networks/"+n.Slug+"\n",
			"You get these emails as an owner or editor of "+o.Name+", which asked to join "+n.Name+"."); err != nil {
			return err
		}
		detail := strconv.FormatInt(o.ID, 10)
		if !accept {
			detail += ": " + reason
		}
		return audit.Record(ctx, tx, n.OwnerOrgID, action, "network", n.ID, detail)
	})
}

func (s *Service) acceptMember(w http.ResponseWriter, r *http.Request) error {
	n, o, err := s.joinRequest(r)
	if err != nil {
		return err
	}
	if err := s.decide(r.Context(), n, o, true, ""); err != nil {
		return err
	}
	return web.Redirect(w, r, "/networks/"+n.Slug, "Member accepted")
}

func (s *Service) renderDecline(w http.ResponseWriter, r *http.Request, status int, n Network, o *accounts.Organisation, err error) error {
	return s.Web.Render(w, r, status, "directory/network-decline.html", networkDeclineView{
		View:   web.View{Title: "Decline " + o.Name + "'s request", Err: err, Form: r.PostForm},
		N:      n,
		O:      o,
		Action: r.URL.Path,
	})
}

func (s *Service) declineForm(w http.ResponseWriter, r *http.Request) error {
	n, o, err := s.joinRequest(r)
	if err != nil {
		return err
	}
	return s.renderDecline(w, r, http.StatusOK, n, o, nil)
}

func (s *Service) declineMember(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	n, o, err := s.joinRequest(r)
	if err != nil {
		return err
	}
	reason := clean.Text(r.PostForm.Get("reason"))
	var v apperr.Validation
	v.Check(reason != "", "reason", "Say why you are declining, so they know")
	checkLen(&v, "reason", "Reason", reason, MaxShortText)
	if err := v.Err(); err != nil {
		return s.renderDecline(w, r, http.StatusUnprocessableEntity, n, o, err)
	}
	if err := s.decide(r.Context(), n, o, false, reason); err != nil {
		return err
	}
	return web.Redirect(w, r, "/networks/"+n.Slug, "Request declined")
}
