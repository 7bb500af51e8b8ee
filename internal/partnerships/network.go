package partnerships

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"partnerhub/internal/accounts"
	"sort"
	"strings"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// NetFilter narrows the network map.
type NetFilter struct {
	Year   int    // 0 = all time; else memberships during that calendar year
	Theme  int64  // taxonomy theme id
	Sector string // vcs, social_enterprise, faith, public, private or "third"
	Model  string
	Viewer *web.Identity
	// Focus, when set, keeps the partnerships this organisation is in:
	// its own network.
	Focus int64
}

// Node is an organisation on the map.
type Node struct {
	ID           int64
	Name         string
	Slug         string
	Sector       string
	Partnerships int // partnerships it is in (within the filter)
	Degree       int // distinct partners
	X, Y         float64
}

// Edge joins two organisations that share partnerships.
type Edge struct {
	A, B   int64
	Weight int      // shared partnerships
	Names  []string // their names
}

// Network is the map's data.
type Network struct {
	Nodes     []Node
	Edges     []Edge
	Truncated int // nodes left off the drawing (the tables keep them)
}

// LoadNetwork builds the network of who works with whom.
func LoadNetwork(ctx context.Context, q db.Querier, f NetFilter) (*Network, error) {
	return loadNetwork(ctx, q, f, true)
}

