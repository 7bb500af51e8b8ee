package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pfFixture is what the journeys' demo town was given before it served.
type pfFixture struct {
	Ready, Unready    string // consortium names: both hold the Quality Mark, deliver Service in Ward
	ServiceID         int64
	ServiceName, Ward string
}

// pfPrepare gives the demo town (before it serves) two consortia holding
// the Quality Mark that deliver one service in one ward: every current
// member of the first commissioning ready, one member of the second not.
// The demo's own consortia deliver no services, and none has every full
// member ready.
func pfPrepare(t *testing.T, f *pfFixture) func(dir string) {
	return func(dir string) {
		d, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "partnerhub.db")+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var ids []int64
		var names []string
		rows, err := d.Query(`SELECT p.id, p.name FROM partnerships p JOIN assess_awards a ON a.subject_type = 'partnership' AND a.subject_id = p.id
			WHERE a.kind = 'quality_mark' AND a.revoked_at IS NULL ORDER BY a.valid_until DESC LIMIT 2`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				t.Fatal(err)
			}
			ids, names = append(ids, id), append(names, name)
		}
		rows.Close()
		if len(ids) < 2 {
			t.Fatalf("the demo town has %d consortia with the Quality Mark, want 2", len(ids))
		}
		f.Ready, f.Unready, f.Ward = names[0], names[1], "Talbot"
		if err := d.QueryRow(`SELECT id, name FROM taxonomy_terms WHERE vocabulary = 'service' ORDER BY name LIMIT 1`).Scan(&f.ServiceID, &f.ServiceName); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.Exec(q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// The demo's shortlist of Blackpool Advocacy may hold the journey's partner already.
		exec(`DELETE FROM org_shortlist WHERE candidate_id IN (SELECT id FROM organisations WHERE slug = 'alcohol-peer-support-group')`)
		for _, id := range ids {
			exec(`INSERT OR IGNORE INTO partnership_services (partnership_id, term_id) VALUES ($1, $2)`, id, f.ServiceID)
			exec(`INSERT OR IGNORE INTO partnership_areas (partnership_id, area) VALUES ($1, $2)`, id, f.Ward)
		}
		exec(`INSERT INTO org_badges (organisation_id, kind, label, awarded_on, valid_until, source_type)
			SELECT DISTINCT m.organisation_id, 'commissioning_ready', 'Commissioning ready', $2, $3, 'e2e' FROM partnership_members m
			WHERE m.partnership_id = $1 AND m.left_on IS NULL`, ids[0], now.AddDate(0, -1, 0), now.AddDate(1, 0, 0))
		exec(`DELETE FROM org_badges WHERE kind = 'commissioning_ready' AND organisation_id = (SELECT MIN(m.organisation_id) FROM partnership_members m
			WHERE m.partnership_id = $1 AND m.left_on IS NULL AND m.organisation_id NOT IN (SELECT organisation_id FROM partnership_members WHERE partnership_id = $2))`, ids[1], ids[0])
	}
}

// pfFlash is the page's flash message.
func pfFlash(t *testing.T, ctx context.Context) string {
	t.Helper()
	return text(t, ctx, ".ph-notice")
}

