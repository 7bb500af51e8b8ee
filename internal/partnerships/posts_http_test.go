package partnerships_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

func term(t *testing.T, d *db.DB, voc, code string) int64 {
	t.Helper()
	x, err := taxonomy.ByCode(context.Background(), d.Q(), voc, code)
	if err != nil {
		t.Fatal(err)
	}
	return x.ID
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.W().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}

func londonDay(offset int) string {
	n := time.Now().In(web.London()).AddDate(0, 0, offset)
	return n.Format(time.DateOnly)
}

// TestLookingForPartners walks a post through its life: validation,
// publication with emails to matching organisations that accept them,
// listing with filters and exports, responses (once per organisation,
// never one's own, withdrawal), access control, forming a partnership in
// one step, and the audit trail.
func TestLookingForPartners(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		for _, e := range []string{"poster@x.org", "resp1@x.org", "resp2@x.org", "viewer@x.org", "outsider@x.org", "optout@x.org"} {
			env.User(e, false)
		}
		poster := env.Org("Fylde Food Bank", "vcs", map[string]string{"poster@x.org": "editor"})
		bef := env.Org("Bloomfield Befriending", "vcs", map[string]string{"resp1@x.org": "editor"})
		carers := env.Org("Carers Trust", "vcs", map[string]string{"resp2@x.org": "owner", "viewer@x.org": "viewer"})
		env.Org("Elsewhere Trust", "vcs", map[string]string{"outsider@x.org": "owner"})
		opt := env.Org("Quiet Befrienders", "vcs", map[string]string{"optout@x.org": "owner"})
		befriending := term(t, d, "service", "befriending")
		older := term(t, d, "client_group", "older-people")
		for _, o := range []*accounts.Organisation{bef, opt} {
			exec(t, d, `INSERT INTO org_terms (organisation_id, term_id) VALUES ($1, $2)`, o.ID, befriending)
			exec(t, d, `INSERT INTO org_areas (organisation_id, kind, code) VALUES ($1, 'ward', 'Bloomfield')`, o.ID)
			// The directory keeps its search index (which the partner finder
			// reads) in step on its own writes; these were plain SQL.
			if err := directory.WriteSearchDoc(ctx, d.W(), d.Dialect, o.ID, o.Name, "", "", ""); err != nil {
				t.Fatal(err)
			}
		}

		env.Anon().Get("/looking-for-partners").Status(t, 200).Contains(t, "No open posts match")

		// Only editors of the organisation write its posts; others get 404.
		env.As("outsider@x.org").Get("/orgs/fylde-food-bank/posts/new").Status(t, 404)
		env.As("outsider@x.org").PostForm("/orgs/fylde-food-bank/posts", url.Values{"title": {"x"}}).Status(t, 404)

		bad := url.Values{"title": {""}, "closes_on": {londonDay(-3)}, "area": {"Atlantis"}}
		env.As("poster@x.org").PostForm("/orgs/fylde-food-bank/posts", bad).Status(t, 422).
			Contains(t, "Enter what you are looking for", "The closing date must be today or in the future", "Select at least one service, theme or client group", "Select areas from the list")

		// An organisation opts out of the emails.
		env.As("optout@x.org").Get("/orgs/quiet-befrienders/partner-request-settings").Status(t, 200).Contains(t, "Should Quiet Befrienders get these emails?")
		env.As("outsider@x.org").PostForm("/orgs/quiet-befrienders/partner-request-settings", url.Values{"notify": {"no"}}).Status(t, 404)
		env.As("optout@x.org").PostForm("/orgs/quiet-befrienders/partner-request-settings", url.Values{"notify": {"no"}}).Status(t, 303)

		form := url.Values{"title": {"Befriending partners for older people"}, "description": {"We run lunch clubs.\n\nWe need befrienders."},
			"service": {itoa(befriending)}, "client_group": {itoa(older)}, "area": {"Bloomfield"}, "closes_on": {londonDay(20)},
			"needed_by": {londonDay(60)}, "opportunity": {"Ageing Well fund 2027"}, "opportunity_url": {"https://example.org/fund"}}
		res := env.As("poster@x.org").PostForm("/orgs/fylde-food-bank/posts", form).Status(t, 303)
		loc := res.Location()
		if !strings.HasPrefix(loc, "/looking-for-partners/") {
			t.Fatalf("redirect to %q", loc)
		}
		id := strings.TrimPrefix(loc, "/looking-for-partners/")
		if m := env.Outbox("resp1@x.org"); len(m) != 1 || !strings.Contains(m[0].Subject, "Looking for partners") || !strings.Contains(m[0].Body, "Covers") {
			t.Fatalf("matching organisation's email: %+v", m)
		}
		if m := env.Outbox("optout@x.org"); len(m) != 0 {
			t.Fatalf("an organisation that opted out was emailed: %+v", m)
		}

		// Public listing, filters and exports.
		env.Anon().Get("/looking-for-partners").Status(t, 200).Contains(t, "Befriending partners for older people", "Fylde Food Bank", "Bloomfield")
		env.Anon().Get("/looking-for-partners?service="+itoa(befriending)+"&area=Bloomfield").Status(t, 200).Contains(t, "Befriending partners for older people")
		env.Anon().Get("/looking-for-partners?theme="+itoa(term(t, d, "theme", "older-people"))).Status(t, 200).NotContains(t, "Befriending partners for older people")
		env.Anon().Get("/looking-for-partners?area=Claremont").Status(t, 200).Contains(t, "No open posts match")
		env.Anon().Get("/looking-for-partners?format=csv").Status(t, 200).Contains(t, "id,title,organisation,closes_on", "Befriending partners for older people,Fylde Food Bank,"+londonDay(20))
		var list struct {
			Total int
			Items []map[string]any
		}
		env.Anon().GetAccept("/looking-for-partners", "application/json").Status(t, 200).JSON(t, &list)
		if list.Total != 1 || list.Items[0]["opportunity"] != "Ageing Well fund 2027" || list.Items[0]["status"] != "open" {
			t.Fatalf("json %+v", list)
		}
		env.Anon().Get("/looking-for-partners/999999").Status(t, 404)
		env.Anon().Get("/looking-for-partners/abc").Status(t, 404)
		var one map[string]any
		env.Anon().GetAccept(loc, "application/json").Status(t, 200).JSON(t, &one)
		if one["title"] != "Befriending partners for older people" || one["closes_on"] != londonDay(20) {
			t.Fatalf("post json %v", one)
		}
		// The post page: the public sees the post, the poster its matches.
		env.Anon().Get(loc).Status(t, 200).Contains(t, "We need befrienders.", "Sign in").NotContains(t, "partner finder suggests")
		env.As("poster@x.org").Get(loc).Status(t, 200).Contains(t, "Organisations the partner finder suggests", "Bloomfield Befriending", "Covers 1 of 2 needs: Befriending", "No organisation has responded yet")

		// Another organisation's post answers like a missing one.
		for _, p := range []string{"/orgs/fylde-food-bank/posts/" + id + "/edit", "/orgs/fylde-food-bank/posts/" + id + "/close", "/orgs/fylde-food-bank/posts/" + id + "/partnership"} {
			env.As("outsider@x.org").Get(p).Status(t, 404)
		}
		env.As("outsider@x.org").PostForm("/orgs/fylde-food-bank/posts/"+id+"/close", nil).Status(t, 404)
		env.As("outsider@x.org").Get("/orgs/elsewhere-trust/posts/"+id+"/edit").Status(t, 404)
		env.As("outsider@x.org").PostForm("/orgs/elsewhere-trust/posts/"+id+"/partnership", url.Values{"name": {"Hijack"}}).Status(t, 404)

		// Responses.
		env.As("poster@x.org").PostForm(loc+"/responses", url.Values{"organisation": {itoa(poster.ID)}, "message": {"Us"}}).Status(t, 422).Contains(t, "You cannot respond to your own organisation")
		env.As("viewer@x.org").PostForm(loc+"/responses", url.Values{"organisation": {itoa(carers.ID)}, "message": {"Hi"}}).Status(t, 422).Contains(t, "Select an organisation you are an editor or owner of")
		env.As("resp1@x.org").PostForm(loc+"/responses", url.Values{"organisation": {itoa(bef.ID)}, "message": {""}}).Status(t, 422).Contains(t, "Tell the poster why")
		env.As("resp1@x.org").PostForm(loc+"/responses", url.Values{"organisation": {itoa(bef.ID)}, "message": {"We befriend in Bloomfield."}}).Status(t, 303)
		env.As("resp1@x.org").PostForm(loc+"/responses", url.Values{"organisation": {itoa(bef.ID)}, "message": {"Again"}}).Status(t, 422).Contains(t, "already responded")
		if m := env.Outbox("poster@x.org"); len(m) != 1 || !strings.Contains(m[0].Subject, "Bloomfield Befriending is interested") {
			t.Fatalf("poster's email: %+v", m)
		}
		env.As("resp2@x.org").PostForm(loc+"/responses", url.Values{"organisation": {itoa(carers.ID)}, "message": {"Carers can help."}}).Status(t, 303)
		rs := responses(t, d, id)
		if len(rs) != 2 {
			t.Fatalf("responses %+v", rs)
		}
		carersResp := itoa(rs[1].ID)
		// Withdrawing: only the responder's editors; then respond again.
		env.As("outsider@x.org").Get(loc+"/responses/"+carersResp+"/withdraw").Status(t, 404)
		env.As("poster@x.org").PostForm(loc+"/responses/"+carersResp+"/withdraw", nil).Status(t, 404)
		env.As("resp2@x.org").Get(loc+"/responses/"+carersResp+"/withdraw").Status(t, 200).Contains(t, "Are you sure")
		env.As("resp2@x.org").PostForm(loc+"/responses/"+carersResp+"/withdraw", nil).Status(t, 303)
		env.As("poster@x.org").Get(loc).Status(t, 200).Contains(t, "We befriend in Bloomfield.", "resp1@x.org", "Withdrawn")
		env.As("resp2@x.org").Get(loc).Status(t, 200).Contains(t, "withdrew its interest", "Send expression of interest")
		env.As("resp2@x.org").PostForm(loc+"/responses", url.Values{"organisation": {itoa(carers.ID)}, "message": {"Back again."}}).Status(t, 303)

		// Forming a partnership in one step.
		pf := url.Values{"name": {"Bloomfield Lunch Club Partnership"}, "model": {"joint_project"}, "visibility": {"public"}}
		env.As("poster@x.org").PostForm("/orgs/fylde-food-bank/posts/"+id+"/partnership", pf).Status(t, 422).Contains(t, "Select at least one response")
		pf["response"] = []string{itoa(rs[0].ID), carersResp}
		res = env.As("poster@x.org").PostForm("/orgs/fylde-food-bank/posts/"+id+"/partnership", pf).Status(t, 303)
		if res.Location() != "/partnerships/bloomfield-lunch-club-partnership" {
			t.Fatalf("redirect to %q", res.Location())
		}
		ps, err := partnerships.BySlug(ctx, d.Q(), "bloomfield-lunch-club-partnership")
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.ParseInt(id, 10, 64)
		if ps.Status != "forming" || ps.Origin != "looking_for_partners" || ps.OriginPostID == nil || *ps.OriginPostID != pid || len(ps.Members) != 3 ||
			ps.Members[0].OrgID != poster.ID || ps.Members[0].Role != "lead" || len(ps.Services) != 1 || len(ps.Areas) != 1 {
			t.Fatalf("partnership %+v", ps)
		}
		env.Anon().Get(loc).Status(t, 200).Contains(t, "Partnership formed", "Bloomfield Lunch Club Partnership", "no longer takes responses")
		env.As("poster@x.org").PostForm("/orgs/fylde-food-bank/posts/"+id+"/partnership", pf).Status(t, 409)
		if m := env.Outbox("resp1@x.org"); len(m) != 2 || !strings.Contains(m[0].Subject, "You are in a new partnership") {
			t.Fatalf("member's email: %+v", m)
		}
		env.As("outsider@x.org").PostForm(loc+"/responses", url.Values{"organisation": {"0"}, "message": {"Late"}}).Status(t, 422).Contains(t, "This post has closed")
		env.Anon().Get("/looking-for-partners").Status(t, 200).NotContains(t, "Befriending partners for older people")
		env.As("poster@x.org").Get("/orgs/fylde-food-bank/posts").Status(t, 200).Contains(t, "Befriending partners for older people", "Partnership formed")
		env.As("resp1@x.org").Get("/orgs/bloomfield-befriending/posts").Status(t, 200).Contains(t, "has not posted yet", "Befriending partners for older people", "In the partnership")
		env.As("outsider@x.org").Get("/orgs/bloomfield-befriending/posts").Status(t, 404)

		entries, _, err := audit.List(ctx, d.Q(), audit.Filter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		got := strings.Join(actions, " ")
		for _, a := range []string{"partner_post.create", "partner_post.notify", "partner_post.respond", "partner_post.withdraw", "partner_post.form", "partnership.create", "partner_request_settings.update"} {
			if !strings.Contains(got, a) {
				t.Errorf("audit log lacks %s: %s", a, got)
			}
		}
	})
}

