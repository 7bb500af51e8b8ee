package library_test

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/library"
	"partnerhub/internal/partnerships"
)

const compactV1 = "## 1 Shared principles\n- 1.1 [both] We respect each other's independence.\n- 1.2 [public] Public bodies consult for at least 12 weeks.\n## 2 Funding\n- 2.1 [third] The third sector accounts for public money.\n"

func TestDocumentsVersionsDiffAndReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		env.User("owner@x.org", false)
		env.User("member@x.org", false)
		admin := env.As("admin@x.org")

		// Bad input: review date before adoption; script sanitised later. Everything typed is kept.
		bad := url.Values{"kind": {"guide"}, "title": {"Good Practice Guide to Consortia"}, "owner_email": {"owner@x.org"}, "review_months": {"12"},
			"body": {"## Forming a consortium\nAgree a lead.\n<script>alert(1)</script>\n<iframe src=x></iframe>"}, "adopted_on": {"2024-04-01"}, "next_review_on": {"2024-03-01"}}
		admin.PostForm("/library/new", bad).Status(t, 422).Contains(t, "The next review date must be after the adoption date").Kept(t, "/library/new", bad)
		var n int
		d.Q().QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM library_documents`).Scan(&n)
		if n != 0 {
			t.Fatalf("a refused document was stored (%d rows)", n)
		}
		good := url.Values{}
		for k, v := range bad {
			good[k] = v
		}
		good.Set("next_review_on", "")
		loc := admin.PostForm("/library/new", good).Status(t, 303).Location()
		if loc != "/library/good-practice-guide-to-consortia" {
			t.Fatalf("redirected to %q", loc)
		}
		page := env.Anon().Get(loc).Status(t, 200).Contains(t, "Forming a consortium", `href="#forming-a-consortium"`, "This document is overdue for review").NotContains(t, "<script>alert", "<iframe")
		_ = page
		// Only the owner and admins manage it.
		env.As("member@x.org").Get(loc+"/edit").Status(t, 404)
		owner := env.As("owner@x.org")
		owner.Get(loc+"/edit").Status(t, 200)
		// A new version: redirect to the diff with added and removed lines marked in text.
		v2 := url.Values{"body": {"## Forming a consortium\nAgree a lead partner.\n"}, "adopted_on": {time.Now().Format(time.DateOnly)}, "notes": {"Clearer"}}
		diff := owner.PostForm(loc+"/versions", v2).Status(t, 303).Location()
		owner.Get(diff).Status(t, 200).Contains(t, "+ Added", "− Removed", "Agree a lead partner.", "<del>Agree a lead.</del>")
		env.Anon().Get(loc+"/diff?from=1&to=9").Status(t, 422).Contains(t, "There is no version 9")
		// The JSON list has review dates; the calendar has the review.
		var list struct {
			Items []map[string]any `json:"items"`
		}
		env.Anon().Get("/library?format=json").Status(t, 200).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0]["next_review_on"] != time.Now().AddDate(0, 12, 0).Format(time.DateOnly) || list.Items[0]["review_overdue"] != false {
			t.Fatalf("JSON list: %+v", list.Items)
		}
		env.Anon().Get("/library/reviews.ics").Status(t, 200).Contains(t, "BEGIN:VCALENDAR", "Review due: Good Practice Guide to Consortia")

		// Consultation: a member comments, only the owner sees it and records the outcome.
		owner.PostForm(loc+"/settings", url.Values{"title": {"Good Practice Guide to Consortia"}, "status": {"consultation"}, "owner_email": {"owner@x.org"}, "review_months": {"12"}, "review_due_on": {time.Now().AddDate(0, 0, 10).Format(time.DateOnly)}}).Status(t, 303)
		env.As("member@x.org").PostForm(loc+"/comments", url.Values{"comment": {"Please add a section on exits."}}).Status(t, 303)
		env.As("member@x.org").Get(loc+"/comments").Status(t, 404)
		cs := owner.Get(loc+"/comments").Status(t, 200).Contains(t, "Please add a section on exits.")
		_ = cs
		var cid int64
		d.Q().QueryRowContext(env.Ctx, `SELECT id FROM library_comments`).Scan(&cid)
		k := fmt.Sprint(cid)
		owner.PostForm(fmt.Sprintf("%s/comments/%d", loc, cid), url.Values{"outcome-" + k: {"accepted"}}).Status(t, 422).Contains(t, "Say how the comment was handled")
		owner.PostForm(fmt.Sprintf("%s/comments/%d", loc, cid), url.Values{"outcome-" + k: {"accepted"}, "response-" + k: {"Added in version 3"}}).Status(t, 303)
		owner.Get(loc+"/comments").Contains(t, "Added in version 3")

		// The owner is reminded before the review date; the admin once it passed.
		lib := env.App.Library
		if _, err := lib.RunReminders(env.Ctx); err != nil {
			t.Fatal(err)
		}
		if got := env.Outbox("owner@x.org"); len(got) == 0 || !strings.Contains(got[0].Subject, "Due for review") {
			t.Fatalf("owner was not reminded: %+v", got)
		}
		d.W().ExecContext(env.Ctx, `UPDATE library_documents SET status = 'adopted', next_review_on = $1`, time.Now().AddDate(0, 0, -3))
		if _, err := lib.RunReminders(env.Ctx); err != nil {
			t.Fatal(err)
		}
		if got := env.Outbox("admin@x.org"); len(got) == 0 || !strings.Contains(got[0].Subject, "Overdue for review") {
			t.Fatalf("admin was not told: %+v", got)
		}
		env.Anon().Get(loc).Contains(t, "This document is overdue for review")
	})
}

func TestCompactSignDisputeAndTemplates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		env.User("charity@x.org", false)
		env.User("council@x.org", false)
		env.User("firm@x.org", false)
		charity := env.Org("Fylde Coast Carers", "vcs", map[string]string{"charity@x.org": "owner"})
		council := env.Org("Blackpool Council", "public", map[string]string{"council@x.org": "owner"})
		firm := env.Org("Seaside Ltd", "private", map[string]string{"firm@x.org": "owner"})
		admin := env.As("admin@x.org")
		admin.PostForm("/library/new", url.Values{"kind": {"code"}, "title": {"The Blackpool Compact"}, "owner_email": {"admin@x.org"}, "review_months": {"36"},
			"body": {"no commitments here"}, "adopted_on": {"2010-06-01"}}).Status(t, 422).Contains(t, "The Compact needs numbered commitments")
		admin.PostForm("/library/new", url.Values{"kind": {"code"}, "title": {"The Blackpool Compact"}, "owner_email": {"admin@x.org"}, "review_months": {"36"},
			"body": {compactV1}, "adopted_on": {"2010-06-01"}}).Status(t, 303)
		env.Anon().Get("/compact").Status(t, 200).Contains(t, "1.2", "Public bodies consult for at least 12 weeks.", "Public sector")

		ch, co := env.As("charity@x.org"), env.As("council@x.org")
		sign := func(c *apptest.Client, org string) *apptest.Response {
			return c.PostForm("/orgs/"+org+"/compact/sign", url.Values{"signatory": {"Chair"}})
		}
		ch.PostForm("/orgs/"+charity.Slug+"/compact/sign", url.Values{"signatory": {""}}).Status(t, 422).Contains(t, "Enter the name and role")
		sign(ch, charity.Slug).Status(t, 303)
		sign(ch, charity.Slug).Status(t, 422).Contains(t, "already signed version 1")
		sign(co, council.Slug).Status(t, 303)
		sign(ch, council.Slug).Status(t, 404)
		env.Anon().Get("/compact/signatories").Status(t, 200).Contains(t, "Fylde Coast Carers", "Blackpool Council").NotContains(t, "Seaside Ltd")

		// Disputes: not against a non-signatory, nor naming an unknown commitment.
		raise := "/orgs/" + charity.Slug + "/compact/disputes/new"
		sent := url.Values{"against": {fmt.Sprint(firm.ID)}, "commitments": {"1.2"}, "subject": {"Four-week consultation"}}
		ch.PostForm(raise, sent).Status(t, 422).Contains(t, "has not signed the Compact")
		sent.Set("against", fmt.Sprint(council.ID))
		sent.Set("commitments", "1.2, 9.9")
		ch.PostForm(raise, sent).Status(t, 422).Contains(t, "There is no commitment 9.9").Kept(t, raise, sent)
		sent.Set("commitments", "1.2")
		loc := ch.PostForm(raise, sent).Status(t, 303).Location()
		if got := env.Outbox("council@x.org"); len(got) == 0 || !strings.Contains(got[0].Subject, "concern under the Compact") {
			t.Fatalf("council not told: %+v", got)
		}
		env.As("firm@x.org").Get(loc).Status(t, 404)
		env.Anon().Get(loc).Status(t, 303)
		co.Get(loc).Status(t, 200).Contains(t, "Four-week consultation")
		co.PostForm(loc, url.Values{"stage": {"informal"}, "on": {time.Now().Format(time.DateOnly)}, "note": {"Met and talked"}}).Status(t, 303)
		co.PostForm(loc, url.Values{"stage": {"raised"}, "on": {time.Now().Format(time.DateOnly)}}).Status(t, 422).Contains(t, "a dispute moves forward only")
		co.PostForm(loc, url.Values{"stage": {"resolved"}, "on": {time.Now().Format(time.DateOnly)}, "note": {"Consultation extended to 12 weeks"}}).Status(t, 303)
		ch.Get(loc).Contains(t, "Resolved", "informally", "Consultation extended to 12 weeks")
		m, err := library.MeasureSource().Count(env.Ctx, d.Q(), time.Now().AddDate(0, 0, -1), time.Now().AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if m["library_disputes_raised"] != 1 || m["library_disputes_resolved"] != 1 || m["library_disputes_informal_share"] != 1 || m["library_disputes_median_days"] != 0 {
			t.Fatalf("measures: %v", m)
		}

		// A new version of the Compact asks signatories to re-confirm.
		admin.PostForm("/library/compact/versions", url.Values{"body": {compactV1 + "- 2.2 [both] We share data safely.\n"}, "adopted_on": {time.Now().Format(time.DateOnly)}}).Status(t, 303)
		ch.Get("/compact").Contains(t, "asks you to confirm your signature")
		sign(ch, charity.Slug).Status(t, 303)
		var sigs struct {
			Items []struct {
				Organisation string `json:"organisation"`
				Version      int    `json:"version"`
			} `json:"items"`
		}
		env.Anon().Get("/compact/signatories?format=json").Status(t, 200).JSON(t, &sigs)
		if len(sigs.Items) != 2 || sigs.Items[1].Organisation != "Fylde Coast Carers" || sigs.Items[1].Version != 2 || sigs.Items[0].Version != 1 {
			t.Fatalf("signatories: %+v", sigs.Items)
		}

		// Templates: adopt into the policy record (profile review date), in date; adopters told of a new version.
		admin.PostForm("/library/new", url.Values{"kind": {"template"}, "policy_kind": {"safeguarding"}, "title": {"Safeguarding policy"}, "owner_email": {"admin@x.org"}, "review_months": {"12"},
			"body": {"## Safeguarding\nWe keep people safe."}, "adopted_on": {"2025-01-01"}}).Status(t, 303)
		ch.PostForm("/library/safeguarding-policy/adopt", url.Values{"org": {fmt.Sprint(charity.ID)}, "adopted_on": {"2026-01-10"}, "next_review_on": {"2025-01-01"}}).Status(t, 422).Contains(t, "must be after the adoption date")
		ch.PostForm("/library/safeguarding-policy/adopt", url.Values{"org": {fmt.Sprint(firm.ID)}}).Status(t, 422).Contains(t, "Choose an organisation you are an owner or editor of")
		env.Anon().Get("/directory/"+charity.Slug).Status(t, 200).NotContains(t, "In date")
		ch.PostForm("/library/safeguarding-policy/adopt", url.Values{"org": {fmt.Sprint(charity.ID)}, "adopted_on": {time.Now().Format(time.DateOnly)}}).Status(t, 303)
		ch.Get("/orgs/"+charity.Slug+"/policies").Status(t, 200).Contains(t, "Safeguarding policy", "In date")
		env.Anon().Get("/directory/"+charity.Slug).Status(t, 200).Contains(t, "Safeguarding", "In date")
		var review time.Time
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT review_date FROM org_policies WHERE organisation_id = $1 AND kind = 'safeguarding'`, charity.ID).Scan(&review); err != nil {
			t.Fatalf("profile policy record: %v", err)
		}
		admin.PostForm("/library/safeguarding-policy/versions", url.Values{"body": {"## Safeguarding\nWe keep everyone safe."}, "adopted_on": {time.Now().Format(time.DateOnly)}}).Status(t, 303)
		if got := env.Outbox("charity@x.org"); len(got) == 0 || !strings.Contains(got[0].Subject, "New version of the Safeguarding policy template") {
			t.Fatalf("adopter not told: %+v", got)
		}
		m, _ = library.MeasureSource().Count(env.Ctx, d.Q(), time.Now().AddDate(0, 0, -1), time.Now().AddDate(0, 0, 1))
		if m["library_templates_used_share"] != 1 || m["library_policy_in_date_safeguarding"] != 1 || m["library_policy_in_date_complaints"] != 0 {
			t.Fatalf("policy measures: %v", m)
		}
	})
}

