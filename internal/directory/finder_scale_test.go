package directory

import (
	"context"
	"strings"
	"testing"
	"time"

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
