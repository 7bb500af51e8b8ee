package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/markdown"
)

//go:embed templates/*.html
var coreTemplates embed.FS

// Renderer holds every page template. Start-up lists the pages (a
// missing or doubly defined one still stops it) but parses each page on
// its first use, or when ParseAll warms them after the server is ready:
// parsing every page was two thirds of start-up (issue 20, target 7).
// TestEveryPageParses in internal/app parses them all, so a broken
// template still fails the tests.
type Renderer struct {
	base   *template.Template
	pages  map[string]*lazyPage
	static *Static
	labels map[string]codeLabel // code -> words, and the feature that gave them
}

// partialSet is a feature's partials (_*.html) over the layout, parsed
// once, on the first use of one of the feature's pages.
type partialSet struct {
	once  sync.Once
	root  *template.Template
	fsys  fs.FS
	dir   string
	files []string
	t     *template.Template
	err   error
}

func (ps *partialSet) load() (*template.Template, error) {
	ps.once.Do(func() {
		fb, err := ps.root.Clone()
		if err != nil {
			ps.err = err
			return
		}
		if ps.t, err = fb.ParseFS(ps.fsys, ps.files...); err != nil {
			ps.err = fmt.Errorf("parse partials in %s: %w", ps.dir, err)
		}
	})
	return ps.t, ps.err
}

// lazyPage is one page, parsed once on first use.
type lazyPage struct {
	once     sync.Once
	root     *template.Template // the layout, when the feature has no partials
	partials *partialSet
	fsys     fs.FS
	file     string
	t        *template.Template
	err      error
}

func (p *lazyPage) load() (*template.Template, error) {
	p.once.Do(func() {
		base := p.root
		if p.partials != nil {
			if base, p.err = p.partials.load(); p.err != nil {
				return
			}
		}
		t, err := base.Clone()
		if err != nil {
			p.err = err
			return
		}
		if p.t, err = t.ParseFS(p.fsys, p.file); err != nil {
			p.t, p.err = nil, fmt.Errorf("parse template %s: %w", p.file, err)
		}
	})
	return p.t, p.err
}

var london = mustLocation("Europe/London")

// mustLocation loads a time zone or stops the program: falling back to UTC
// would show every summer time an hour off without a word. The binary
// embeds the zone database (time/tzdata in cmd/partnerhub), so this fails
// only for a name that does not exist.
func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("web: time zone %s: %v (import time/tzdata or install the zone files)", name, err))
	}
	return loc
}

// London is the Europe/London location used for every date shown.
func London() *time.Location { return london }

// Funcs are the template functions every page can use.
func (rd *Renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return rd.static.URL(name) },
		"date": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(london).Format("2 January 2006")
			case *time.Time:
				if v == nil || v.IsZero() {
					return ""
				}
				return v.In(london).Format("2 January 2006")
			}
			return ""
		},
		"datetime": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(london).Format("2 January 2006 15:04")
			case *time.Time:
				if v == nil || v.IsZero() {
					return ""
				}
				return v.In(london).Format("2 January 2006 15:04")
			}
			return ""
		},
		"isodate": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(london).Format("2006-01-02")
		},
		"fieldError": func(errs []apperr.FieldError, field string) string {
			for _, e := range errs {
				if e.Field == field {
					return e.Message
				}
			}
			return ""
		},
		"value": func(form url.Values, field string) string {
			if form == nil {
				return ""
			}
			return form.Get(field)
		},
		"checked": func(form url.Values, field, v string) bool {
			if form == nil {
				return false
			}
			for _, x := range form[field] {
				if x == v {
					return true
				}
			}
			return false
		},
		"query": func(r *http.Request, kv ...string) string {
			q := url.Values{}
			if r != nil {
				q = r.URL.Query()
			}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					q.Del(kv[i])
				} else {
					q.Set(kv[i], kv[i+1])
				}
			}
			return "?" + q.Encode()
		},
		"htmlID":   HTMLID,
		"markdown": markdown.HTML,
		"add":      func(a, b int) int { return a + b },
		"sub":      func(a, b int) int { return a - b },
		"title": func(s string) string {
			return strings.ReplaceAll(strings.ToUpper(s[:min(1, len(s))])+s[min(1, len(s)):], "_", " ")
		},
		"label": rd.Label,
		"join":  strings.Join,
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"list": func(v ...any) []any { return v },
		"safeURL": func(s string) template.URL {
			if u, err := url.Parse(s); err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "mailto") {
				return template.URL(s)
			}
			return template.URL("#")
		},
	}
}

