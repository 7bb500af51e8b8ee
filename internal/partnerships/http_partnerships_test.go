package partnerships_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/partnerships"
)

func TestPartnershipLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		for _, e := range []string{"lead@x.org", "viewer@x.org", "member@x.org", "outsider@x.org"} {
			env.User(e, false)
		}
		lead := env.Org("Fylde Food Bank", "vcs", map[string]string{"lead@x.org": "editor", "viewer@x.org": "viewer"})
		env.Org("Council", "public", map[string]string{"member@x.org": "viewer"})
		env.Org("Elsewhere Trust", "vcs", map[string]string{"outsider@x.org": "owner"})
		env.Org("Print Ltd", "private", nil)

		// Viewers cannot name their organisation as lead.
		form := url.Values{"name": {"Food Network"}, "model": {"joint_project"}, "status": {"active"}, "visibility": {"members"},
			"origin": {"other"}, "start_date": {"2023-04-01"}, "lead": {itoa(lead.ID)}, "areas": {"Bloomfield, Claremont"}}
		env.As("viewer@x.org").PostForm("/partnerships", form).Status(t, 422).Contains(t, "Select the lead organisation")
		bad := url.Values{"name": {""}, "model": {"nope"}, "status": {"active"}, "visibility": {"public"}, "origin": {"other"}, "start_date": {"2023-02-30"}, "lead": {itoa(lead.ID)}}
		env.As("lead@x.org").PostForm("/partnerships", bad).Status(t, 422).Contains(t, "Enter the partnership", "Select the partnership model", "must be a real date")
		res := env.As("lead@x.org").PostForm("/partnerships", form).Status(t, 303)
		if res.Location() != "/partnerships/food-network" {
			t.Fatalf("redirect to %q", res.Location())
		}
		// Members-only: outsiders and the public get 404, members see it.
		env.Anon().Get("/partnerships/food-network").Status(t, 404)
		env.As("outsider@x.org").Get("/partnerships/food-network").Status(t, 404)
		env.As("viewer@x.org").Get("/partnerships/food-network").Status(t, 200).Contains(t, "Food Network", "Third sector only").NotContains(t, "Add a member")
		env.Anon().Get("/partnerships").Status(t, 200).NotContains(t, "Food Network")

		// The lead adds members; the sector mix follows.
		env.As("lead@x.org").PostForm("/partnerships/food-network/members", url.Values{"organisation": {"Council"}, "role": {"member"}, "joined": {"2024-01-01"}}).Status(t, 303)
		env.As("lead@x.org").PostForm("/partnerships/food-network/members", url.Values{"organisation": {"Nobody Ltd"}, "role": {"member"}}).Status(t, 422).Contains(t, "No organisation called")
		env.As("lead@x.org").PostForm("/partnerships/food-network/members", url.Values{"organisation": {"print-ltd"}, "role": {"member"}, "joined": {"2024-05-01"}, "left": {"2024-01-01"}}).Status(t, 422).Contains(t, "must be the same as or after")
		env.As("lead@x.org").PostForm("/partnerships/food-network/members", url.Values{"organisation": {"print-ltd"}, "role": {"subcontractor"}}).Status(t, 303)
		env.As("member@x.org").Get("/partnerships/food-network").Status(t, 200).Contains(t, "Third, public and private sector", "Council", "Print Ltd")
		// A member that is not the lead cannot change it.
		env.As("member@x.org").PostForm("/partnerships/food-network/members", url.Values{"organisation": {"Elsewhere Trust"}, "role": {"member"}}).Status(t, 403)
		env.As("outsider@x.org").PostForm("/partnerships/food-network/edit", form).Status(t, 404)

		// Status change with history; making it public.
		form.Set("status", "ended")
		env.As("lead@x.org").PostForm("/partnerships/food-network/edit", form).Status(t, 422).Contains(t, "Enter the date the partnership ended")
		form.Set("end_date", "2025-03-31")
		form.Set("visibility", "public")
		form.Set("status_note", "Funding finished")
		env.As("lead@x.org").PostForm("/partnerships/food-network/edit", form).Status(t, 303)
		env.Anon().Get("/partnerships/food-network").Status(t, 200).Contains(t, "Funding finished", "31 March 2025")
		var doc map[string]any
		env.Anon().GetAccept("/partnerships/food-network", "application/json").Status(t, 200).JSON(t, &doc)
		if doc["sector_mix"] != "all_three" || doc["status"] != "ended" {
			t.Fatalf("json %v", doc)
		}
		env.Anon().Get("/partnerships?format=csv").Status(t, 200).Contains(t, "Food Network,joint_project,ended,2023-04-01,2025-03-31,3,all_three")

		// Delete needs confirmation and is audited.
		env.As("lead@x.org").Get("/partnerships/food-network/delete").Status(t, 200).Contains(t, "Are you sure")
		env.As("lead@x.org").PostForm("/partnerships/food-network/delete", nil).Status(t, 303)
		env.Anon().Get("/partnerships/food-network").Status(t, 404)
		entries, _, err := audit.List(ctx, d.Q(), audit.Filter{Action: "partnership.", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		got := strings.Join(actions, " ")
		for _, a := range []string{"partnership.create", "partnership.member_add", "partnership.update", "partnership.delete"} {
			if !strings.Contains(got, a) {
				t.Errorf("audit log lacks %s: %s", a, got)
			}
		}
		_ = partnerships.Models
	})
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