// TestFindPartnersJourneys: in the demo town, a commissioner lists
// "consortia holding the Quality Mark whose full members are commissioning
// ready, offering service X in ward Y" on /consortia; an owner finds a
// partner with the partner finder, shortlists it with a note, messages it
// and invites it to a partnership, whose owner accepts from the email.
// Every page is checked (structure and axe-core) at 1280 px and the
// results at 320 px.
func TestFindPartnersJourneys(t *testing.T) {
	t.Parallel()
	f := &pfFixture{}
	s := psDemoServerWith(t, pfPrepare(t, f))

	t.Run("commissioner finds ready consortia", func(t *testing.T) {
		ctx := newTab(t)
		psSignIn(t, ctx, s, "commissioner@demo.partnerhub.test")
		psVisit(t, ctx, s, "/consortia", "consortia")
		choose(t, ctx, "service", fmt.Sprint(f.ServiceID))
		choose(t, ctx, "ward", f.Ward)
		if st := submit(t, ctx, `main form.ph-filters button[type=submit]`); st != http.StatusOK {
			t.Fatalf("filter by service and ward: status %d", st)
		}
		both := text(t, ctx, "main table tbody")
		if !strings.Contains(both, f.Ready) || !strings.Contains(both, f.Unready) {
			t.Fatalf("service %s in %s lists %q, want %s and %s", f.ServiceName, f.Ward, both, f.Ready, f.Unready)
		}
		for _, box := range []string{"quality_mark", "ready"} {
			pfDo(t, ctx, `document.getElementById('`+box+`').click()`)
		}
		if st := submit(t, ctx, `main form.ph-filters button[type=submit]`); st != http.StatusOK {
			t.Fatalf("filter by Quality Mark and readiness: status %d", st)
		}
		q := location(t, ctx).Query()
		if q.Get("quality_mark") != "1" || q.Get("ready") != "1" || q.Get("service") != fmt.Sprint(f.ServiceID) || q.Get("ward") != f.Ward {
			t.Errorf("the filtered list is at %s", location(t, ctx))
		}
		checkPage(t, ctx, "consortia holding the Quality Mark, ready, by service and ward")
		if n := count(t, ctx, "main table tbody tr"); n != 1 {
			t.Fatalf("%d consortia listed, want only %s: %s", n, f.Ready, text(t, ctx, "main table"))
		}
		row := text(t, ctx, "main table tbody tr")
		if !strings.Contains(row, f.Ready) || !strings.Contains(strings.ToLower(row), "ready") {
			t.Errorf("the row reads %q", row)
		}
		// The filters are kept on the form and in the downloads.
		if jrEval[bool](t, ctx, `!document.getElementById('quality_mark').checked || !document.getElementById('ready').checked`) {
			t.Error("the filter form lost its ticks")
		}
		csv := evAttr(t, ctx, `main a[href*="format=csv"]`, "href")
		for _, p := range []string{"quality_mark=1", "ready=1", "ward=" + f.Ward, fmt.Sprintf("service=%d", f.ServiceID)} {
			if !strings.Contains(csv, p) {
				t.Errorf("the CSV link %q lacks %s", csv, p)
			}
		}
		jrFits320(t, ctx, "the filtered consortia")
		// The consortium's page says why it was listed.
		href := evAttr(t, ctx, `main table tbody tr a[href^="/partnerships/"]`, "href")
		psVisit(t, ctx, s, href, "a ready consortium")
		if m := jrMainText(t, ctx); !strings.Contains(m, "quality mark") {
			t.Errorf("%s does not mention its Quality Mark", href)
		}
	})

	t.Run("owner finds, shortlists, messages and invites a partner", func(t *testing.T) {
		const target, slug = "Alcohol Peer Support Group", "alcohol-peer-support-group"
		ctx := newTab(t)
		psSignIn(t, ctx, s, "owner@demo.partnerhub.test")
		psVisit(t, ctx, s, "/partners/find", "partner finder")
		// Needs the target meets: its own services, read from its profile.
		svc := jrEval[[]string](t, ctx, `[...document.querySelectorAll('input[name=service]')].map(e => e.id)`)
		if len(svc) == 0 {
			t.Fatal("the finder offers no services")
		}
		psVisit(t, ctx, s, "/directory/"+slug, "the partner's profile")
		offered := text(t, ctx, "main dl")
		psVisit(t, ctx, s, "/partners/find", "partner finder")
		ticked := 0
		for _, id := range svc {
			label := text(t, ctx, `label[for="`+id+`"]`)
			if label != "" && strings.Contains(offered, label) {
				pfDo(t, ctx, `document.getElementById('`+id+`').click()`)
				ticked++
			}
		}
		if ticked == 0 {
			t.Fatalf("none of the finder's services is on %s's profile: %s", target, offered)
		}
		if st := submit(t, ctx, `main form.ph-filters button[type=submit]`); st != http.StatusOK {
			t.Fatalf("find partners: status %d", st)
		}
		checkPage(t, ctx, "partner finder results")
		jrFits320(t, ctx, "the partner finder's results")
		results := location(t, ctx)
		// Its result: shortlist it with a note, back on the results.
		li := fmt.Sprintf(`main ol.ph-result-list li:has(a[href="/directory/%s"])`, slug)
		if count(t, ctx, li) != 1 {
			t.Fatalf("%s is not among the matches: %s", target, text(t, ctx, "main ol"))
		}
		pfDo(t, ctx, `document.querySelector('`+li+` details').open = true`)
		fill(t, ctx, "sl-note-"+slug, "Debt advice partner for the Talbot bid")
		if st := submit(t, ctx, li+` form[action="/shortlist"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("add to shortlist: status %d", st)
		}
		if u := location(t, ctx); u.Path != "/partners/find" || u.RawQuery != results.RawQuery {
			t.Errorf("after shortlisting the page is %s, want the results %s", u, results)
		}
		if fl := pfFlash(t, ctx); !strings.Contains(fl, target+" is on Blackpool Advocacy's shortlist") {
			t.Errorf("flash after shortlisting: %q", fl)
		}
		// The shortlist, from the finder's link.
		psVisit(t, ctx, s, evAttr(t, ctx, `main a[href="/orgs/blackpool-advocacy/shortlist"]`, "href"), "the shortlist")
		if m := text(t, ctx, "main table"); !strings.Contains(m, target) || !strings.Contains(m, "Debt advice partner for the Talbot bid") {
			t.Fatalf("the shortlist reads %q", m)
		}
		jrFits320(t, ctx, "the shortlist")

		// Message it from the shortlist.
		row := fmt.Sprintf(`main table tbody tr:has(a[href="/directory/%s"])`, slug)
		if st := submit(t, ctx, row+` a[href$="/message"]`); st != http.StatusOK {
			t.Fatalf("open the message form: status %d", st)
		}
		checkPage(t, ctx, "message form")
		fill(t, ctx, "subject", "Joint bid for debt advice in Talbot", "message", "Would you partner with us on the debt advice contract?")
		if st := submit(t, ctx, `main form button[type=submit]`); st != http.StatusOK {
			t.Fatalf("send the message: status %d", st)
		}
		if fl := pfFlash(t, ctx); !strings.Contains(fl, "Your message was sent") {
			t.Errorf("flash after messaging: %q", fl)
		}
		if m := mailIn(t, s, "brian@demo.partnerhub.test", "Joint bid for debt advice in Talbot"); !strings.Contains(m.Body, "Would you partner with us") {
			t.Errorf("the relayed message reads %q", m.Body)
		}

		// Invite it to a partnership, from the shortlist: an error first.
		psVisit(t, ctx, s, "/orgs/blackpool-advocacy/shortlist", "the shortlist again")
		if st := submit(t, ctx, row+` a[href^="/partnerships/invite"]`); st != http.StatusOK {
			t.Fatalf("open the invitation form: status %d", st)
		}
		checkPage(t, ctx, "invitation form")
		fill(t, ctx, "message", "Join our advocacy alliance as a member.")
		if st := submit(t, ctx, `main form[action="/partnerships/invite"] button[type=submit]`); st != http.StatusUnprocessableEntity {
			t.Fatalf("an invitation to nothing: status %d, want 422", st)
		}
		checkPage(t, ctx, "invitation form with an error")
		if !summaryLinks(t, ctx)["#to"] {
			t.Error("the error summary does not link to the choice")
		}
		if v := jrEval[string](t, ctx, `document.getElementById('message').value`); v != "Join our advocacy alliance as a member." {
			t.Errorf("the message was not kept: %q", v)
		}
		radio := jrEval[string](t, ctx, `(() => { const l = [...document.querySelectorAll('main label')].find(l => l.innerText.trim() === 'Join Blackpool Advocacy Alliance'); return l ? l.htmlFor : ''; })()`)
		if radio == "" {
			t.Fatalf("Blackpool Advocacy Alliance is not offered: %s", text(t, ctx, "main form"))
		}
		pfDo(t, ctx, `document.getElementById('`+radio+`').click()`)
		if st := submit(t, ctx, `main form[action="/partnerships/invite"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("send the invitation: status %d", st)
		}
		if fl := pfFlash(t, ctx); !strings.Contains(fl, target+" is invited to join Blackpool Advocacy Alliance") {
			t.Errorf("flash after inviting: %q", fl)
		}
		link := mailIn(t, s, "brian@demo.partnerhub.test", "Invitation to join Blackpool Advocacy Alliance").Link(t, "/partnership-invitations/")

		// The partner's owner accepts from the email.
		bc := newTab(t)
		psSignIn(t, bc, s, "brian@demo.partnerhub.test")
		if st := visit(t, bc, s.local(t, link)); st != http.StatusOK {
			t.Fatalf("open the invitation %s: status %d", link, st)
		}
		checkPage(t, bc, "the invitation")
		if st := submit(t, bc, `main form[action$="/accept"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("accept: status %d", st)
		}
		checkPage(t, bc, "the partnership after accepting")
		if m := text(t, bc, "main"); !strings.Contains(m, target) {
			t.Errorf("the partnership's page does not list %s after accepting", target)
		}
		mailIn(t, s, "owner@demo.partnerhub.test", "accepted your invitation to Blackpool Advocacy Alliance")
	})
}

// pfDo runs js in the page for its effect (a click, opening a disclosure).
func pfDo(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
}
