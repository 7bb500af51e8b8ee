package opportunities

import (
	"net/http"
	"net/url"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// buyerChoice is a public-sector organisation an admin may publish for.
type buyerChoice struct{ Slug, Name string }

// publicBuyers lists the directory's public-sector organisations by name.
func publicBuyers(r *http.Request, q db.Querier) ([]buyerChoice, error) {
	rows, err := q.QueryContext(r.Context(), `SELECT slug, name FROM organisations WHERE sector = 'public' ORDER BY name, id`)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []buyerChoice
	for rows.Next() {
		var b buyerChoice
		if err := rows.Scan(&b.Slug, &b.Name); err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// publishFor lets an admin (infrastructure body staff) publish an
// opportunity for any public-sector buyer: GET with ?buyer=slug goes to
// that buyer's new-opportunity form; without one, or with one that is not
// a public-sector organisation, it asks which buyer.
func (s *Service) publishFor(w http.ResponseWriter, r *http.Request) error {
	buyers, err := publicBuyers(r, s.DB.Q())
	if err != nil {
		return err
	}
	slug := r.URL.Query().Get("buyer")
	var formErr error
	if slug != "" {
		for _, b := range buyers {
			if b.Slug == slug {
				return web.Redirect(w, r, "/orgs/"+url.PathEscape(b.Slug)+"/opportunities/new", "")
			}
		}
		var v apperr.Validation
		v.Add("buyer", "Choose a public-sector organisation from the list")
		formErr = v.Err()
	}
	status := http.StatusOK
	if formErr != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.Web.Render(w, r, status, "opportunities/publish_for.html", publishForView{View: web.View{Title: "Publish an opportunity for a buyer", Form: r.URL.Query(), Err: formErr}, Buyers: buyers})
}