// loadNetwork is LoadNetwork; without names the edges do not list their
// partnerships' names (the drawing does not show them; at national scale
// they are millions of strings).
func loadNetwork(ctx context.Context, q db.Querier, f NetFilter, names bool) (*Network, error) {
	vis, args := visibleTo(f.Viewer, 1)
	where := []string{countedP, vis}
	n := func() string { return fmt.Sprintf("$%d", len(args)+1) }
	if f.Year > 0 {
		per := PeriodOf(f.Year, 1)
		where = append(where, effS+" < "+n())
		args = append(args, per.End)
		where = append(where, "("+effE+" IS NULL OR "+effE+" >= "+n()+")")
		args = append(args, per.Start)
	}
	where = append(where, "("+effE+" IS NULL OR "+effE+" >= "+effS+")")
	if f.Model != "" {
		where = append(where, "p.model = "+n())
		args = append(args, f.Model)
	}
	if f.Focus != 0 {
		where = append(where, "p.id IN (SELECT fm.partnership_id FROM partnership_members fm WHERE fm.organisation_id = "+n()+")")
		args = append(args, f.Focus)
	}
	if f.Theme != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM partnership_terms pt WHERE pt.partnership_id = p.id AND pt.term_id = "+n()+")")
		args = append(args, f.Theme)
	}
	switch {
	case f.Sector == "third":
		where = append(where, "o.sector IN "+thirdIn)
	case f.Sector != "":
		where = append(where, "o.sector = "+n())
		args = append(args, f.Sector)
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT p.id, p.name, o.id, o.name, o.slug, o.sector
		FROM partnership_members m JOIN partnerships p ON p.id = m.partnership_id JOIN organisations o ON o.id = m.organisation_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY p.id, o.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	nodes := map[int64]*Node{}
	members := map[int64][]int64{}
	pnames := map[int64]string{}
	for rows.Next() {
		var pid int64
		var pname string
		var nd Node
		if err := rows.Scan(&pid, &pname, &nd.ID, &nd.Name, &nd.Slug, &nd.Sector); err != nil {
			return nil, err
		}
		if nodes[nd.ID] == nil {
			c := nd
			nodes[nd.ID] = &c
		}
		nodes[nd.ID].Partnerships++
		members[pid] = append(members[pid], nd.ID)
		pnames[pid] = pname
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	type key struct{ a, b int64 }
	edges := map[key]*Edge{}
	pids := make([]int64, 0, len(members))
	for pid := range members {
		pids = append(pids, pid)
	}
	sort.Slice(pids, func(i, j int) bool { return pids[i] < pids[j] })
	for _, pid := range pids {
		ms := members[pid]
		for i := 0; i < len(ms); i++ {
			for j := i + 1; j < len(ms); j++ {
				a, b := ms[i], ms[j]
				if a > b {
					a, b = b, a
				}
				e := edges[key{a, b}]
				if e == nil {
					e = &Edge{A: a, B: b}
					edges[key{a, b}] = e
					nodes[a].Degree++
					nodes[b].Degree++
				}
				e.Weight++
				if names {
					e.Names = append(e.Names, pnames[pid])
				}
			}
		}
	}
	net := &Network{}
	for _, nd := range nodes {
		net.Nodes = append(net.Nodes, *nd)
	}
	sort.Slice(net.Nodes, func(i, j int) bool {
		a, b := net.Nodes[i], net.Nodes[j]
		if a.Degree != b.Degree {
			return a.Degree > b.Degree
		}
		return a.Name < b.Name || (a.Name == b.Name && a.ID < b.ID)
	})
	for _, e := range edges {
		net.Edges = append(net.Edges, *e)
	}
	sort.Slice(net.Edges, func(i, j int) bool {
		if net.Edges[i].A != net.Edges[j].A {
			return net.Edges[i].A < net.Edges[j].A
		}
		return net.Edges[i].B < net.Edges[j].B
	})
	return net, nil
}

// maxDrawn is the most nodes the SVG draws (the busiest ones).
const maxDrawn = 250

// Layout places the nodes deterministically: they start on a circle in
// their (degree, name) order and a fixed number of force-directed
// (Fruchterman-Reingold) steps pull partners together. The same data
// always gives the same picture.
func (n *Network) Layout(w, h float64) {
	nodes := n.Nodes
	if len(nodes) > maxDrawn {
		n.Truncated = len(nodes) - maxDrawn
		nodes = nodes[:maxDrawn]
	}
	N := len(nodes)
	if N == 0 {
		return
	}
	idx := map[int64]int{}
	for i := range nodes {
		idx[nodes[i].ID] = i
		a := 2 * math.Pi * float64(i) / float64(N)
		r := 0.45 * math.Min(w, h) * (0.35 + 0.65*float64(i%7)/6)
		nodes[i].X, nodes[i].Y = w/2+r*math.Cos(a), h/2+r*math.Sin(a)
	}
	k := math.Sqrt(w * h / float64(N))
	temp := w / 10
	dx := make([]float64, N)
	dy := make([]float64, N)
	for iter := 0; iter < 120; iter++ {
		for i := range dx {
			dx[i], dy[i] = 0, 0
		}
		for i := 0; i < N; i++ {
			for j := i + 1; j < N; j++ {
				ddx, ddy := nodes[i].X-nodes[j].X, nodes[i].Y-nodes[j].Y
				d := math.Max(math.Hypot(ddx, ddy), 0.01)
				f := k * k / d
				dx[i] += ddx / d * f
				dy[i] += ddy / d * f
				dx[j] -= ddx / d * f
				dy[j] -= ddy / d * f
			}
		}
		for _, e := range n.Edges {
			i, ok1 := idx[e.A]
			j, ok2 := idx[e.B]
			if !ok1 || !ok2 {
				continue
			}
			ddx, ddy := nodes[i].X-nodes[j].X, nodes[i].Y-nodes[j].Y
			d := math.Max(math.Hypot(ddx, ddy), 0.01)
			f := d * d / k * math.Min(float64(e.Weight), 3)
			dx[i] -= ddx / d * f
			dy[i] -= ddy / d * f
			dx[j] += ddx / d * f
			dy[j] += ddy / d * f
		}
		for i := 0; i < N; i++ {
			// gravity keeps loose groups on the page
			dx[i] -= (nodes[i].X - w/2) * 0.02 * k / 10
			dy[i] -= (nodes[i].Y - h/2) * 0.02 * k / 10
			d := math.Max(math.Hypot(dx[i], dy[i]), 0.01)
			step := math.Min(d, temp)
			nodes[i].X = math.Min(w-20, math.Max(20, nodes[i].X+dx[i]/d*step))
			nodes[i].Y = math.Min(h-20, math.Max(20, nodes[i].Y+dy[i]/d*step))
		}
		temp *= 0.96
	}
}

// SVG draws the laid-out network: third-sector organisations as circles,
// public bodies as squares, private firms as diamonds (shape and colour),
// the busiest fifteen labelled; every node has a title.
func (n *Network) SVG(title string) template.HTML {
	const w, h = 960.0, 720.0
	n.Layout(w, h)
	drawn := n.Nodes
	if len(drawn) > maxDrawn {
		drawn = drawn[:maxDrawn]
	}
	pos := map[int64]*Node{}
	for i := range drawn {
		pos[drawn[i].ID] = &drawn[i]
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="ph-chart ph-netmap" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="netmap-t netmap-d" xmlns="http://www.w3.org/2000/svg">`, w, h)
	fmt.Fprintf(&b, `<title id="netmap-t">%s</title><desc id="netmap-d">%d organisations and %d links between organisations that share a partnership. The same information is in the tables below the map.</desc>`,
		template.HTMLEscapeString(title), len(n.Nodes), len(n.Edges))
	b.WriteString(`<g class="edges">`)
	for _, e := range n.Edges {
		a, c := pos[e.A], pos[e.B]
		if a == nil || c == nil {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke-width="%.1f"/>`, a.X, a.Y, c.X, c.Y, math.Min(0.6+0.6*float64(e.Weight), 4))
	}
	b.WriteString(`</g><g class="nodes">`)
	for i, nd := range drawn {
		r := 3 + math.Min(math.Sqrt(float64(nd.Partnerships))*1.6, 9)
		label := fmt.Sprintf("%s (%s): %d partnerships, %d partners", nd.Name, accounts.Label(nd.Sector), nd.Partnerships, nd.Degree)
		cls := "n-third"
		switch nd.Sector {
		case "public":
			cls = "n-public"
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`, cls, nd.X-r, nd.Y-r, 2*r, 2*r, template.HTMLEscapeString(label))
		case "private":
			cls = "n-private"
			fmt.Fprintf(&b, `<polygon class="%s" points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f"><title>%s</title></polygon>`, cls, nd.X, nd.Y-r*1.3, nd.X+r*1.3, nd.Y, nd.X, nd.Y+r*1.3, nd.X-r*1.3, nd.Y, template.HTMLEscapeString(label))
		default:
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="%.1f"><title>%s</title></circle>`, cls, nd.X, nd.Y, r, template.HTMLEscapeString(label))
		}
		if i < 15 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, nd.X, nd.Y-r-4, template.HTMLEscapeString(nd.Name))
		}
	}
	b.WriteString(`</g>`)
	// Legend: shape and words, not colour alone.
	fmt.Fprintf(&b, `<g class="legend" transform="translate(12 %.0f)"><circle class="n-third" cx="8" cy="0" r="6"/><text x="20" y="4">Third sector</text><rect class="n-public" x="122" y="-6" width="12" height="12"/><text x="140" y="4">Public sector</text><polygon class="n-private" points="258,-8 266,0 258,8 250,0"/><text x="272" y="4">Private sector</text></g>`, h-14)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// NeverInPartnership lists organisations that have never been a member of
// any partnership, by name.
func NeverInPartnership(ctx context.Context, q db.Querier, limit int) ([]Node, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name, o.slug, o.sector FROM organisations o
		WHERE NOT EXISTS (SELECT 1 FROM partnership_members m WHERE m.organisation_id = o.id)
		ORDER BY o.name LIMIT `+itoa(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		var nd Node
		if err := rows.Scan(&nd.ID, &nd.Name, &nd.Slug, &nd.Sector); err != nil {
			return nil, err
		}
		out = append(out, nd)
	}
	return out, rows.Err()
}
