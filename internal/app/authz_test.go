package app_test

// The access-control tests of the whole route table: every route declares
// a policy, the public routes match a reviewed golden file, and a role x
// route x tenant matrix of real requests through the real middleware
// behaves as the expectation table (derived from each route's policy,
// deny by default) says; denied requests change nothing; another
// organisation's object answers exactly like a missing one.

import (
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/web"
)

var update = flag.Bool("update", false, "rewrite testdata/public-routes.golden from the current route table")

const goldenPublic = "testdata/public-routes.golden"

const regenerate = "go test ./internal/app -run TestPublicRoutes -update"

func TestEveryRouteHasAPolicy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		routes := env.App.Web.Routes()
		if len(routes) < 10 {
			t.Fatalf("route table has only %d routes", len(routes))
		}
		for _, rt := range routes {
			if rt.Policy.String() == "unset" {
				t.Errorf("route %s has no access policy", rt.Pattern())
			}
		}
		// And the table refuses to build with a route that has none.
		bad := web.Route{Method: "GET", Path: "/no-policy", Handler: func(http.ResponseWriter, *http.Request) error { return nil }}
		if _, err := env.App.Web.Handler([]web.Route{bad}); err == nil || !strings.Contains(err.Error(), "no access policy") {
			t.Fatalf("a route without a policy was accepted: %v", err)
		}
	})
}

func publicRoutes(routes []web.Route) []string {
	var out []string
	for _, rt := range routes {
		if rt.Policy.IsPublic() {
			out = append(out, rt.Method+" "+rt.Path)
		}
	}
	sort.Strings(out)
	return out
}

func TestPublicRoutes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		got := publicRoutes(env.App.Web.Routes())
		if *update {
			if err := os.MkdirAll(filepath.Dir(goldenPublic), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(goldenPublic, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d public routes): review the diff before committing", goldenPublic, len(got))
			return
		}
		b, err := os.ReadFile(goldenPublic)
		if err != nil {
			t.Fatalf("cannot read the reviewed list of public routes: %v\nCreate it with: %s", err, regenerate)
		}
		var want []string
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				want = append(want, l)
			}
		}
		added, removed := diff(got, want)
		if len(added) > 0 || len(removed) > 0 {
			var msg strings.Builder
			msg.WriteString("the set of PUBLIC routes (anyone, signed in or not, may call them) differs from the reviewed list " + goldenPublic + "\n")
			for _, a := range added {
				msg.WriteString("  added:   " + a + "\n")
			}
			for _, r := range removed {
				msg.WriteString("  removed: " + r + "\n")
			}
			msg.WriteString("Check that each added route really must be public. If so, regenerate the list and commit it with the route:\n  " + regenerate)
			t.Fatal(msg.String())
		}
	})
}

// diff returns what is in got but not want, and in want but not got.
func diff(got, want []string) (added, removed []string) {
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range list {
			m[s] = true
		}
		return m
	}
	g, w := in(got), in(want)
	for _, s := range got {
		if !w[s] {
			added = append(added, s)
		}
	}
	for _, s := range want {
		if !g[s] {
			removed = append(removed, s)
		}
	}
	return added, removed
}

// Outcome classes of the matrix.
const (
	allowed      = "allowed"
	toSignin     = "redirect-to-signin"
	forbidden    = "forbidden-403"
	notFound     = "notfound-404"
	unauthorized = "unauthorized-401"
)

// reachedHeader marks responses whose route handler ran: the policy let
// the request through. It is how "allowed" is told apart precisely from a
// handler's own 404/403/303.
const reachedHeader = "X-Authz-Test-Reached"

// stopHeader on a request makes the marked handler answer without running
// the route's own handler: the object-level cells act on shared fixtures
// (an allowed delete would leave the next actor nothing to ask for).
const stopHeader = "X-Authz-Test-Stop"

// actor is one row of the matrix.
type actor struct {
	name     string
	email    string // "" for anonymous
	admin    bool
	roleA    web.Role // role in organisation A
	comm     bool     // member of a public-sector organisation
	disabled bool
}

