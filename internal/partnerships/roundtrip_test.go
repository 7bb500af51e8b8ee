package partnerships_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

// roundTrip submits a form once with an error and checks the 422 page's form
// still carries every value sent, then once fixed, and checks that the form
// read back from stored (page, action) carries what was sent.
func roundTrip(t *testing.T, c *apptest.Client, post string, sent url.Values, breakIt func(url.Values), wantErr, page, action string) {
	t.Helper()
	bad := url.Values{}
	for k, v := range sent {
		bad[k] = append([]string(nil), v...)
	}
	breakIt(bad)
	c.PostForm(post, bad).Status(t, 422).Contains(t, wantErr).Kept(t, action, bad)
	c.PostForm(post, sent).Status(t, 303)
	c.Get(page).Status(t, 200).Kept(t, action, sent)
}

func terms(t *testing.T, env *apptest.Env, vocab string, names ...string) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for _, n := range names {
		term := &taxonomy.Term{Vocabulary: vocab, Name: n}
		if err := env.DB.Write(ctx, func(tx *db.Tx) error { return taxonomy.Create(ctx, tx, term) }); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, itoa(term.ID))
	}
	return ids
}

// TestPartnershipFormsKeepInput: every form of the partnership pages keeps
// what was sent on an error and stores what was sent once fixed.
func TestPartnershipFormsKeepInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		env.User("lead@x.org", false)
		lead := env.Org("Hub Trust", "vcs", map[string]string{"lead@x.org": "owner"})
		ready := env.Org("Ready Project", "vcs", nil)
		env.Org("Spoke Project", "vcs", nil)
		env.Org("Third Project", "vcs", nil)
		future := time.Now().AddDate(1, 0, 0)
		badge(t, env, ready, &future, false)
		themes := terms(t, env, taxonomy.Themes, "Test theme one", "Test theme two")
		services := terms(t, env, taxonomy.Services, "Test service one", "Test service two")
		c := env.As("lead@x.org")
		admin := env.As("admin@x.org")

		// The definition form (admin).
		def := url.Values{"adopted_on": {"2020-01-01"}, "next_review_on": {"2030-01-01"}, "notes": {"Agreed at the forum"},
			"criteria": {"Has a written agreement\nHas three or more members\nMeets twice a year\nHas a lead body\nPublishes accounts"}}
		bad := url.Values{"adopted_on": {"2020-01-01"}, "next_review_on": {"2019-01-01"}, "notes": def["notes"], "criteria": def["criteria"]}
		admin.PostForm("/admin/consortium-definition", bad).Status(t, 422).Contains(t, "The next review must be after").Kept(t, "/admin/consortium-definition", bad)
		admin.PostForm("/admin/consortium-definition", def).Status(t, 303)
		admin.Get("/consortia/definition").Status(t, 200).Contains(t, "Agreed at the forum", "Publishes accounts")
		admin.Get("/admin/consortium-definition").Status(t, 200).Kept(t, "/admin/consortium-definition", url.Values{"criteria": def["criteria"]})

		// Record a partnership, then change it.
		create := url.Values{"name": {"Hub Consortium"}, "purpose": {"Food and advice together"}, "lead": {itoa(lead.ID)}, "model": {"hub_and_spoke_consortium"},
			"status": {"active"}, "start_date": {"2020-01-01"}, "end_date": {"2031-12-31"}, "visibility": {"members"}, "origin": {"other"},
			"theme": themes, "service": services[:1], "areas": {"Bloomfield, Claremont"}}
		bad = url.Values{}
		for k, v := range create {
			bad[k] = v
		}
		bad.Set("start_date", "2020-02-30")
		c.PostForm("/partnerships", bad).Status(t, 422).Contains(t, "must be a real date").Kept(t, "/partnerships", bad)
		c.PostForm("/partnerships", create).Status(t, 303)
		edit := url.Values{}
		for k, v := range create {
			edit[k] = v
		}
		edit.Del("lead")
		c.Get("/partnerships/hub-consortium/edit").Status(t, 200).Kept(t, "/partnerships/hub-consortium/edit", edit)
		edit.Set("purpose", "Food, advice and debt help")
		edit["theme"] = themes[1:]
		edit["service"] = services
		edit.Set("status_note", "")
		roundTrip(t, c, "/partnerships/hub-consortium/edit", edit, func(v url.Values) { v.Set("name", "") },
			"Enter the partnership", "/partnerships/hub-consortium/edit", "/partnerships/hub-consortium/edit")

		// Add members from the show page; change one.
		member := url.Values{"organisation": {"Spoke Project"}, "role": {"associate"}, "joined": {"2021-03-01"}, "left": {""}}
		bad = url.Values{"organisation": {"Spoke Project"}, "role": {"associate"}, "joined": {"2021-03-01"}, "left": {"2020-01-01"}}
		c.PostForm("/partnerships/hub-consortium/members", bad).Status(t, 422).Contains(t, "must be the same as or after").
			Contains(t, "Test service one, Test service two"). // the page around the form is the partnership as stored
			Kept(t, "/partnerships/hub-consortium/members", bad)
		c.PostForm("/partnerships/hub-consortium/members", member).Status(t, 303)
		c.PostForm("/partnerships/hub-consortium/members", url.Values{"organisation": {"Ready Project"}, "role": {"member"}}).Status(t, 303)
		c.PostForm("/partnerships/hub-consortium/members", url.Values{"organisation": {"Third Project"}, "role": {"member"}}).Status(t, 303)
		page := c.Get("/partnerships/hub-consortium").Status(t, 200)
		var mids []string
		for _, n := range []string{"Hub Trust", "Spoke Project", "Ready Project", "Third Project"} {
			m := regexp.MustCompile(`for="tier-(\d+)">` + n).FindStringSubmatch(page.Body)
			if m == nil {
				t.Fatalf("no tier for %s", n)
			}
			mids = append(mids, m[1])
		}
		memberPath := "/partnerships/hub-consortium/members/" + mids[1] + "/edit"
		roundTrip(t, c, memberPath, url.Values{"role": {"subcontractor"}, "joined": {"2021-04-01"}, "left": {"2025-01-31"}},
			func(v url.Values) { v.Set("joined", "yesterday") }, "must be a real date", memberPath, memberPath)

		// The consortium details form: tiers, four of five criteria and the
		// readiness rule, with one tier invalid (Spoke is not ready).
		crit := ids(page.Body, `name="criterion" value="`)
		if len(crit) != 5 {
			t.Fatalf("criteria %v", crit)
		}
		details := url.Values{"legal_structure": {"cic"}, "registered_id": {"12345678"}, "full_eligibility": {"Third-sector organisations in Blackpool"},
			"associate_eligibility": {"Anyone who shares the aims"}, "requires_readiness": {"yes"}, "criterion": crit[:4],
			"tier-" + mids[0]: {"associate"}, "tier-" + mids[1]: {"associate"}, "tier-" + mids[2]: {"full"}, "tier-" + mids[3]: {"associate"}}
		action := "/partnerships/hub-consortium/consortium"
		roundTrip(t, c, action, details, func(v url.Values) { v.Set("tier-"+mids[1], "full") },
			"Spoke Project cannot be a full member", "/partnerships/hub-consortium", action)
		c.Get("/partnerships/hub-consortium").Contains(t, "It meets 4 of the 5 criteria", "Ready Project", "Yes: an organisation needs")

		// A "looking for partners" post: created, changed, answered.
		posts := "/orgs/" + lead.Slug + "/posts"
		post := url.Values{"title": {"Befriending partners"}, "description": {"We run lunch clubs.\n\nWe need befrienders."}, "service": services[:1], "theme": themes[:1],
			"area": {"Bloomfield"}, "closes_on": {londonDay(20)}, "needed_by": {londonDay(60)}, "opportunity": {"Ageing Well fund"}, "opportunity_url": {"https://example.org/fund"}}
		bad = url.Values{}
		for k, v := range post {
			bad[k] = v
		}
		bad.Set("closes_on", londonDay(-3))
		c.PostForm(posts, bad).Status(t, 422).Contains(t, "The closing date must be today or in the future").Kept(t, posts, bad)
		loc := c.PostForm(posts, post).Status(t, 303).Location()
		pid := strings.TrimPrefix(loc, "/looking-for-partners/")
		postEdit := posts + "/" + pid + "/edit"
		c.Get(postEdit).Status(t, 200).Kept(t, postEdit, post)
		c.RoundTrip(t, postEdit, postEdit, func(v url.Values) { v.Set("description", "Lunch clubs, and now walks.") },
			func(v url.Values) { v.Set("title", "") }, "Enter what you are looking for", postEdit)
		env.User("other@x.org", false)
		other := env.Org("Other Trust", "vcs", map[string]string{"other@x.org": "owner"})
		respond := loc + "/responses"
		answer := url.Values{"organisation": {itoa(other.ID)}, "message": {""}}
		env.As("other@x.org").PostForm(respond, answer).Status(t, 422).Contains(t, "Tell the poster why").Kept(t, respond, answer)

		// A refused upload keeps the document title.
		upload(c, "/partnerships/hub-consortium/documents", "Consortium agreement 2024", "a.pdf", []byte("<html></html>")).Status(t, 422).
			Kept(t, "/partnerships/hub-consortium/documents", url.Values{"title": {"Consortium agreement 2024"}})
	})
}