// NewRenderer parses the layout and core pages.
func NewRenderer(static *Static) (*Renderer, error) {
	rd := &Renderer{pages: map[string]*lazyPage{}, static: static, labels: map[string]codeLabel{}}
	base, err := template.New("layout.html").Funcs(rd.funcs()).ParseFS(coreTemplates, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	rd.base = base
	if err := rd.AddPages(coreTemplates, "templates", ""); err != nil {
		return nil, err
	}
	return rd, nil
}

// AddPages registers every *.html in dir of fsys as a page named
// prefix/file.html (or file.html with an empty prefix). Files starting
// with "_" are partials shared by that feature's pages. Pages are parsed
// on first use (or by ParseAll); the names are checked here.
func (rd *Renderer) AddPages(fsys fs.FS, dir, prefix string) error {
	files, err := fs.Glob(fsys, dir+"/*.html")
	if err != nil {
		return err
	}
	var partials []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			partials = append(partials, f)
		}
	}
	// The feature's partials are parsed once into its own base, which
	// each page clones (parsing them again per page was most of start-up).
	var ps *partialSet
	if len(partials) > 0 {
		ps = &partialSet{root: rd.base, fsys: fsys, dir: dir, files: partials}
	}
	for _, f := range files {
		b := path.Base(f)
		if b == "layout.html" || b == "partials.html" || strings.HasPrefix(b, "_") {
			continue
		}
		name := b
		if prefix != "" {
			name = prefix + "/" + b
		}
		if _, dup := rd.pages[name]; dup {
			return fmt.Errorf("template %s defined twice", name)
		}
		rd.pages[name] = &lazyPage{root: rd.base, partials: ps, fsys: fsys, file: f}
	}
	return nil
}