func TestNewsFeedsAndDigest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		admin := env.As("admin@x.org")
		sent := url.Values{"title": {"Carers consortium wins contract"}, "category": {"consortia"}, "body": {"Great news <script>x()</script> for carers."}, "partnership_id": {"999"}}
		admin.PostForm("/news/new", sent).Status(t, 422).Contains(t, "There is no record with the number 999").Kept(t, "/news/new", sent)
		lead := env.Org("Carers Trust", "vcs", nil)
		p := &partnerships.Partnership{Name: "Fylde Carers Consortium", Model: "lead_contractor_consortium", Status: "forming", Visibility: "public",
			Origin: "other", Members: []partnerships.Member{{OrgID: lead.ID, Role: "lead"}}}
		if err := d.Write(env.Ctx, func(tx *db.Tx) error { return partnerships.Insert(env.Ctx, tx, p, 0) }); err != nil {
			t.Fatal(err)
		}
		env.Anon().Get("/partnerships/"+p.Slug).Status(t, 200).NotContains(t, "Carers consortium wins contract")
		sent.Set("partnership_id", fmt.Sprint(p.ID))
		loc := admin.PostForm("/news/new", sent).Status(t, 303).Location()
		env.Anon().Get("/partnerships/"+p.Slug).Status(t, 200).Contains(t, "Carers consortium wins contract", `href="`+loc+`"`)
		env.Anon().Get(loc).Status(t, 200).Contains(t, "Great news").NotContains(t, "<script>x()")
		env.Anon().Get("/news").Contains(t, `rel="alternate" type="application/atom+xml"`, "Carers consortium wins contract")
		env.Anon().Get("/news/stories").Contains(t, "Carers consortium wins contract")
		for _, path := range []string{"/news/feed.atom", "/news/category/consortia/feed.atom"} {
			res := env.Anon().Get(path).Status(t, 200)
			var f struct {
				XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
				Entries []struct {
					Title string `xml:"title"`
				} `xml:"entry"`
			}
			if err := xml.Unmarshal([]byte(res.Body), &f); err != nil || len(f.Entries) != 1 || f.Entries[0].Title != "Carers consortium wins contract" {
				t.Fatalf("%s: %v %+v", path, err, f)
			}
		}
		env.Anon().Get("/news/category/funding/feed.atom").Status(t, 200).NotContains(t, "Carers consortium")
		env.Anon().Get("/news/category/nope/feed.atom").Status(t, 404)

		// Double opt-in, then the token is used up.
		env.Anon().PostForm("/news/subscribe", url.Values{"email": {"not an email"}}).Status(t, 422).Contains(t, "Enter an email address")
		env.Anon().PostForm("/news/subscribe", url.Values{"email": {"reader@x.org"}}).Status(t, 200)
		msgs := env.Outbox("reader@x.org")
		if len(msgs) != 1 {
			t.Fatalf("confirmation: %+v", msgs)
		}
		i := strings.Index(msgs[0].Body, "/news-digest/")
		tok := strings.Fields(msgs[0].Body[i+len("/news-digest/"):])[0]
		env.Anon().Get("/news-digest/wrong-token").Status(t, 404).Contains(t, "not valid or has already been used")
		env.Anon().PostForm("/news-digest/"+tok, nil).Status(t, 200).Contains(t, "will get the monthly news digest")
		env.Anon().PostForm("/news-digest/"+tok, nil).Status(t, 404).Contains(t, "already been used")
		d.W().ExecContext(env.Ctx, `UPDATE news_articles SET published_at = $1`, time.Now().AddDate(0, -1, 0))
		n, err := env.App.Library.RunDigest(env.Ctx)
		if err != nil || n != 1 {
			t.Fatalf("digest: %d %v", n, err)
		}
		if n, _ := env.App.Library.RunDigest(env.Ctx); n != 0 {
			t.Fatalf("digest sent twice")
		}
		if got := env.Outbox("reader@x.org"); !strings.Contains(got[0].Body, "Carers consortium wins contract") || got[0].Unsubscribe == "" {
			t.Fatalf("digest: %+v", got[0])
		}
	})
}
