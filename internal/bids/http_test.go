package bids_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/bids"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/ocds"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/outcomes"
	"partnerhub/internal/testkit"
)

// TestThreeCharitiesBuildSignAndWinAConsortiumBid walks the issue's
// journey through the pages: a charity starts a consortium bid, closes a
// gap with a suggested partner, every member's owner signs off, the lead
// submits, and the commissioner awards it; forms keep what was sent on
// error.
func TestThreeCharitiesBuildSignAndWinAConsortiumBid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		for _, u := range []string{"lead@x.test", "mind@x.test", "talbot@x.test", "buyer@x.test", "nosy@x.test"} {
			env.User(u, false)
		}
		buyer := env.Org("Blackpool Council", "public", map[string]string{"buyer@x.test": "editor"})
		lead := env.Org("Blackpool Advocacy", "vcs", map[string]string{"lead@x.test": "owner"})
		mind := env.Org("Blackpool Mind", "vcs", map[string]string{"mind@x.test": "owner"})
		talbot := env.Org("Talbot Community Advice", "vcs", map[string]string{"talbot@x.test": "owner"})
		env.Org("Nosy Neighbours", "vcs", map[string]string{"nosy@x.test": "owner"})
		var adv int64
		d.Q().QueryRowContext(ctx, `SELECT id FROM taxonomy_terms WHERE vocabulary = 'service' AND code = 'advice-advocacy'`).Scan(&adv)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			p, err := directory.LoadProfile(ctx, tx, talbot.ID)
			if err != nil {
				return err
			}
			p.TermIDs, p.Published = []int64{adv}, true
			_, err = directory.SaveProfile(ctx, tx, p)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		o := &opportunities.Opportunity{Kind: opportunities.KindTender, Title: "Independent advocacy service", BuyerID: buyer.ID,
			SubmissionDeadline: &now, Procedure: "open", SuitableVCSE: true,
			Requirements: []opportunities.Requirement{{Kind: opportunities.ReqService, Code: "advice-advocacy", Mandatory: true}}}
		closes := now.AddDate(0, 0, 30)
		o.SubmissionDeadline = &closes
		st := env.App.Opportunities.Store
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := st.Create(ctx, tx, o, 0); err != nil {
				return err
			}
			return st.Publish(ctx, tx, o.ID, 0)
		}); err != nil {
			t.Fatal(err)
		}

		c := env.As("lead@x.test")
		newPage := "/orgs/" + lead.Slug + "/bids/new?opportunity=" + o.Slug
		c.RoundTrip(t, newPage, "/orgs/"+lead.Slug+"/bids/new",
			func(v url.Values) { v.Set("mode", "new"); v.Set("consortium_name", "Advocacy Together") },
			func(v url.Values) { v.Set("consortium_name", "") }, "Enter the new consortium&#39;s name", "")
		var bidID int64
		d.Q().QueryRowContext(ctx, `SELECT id FROM bids WHERE lead_org_id = $1`, lead.ID).Scan(&bidID)
		if bidID == 0 {
			t.Fatal("no bid stored")
		}
		page := "/orgs/" + lead.Slug + "/bids/" + strconv.FormatInt(bidID, 10)
		c.Get(page).Status(t, 200).Contains(t, "Not covered", "no member covers it", "Invite Talbot Community Advice")
		// Another organisation's people cannot see it.
		env.As("nosy@x.test").Get(page).Status(t, 404)
		env.As("mind@x.test").Get(page).Status(t, 404)

		// Close the gap with the suggestion (one click) and invite Mind by name.
		c.PostForm(page+"/members", url.Values{"organisation": {fmt.Sprint(talbot.ID)}, "role": {"member"}}).Status(t, 303)
		c.PostForm(page+"/members", url.Values{"organisation_name": {"Nobody Here"}, "role": {"member"}}).Status(t, 422).Contains(t, "There is no organisation called Nobody Here")
		c.PostForm(page+"/members", url.Values{"organisation_name": {"Blackpool Mind"}, "role": {"member"}}).Status(t, 303)
		c.Get(page).Status(t, 200).Contains(t, "covered by Talbot Community Advice")
		if n := len(env.Outbox("talbot@x.test")); n != 1 {
			t.Fatalf("talbot told %d times", n)
		}

		// Shares: 50/30/10 is refused and kept; 50/30/20 is stored.
		lid, mid, tid := fmt.Sprint(lead.ID), fmt.Sprint(mind.ID), fmt.Sprint(talbot.ID)
		c.RoundTrip(t, page, page+"/shares", func(v url.Values) {
			v.Set("work_"+lid, "50")
			v.Set("value_"+lid, "50")
			v.Set("work_"+mid, "30")
			v.Set("value_"+mid, "30")
			v.Set("work_"+tid, "20")
			v.Set("value_"+tid, "20")
			v.Set("role_"+tid, "subcontractor")
		}, func(v url.Values) { v.Set("work_"+tid, "10") }, "The shares of the work add up to 90%", page)

		// Mind's owner has it on their home page (web.OrgTodos).
		env.As("mind@x.test").Get("/home").Status(t, 200).Contains(t, "Bids waiting for Blackpool Mind’s sign-off")

		// Submitting before anyone signed off.
		c.PostForm(page+"/submit", url.Values{}).Status(t, 422).Contains(t, "Blackpool Mind has not signed off yet")

		// Each owner signs off; a decline needs a reason.
		inv := func(slug string) string { return "/orgs/" + slug + "/bid-invitations/" + strconv.FormatInt(bidID, 10) }
		m := env.As("mind@x.test")
		m.Get(inv(mind.Slug)).Status(t, 200).Contains(t, "Share of the work", "30%")
		m.PostForm(inv(mind.Slug), url.Values{"decision": {"decline"}, "reason": {""}}).Status(t, 422).Contains(t, "Say why Blackpool Mind declines")
		for _, x := range []struct{ who, slug string }{{"lead@x.test", lead.Slug}, {"mind@x.test", mind.Slug}, {"talbot@x.test", talbot.Slug}} {
			env.As(x.who).PostForm(inv(x.slug), url.Values{"decision": {"accept"}}).Status(t, 303)
		}
		// Not the owner of the member organisation: refused.
		env.As("nosy@x.test").PostForm(inv(mind.Slug), url.Values{"decision": {"accept"}}).Status(t, 404)
		c.PostForm(page+"/submit", url.Values{}).Status(t, 303)
		c.Get(page).Status(t, 200).Contains(t, "Submitted")

		// The commissioner awards it to every member.
		b := env.As("buyer@x.test")
		award := "/orgs/" + buyer.Slug + "/opportunities/" + o.Slug + "/award"
		b.Get(award).Status(t, 200).Contains(t, "Talbot Community Advice")
		b.PostForm(award, url.Values{"date": {"not a date"}, "value": {"250,000"}, "supplier": {lid, mid, tid}}).Status(t, 422).Contains(t, "Enter the award date")
		b.PostForm(award, url.Values{"date": {now.Format(time.DateOnly)}, "value": {"250,000"}, "supplier": {lid, mid, tid}}).Status(t, 303)
		bid, err := bids.Get(ctx, d.Q(), bidID)
		if err != nil {
			t.Fatal(err)
		}
		if bid.Status != bids.StatusWon || bid.ValueAwarded == nil || *bid.ValueAwarded != 250_000_00 {
			t.Fatalf("bid after award: %s %v", bid.Status, bid.ValueAwarded)
		}
		year := strconv.Itoa(now.Year())
		env.Anon().Get("/consortia/impact/"+bid.PartnershipSlug).Status(t, 200).Contains(t, "Bids and impact of Advocacy Together", "£250,000", "<th scope=\"row\">"+year+"</th><td>1</td><td>1</td><td>100.0%</td>")
		env.Anon().Get("/partnerships/"+bid.PartnershipSlug).Status(t, 200).Contains(t, "/consortia/impact/"+bid.PartnershipSlug, "Bid for an opportunity")
		if !strings.Contains(env.Anon().Get("/partnerships/measures").Status(t, 200).Body, "Consortium bids won") {
			t.Fatal("measures do not list the bids figures")
		}

		// The opportunity's OCDS record validates and carries the bid (its
		// tenderers the consortium's members, not the subcontractor) and
		// the award (its suppliers, related to the bid).
		var ocid string
		d.Q().QueryRowContext(ctx, `SELECT ocid FROM opportunities WHERE id = $1`, o.ID).Scan(&ocid)
		rec := env.Anon().Get("/api/ocds/records/"+url.PathEscape(ocid)).Status(t, 200)
		if probs := ocds.ValidateRecordPackage([]byte(rec.Body)); len(probs) > 0 {
			t.Fatalf("the record does not validate: %v", probs)
		}
		var pkg struct {
			Records []struct {
				CompiledRelease ocds.ReleaseDoc `json:"compiledRelease"`
			} `json:"records"`
		}
		if err := json.Unmarshal([]byte(rec.Body), &pkg); err != nil || len(pkg.Records) != 1 {
			t.Fatalf("record package: %v", err)
		}
		cr := pkg.Records[0].CompiledRelease
		if cr.Bids == nil {
			t.Fatal("the awarded opportunity's record has no bids")
		}
		var theBid *ocds.Bid
		for i, x := range cr.Bids.Details {
			if x.ID == bid.UUID {
				theBid = &cr.Bids.Details[i]
			}
		}
		if theBid == nil || theBid.SubmissionType != "bid" || theBid.Status != "valid" {
			t.Fatalf("bids.details = %+v, want bid %s, valid", cr.Bids.Details, bid.UUID)
		}
		var tenderers []string
		for _, x := range theBid.Tenderers {
			tenderers = append(tenderers, x.Name)
		}
		if strings.Join(tenderers, ", ") != "Blackpool Advocacy, Blackpool Mind" {
			t.Errorf("tenderers %v, want the lead and the member (not the subcontractor)", tenderers)
		}
		if len(cr.Awards) != 1 || len(cr.Awards[0].Suppliers) != 3 || len(cr.Awards[0].RelatedBids) != 1 || cr.Awards[0].RelatedBids[0] != bid.UUID {
			t.Fatalf("awards = %+v, want one with three suppliers related to bid %s", cr.Awards, bid.UUID)
		}
		roles := map[string][]string{}
		for _, p := range cr.Parties {
			roles[p.Name] = p.Roles
		}
		if r := roles["Blackpool Mind"]; !slices.Contains(r, "tenderer") || !slices.Contains(r, "supplier") {
			t.Errorf("Blackpool Mind's roles %v, want tenderer and supplier", r)
		}
	})
}

