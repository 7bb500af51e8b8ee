package partnerships

import (
	"net/http"
	"strconv"
	"strings"

	"partnerhub/internal/accounts"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

func (s *Service) networkRoutes() []web.Route {
	return []web.Route{
		web.Get("/network-map", web.Public, s.networkMap),
		web.Get("/network-map/nodes.csv", web.Public, s.networkNodes),
		web.Get("/network-map/edges.csv", web.Public, s.networkEdges),
	}
}

func netFilter(r *http.Request) (NetFilter, error) {
	q := r.URL.Query()
	f := NetFilter{Viewer: web.IdentityFrom(r.Context())}
	if v := q.Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 1900 || y > 2200 {
			return f, fieldErr("year", "Enter a year as four digits, for example 2024")
		}
		f.Year = y
	}
	if v := q.Get("sector"); v == "third" || in(accounts.Sectors, v) {
		f.Sector = v
	}
	if v := q.Get("model"); in(Models, v) {
		f.Model = v
	}
	f.Theme, _ = strconv.ParseInt(q.Get("theme"), 10, 64)
	return f, nil
}

// netFocus resolves the focus organisation typed by name or slug (nil
// when none was asked for).
func (s *Service) netFocus(r *http.Request, f *NetFilter) (*accounts.Organisation, error) {
	typed := r.URL.Query().Get("focus")
	if strings.TrimSpace(typed) == "" {
		return nil, nil
	}
	o, err := findOrg(r.Context(), s.DB.Q(), typed)
	if err != nil {
		return nil, fieldErr("focus", "No organisation called “"+typed+"” is in the directory: check the name, or choose one from the table")
	}
	f.Focus = o.ID
	return o, nil
}

func (s *Service) networkMap(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := netFilter(r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	focus, focusErr := s.netFocus(r, &f)
	if focusErr != nil {
		// The whole map, with the error beside what was typed.
		status = http.StatusUnprocessableEntity
	}
	title := "Who works with whom"
	if focus != nil {
		title = "Who works with " + focus.Name
	}
	if f.Year > 0 {
		title += " in " + strconv.Itoa(f.Year)
	}
	view, err := s.networkView(ctx, f, title)
	if err != nil {
		return err
	}
	never, err := s.neverInPartnership(ctx)
	if err != nil {
		return err
	}
	themes, err := taxonomy.List(ctx, s.DB.Q(), taxonomy.Themes, false)
	if err != nil {
		return err
	}
	var years []int
	for y := currentYear(timeNow(), 1); y >= 2000; y-- {
		years = append(years, y)
	}
	return s.Web.Render(w, r, status, "partnerships/network.html", networkView{View: web.View{Form: r.URL.Query(), Err: focusErr, Title: "Network map"}, Net: view, Focus: focus, Never: never, Themes: themes, Models: Models, Sectors: append([]string{"third"}, accounts.Sectors...), Years: years, F: f, Q: r.URL.Query()})
}

func (s *Service) networkNodes(w http.ResponseWriter, r *http.Request) error {
	f, err := netFilter(r)
	if err != nil {
		return err
	}
	if _, err := s.netFocus(r, &f); err != nil {
		return err
	}
	net, err := LoadNetwork(r.Context(), s.DB.Q(), f)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, nd := range net.Nodes {
		rows = append(rows, []string{strconv.FormatInt(nd.ID, 10), nd.Name, accounts.Label(nd.Sector), nd.Sector, strconv.Itoa(nd.Partnerships), strconv.Itoa(nd.Degree)})
	}
	return web.CSV(w, "network-nodes.csv", []string{"Id", "Label", "Type", "Sector", "Partnerships", "Partners"}, rows)
}

func (s *Service) networkEdges(w http.ResponseWriter, r *http.Request) error {
	f, err := netFilter(r)
	if err != nil {
		return err
	}
	if _, err := s.netFocus(r, &f); err != nil {
		return err
	}
	net, err := LoadNetwork(r.Context(), s.DB.Q(), f)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, nd := range net.Nodes {
		names[nd.ID] = nd.Name
	}
	var rows [][]string
	for _, e := range net.Edges {
		rows = append(rows, []string{strconv.FormatInt(e.A, 10), strconv.FormatInt(e.B, 10), "Undirected", strconv.Itoa(e.Weight), names[e.A], names[e.B], joinNames(e.Names)})
	}
	return web.CSV(w, "network-edges.csv", []string{"Source", "Target", "Type", "Weight", "From", "To", "Partnerships"}, rows)
}

func joinNames(ns []string) string {
	out := ""
	for i, n := range ns {
		if i > 0 {
			out += "; "
		}
		out += n
	}
	return out
}
