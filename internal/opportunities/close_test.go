package opportunities_test

import (
	"context"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/ocds"
	"partnerhub/internal/opportunities"
)

// TestOpportunitiesCloseAtTheirClosingDate: the job closes Partnerhub's
// own open tenders once the closing date passes (an amendment and an OCDS
// release, as when the buyer closes it), and leaves tenders whose closing
// date is still ahead alone.
func TestOpportunitiesCloseAtTheirClosingDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("buyer@x.test", false)
		buyer := env.Org("Blackpool Council", "public", map[string]string{"buyer@x.test": "editor"})
		st := env.App.Opportunities.Store
		now := time.Now().UTC()
		soon, later := now.Add(24*time.Hour), now.Add(30*24*time.Hour)
		mk := func(kind, title string, closes time.Time) *opportunities.Opportunity {
			t.Helper()
			o := &opportunities.Opportunity{Kind: kind, Title: title, BuyerID: buyer.ID, Procedure: "open", SubmissionDeadline: &closes}
			if kind == opportunities.KindConsultation {
				o.Procedure = ""
			}
			if err := d.Write(ctx, func(tx *db.Tx) error {
				if err := st.Create(ctx, tx, o, 0); err != nil {
					return err
				}
				return st.Publish(ctx, tx, o.ID, 0)
			}); err != nil {
				t.Fatalf("%s: %v", title, err)
			}
			return o
		}
		due := mk(opportunities.KindTender, "Advocacy service", soon)
		open := mk(opportunities.KindTender, "Carers' service", later)
		// A day on, the first tender's closing date has passed.
		n, err := opportunities.CloseDue(ctx, d, st, soon.Add(time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("closed %d, %v; want 1", n, err)
		}
		get := func(id int64) *opportunities.Opportunity {
			o, err := opportunities.GetByID(ctx, d.Q(), id)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		if s := get(due.ID).Status; s != opportunities.StatusClosed {
			t.Errorf("the due tender is %s, want closed", s)
		}
		if s := get(open.ID).Status; s != opportunities.StatusOpen {
			t.Errorf("the tender still open is %s", s)
		}
		am, err := opportunities.Amendments(ctx, d.Q(), due.ID)
		if err != nil || len(am) == 0 || am[len(am)-1].Summary != "Closed: the closing date passed" {
			t.Errorf("amendments %+v, %v", am, err)
		}
		rels, err := ocds.ReleasesFor(ctx, d.Q(), get(due.ID).OCID)
		if err != nil || len(rels) != 2 {
			t.Fatalf("releases %d, %v; want the tender and its update", len(rels), err)
		}
		if tags := rels[1].Tags; len(tags) != 1 || tags[0] != "tenderUpdate" {
			t.Errorf("the closing release's tags %v", tags)
		}
		// Nothing more to close.
		if n, err := opportunities.CloseDue(ctx, d, st, soon.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("second run closed %d, %v", n, err)
		}
	})
}

// TestBuyerHomeSaysWhatWaits: a buyer's editors see on /home the
// clarification questions not yet answered and the closed tenders
// waiting for an award; a viewer and other organisations do not.
func TestBuyerHomeSaysWhatWaits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("buyer@x.test", false)
		env.User("viewer@x.test", false)
		env.User("charity@x.test", false)
		buyer := env.Org("Blackpool Council", "public", map[string]string{"buyer@x.test": "editor", "viewer@x.test": "viewer"})
		charity := env.Org("Blackpool Advocacy", "vcs", map[string]string{"charity@x.test": "owner"})
		st := env.App.Opportunities.Store
		closes := time.Now().UTC().Add(48 * time.Hour)
		o := &opportunities.Opportunity{Kind: opportunities.KindTender, Title: "Advocacy service", BuyerID: buyer.ID, Procedure: "open", SubmissionDeadline: &closes}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := st.Create(ctx, tx, o, 0); err != nil {
				return err
			}
			return st.Publish(ctx, tx, o.ID, 0)
		}); err != nil {
			t.Fatal(err)
		}
		env.As("buyer@x.test").Get("/home").Status(t, 200).NotContains(t, "Clarification questions waiting", "waiting for an award")
		exec(`INSERT INTO opportunity_questions (opportunity_id, organisation_id, question, created_at) VALUES ($1, $2, 'Is TUPE likely?', $3)`, o.ID, charity.ID, time.Now().UTC())
		exec(`UPDATE opportunities SET closes_at = $1 WHERE id = $2`, time.Now().UTC().Add(-time.Hour), o.ID)
		env.As("buyer@x.test").Get("/home").Status(t, 200).Contains(t, "Clarification questions waiting for Blackpool Council", "Closed opportunities of Blackpool Council waiting for an award")
		env.As("viewer@x.test").Get("/home").Status(t, 200).NotContains(t, "Clarification questions waiting", "waiting for an award")
		env.As("charity@x.test").Get("/home").Status(t, 200).NotContains(t, "Clarification questions waiting", "waiting for an award")
	})
}