// TestDemoTownHasTheIssuesBids checks the demo's bids: won and lost (with
// feedback), awards matched and one waiting for an admin, a consortium
// formed from a looking-for-partners post, and a bid drafting with a gap.
func TestDemoTownHasTheIssuesBids(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		res, err := testkit.Generate(ctx, d, testkit.Options{Seed: 2009, Orgs: 300})
		if err != nil {
			t.Fatal(err)
		}
		if res.Counts["bids"] == 0 || res.Counts["awards"] == 0 {
			t.Fatalf("demo counts: %v", res.Counts)
		}
		count := func(q string) int {
			var n int
			if err := d.Q().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if count(`SELECT COUNT(*) FROM bids WHERE status = 'won'`) == 0 || count(`SELECT COUNT(*) FROM bids WHERE status = 'lost' AND feedback <> ''`) == 0 {
			t.Fatal("no won bids or no lost bid with feedback")
		}
		if count(`SELECT COUNT(*) FROM bid_award_suppliers WHERE state = 'matched'`) == 0 || count(`SELECT COUNT(*) FROM bid_award_suppliers WHERE state = 'proposed'`) != 1 {
			t.Fatal("awards not matched as the demo says")
		}
		if count(`SELECT COUNT(*) FROM bids b JOIN partnerships p ON p.id = b.partnership_id WHERE b.created_partnership AND p.origin = 'looking_for_partners'`) != 1 {
			t.Fatal("no consortium formed from a looking-for-partners post")
		}
		if count(`SELECT COUNT(*) FROM partnerships WHERE name = 'Blackpool Advocacy Alliance' AND origin = 'bid'`) != 1 {
			t.Fatal("the drafting bid's consortium is not recorded as formed for a bid")
		}
		var draft int64
		d.Q().QueryRowContext(ctx, `SELECT id FROM bids WHERE status = 'drafting'`).Scan(&draft)
		b, err := bids.Get(ctx, d.Q(), draft)
		if err != nil {
			t.Fatal(err)
		}
		o, err := opportunities.GetByID(ctx, d.Q(), b.OpportunityID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := bids.ComputeCover(ctx, d.Q(), b, o, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Gaps) == 0 || b.LeadName != "Blackpool Advocacy" {
			t.Fatalf("the drafting bid: %s, %d gaps", b.LeadName, len(c.Gaps))
		}
		// A contract won by a consortium has the commissioner's required
		// KPIs from the outcome bank, and its members' figures for last
		// year (the year the consortium's outcomes page shows first) roll
		// up for each.
		var kpiOpp, kpiPartnership int64
		if err := d.Q().QueryRowContext(ctx, `SELECT b.opportunity_id, b.partnership_id FROM bids b WHERE b.status = 'won' AND b.partnership_id IS NOT NULL
			AND EXISTS (SELECT 1 FROM opportunity_kpis k WHERE k.opportunity_id = b.opportunity_id)`).Scan(&kpiOpp, &kpiPartnership); err != nil {
			t.Fatalf("no contract won by a consortium with required KPIs: %v", err)
		}
		kpis, err := bids.DeliveredKPIs(ctx, d.Q(), kpiPartnership)
		if err != nil || len(kpis) == 0 {
			t.Fatalf("the consortium's delivered KPIs: %v, %v", kpis, err)
		}
		members, err := db.Column[int64](ctx, d.Q(), `SELECT organisation_id FROM partnership_members WHERE partnership_id = $1 AND left_on IS NULL`, kpiPartnership)
		if err != nil {
			t.Fatal(err)
		}
		from := time.Date(time.Now().Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
		rs, err := outcomes.MemberRollups(ctx, d.Q(), from, from.AddDate(1, 0, 0), members)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range outcomes.KPIRows(kpis, rs) {
			if row.Rollup == nil || row.Rollup.Orgs == 0 {
				t.Errorf("KPI %q of %s: no member's figures for %d", row.Name, row.Opportunity, from.Year())
			}
		}
	})
}

// TestLotAwardAddsItsOwnRelease: awarding one lot of an opportunity with
// two adds a release tagged award (the opportunity stays open for the
// other lot), and so does the second lot's award; the record validates and
// its compiled release has both awards, each related to its lot.
func TestLotAwardAddsItsOwnRelease(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		buyer := env.Org("Blackpool Council", "public", nil)
		closes := time.Now().UTC().AddDate(0, 0, 30)
		o := &opportunities.Opportunity{Kind: opportunities.KindTender, Title: "Two-lot service", BuyerID: buyer.ID, SubmissionDeadline: &closes, Procedure: "open",
			Lots: []opportunities.Lot{{Position: 1, Title: "North"}, {Position: 2, Title: "South"}}}
		st := env.App.Opportunities.Store
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := st.Create(ctx, tx, o, 0); err != nil {
				return err
			}
			return st.Publish(ctx, tx, o.ID, 0)
		}); err != nil {
			t.Fatal(err)
		}
		o, err := opportunities.GetByID(ctx, d.Q(), o.ID)
		if err != nil || len(o.Lots) != 2 {
			t.Fatalf("%v %+v", err, o)
		}
		awardTags := func() int {
			rs, err := ocds.ReleasesFor(ctx, d.Q(), o.OCID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range rs {
				if slices.Contains(r.Tags, "award") {
					n++
				}
			}
			return n
		}
		for i, lot := range o.Lots {
			now := time.Now().UTC()
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := bids.RecordAward(ctx, tx, st, bids.AwardIn{OpportunityID: o.ID, LotID: lot.ID, Date: now,
					Suppliers: []bids.SupplierIn{{Name: "Outside Supplier " + lot.Title + " Ltd"}}, AllowUnmatched: true}, 0, now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if n := awardTags(); n != i+1 {
				t.Fatalf("after lot %d's award: %d releases tagged award, want %d", lot.Position, n, i+1)
			}
		}
		got, _ := opportunities.GetByID(ctx, d.Q(), o.ID)
		if got.Status != opportunities.StatusOpen {
			t.Errorf("status after the lots' awards: %s", got.Status)
		}
		rec := env.Anon().Get("/api/ocds/records/"+url.PathEscape(o.OCID)).Status(t, 200)
		if probs := ocds.ValidateRecordPackage([]byte(rec.Body)); len(probs) > 0 {
			t.Fatalf("the record does not validate: %v", probs)
		}
		var pkg struct {
			Records []struct {
				CompiledRelease ocds.ReleaseDoc `json:"compiledRelease"`
			} `json:"records"`
		}
		if err := json.Unmarshal([]byte(rec.Body), &pkg); err != nil || len(pkg.Records) != 1 {
			t.Fatalf("record package: %v", err)
		}
		var lots []string
		for _, a := range pkg.Records[0].CompiledRelease.Awards {
			lots = append(lots, strings.Join(a.RelatedLots, ","))
		}
		if strings.Join(lots, " ") != "1 2" {
			t.Errorf("compiled awards' lots %v, want 1 and 2", lots)
		}
	})
}
