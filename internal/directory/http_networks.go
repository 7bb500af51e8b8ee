package directory

import (
	"net/http"
	"partnerhub/internal/clean"
	"strconv"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

func (s *Service) networkRoutes() []web.Route {
	editor := web.OrgRole(web.RoleEditor)
	return []web.Route{
		web.Get("/networks", web.Public, s.networks),
		web.Get("/networks/{slug}", web.Public, s.network),
		web.Get("/orgs/{org}/networks/new", editor, s.newNetworkForm),
		web.Post("/orgs/{org}/networks/new", editor, s.newNetwork),
		web.Post("/orgs/{org}/networks/{slug}/join", editor, s.joinNetwork),
		web.Post("/orgs/{org}/networks/{slug}/members/{member}/accept", editor, s.acceptMember),
		web.Get("/orgs/{org}/networks/{slug}/members/{member}/decline", editor, s.declineForm),
		web.Post("/orgs/{org}/networks/{slug}/members/{member}/decline", editor, s.declineMember),
	}
}

func (s *Service) networks(w http.ResponseWriter, r *http.Request) error {
	ns, err := queryNetworks(r.Context(), s.DB.Q(), `ORDER BY n.name`)
	if err != nil {
		return err
	}
	url := func(n Network) string { return s.Web.Config.BaseURL + "/networks/" + n.Slug }
	return web.ServeList(s.Web, w, r, web.List[Network]{
		Name: "networks", PerPage: web.Unpaged, Fetch: web.Rows(ns),
		Columns: []web.Column[Network]{
			{Header: "name", Cell: func(n Network) string { return n.Name }},
			{Header: "purpose", Cell: func(n Network) string { return n.Purpose }},
			{Header: "who_can_join", Cell: func(n Network) string { return n.WhoCanJoin }},
			{Header: "meeting_pattern", Cell: func(n Network) string { return n.MeetingPattern }},
			{Header: "contact", Cell: func(n Network) string { return n.Contact }},
			{Header: "run_by", Cell: func(n Network) string { return n.OwnerName }},
			{Header: "members", Cell: func(n Network) string { return strconv.Itoa(n.Members) }},
			{Header: "url", Cell: url},
		},
		Item: func(n Network) any {
			return map[string]any{"id": n.UUID, "slug": n.Slug, "name": n.Name, "purpose": n.Purpose, "who_can_join": n.WhoCanJoin,
				"meeting_pattern": n.MeetingPattern, "contact": n.Contact, "run_by": n.OwnerName, "run_by_slug": n.OwnerSlug,
				"members": n.Members, "updated_at": n.UpdatedAt, "url": url(n)}
		},
		Render: func(p web.ListPage[Network]) error {
			return s.Web.Render(w, r, http.StatusOK, "directory/networks.html", networksView{
				View:     web.View{Title: "Networks and forums"},
				Networks: p.Items,
				CSV:      p.CSVURL,
				JSONURL:  p.JSONURL,
			})
		},
	})
}

func (s *Service) network(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ns, err := queryNetworks(ctx, s.DB.Q(), `WHERE n.slug = $1`, r.PathValue("slug"))
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		return apperr.NotFound("network")
	}
	n := ns[0]
	id := web.IdentityFrom(ctx)
	isOwner := id != nil && id.Can(n.OwnerOrgID, web.RoleEditor)
	all, err := networkMembers(ctx, s.DB.Q(), n.ID)
	if err != nil {
		return err
	}
	var members, requests []netMember
	inNet := map[int64]bool{}
	for _, m := range all {
		inNet[m.OrgID] = true
		if m.Status == "member" {
			members = append(members, m)
		} else if isOwner {
			requests = append(requests, m)
		}
	}
	// Organisations the viewer can ask to join for.
	var canJoin []map[string]string
	if id != nil {
		mine, err := accounts.OrgsForUser(ctx, s.DB.Q(), id.UserID)
		if err != nil {
			return err
		}
		for _, o := range mine {
			if o.ID != n.OwnerOrgID && !inNet[o.ID] && id.Can(o.ID, web.RoleEditor) {
				canJoin = append(canJoin, map[string]string{"Slug": o.Slug, "Name": o.Name})
			}
		}
	}
	var ownerSlug string
	if isOwner {
		ownerSlug = n.OwnerSlug
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/network.html", networkView{
		View:      web.View{Title: n.Name},
		N:         n,
		Members:   members,
		Requests:  requests,
		CanJoin:   canJoin,
		OwnerSlug: ownerSlug,
	})
}

func (s *Service) newNetworkForm(w http.ResponseWriter, r *http.Request) error {
	return s.Web.Render(w, r, http.StatusOK, "directory/network-new.html", networkNewView{View: web.View{Title: "Add a network"}, Org: r.PathValue("org")})
}

func (s *Service) newNetwork(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	n := Network{Name: clean.Line(f.Get("name")), Purpose: clean.Text(f.Get("purpose")), WhoCanJoin: clean.Text(f.Get("who_can_join")),
		MeetingPattern: clean.Text(f.Get("meeting_pattern")), Contact: clean.Text(f.Get("contact")), OwnerOrgID: web.OrgFrom(ctx)}
	var v apperr.Validation
	v.Check(n.Name != "", "name", "Enter the network's name")
	checkLen(&v, "name", "Name", n.Name, 200)
	v.Check(n.Purpose != "", "purpose", "Enter the network's purpose")
	checkLen(&v, "purpose", "Purpose", n.Purpose, MaxDescription)
	checkLen(&v, "who_can_join", "Who can join", n.WhoCanJoin, MaxShortText)
	checkLen(&v, "meeting_pattern", "Meeting pattern", n.MeetingPattern, MaxShortText)
	checkLen(&v, "contact", "Contact", n.Contact, MaxShortText)
	if err := v.Err(); err != nil {
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "directory/network-new.html", networkNewView{View: web.View{Title: "Add a network", Err: err, Form: f}, Org: r.PathValue("org")})
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := CreateNetwork(ctx, tx, &n); err != nil {
			return err
		}
		return audit.Record(ctx, tx, n.OwnerOrgID, "directory.network_create", "network", n.ID, n.Name)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/networks/"+n.Slug, "Network added")
}

func (s *Service) netBySlug(r *http.Request) (Network, error) {
	ns, err := queryNetworks(r.Context(), s.DB.Q(), `WHERE n.slug = $1`, r.PathValue("slug"))
	if err != nil {
		return Network{}, err
	}
	if len(ns) == 0 {
		return Network{}, apperr.NotFound("network")
	}
	return ns[0], nil
}