// TestPostClosesByDate: a post past its closing date is closed at once
// (query-time rule) and the job marks it and tells the poster once.
func TestPostClosesByDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("poster@x.org", false)
		env.User("resp@x.org", false)
		env.Org("Fylde Food Bank", "vcs", map[string]string{"poster@x.org": "owner"})
		resp := env.Org("Carers Trust", "vcs", map[string]string{"resp@x.org": "editor"})
		form := url.Values{"title": {"Food partners"}, "theme": {itoa(term(t, d, "theme", "older-people"))}, "closes_on": {londonDay(0)}}
		loc := env.As("poster@x.org").PostForm("/orgs/fylde-food-bank/posts", form).Status(t, 303).Location()
		id := strings.TrimPrefix(loc, "/looking-for-partners/")
		env.As("poster@x.org").Get("/orgs/fylde-food-bank/posts/"+id+"/edit").Status(t, 200).Contains(t, "Change your post")
		exec(t, d, `UPDATE partner_posts SET closes_on = $1 WHERE id = $2`, time.Now().UTC().AddDate(0, 0, -2).Truncate(24*time.Hour), mustID(id))

		env.Anon().Get("/looking-for-partners").Status(t, 200).NotContains(t, "Food partners")
		env.Anon().Get(loc).Status(t, 200).Contains(t, "Closed", "no longer takes responses")
		env.As("resp@x.org").PostForm(loc+"/responses", url.Values{"organisation": {itoa(resp.ID)}, "message": {"Late"}}).Status(t, 422).Contains(t, "This post has closed")
		env.As("poster@x.org").Get("/orgs/fylde-food-bank/posts/"+id+"/edit").Status(t, 409)

		n, err := partnerships.ClosePastPosts(ctx, d, time.Now(), "http://partnerhub.test")
		if err != nil || n != 1 {
			t.Fatalf("closed %d, %v", n, err)
		}
		if n, _ := partnerships.ClosePastPosts(ctx, d, time.Now(), "http://partnerhub.test"); n != 0 {
			t.Fatalf("closed again: %d", n)
		}
		m := env.Outbox("poster@x.org")
		if len(m) != 1 || !strings.Contains(m[0].Subject, "Your post has closed") || !strings.Contains(m[0].Body, "No organisation responded") {
			t.Fatalf("poster's email: %+v", m)
		}
		pid, _ := strconv.ParseInt(id, 10, 64)
		p, err := partnerships.PostByID(ctx, d.Q(), pid)
		if err != nil || p.Status != "closed" || p.ClosedAt == nil {
			t.Fatalf("post %+v %v", p, err)
		}
		// The poster can still close manually only an open post.
		env.As("poster@x.org").PostForm("/orgs/fylde-food-bank/posts/"+id+"/close", nil).Status(t, 409)
	})
}

func responses(t *testing.T, d *db.DB, id string) []partnerships.PostResponse {
	t.Helper()
	pid, _ := strconv.ParseInt(id, 10, 64)
	rs, err := partnerships.ResponsesFor(context.Background(), d.Q(), pid)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func mustID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return id
}