// ParseAll parses every page not parsed yet and reports every page that
// does not parse. `serve` calls it once the server is ready (so the first
// visitors do not wait for parsing); the tests call it to fail on a broken
// template.
func (rd *Renderer) ParseAll() error {
	names := make([]string, 0, len(rd.pages))
	for name := range rd.pages {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		if _, err := rd.pages[name].load(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Has reports whether a page exists.
func (rd *Renderer) Has(name string) bool { _, ok := rd.pages[name]; return ok }

// Page is what every template receives as its dot.
type Page struct {
	Title string
	// Description is the page's own meta description (the data key
	// "Description"); MetaDescription falls back to one built from Title.
	Description string
	Req         *http.Request
	User        *Identity
	Nonce       string
	RequestID   string
	Flash       string
	Path        string
	D           any // the handler's data
	Errors      []apperr.FieldError
	Form        url.Values
	Nav         []NavItem
}

// siteDescription is the meta description of a page that gives none.
const siteDescription = "Partnerhub is where Blackpool's voluntary, community, faith and public sector organisations find each other, form partnerships and consortia, and meet at events."

// MetaDescription is the page's meta description: its own (shortened to
// about 160 characters at a word), or the site's, naming the page.
func (p *Page) MetaDescription() string {
	d := strings.Join(strings.Fields(p.Description), " ")
	if d == "" {
		if p.Title == "" {
			return siteDescription
		}
		return p.Title + ". " + siteDescription
	}
	const most = 160
	if r := []rune(d); len(r) > most {
		cut := string(r[:most])
		if i := strings.LastIndex(cut, " "); i > most/2 {
			cut = cut[:i]
		}
		d = strings.TrimRight(cut, " ,;:.") + "…"
	}
	return d
}

// NavItem is one entry of the main navigation.
type NavItem struct {
	Label string
	Href  string
	// Also lists further sections the item stands for: their pages mark it
	// as current (the network map is part of Partnerships, the news of the
	// Library), so the main navigation stays one row at 1280 px.
	Also []string
	// html is the item written by navItemTemplate: [0] not current,
	// [1] current (see NavHTML).
	html [2]string
}

// Current reports whether the item is the section of the page at path.
func (n NavItem) Current(path string) bool {
	if inSection(path, n.Href) {
		return true
	}
	for _, h := range n.Also {
		if inSection(path, h) {
			return true
		}
	}
	return false
}

// inSection reports whether path is section h or a page under it.
func inSection(path, h string) bool {
	return strings.HasPrefix(path, h) && (len(path) == len(h) || path[len(h)] == '/')
}

// NavHTML is the main navigation's items after Home, the item of the
// page's section marked aria-current. It is not ranged over in the layout:
// a reflective method call and an allocation per item, on every page,
// were a good part of a signed-in page's rendering (BenchmarkHandler in
// cmd/partnerhub). Each item's two forms (current or not) are written by
// html/template itself (navItemTemplate), once when AddNav adds it, so a
// label or href is escaped, and a URL of an unsafe scheme (javascript:,
// data:) filtered, exactly as in any template: only the joining is done
// here (TestNavHTMLEscapesAsHTMLTemplate).
func (p *Page) NavHTML() template.HTML {
	var b strings.Builder
	b.Grow(64 * len(p.Nav))
	for _, n := range p.Nav {
		if n.html[0] == "" { // an item not added by AddNav
			n.prepare()
		}
		if n.Current(p.Path) {
			b.WriteString(n.html[1])
		} else {
			b.WriteString(n.html[0])
		}
	}
	return template.HTML(b.String())
}

// navItemTemplate is one item of the main navigation, not current (.C
// false) or current.
var navItemTemplate = template.Must(template.New("nav-item").Parse(
	`<li><a href="{{.N.Href}}"{{if .C}} aria-current="page"{{end}}>{{.N.Label}}</a></li>`))

// prepare writes the item's two forms with navItemTemplate.
func (n *NavItem) prepare() {
	for i := range n.html {
		var b strings.Builder
		if err := navItemTemplate.Execute(&b, struct {
			N *NavItem
			C bool
		}{n, i == 1}); err != nil {
			panic(err) // the template only reads two strings
		}
		n.html[i] = b.String()
	}
}

// AddNav adds an entry to the main navigation (at start-up).
func (s *Server) AddNav(item NavItem) {
	item.prepare()
	s.nav = append(s.nav, item)
}

// Form is a convenience for handlers re-showing a form with errors.
type Form struct {
	Values url.Values
	Errors []apperr.FieldError
}

var bufPool = sync.Pool{New: func() any { b := new(bytes.Buffer); b.Grow(16 << 10); return b }}

// Render executes page name into w with status. Data is a struct embedding
// View, whose Title, Description, Form, Errors and Err are lifted into the
// Page (see View). Any other data (a map, say) is refused with an error,
// so a page cannot render without its typed view.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); bufPool.Put(buf) }()
	if err := s.render(buf, w, r, name, data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func (s *Server) render(buf *bytes.Buffer, w http.ResponseWriter, r *http.Request, name string, data any) error {
	lp, ok := s.R.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	t, err := lp.load()
	if err != nil {
		return err
	}
	p := &Page{
		Req:       r,
		User:      IdentityFrom(r.Context()),
		Nonce:     Nonce(r.Context()),
		RequestID: RequestID(r.Context()),
		Path:      r.URL.Path,
		D:         data,
		Nav:       s.nav,
	}
	if w != nil {
		p.Flash = takeFlash(w, r)
	}
	v, ok := data.(Viewer)
	if !ok {
		return fmt.Errorf("render %s: page data %T is not a view (a struct embedding web.View)", name, data)
	}
	v.PageView().lift(p)
	err = t.ExecuteTemplate(buf, "layout.html", p)
	// Recorded after executing, which escapes the page's trees once (so
	// the check reads them settled), and also when it failed: the check
	// then names the field that made it fail.
	s.recordView(name, data)
	if err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return nil
}

// RenderStatic serves a page whose content is the same for every
// anonymous visitor (no flash message, no per-request nonce in it): it is
// rendered once and then served from memory. Signed-in visitors and
// requests carrying a flash message are rendered normally.
func (s *Server) RenderStatic(w http.ResponseWriter, r *http.Request, name string, data any) error {
	if IdentityFrom(r.Context()) != nil || hasFlash(r) {
		return s.Render(w, r, http.StatusOK, name, data)
	}
	b, ok := s.staticPages.Load(name)
	if !ok {
		var buf bytes.Buffer
		if err := s.render(&buf, nil, r, name, data); err != nil {
			return err
		}
		if n := Nonce(r.Context()); n != "" && (bytes.Contains(buf.Bytes(), []byte(n)) || bytes.Contains(buf.Bytes(), []byte(`nonce="`))) {
			// A page that uses the CSP nonce cannot be shared between requests.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, err := w.Write(buf.Bytes())
			return err
		}
		b, _ = s.staticPages.LoadOrStore(name, buf.Bytes())
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := w.Write(b.([]byte))
	return err
}

const flashCookie = "partnerhub_flash"

// Flash stores a one-time message shown on the next page.
func Flash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func hasFlash(r *http.Request) bool {
	_, err := r.Cookie(flashCookie)
	return err == nil
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	v, _ := url.QueryUnescape(c.Value)
	return v
}

// Redirect sends a 303 to target with an optional flash message.
func Redirect(w http.ResponseWriter, r *http.Request, target, flash string) error {
	if flash != "" {
		Flash(w, flash)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// SafeNext returns next when it is a local path, else fallback.
//
// A browser normalises a Location before following it: it drops tabs and
// newlines anywhere, trims control characters and spaces at the ends, and
// reads a backslash as a slash, so "/\t/evil.example" and "/\\evil.example"
// both become "//evil.example", another site. next is accepted only when it
// is printable ASCII without backslashes (nor encoded ones or slashes in
// its path), starts with one slash, and still names this origin resolved.
func SafeNext(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return fallback
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return fallback
		}
	}
	p, _, _ := strings.Cut(strings.ToLower(next), "?")
	if strings.Contains(p, "%2f") || strings.Contains(p, "%5c") {
		return fallback
	}
	base, _ := url.Parse("https://partnerhub.invalid/")
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || base.ResolveReference(u).Host != base.Host {
		return fallback
	}
	return next
}

// HTMLID turns a value (a ward name such as "Squires Gate") into a valid
// id fragment: lower case letters and digits, other runs as one hyphen.
func HTMLID(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
