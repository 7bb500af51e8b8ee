package directory

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestFinderPolicyCounts: the finder counts the policies held and those
// due for review (no review date, or one within ReviewWarning) in SQL,
// exactly as policyDue says.
func TestFinderPolicyCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		counsel := termIDs(t, d, "service", "counselling")[0]
		o := newOrg(t, d, "Policy Counters", "vcs", "charity")
		p, _ := LoadProfile(ctx, d.Q(), o.ID)
		p.TermIDs, p.Wards = []int64{counsel}, []string{"Talbot"}
		saveProfile(t, d, p)
		day := func(days int) *time.Time { x := today(time.Now()).AddDate(0, 0, days); return &x }
		ps := []Policy{
			{Kind: "safeguarding"},                     // no date: due
			{Kind: "complaints", ReviewDate: day(400)}, // far off
			{Kind: "data_protection", ReviewDate: day(int(ReviewWarning.Hours()/24) - 1)}, // inside the warning
			{Kind: "whistleblowing", ReviewDate: day(int(ReviewWarning.Hours()/24) + 2)},  // just outside
		}
		want := 0
		for _, x := range ps {
			if policyDue(x.ReviewDate, time.Now()) {
				want++
			}
		}
		if want != 2 {
			t.Fatalf("fixture: %d due", want)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return SetPolicies(ctx, tx, o.ID, ps) }); err != nil {
			t.Fatal(err)
		}
		ms, err := FindPartners(ctx, d.Q(), d.Dialect, FinderQuery{Services: []int64{counsel}})
		if err != nil || len(ms) == 0 || ms[0].Org.ID != o.ID {
			t.Fatalf("%+v %v", ms, err)
		}
		if r := strings.Join(ms[0].Reasons, " | "); !strings.Contains(r, "Holds 4 of 7 key policies (2 due for review)") {
			t.Errorf("reasons: %s", r)
		}
	})
}

// TestFinderLoadsEachCandidate: every fact the finder scores and explains
// is read for the organisation it belongs to: terms, wards and the local
// authority, policies, current quality marks only, distinct partnerships,
// and a current commissioning-ready badge only (not a revoked or expired
// one); a neighbour with none of them gets none of the reasons.
func TestFinderLoadsEachCandidate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		counsel := termIDs(t, d, "service", "counselling")[0]
		youth := termIDs(t, d, "service", "youth-work")[0]
		yp := termIDs(t, d, "client_group", "young-people")[0]
		mk := func(name string, terms []int64, wards, las []string) *accounts.Organisation {
			o := newOrg(t, d, name, "vcs", "charity")
			p, _ := LoadProfile(ctx, d.Q(), o.ID)
			p.TermIDs, p.Wards, p.LocalAuths = terms, wards, las
			saveProfile(t, d, p)
			return o
		}
		rich := mk("Rich Facts Trust", []int64{counsel, youth, yp}, []string{"Talbot", "Park"}, []string{"BPL"})
		bare := mk("Bare Facts Group", []int64{counsel}, []string{"Bispham"}, nil)
		day := func(days int) time.Time { return today(time.Now()).AddDate(0, 0, days) }
		past, future := day(-10), day(400)
		err := d.Write(ctx, func(tx *db.Tx) error {
			if err := SetPolicies(ctx, tx, rich.ID, []Policy{{Kind: "safeguarding", ReviewDate: &future}, {Kind: "complaints"}}); err != nil {
				return err
			}
			for _, m := range []QualityMark{{Name: "Investing in Volunteers", Level: "Gold", ExpiresOn: &future}, {Name: "Expired Mark", ExpiresOn: &past}} {
				if err := AddQualityMark(ctx, tx, rich.ID, &m); err != nil {
					return err
				}
			}
			now := time.Now()
			for i := 1; i <= 2; i++ {
				var pid int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO partnerships (uuid, slug, name, model, status, created_at, updated_at) VALUES ($1, $2, $3, 'informal_network', 'active', $4, $4) RETURNING id`,
					fmt.Sprintf("finder-p-%d", i), fmt.Sprintf("finder-p-%d", i), fmt.Sprintf("Finder partnership %d", i), now).Scan(&pid); err != nil {
					return err
				}
				// Two membership periods in the first partnership count once.
				for j := 0; j < 3-i; j++ {
					if _, err := tx.ExecContext(ctx, `INSERT INTO partnership_members (partnership_id, organisation_id, role, created_at) VALUES ($1, $2, 'member', $3)`, pid, rich.ID, now); err != nil {
						return err
					}
				}
			}
			for _, b := range []struct {
				org     int64
				until   *time.Time
				revoked *time.Time
			}{{rich.ID, &future, nil}, {bare.ID, &past, nil}, {bare.ID, nil, &now}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO org_badges (organisation_id, kind, label, awarded_on, valid_until, revoked_at) VALUES ($1, 'commissioning_ready', 'Commissioning ready', $2, $3, $4)`,
					b.org, day(-30), b.until, b.revoked); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := FindPartners(ctx, d.Q(), d.Dialect, FinderQuery{Services: []int64{counsel, youth}, ClientGroups: []int64{yp}, Wards: []string{"Talbot", "Park", "Bispham"}, LocalAuthorities: []string{"BPL"}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]Match{}
		for _, m := range ms {
			got[m.Org.ID] = m
		}
		r, b := got[rich.ID], got[bare.ID]
		if r.Org.Slug != rich.Slug || r.Org.UUID != rich.UUID || r.Org.Name != rich.Name || r.Org.CreatedAt.IsZero() || b.Org.Slug != bare.Slug {
			t.Fatalf("organisations: %+v / %+v", r.Org, b.Org)
		}
		want := strings.Join([]string{
			"Covers 3 of 3 needs: Counselling and emotional support, Young people (13-25), Youth work",
			"Works in Talbot, Park, Blackpool",
			"Holds 2 of 7 key policies (1 due for review)",
			"Quality marks: Investing in Volunteers (Gold)",
			"Already in 2 partnerships",
			"Commissioning ready",
		}, " | ")
		if j := strings.Join(r.Reasons, " | "); j != want {
			t.Errorf("rich reasons:\n got %s\nwant %s", j, want)
		}
		wantBare := "Covers 1 of 3 needs: Counselling and emotional support | Works in Bispham"
		if j := strings.Join(b.Reasons, " | "); j != wantBare {
			t.Errorf("bare reasons:\n got %s\nwant %s", j, wantBare)
		}
		if r.Score <= b.Score {
			t.Errorf("scores: rich %v, bare %v", r.Score, b.Score)
		}
	})
}
