package directory

import (
	"net/http"
	"strconv"

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
		rows, err := s.DB.Q().QueryContext(ctx, `SELECT o.id, o.name FROM memberships m JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = $1 ORDER BY o.name`, id.UserID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var oid int64
			var name string
			if err := rows.Scan(&oid, &name); err != nil {
				rows.Close()
				return err
			}
			myOrgs = append(myOrgs, map[string]any{"ID": strconv.FormatInt(oid, 10), "Name": name})
		}
		rows.Close()
		if c, err := strconv.ParseInt(v.Get("complement"), 10, 64); err == nil && c > 0 {
			if !id.Admin && id.RoleIn(c) == web.RoleNone {
				return apperr.NotFound("organisation")
			}
			fq.Complement = c
			fq.ExcludeOrgs = append(fq.ExcludeOrgs, c)
		}
	}
	var matches []Match
	var err error
	asked := v.Get("find") != ""
	if asked {
		matches, err = FindPartners(ctx, s.DB.Q(), s.DB.Dialect, fq)
		if err != nil && apperr.Code(err) != apperr.EINVALID {
			return err
		}
	}
	if web.WantsJSON(r) {
		if err != nil {
			return err
		}
		type jm struct {
			Slug    string   `json:"slug"`
			Name    string   `json:"name"`
			Score   float64  `json:"score"`
			Reasons []string `json:"reasons"`
		}
		out := []jm{}
		for _, m := range matches {
			out = append(out, jm{m.Org.Slug, m.Org.Name, m.Score, m.Reasons})
		}
		return web.JSON(w, http.StatusOK, map[string]any{"matches": out})
	}
	voc, verr := vocabularies(ctx, s.DB.Q())
	if verr != nil {
		return verr
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/finder.html", map[string]any{"Title": "Find partners", "Form": v, "Voc": voc,
		"Wards": Wards(), "LAs": LocalAuthorities(), "MyOrgs": myOrgs, "Asked": asked, "Matches": matches, "Err": err})
}
