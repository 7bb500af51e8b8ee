package partnerships_test

import (
	"context"
	"net/url"
	"regexp"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// badge gives an organisation a commissioning_ready badge valid until until
// (nil: no end), revoked when revoked is set.
func badge(t *testing.T, env *apptest.Env, o *accounts.Organisation, until *time.Time, revoked bool) {
	t.Helper()
	ctx := context.Background()
	today := time.Date(time.Now().Year(), time.Now().Month(), time.Now().Day(), 0, 0, 0, 0, time.UTC)
	var rev any
	if revoked {
		rev = db.Now()
	}
	var u any
	if until != nil {
		u = *until
	}
	err := env.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO org_badges (organisation_id, kind, label, awarded_on, valid_until, source_type, source_id, revoked_at)
			VALUES ($1, 'commissioning_ready', 'Commissioning ready', $2, $3, 'assessment', 1, $4)`, o.ID, today.AddDate(-1, 0, 0), u, rev)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConsortiumFullMembersMustBeReady(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("lead@x.org", false)
		lead := env.Org("Hub Trust", "vcs", map[string]string{"lead@x.org": "owner"})
		ready := env.Org("Ready Project", "vcs", nil)
		lapsed := env.Org("Lapsed Project", "vcs", nil)
		revoked := env.Org("Revoked Project", "vcs", nil)
		future := time.Now().AddDate(0, 6, 0)
		past := time.Now().AddDate(0, 0, -10)
		badge(t, env, ready, &future, false)
		badge(t, env, lapsed, &past, false)
		badge(t, env, revoked, &future, true)

		c := env.As("lead@x.org")
		c.PostForm("/partnerships", url.Values{"name": {"Ready Consortium"}, "model": {"hub_and_spoke_consortium"}, "status": {"active"}, "visibility": {"members"},
			"origin": {"other"}, "start_date": {"2020-01-01"}, "lead": {itoa(lead.ID)}}).Status(t, 303)
		for _, n := range []string{"Ready Project", "Lapsed Project", "Revoked Project"} {
			c.PostForm("/partnerships/ready-consortium/members", url.Values{"organisation": {n}, "role": {"member"}}).Status(t, 303)
		}
		page := c.Get("/partnerships/ready-consortium").Status(t, 200).Contains(t, "Full members must be commissioning ready", "No full members recorded.")
		var tiers []string // member ids of lead, ready, lapsed, revoked
		for _, n := range []string{"Hub Trust", "Ready Project", "Lapsed Project", "Revoked Project"} {
			m := regexp.MustCompile(`for="tier-(\d+)">` + n).FindStringSubmatch(page.Body)
			if m == nil {
				t.Fatalf("no tier field for %s", n)
			}
			tiers = append(tiers, m[1])
		}
		// Setting off: the lead becomes a full member without readiness.
		c.PostForm("/partnerships/ready-consortium/consortium", url.Values{"tier-" + tiers[0]: {"full"}}).Status(t, 303)

		// Setting on: the lapsed and revoked badges do not count; the ready one does.
		on := url.Values{"requires_readiness": {"yes"}, "tier-" + tiers[0]: {"full"}, "tier-" + tiers[1]: {"full"}, "tier-" + tiers[2]: {"full"}}
		c.PostForm("/partnerships/ready-consortium/consortium", on).Status(t, 422).
			Contains(t, "Lapsed Project cannot be a full member because it is not commissioning ready", `href="/readiness"`).
			NotContains(t, "Hub Trust cannot be", "Ready Project cannot be")
		on.Set("tier-"+tiers[2], "associate")
		on.Set("tier-"+tiers[3], "full")
		c.PostForm("/partnerships/ready-consortium/consortium", on).Status(t, 422).Contains(t, "Revoked Project cannot be a full member")
		on.Set("tier-"+tiers[3], "associate")
		c.PostForm("/partnerships/ready-consortium/consortium", on).Status(t, 303)

		// The refused saves changed nothing; the last one saved the setting and tiers.
		page = c.Get("/partnerships/ready-consortium").Status(t, 200).
			Contains(t, "Yes: an organisation needs a current", `name="requires_readiness" value="yes" aria-describedby="requires_readiness-hint" checked`)
		if n := countFull(t, env); n != 2 {
			t.Fatalf("full members %d, want 2", n)
		}
		// Full members are listed with their readiness: the lead (given the
		// tier before the setting) keeps it and shows as not ready.
		page.Contains(t, "<td>Hub Trust</td><td><span class=\"ph-tag ph-tag--grey\">Not ready</span>", "<td>Ready Project</td><td><span class=\"ph-tag ph-tag--green\">Ready</span>")
		var detail string
		if err := env.DB.Q().QueryRowContext(context.Background(), `SELECT detail FROM audit_entries WHERE action = 'partnership.consortium_update' ORDER BY id DESC LIMIT 1`).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if detail != "  requires_readiness=true" {
			t.Fatalf("audit detail %q", detail)
		}
	})
}

func countFull(t *testing.T, env *apptest.Env) int {
	t.Helper()
	var n int
	if err := env.DB.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM consortium_member_tiers WHERE tier = 'full'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