var actors = []actor{
	{name: "admin", email: "admin@authz.test", admin: true},
	{name: "A-owner", email: "owner-a@authz.test", roleA: web.RoleOwner},
	{name: "A-editor", email: "editor-a@authz.test", roleA: web.RoleEditor},
	{name: "A-viewer", email: "viewer-a@authz.test", roleA: web.RoleViewer},
	{name: "B-owner", email: "owner-b@authz.test"},
	{name: "commissioner", email: "commissioner@authz.test", comm: true},
	{name: "anonymous"},
	// Disabled after its session was made, and an owner of A: the
	// membership must not count once the account is disabled.
	{name: "disabled", email: "disabled@authz.test", disabled: true},
}

// privateKinds are the object kinds whose resolvers mark their objects
// private (web.Object.Private): only holders of the role learn they exist.
var privateKinds = map[string]bool{"post-response": true}

// expect derives a cell from the route's policy: deny by default.
func expect(policy string, a actor, api bool) string {
	if policy == "public" {
		return allowed
	}
	if a.email == "" || a.disabled {
		if api {
			return unauthorized
		}
		return toSignin
	}
	switch policy {
	case "signed-in":
		return allowed
	case "admin":
		if a.admin {
			return allowed
		}
		return forbidden
	case "commissioner":
		if a.admin || a.comm {
			return allowed
		}
		return forbidden
	}
	// "org:ROLE" and the object-level "KIND:ROLE" policies: the matrix's
	// organisations and objects (fixtures) all belong to organisation A,
	// and the objects are visible to its members only.
	if kind, role, ok := strings.Cut(policy, ":"); ok {
		need, known := web.ParseRole(role)
		if holders, ok := personalHolders[kind]; ok {
			if holders[a.name] {
				return allowed
			}
			return notFound // personal objects look missing to all but their holders
		}
		switch {
		case !known:
			return "unknown role in policy " + policy
		case a.admin:
			return allowed
		case a.roleA == web.RoleNone:
			return notFound // another organisation's object looks missing
		case a.roleA < need && privateKinds[kind]:
			return notFound // private objects look missing to lesser roles too
		case a.roleA < need:
			return forbidden
		}
		return allowed
	}
	return "unknown policy " + policy // fails every cell: add the policy here
}

type matrixEnv struct {
	env     *apptest.Env
	orgA    *accounts.Organisation
	clients map[string]*apptest.Client
	core    map[string]bool
	// objects are path values naming organisation A's objects, for the
	// routes of object-level policies.
	objects []pathValue
}

// pathValue replaces {param} in routes whose path starts with prefix.
type pathValue struct{ prefix, param, value string }

// setupMatrix creates the users, organisations A, B and a public-sector
// organisation, and rebuilds the app's handler from its own route table
// with every handler marked, so a response says whether the policy let
// the request reach it.
func setupMatrix(t *testing.T, d *db.DB) *matrixEnv {
	env := apptest.New(t, d)
	for _, a := range actors {
		if a.email != "" {
			env.User(a.email, a.admin)
		}
	}
	orgA := env.Org("Alpha Advocacy", "vcs", map[string]string{"owner-a@authz.test": "owner", "editor-a@authz.test": "editor",
		"viewer-a@authz.test": "viewer", "disabled@authz.test": "owner"})
	env.Org("Beta Befriending", "vcs", map[string]string{"owner-b@authz.test": "owner"})
	env.Org("Blackpool Public Health", "public", map[string]string{"commissioner@authz.test": "owner"})
	m := &matrixEnv{env: env, orgA: orgA, clients: map[string]*apptest.Client{}, core: map[string]bool{}}
	for _, a := range actors {
		m.clients[a.name] = env.As(a.email)
	}
	if _, err := d.W().ExecContext(env.Ctx, `UPDATE users SET disabled_at = $1 WHERE email = 'disabled@authz.test'`, db.Now()); err != nil {
		t.Fatal(err)
	}

	for _, rt := range env.App.Web.CoreRoutes() {
		m.core[rt.Pattern()] = true
	}
	var routes []web.Route
	for _, rt := range env.App.Web.Routes() {
		if m.core[rt.Pattern()] {
			continue // Handler adds the core routes itself
		}
		h := rt.Handler
		rt.Handler = func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set(reachedHeader, "1")
			if r.Header.Get(stopHeader) != "" {
				return nil
			}
			return h(w, r)
		}
		routes = append(routes, rt)
	}
	h, err := env.App.Web.Handler(routes)
	if err != nil {
		t.Fatal(err)
	}
	env.App.Handler = h
	m.objects = append(objectFixtures(t, env, orgA), personalFixtures(t, env, orgA)...)
	return m
}

