package bids

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/partnerships"
)

func mkOrg(t testing.TB, d *db.DB, name, sector string) *accounts.Organisation {
	t.Helper()
	legal := "charity"
	if sector == "public" {
		legal = "public_body"
	}
	if sector == "private" {
		legal = "company"
	}
	o := &accounts.Organisation{Name: name, Sector: sector, LegalForm: legal}
	if err := d.Write(context.Background(), func(tx *db.Tx) error { return accounts.InsertOrg(context.Background(), tx, o, 0) }); err != nil {
		t.Fatal(err)
	}
	return o
}

func exec(t testing.TB, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.W().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// setProfile gives an organisation services and local authorities
// through the directory (which keeps its search index).
func setProfile(t testing.TB, d *db.DB, org int64, terms []int64, las []string) {
	t.Helper()
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error {
		p, err := directory.LoadProfile(ctx, tx, org)
		if err != nil {
			return err
		}
		p.TermIDs, p.LocalAuths, p.Published = terms, las, true
		_, err = directory.SaveProfile(ctx, tx, p)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func termID(t testing.TB, d *db.DB, vocab, code string) int64 {
	t.Helper()
	var id int64
	if err := d.Q().QueryRowContext(context.Background(), `SELECT id FROM taxonomy_terms WHERE vocabulary = $1 AND code = $2`, vocab, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// openTender publishes an open tender needing advice and advocacy
// (mandatory), a safeguarding policy (mandatory) and Talbot ward
// (desirable), reserved for VCSE organisations.
func openTender(t testing.TB, d *db.DB, buyer int64) *opportunities.Opportunity {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	start := time.Date(now.Year()+1, 4, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(3, 0, -1)
	o := &opportunities.Opportunity{Kind: opportunities.KindTender, Title: "Independent advocacy service", BuyerID: buyer,
		SubmissionDeadline: ptr(now.AddDate(0, 0, 30)), ContractStart: &start, ContractEnd: &end, Procedure: "open", ReservedVCSE: true, SuitableVCSE: true,
		Requirements: []opportunities.Requirement{
			{Kind: opportunities.ReqService, Code: "advice-advocacy", Mandatory: true},
			{Kind: opportunities.ReqPolicy, Code: "safeguarding", Mandatory: true},
			{Kind: opportunities.ReqWard, Code: "talbot", Mandatory: false},
		}}
	s := &opportunities.Store{}
	if err := d.Write(ctx, func(tx *db.Tx) error {
		if err := s.Create(ctx, tx, o, 0); err != nil {
			return err
		}
		return s.Publish(ctx, tx, o.ID, 0)
	}); err != nil {
		t.Fatal(err)
	}
	o, err := opportunities.GetByID(ctx, d.Q(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func write(t testing.TB, d *db.DB, fn func(tx *db.Tx) error) error {
	t.Helper()
	return d.Write(context.Background(), fn)
}

func fieldsOf(err error) string {
	var b strings.Builder
	for _, f := range apperr.Fields(err) {
		b.WriteString(f.Field + ": " + f.Message + "\n")
	}
	return b.String()
}

func TestConsortiumBidFromDraftToWinAndItsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		lead := mkOrg(t, d, "Blackpool Advocacy", "vcs")
		mind := mkOrg(t, d, "Blackpool Mind", "vcs")
		firm := mkOrg(t, d, "Fylde Care Ltd", "private")
		gap := mkOrg(t, d, "Talbot Community Advice", "vcs")
		adv := termID(t, d, "service", "advice-advocacy")
		setProfile(t, d, gap.ID, []int64{adv}, nil)
		exec(t, d, `INSERT INTO org_policies (organisation_id, kind, review_date) VALUES ($1, 'safeguarding', $2)`, lead.ID, db.Day(now.AddDate(1, 0, 0)))
		exec(t, d, `INSERT INTO org_policies (organisation_id, kind, review_date) VALUES ($1, 'safeguarding', $2)`, mind.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		exec(t, d, `INSERT INTO org_policies (organisation_id, kind, review_date) VALUES ($1, 'safeguarding', $2)`, gap.ID, db.Day(now.AddDate(1, 0, 0)))
		setProfile(t, d, mind.ID, nil, []string{"BPL"})
		o := openTender(t, d, buyer.ID)

		var b *Bid
		if err := write(t, d, func(tx *db.Tx) error {
			var err error
			b, err = Create(ctx, tx, NewBid{OpportunityID: o.ID, LeadOrgID: lead.ID, Mode: "new", ConsortiumName: "Blackpool Advocacy Consortium", Model: "lead_contractor_consortium"}, 0, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !b.CreatedPartnership || b.PartnershipID == 0 {
			t.Fatalf("no consortium created: %+v", b)
		}
		// A second bid by the same consortium for the same lot.
		err := write(t, d, func(tx *db.Tx) error {
			_, err := Create(ctx, tx, NewBid{OpportunityID: o.ID, LeadOrgID: lead.ID, Mode: "existing", PartnershipID: b.PartnershipID}, 0, now)
			return err
		})
		if !apperr.Is(err, apperr.ECONFLICT) || !strings.Contains(apperr.Message(err), "already has a bid") {
			t.Fatalf("second bid: %v", err)
		}
		for _, org := range []int64{mind.ID, firm.ID} {
			if err := write(t, d, func(tx *db.Tx) error { _, err := AddMember(ctx, tx, b.ID, org, RoleMember, now); return err }); err != nil {
				t.Fatal(err)
			}
		}
		// Shares not adding up to 100: nothing is written.
		err = write(t, d, func(tx *db.Tx) error {
			return SetShares(ctx, tx, b.ID, map[int64]Share{lead.ID: {Work: 50, Value: 50, WorkOK: true, ValueOK: true},
				mind.ID: {Role: RoleMember, Work: 30, Value: 30, WorkOK: true, ValueOK: true}, firm.ID: {Role: RoleSubcontractor, Work: 10, Value: 10, WorkOK: true, ValueOK: true}}, now)
		})
		if !strings.Contains(fieldsOf(err), "add up to 90%") {
			t.Fatalf("shares not 100: %v %s", err, fieldsOf(err))
		}
		got, _ := Get(ctx, d.Q(), b.ID)
		if got.Members[0].WorkShare != 100 {
			t.Fatalf("shares half-written: %+v", got.Members)
		}
		b, err = Get(ctx, d.Q(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ComputeCover(ctx, d.Q(), b, o, now)
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]Row{}
		for _, r := range c.Rows {
			rows[r.Req.Code] = r
		}
		if rows["advice-advocacy"].State != NotCovered || rows["safeguarding"].State != NotCovered || rows["Talbot"].State != Partly {
			t.Fatalf("cover: %+v", c.Rows)
		}
		if !strings.Contains(rows["safeguarding"].Why, "Blackpool Mind (Safeguarding policy review overdue since 2026-03-01)") ||
			!strings.Contains(rows["safeguarding"].Why, "missing for Fylde Care Ltd") {
			t.Fatalf("safeguarding why: %q", rows["safeguarding"].Why)
		}
		if len(c.Eligibility) != 1 || !strings.Contains(c.Eligibility[0], "Fylde Care Ltd") {
			t.Fatalf("eligibility: %v", c.Eligibility)
		}
		if err := Suggest(ctx, d.Q(), d.Dialect, c, []int64{buyer.ID}, 3, true); err != nil {
			t.Fatal(err)
		}
		var sugg []string
		for _, g := range c.Gaps {
			if g.Row.Req.Code == "advice-advocacy" {
				for _, m := range g.Suggestions {
					sugg = append(sugg, m.Org.Name)
				}
			}
		}
		if len(sugg) == 0 || sugg[0] != "Talbot Community Advice" {
			t.Fatalf("suggestions for the advocacy gap: %v", sugg)
		}
		// Close the gap: the firm leaves, the suggested charity joins,
		// shares add up.
		if err := write(t, d, func(tx *db.Tx) error {
			if err := RemoveMember(ctx, tx, b.ID, firm.ID, now); err != nil {
				return err
			}
			if _, err := AddMember(ctx, tx, b.ID, gap.ID, RoleMember, now); err != nil {
				return err
			}
			return SetShares(ctx, tx, b.ID, map[int64]Share{lead.ID: {Work: 50, Value: 50, WorkOK: true, ValueOK: true},
				mind.ID: {Role: RoleMember, Work: 20, Value: 20, WorkOK: true, ValueOK: true}, gap.ID: {Role: RoleMember, Work: 30, Value: 30, WorkOK: true, ValueOK: true}}, now)
		}); err != nil {
			t.Fatal(err, fieldsOf(err))
		}
		// Submitting before sign-off and with the overdue policy.
		err = write(t, d, func(tx *db.Tx) error { return Submit(ctx, tx, b.ID, "", 0, now) })
		f := fieldsOf(err)
		if !strings.Contains(f, "Blackpool Mind has not signed off") || !strings.Contains(f, "gap_reason: 1 mandatory requirement") {
			t.Fatalf("submit too early: %v\n%s", err, f)
		}
		// A decline needs a reason; a declined member cannot sign off later.
		err = write(t, d, func(tx *db.Tx) error { return SignOff(ctx, tx, b.ID, mind.ID, 0, false, "", now) })
		if !strings.Contains(fieldsOf(err), "reason") {
			t.Fatalf("decline without reason: %v", err)
		}
		for _, org := range []int64{lead.ID, mind.ID, gap.ID} {
			if err := write(t, d, func(tx *db.Tx) error { return SignOff(ctx, tx, b.ID, org, 0, true, "", now) }); err != nil {
				t.Fatal(err)
			}
		}
		pm, _ := partnerships.MembersOf(ctx, d.Q(), b.PartnershipID)
		if len(pm) != 3 {
			t.Fatalf("consortium members after sign-off: %d", len(pm))
		}
		if err := write(t, d, func(tx *db.Tx) error {
			return Submit(ctx, tx, b.ID, "Blackpool Mind's safeguarding review is booked for next month.", 0, now)
		}); err != nil {
			t.Fatal(err, fieldsOf(err))
		}
		// The buyer awards it: every member listed as a supplier.
		val := int64(300_000_00)
		var a *Award
		if err := write(t, d, func(tx *db.Tx) error {
			var err error
			a, err = RecordAward(ctx, tx, nil, AwardIn{OpportunityID: o.ID, Value: &val, Date: now,
				Suppliers: []SupplierIn{{OrgID: lead.ID}, {OrgID: mind.ID}, {OrgID: gap.ID}}}, 0, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if a.Suppliers[0].State != "matched" || a.Suppliers[0].BidID != b.ID {
			t.Fatalf("supplier: %+v", a.Suppliers[0])
		}
		b, _ = Get(ctx, d.Q(), b.ID)
		if b.Status != StatusWon || b.ValueAwarded == nil || *b.ValueAwarded != val || b.Contract == nil || b.Contract.PartnershipID != b.PartnershipID {
			t.Fatalf("won bid: %+v %+v", b, b.Contract)
		}
		ob, oa, st, err := OCDSFor(ctx, d.Q(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Bids != 1 || len(ob) != 1 || len(ob[0].Tenderers) != 3 || ob[0].Status != "valid" || len(oa) != 1 || len(oa[0].RelatedBids) != 1 || oa[0].RelatedBids[0] != b.UUID || len(oa[0].Suppliers) != 3 {
			t.Fatalf("OCDS: %+v %+v %+v", st, ob, oa)
		}
		p, _ := partnerships.ByID(ctx, d.Q(), b.PartnershipID)
		if p.Status != "active" {
			t.Fatalf("consortium status %s", p.Status)
		}
		// A bid on the now awarded opportunity is refused.
		err = write(t, d, func(tx *db.Tx) error {
			_, err := Create(ctx, tx, NewBid{OpportunityID: o.ID, LeadOrgID: gap.ID, Mode: "single"}, 0, now)
			return err
		})
		if !apperr.Is(err, apperr.ECONFLICT) || !strings.Contains(apperr.Message(err), "no longer takes bids") {
			t.Fatalf("bid on a closed opportunity: %v", err)
		}
		fig, err := Count(ctx, d.Q(), 0, now.AddDate(0, 0, -1), now.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if fig.Submitted != 1 || fig.Won != 1 || fig.ValueWon != val || fig.Success().Pct() != 100 {
			t.Fatalf("figures %+v", fig)
		}
		var audits int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE object_type = 'bid' AND object_id = $1`, strconv.FormatInt(b.ID, 10)).Scan(&audits)
		if audits < 10 {
			t.Fatalf("only %d audit rows for the bid", audits)
		}
	})
}

func TestDeclinedMemberAndUnmatchedAwardSupplier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		buyer := mkOrg(t, d, "NHS Blackpool", "public")
		lead := mkOrg(t, d, "Blackpool Carers Centre", "vcs")
		other := mkOrg(t, d, "Grange Park Hub", "vcs")
		o := openTender(t, d, buyer.ID)
		var b *Bid
		if err := write(t, d, func(tx *db.Tx) error {
			var err error
			if b, err = Create(ctx, tx, NewBid{OpportunityID: o.ID, LeadOrgID: lead.ID, Mode: "single"}, 0, now); err != nil {
				return err
			}
			_, err = AddMember(ctx, tx, b.ID, other.ID, RoleSubcontractor, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := write(t, d, func(tx *db.Tx) error { return SignOff(ctx, tx, b.ID, other.ID, 0, false, "No capacity this year", now) }); err != nil {
			t.Fatal(err)
		}
		err := write(t, d, func(tx *db.Tx) error { return SignOff(ctx, tx, b.ID, other.ID, 0, true, "", now) })
		if !apperr.Is(err, apperr.ECONFLICT) || !strings.Contains(apperr.Message(err), "already declined") {
			t.Fatalf("accept after decline: %v", err)
		}
		err = write(t, d, func(tx *db.Tx) error { _, err := AddMember(ctx, tx, b.ID, other.ID, RoleMember, now); return err })
		if !strings.Contains(apperr.Message(err), "No capacity this year") {
			t.Fatalf("re-invite declined: %v", err)
		}
		// An award to a supplier with no bid here: refused, nothing written;
		// a name close to a bidder's is proposed for an admin.
		err = write(t, d, func(tx *db.Tx) error {
			_, err := RecordAward(ctx, tx, nil, AwardIn{OpportunityID: o.ID, Date: now, Suppliers: []SupplierIn{{Name: "Someone Else Ltd", Identifier: "GB-COH-99999999"}}}, 0, now)
			return err
		})
		if !strings.Contains(fieldsOf(err), "No bid for this opportunity here matches Someone Else Ltd") {
			t.Fatalf("unmatched supplier: %v %s", err, fieldsOf(err))
		}
		var n int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM bid_awards`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d awards written", n)
		}
		if c := NameConfidence("The Blackpool Carers Centre Ltd", "Blackpool Carers' Centre"); c < 0.6 {
			t.Fatalf("confidence %v", c)
		}
	})
}
