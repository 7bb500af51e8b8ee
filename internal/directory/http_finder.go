package directory

import (
	"context"
	"net/http"
	"partnerhub/internal/accounts"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/web"
)

func ids(vs []string) []int64 {
	var out []int64
	for _, v := range vs {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// finder is the partner finder: the form and, when asked, explained matches.
// JSON callers get the matches.
func (s *Service) finder(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := r.URL.Query()
	fq := FinderQuery{Services: ids(v["service"]), Themes: ids(v["theme"]), ClientGroups: ids(v["client_group"]), Wards: v["ward"], Limit: 20}
	if la := v.Get("local_authority"); la != "" {
		fq.LocalAuthorities = []string{la}
	}
	id := web.IdentityFrom(ctx)
	// Complement: one of the caller's own organisations.
	var myOrgs []map[string]any
	if id != nil {
		orgs, err := accounts.OrgsForUser(ctx, s.DB.Q(), id.UserID)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			myOrgs = append(myOrgs, map[string]any{"ID": strconv.FormatInt(o.ID, 10), "Name": o.Name, "Slug": o.Slug})
		}
		if c, err := strconv.ParseInt(v.Get("complement"), 10, 64); err == nil && c > 0 {
			if !id.Admin && id.RoleIn(c) == web.RoleNone {
				return apperr.NotFound("organisation")
			}
			fq.Complement = c
			fq.ExcludeOrgs = append(fq.ExcludeOrgs, c)
		}
	}
	asked := v.Get("find") != ""
	return web.ServeList(s.Web, w, r, web.List[Match]{
		Name: "partner-finder",
		// The finder ranks its best maxFinderMatches matches; pages and
		// exports are slices of them.
		Fetch: func(ctx context.Context, limit, offset int) ([]Match, int, error) {
			if !asked {
				return nil, 0, nil
			}
			q := fq
			q.Limit = min(offset+limit, maxFinderMatches)
			ms, err := FindPartners(ctx, s.q(), s.DB.Dialect, q)
			if err != nil || offset >= len(ms) {
				return nil, len(ms), err
			}
			return ms[offset:], len(ms), nil
		},
		Columns: []web.Column[Match]{
			{Header: "name", Cell: func(m Match) string { return m.Org.Name }},
			{Header: "score", Cell: func(m Match) string { return strconv.FormatFloat(m.Score, 'f', -1, 64) }},
			{Header: "reasons", Cell: func(m Match) string { return strings.Join(m.Reasons, "; ") }},
			{Header: "url", Cell: func(m Match) string { return s.Web.Config.BaseURL + "/directory/" + m.Org.Slug }},
		},
		Item: func(m Match) any {
			return map[string]any{"slug": m.Org.Slug, "name": m.Org.Name, "score": m.Score, "reasons": m.Reasons}
		},
		Render: func(p web.ListPage[Match]) error {
			fd, err := s.formData(ctx)
			if err != nil {
				return err
			}
			return s.Web.Render(w, r, http.StatusOK, "directory/finder.html", finderView{
				View:      web.View{Title: "Find partners", Form: v, Err: p.Err},
				Checks:    fd.checks(),
				MyOrgs:    myOrgs,
				Asked:     asked,
				Matches:   p.Items,
				Pager:     p.PagerData(r),
				Start:     p.Pager.First(),
				CSV:       p.CSVURL,
				JSONURL:   p.JSONURL,
				Shortlist: shortlistOffers(r, s.DB.Q(), p.Items),
				Back:      r.URL.RequestURI(),
			})
		},
	})
}

// maxFinderMatches is how many matches the partner finder ranks.
const maxFinderMatches = 100
