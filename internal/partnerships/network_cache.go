package partnerships

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
)

// NetView is what the network map page shows for one filter: the whole
// network's size, its busiest organisations (the ones drawn, laid out)
// and the drawing.
type NetView struct {
	Nodes, Edges int    // in the whole filtered network (the CSVs list them all)
	Top          []Node // the drawn organisations, busiest first (at most maxDrawn)
	SVG          template.HTML
	// Rows are the table's rows for Top, written once with the drawing.
	Rows template.HTML
}

// Truncated is how many organisations the drawing and its table leave off.
func (v *NetView) Truncated() int { return v.Nodes - len(v.Top) }

// netCache keeps laid-out views per filter for one data version
// (db.VersionNetwork): the layout is computed once per change to the
// partnerships data, not per request. A view is built once however many
// requests ask for it at the same time.
type netCache struct {
	mu      sync.Mutex
	version int64
	views   map[string]*netSlot
	// never is the list of organisations never in a partnership, read at
	// neverAt: a new organisation (which moves no version) joins it
	// within neverTTL.
	never   *neverList
	neverAt time.Time
}

// neverList is the never-in-a-partnership list, its items written once.
type neverList struct {
	Count int
	Items template.HTML
}

// neverTTL is how long the never-in-a-partnership list is reused.
const neverTTL = time.Minute

type netSlot struct {
	done chan struct{}
	view *NetView
	err  error
}

// maxViews bounds the cache: each view holds at most maxDrawn nodes and
// one drawing.
const maxViews = 64

// key names a filter, the viewer's visibility included.
func (f NetFilter) key() string {
	who := "public"
	switch id := f.Viewer; {
	case id != nil && id.Admin:
		who = "admin"
	case id != nil && len(id.Orgs) > 0:
		orgs := make([]int64, 0, len(id.Orgs))
		for o := range id.Orgs {
			orgs = append(orgs, o)
		}
		slices.Sort(orgs)
		var b strings.Builder
		for _, o := range orgs {
			b.WriteString(strconv.FormatInt(o, 10) + ",")
		}
		who = b.String()
	}
	return fmt.Sprintf("%d|%d|%s|%s|%d|%s", f.Year, f.Theme, f.Sector, f.Model, f.Focus, who)
}

// networkView is the view for f, from the cache when the data version has
// not moved since it was built.
func (s *Service) networkView(ctx context.Context, f NetFilter, title string) (*NetView, error) {
	v, err := db.Version(ctx, s.DB.Q(), db.VersionNetwork)
	if err != nil {
		return nil, err
	}
	key := f.key()
	c := &s.net
	c.mu.Lock()
	if c.views == nil || c.version != v {
		c.views, c.version = map[string]*netSlot{}, v
		c.never = nil
	}
	slot := c.views[key]
	if slot == nil {
		if len(c.views) >= maxViews {
			for k := range c.views { // drop any one
				delete(c.views, k)
				break
			}
		}
		slot = &netSlot{done: make(chan struct{})}
		c.views[key] = slot
		c.mu.Unlock()
		// Built for every request waiting on it: one leaving must not
		// cancel it.
		slot.view, slot.err = buildView(context.WithoutCancel(ctx), s.DB.Q(), f, title)
		close(slot.done)
		if slot.err != nil {
			c.mu.Lock()
			if c.views[key] == slot {
				delete(c.views, key)
			}
			c.mu.Unlock()
		}
		return slot.view, slot.err
	}
	c.mu.Unlock()
	select {
	case <-slot.done:
		return slot.view, slot.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// neverInPartnership is NeverInPartnership(…, 2000) as list items,
// reused for neverTTL while the data version stays (networkView checks it
// first).
func (s *Service) neverInPartnership(ctx context.Context) (*neverList, error) {
	c := &s.net
	c.mu.Lock()
	never, fresh := c.never, c.never != nil && time.Since(c.neverAt) < neverTTL
	c.mu.Unlock()
	if fresh {
		return never, nil
	}
	nodes, err := NeverInPartnership(ctx, s.DB.Q(), 2000)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	esc := template.HTMLEscapeString
	for _, nd := range nodes {
		fmt.Fprintf(&b, `<li><a href="/directory/%s">%s</a> <span class="ph-meta">(%s)</span></li>`, esc(url.PathEscape(nd.Slug)), esc(nd.Name), esc(accounts.Label(nd.Sector)))
	}
	never = &neverList{Count: len(nodes), Items: template.HTML(b.String())}
	c.mu.Lock()
	c.never, c.neverAt = never, time.Now()
	c.mu.Unlock()
	return never, nil
}

// buildView loads the network, lays it out and keeps what the page shows.
func buildView(ctx context.Context, q db.Querier, f NetFilter, title string) (*NetView, error) {
	net, err := loadNetwork(ctx, q, f, false)
	if err != nil {
		return nil, err
	}
	svg := net.SVG(title)
	top := slices.Clone(net.Nodes[:min(len(net.Nodes), maxDrawn)])
	return &NetView{Nodes: len(net.Nodes), Edges: len(net.Edges), Top: top, SVG: svg, Rows: tableRows(top, f.Year)}, nil
}

// tableRows writes the table of the drawn organisations, each with a link
// to its own network (keeping the year).
func tableRows(nodes []Node, year int) template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	yr := ""
	if year > 0 {
		yr = "&amp;year=" + strconv.Itoa(year)
	}
	for _, nd := range nodes {
		slug := url.QueryEscape(nd.Slug)
		fmt.Fprintf(&b, `<tr><th scope="row"><a href="/directory/%s">%s</a></th><td>%s</td><td class="num">%d</td><td class="num">%d</td><td><a href="/network-map?focus=%s%s">Focus<span class="ph-visually-hidden"> on %s</span></a></td></tr>`,
			esc(url.PathEscape(nd.Slug)), esc(nd.Name), esc(accounts.Label(nd.Sector)), nd.Partnerships, nd.Degree, esc(slug), yr, esc(nd.Name))
	}
	return template.HTML(b.String())
}