// cell is one request of the matrix.
type cell struct {
	rt    web.Route
	path  string
	actor actor
	want  string
}

func (c cell) String() string {
	return fmt.Sprintf("%s %s [%s] as %s", c.rt.Method, c.path, c.rt.Policy, c.actor.name)
}

// send makes the cell's request: GET for GET routes, an empty form body
// with the route's method otherwise. Object-level cells stop before the
// route's handler (stopHeader).
func send(cl *apptest.Client, c cell) *apptest.Response {
	h := http.Header{}
	if isObjectPolicy(c.rt.Policy.String()) {
		h.Set(stopHeader, "1")
	}
	if c.rt.Method == "GET" {
		return cl.Do("GET", c.path, nil, h)
	}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return cl.Do(c.rt.Method, c.path, strings.NewReader(""), h)
}

// isObjectPolicy reports whether a policy is object-level ("KIND:ROLE").
func isObjectPolicy(policy string) bool {
	kind, _, ok := strings.Cut(policy, ":")
	return ok && kind != "org"
}

// classify names the outcome of a response and checks that a denial has
// exactly the shape the policy gives it.
func classify(c cell, res *apptest.Response) string {
	if res.Header.Get(reachedHeader) != "" {
		return allowed
	}
	switch res.Code {
	case http.StatusSeeOther:
		if res.Location() == "/signin?next="+url.QueryEscape(c.path) {
			return toSignin
		}
	case http.StatusUnauthorized:
		if strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") {
			return unauthorized
		}
	case http.StatusForbidden:
		// The standard refusal, or a policy's own message under the
		// standard heading (object-level policies say why).
		if strings.Contains(res.Body, "You do not have permission") {
			return forbidden
		}
	case http.StatusNotFound:
		if strings.Contains(res.Body, "Page not found") {
			return notFound
		}
	}
	return fmt.Sprintf("unexpected %d (Location %q)", res.Code, res.Location())
}

// matrixCells lists the cells of every route whose path parameters are
// {org} or name one of organisation A's fixture objects; the others are
// returned for the record.
func (m *matrixEnv) matrixCells() (cells []cell, skipped []string) {
	for _, rt := range m.env.App.Web.Routes() {
		p := strings.ReplaceAll(rt.Path, "{$}", "")
		p = strings.ReplaceAll(p, "{org}", m.orgA.Slug)
		for _, o := range m.objects {
			if strings.HasPrefix(rt.Path, o.prefix) {
				p = strings.ReplaceAll(p, o.param, o.value)
			}
		}
		if strings.Contains(p, "{") {
			skipped = append(skipped, fmt.Sprintf("%s %s [%s]", rt.Method, rt.Path, rt.Policy))
			continue
		}
		for _, a := range actors {
			cells = append(cells, cell{rt: rt, path: p, actor: a, want: expect(rt.Policy.String(), a, strings.HasPrefix(p, "/api/"))})
		}
	}
	return cells, skipped
}

func TestAuthorizationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := setupMatrix(t, d)
		cells, skipped := m.matrixCells()
		sort.Strings(skipped)
		t.Logf("routes with other path parameters, covered by feature tests instead (%d):\n  %s", len(skipped), strings.Join(skipped, "\n  "))
		if len(cells) == 0 {
			t.Fatal("no cells")
		}
		// Every route with an object-level policy is in the matrix: a new
		// kind needs a fixture in objectFixtures.
		for _, sk := range skipped {
			if policy := sk[strings.LastIndex(sk, "[")+1 : len(sk)-1]; isObjectPolicy(policy) {
				t.Errorf("%s: an object-level route without a fixture (add one to objectFixtures)", sk)
			}
		}

		// Denied cells first, between two snapshots of the database.
		before := snapshot(t, m.env)
		var denied, granted int
		for _, c := range cells {
			if c.want == allowed {
				continue
			}
			denied++
			res := send(m.clients[c.actor.name], c)
			if m.core[c.rt.Pattern()] {
				t.Errorf("%s: a core route expected to be denied", c)
				continue
			}
			if got := classify(c, res); got != c.want {
				t.Errorf("%s: got %s, want %s", c, got, c.want)
			}
		}
		unchanged(t, before, snapshot(t, m.env))

		// Allowed cells, each with a fresh session (an allowed request
		// may sign its caller out).
		for _, c := range cells {
			if c.want != allowed {
				continue
			}
			granted++
			cl := m.env.Anon()
			if c.actor.email != "" {
				cl = m.env.As(c.actor.email)
			}
			res := send(cl, c)
			if m.core[c.rt.Pattern()] {
				// Core routes skip identification: public by construction.
				if res.Code == http.StatusUnauthorized || res.Code == http.StatusForbidden || strings.HasPrefix(res.Location(), "/signin?next=") {
					t.Errorf("%s: core route denied with %d", c, res.Code)
				}
				continue
			}
			if got := classify(c, res); got != allowed {
				t.Errorf("%s: got %s, want allowed", c, got)
			}
		}
		t.Logf("%d cells: %d denied, %d allowed", len(cells), denied, granted)
		if denied == 0 || granted == 0 {
			t.Fatal("the matrix must contain denied and allowed cells")
		}
	})
}

