package bids_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/bids"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/opportunities"
)

// TestKeyDateReminders: the lead's owners and editors hear a week and a
// day before each key date of a bid still being drafted, once each; a
// submitted bid is left alone; a deadline moved by an amendment is
// reminded of again.
func TestKeyDateReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		for _, u := range []string{"lead@x.test", "other@x.test", "buyer@x.test"} {
			env.User(u, false)
		}
		buyer := env.Org("Blackpool Council", "public", map[string]string{"buyer@x.test": "editor"})
		lead := env.Org("Blackpool Advocacy", "vcs", map[string]string{"lead@x.test": "owner"})
		other := env.Org("Fylde Mind", "vcs", map[string]string{"other@x.test": "owner"})
		now := time.Now().UTC().Truncate(time.Second)
		questions, deadline := now.Add(12*time.Hour), now.Add(3*24*time.Hour)
		o := &opportunities.Opportunity{Kind: opportunities.KindTender, Title: "Advocacy service", BuyerID: buyer.ID, Procedure: "open",
			QuestionsCloseAt: &questions, SubmissionDeadline: &deadline}
		st := env.App.Opportunities.Store
		var drafting, submitted *bids.Bid
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := st.Create(ctx, tx, o, 0); err != nil {
				return err
			}
			if err := st.Publish(ctx, tx, o.ID, 0); err != nil {
				return err
			}
			var err error
			if drafting, err = bids.Create(ctx, tx, bids.NewBid{OpportunityID: o.ID, LeadOrgID: lead.ID, Mode: "single"}, 0, now); err != nil {
				return err
			}
			submitted, err = bids.Create(ctx, tx, bids.NewBid{OpportunityID: o.ID, LeadOrgID: other.ID, Mode: "single"}, 0, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		exec(`UPDATE bids SET status = 'submitted', submitted_at = $1 WHERE id = $2`, now, submitted.ID)
		reminders := func(to string) []string {
			var out []string
			for _, m := range env.Outbox(to) {
				if m.Kind == "bid_key_dates" {
					out = append(out, m.Subject)
				}
			}
			return out
		}

		n, err := bids.RemindKeyDates(ctx, d, "http://x.test", now)
		if err != nil || n != 2 {
			t.Fatalf("first run: %d sent, %v; want 2", n, err)
		}
		got := strings.Join(reminders("lead@x.test"), " | ")
		for _, want := range []string{"Clarification questions close within a day: " + drafting.Title, "The submission deadline in less than a week: " + drafting.Title} {
			if !strings.Contains(got, want) {
				t.Errorf("reminders %q lack %q", got, want)
			}
		}
		if r := reminders("other@x.test"); len(r) != 0 {
			t.Errorf("the submitted bid's lead was reminded: %v", r)
		}
		// Run again: nothing new.
		if n, err := bids.RemindKeyDates(ctx, d, "http://x.test", now.Add(time.Hour)); err != nil || n != 0 {
			t.Fatalf("second run: %d sent, %v; want 0", n, err)
		}
		// Two days on, the deadline is within a day: the day reminder.
		if n, err := bids.RemindKeyDates(ctx, d, "http://x.test", deadline.Add(-20*time.Hour)); err != nil || n != 1 {
			t.Fatalf("the day before the deadline: %d sent, %v; want 1", n, err)
		}
		// The buyer moves the deadline: reminded of the new date.
		moved := deadline.Add(48 * time.Hour)
		exec(`UPDATE opportunities SET submission_deadline = $1 WHERE id = $2`, moved, o.ID)
		if n, err := bids.RemindKeyDates(ctx, d, "http://x.test", deadline.Add(-20*time.Hour)); err != nil || n != 1 {
			t.Fatalf("after the deadline moved: %d sent, %v; want 1", n, err)
		}
	})
}
