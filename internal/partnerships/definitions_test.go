package partnerships_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/partnerships"
)

// TestNewDefinitionVersionCarriesForwardUnchangedCriteria: a new version of
// the consortium definition keeps what consortia recorded for criteria
// worded as before, marks only the new ones to confirm and emails the lead
// organisation's owners and editors about those; an overdue review shows as
// overdue and the administrators are reminded once, by a registered job.
func TestNewDefinitionVersionCarriesForwardUnchangedCriteria(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		env.User("lead@x.org", false)
		env.User("viewer@x.org", false)
		lead := env.Org("Hub Trust", "vcs", map[string]string{"lead@x.org": "owner", "viewer@x.org": "viewer"})
		admin, c := env.As("admin@x.org"), env.As("lead@x.org")

		admin.PostForm("/admin/consortium-definition", url.Values{"adopted_on": {"2020-01-01"}, "next_review_on": {"2021-01-01"},
			"criteria": {"Has a written agreement.\nMeets twice a year\nHas three or more members"}}).Status(t, 303)
		c.PostForm("/partnerships", url.Values{"name": {"Hub Consortium"}, "model": {"hub_and_spoke_consortium"}, "status": {"active"}, "visibility": {"public"},
			"origin": {"other"}, "start_date": {"2020-01-01"}, "lead": {itoa(lead.ID)}}).Status(t, 303)
		crit := ids(c.Get("/partnerships/hub-consortium").Body, `name="criterion" value="`)
		c.PostForm("/partnerships/hub-consortium/consortium", url.Values{"criterion": {crit[0], crit[2]}}).Status(t, 303)

		// Version 1's review date has passed: shown as overdue, and the job
		// reminds the administrators once.
		env.Anon().Get("/consortia/definition").Status(t, 200).Contains(t, "Review overdue", "The review was due by 1 January 2021")
		for range 2 {
			if err := env.App.Jobs.RunOnce(ctx, "consortium-definition-review"); err != nil {
				t.Fatal(err)
			}
		}
		if got := env.Outbox("admin@x.org"); len(got) != 1 || !strings.Contains(got[0].Body, "is overdue") || !strings.Contains(got[0].Subject, "review due by 1 January 2021") {
			t.Fatalf("admin reminders %+v", got)
		}
		// The reminder is a notification: it says why and can be turned off.
		if got := env.Outbox("admin@x.org")[0]; got.Unsubscribe == "" || !strings.Contains(got.Body, "You get these emails as a Partnerhub administrator.") {
			t.Fatalf("the review reminder has no reason or unsubscribe link: %+v", got)
		}
		if len(env.Outbox("lead@x.org")) != 0 {
			t.Fatal("the lead was emailed before any change")
		}

		// Version 2: two criteria worded as before (case, spacing and a full
		// stop aside), one reworded, one new.
		today := time.Now().Format(time.DateOnly)
		admin.PostForm("/admin/consortium-definition", url.Values{"adopted_on": {today}, "next_review_on": {time.Now().AddDate(2, 0, 0).Format(time.DateOnly)},
			"criteria": {"has a written  agreement\nMeets at least four times a year\nHas three or more members\nPublishes its accounts"}}).Status(t, 303)
		page := c.Get("/partnerships/hub-consortium").Status(t, 200).Contains(t, "It meets 2 of the 4 criteria", "2 criteria are new in version 2")
		kept := page.Form(t, "/partnerships/hub-consortium/consortium")["criterion"]
		if len(kept) != 2 {
			t.Fatalf("criteria ticked after the new version: %v", kept)
		}
		if n := strings.Count(page.Body, "New: please confirm"); n != 2 {
			t.Fatalf("%d criteria to confirm, want 2", n)
		}
		env.Anon().Get("/consortia/definition").Status(t, 200).NotContains(t, "Review overdue")
		mails := env.Outbox("lead@x.org")
		if len(mails) != 1 || !strings.Contains(mails[0].Body, "Meets at least four times a year") || !strings.Contains(mails[0].Body, "Publishes its accounts") ||
			strings.Contains(mails[0].Body, "Has three or more members\n") || !strings.Contains(mails[0].Body, "2 of its 4 criteria are worded as before") ||
			!strings.Contains(mails[0].Body, "/partnerships/hub-consortium#consortium") {
			t.Fatalf("lead told %+v", mails)
		}
		if len(env.Outbox("viewer@x.org")) != 0 {
			t.Fatal("a viewer of the lead organisation was emailed")
		}

		// A version adopted for later follows what the consortium records
		// meanwhile, so its answers carry forward when it comes into force.
		admin.PostForm("/admin/consortium-definition", url.Values{"adopted_on": {time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}, "next_review_on": {time.Now().AddDate(3, 0, 0).Format(time.DateOnly)},
			"criteria": {"Has a written agreement\nMeets at least four times a year\nHas three or more members\nPublishes its accounts"}}).Status(t, 303)
		now := ids(c.Get("/partnerships/hub-consortium").Body, `name="criterion" value="`)
		c.PostForm("/partnerships/hub-consortium/consortium", url.Values{"criterion": {now[1], now[3]}}).Status(t, 303)
		defs, err := partnerships.DefinitionVersions(ctx, d.Q())
		if err != nil {
			t.Fatal(err)
		}
		p, err := partnerships.BySlug(ctx, d.Q(), "hub-consortium")
		if err != nil {
			t.Fatal(err)
		}
		later, n, err := partnerships.CriteriaMet(ctx, d.Q(), p.ID, &defs[0])
		if err != nil {
			t.Fatal(err)
		}
		if defs[0].Version != 3 || n != 2 || later[0].Met || !later[1].Met || later[2].Met || !later[3].Met {
			t.Fatalf("version %d: %d met %+v", defs[0].Version, n, later)
		}
	})
}