// snapshot counts the rows of every table (found portably), except
// auth_failures, which exists to record refused attempts.
func snapshot(t *testing.T, env *apptest.Env) map[string]int {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if env.DB.IsPostgres() {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := env.DB.Q().QueryContext(env.Ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != "auth_failures" {
			tables = append(tables, n)
		}
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("found only %d tables: %v", len(tables), tables)
	}
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := env.DB.Q().QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM "`+tb+`"`).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", tb, err)
		}
		out[tb] = n
	}
	return out
}

// unchanged fails when a table's row count differs between two snapshots
// taken around denied requests.
func unchanged(t *testing.T, before, after map[string]int) {
	t.Helper()
	for table, n := range before {
		if after[table] != n {
			t.Errorf("denied requests changed table %s: %d rows before, %d after", table, n, after[table])
		}
	}
}

var requestIDs = regexp.MustCompile(`[0-9a-f]{16}|nonce="[^"]*"`)

// looksMissing fails unless the answer about another organisation's object
// is a 404 identical to a missing object's (request ids aside) and does not
// contain leak.
func looksMissing(t *testing.T, what string, theirs, missing *apptest.Response, leak string) {
	t.Helper()
	strip := func(r *apptest.Response) string {
		return requestIDs.ReplaceAllString(strings.ReplaceAll(r.Body, r.Header.Get("X-Request-Id"), ""), "")
	}
	if theirs.Code != http.StatusNotFound || missing.Code != theirs.Code {
		t.Fatalf("%s: status %d for another organisation's, %d for a missing one", what, theirs.Code, missing.Code)
	}
	if strip(theirs) != strip(missing) {
		t.Fatalf("%s: another organisation's answer differs from a missing one's:\n--- theirs\n%s\n--- missing\n%s", what, strip(theirs), strip(missing))
	}
	if strings.Contains(theirs.Body, leak) {
		t.Fatalf("%s: %q leaked", what, leak)
	}
}

func TestOtherOrganisationLooksMissing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := setupMatrix(t, d)
		b := m.env.As("owner-b@authz.test")
		for _, tc := range []struct {
			method, suffix, accept string
		}{
			{"GET", "/members", ""},
			{"GET", "/members", "application/json"},
			{"GET", "", ""},
			{"POST", "/members/invite", ""},
			{"GET", "/members/remove?user=1", ""},
		} {
			req := func(slug string) *apptest.Response {
				h := http.Header{}
				if tc.accept != "" {
					h.Set("Accept", tc.accept)
				}
				var body *strings.Reader
				if tc.method == "POST" {
					h.Set("Content-Type", "application/x-www-form-urlencoded")
					body = strings.NewReader(url.Values{"email": {"x@example.org"}, "role": {"owner"}}.Encode())
					return b.Do(tc.method, "/orgs/"+slug+tc.suffix, body, h)
				}
				return b.Do(tc.method, "/orgs/"+slug+tc.suffix, nil, h)
			}
			looksMissing(t, tc.method+" "+tc.suffix+" (Accept "+tc.accept+")", req(m.orgA.Slug), req("no-such-organisation"), "Alpha Advocacy")
		}
		if n := len(m.env.Outbox("x@example.org")); n != 0 {
			t.Fatalf("an invitation was sent through another organisation: %d", n)
		}
	})
}
