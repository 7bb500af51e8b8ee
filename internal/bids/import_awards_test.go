package bids_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/bids"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/opportunities"
)

// ocdsPackage is a release package for one process: a tender and, when
// award is set, its award to the supplier with org-id GB-CHC-1122334.
func ocdsPackage(award bool) string {
	rel := `{"ocid": "ocds-h6vhtk-aw1", "id": "aw1-1", "date": "2026-09-01T09:00:00Z", "tag": ["tender"], "initiationType": "tender",
	"parties": [{"id": "GB-LAE-BPL", "name": "Blackpool Council", "identifier": {"scheme": "GB-LAE", "id": "BPL"}, "roles": ["buyer"]}],
	"buyer": {"id": "GB-LAE-BPL", "name": "Blackpool Council"},
	"tender": {"id": "aw1", "title": "Carers' support service", "status": "active", "tenderPeriod": {"endDate": "2030-10-15T12:00:00Z"}}}`
	if award {
		rel += `, {"ocid": "ocds-h6vhtk-aw1", "id": "aw1-2", "date": "2026-11-01T09:00:00Z", "tag": ["award"], "initiationType": "tender",
	"parties": [{"id": "GB-LAE-BPL", "name": "Blackpool Council", "identifier": {"scheme": "GB-LAE", "id": "BPL"}, "roles": ["buyer"]},
		{"id": "GB-CHC-1122334", "name": "Fylde Carers", "identifier": {"scheme": "GB-CHC", "id": "1122334"}, "roles": ["supplier"]}],
	"buyer": {"id": "GB-LAE-BPL", "name": "Blackpool Council"},
	"tender": {"id": "aw1", "title": "Carers' support service", "status": "complete"},
	"awards": [{"id": "aw1-award-1", "status": "active", "date": "2026-11-01T00:00:00Z", "value": {"amount": 180000, "currency": "GBP"},
		"suppliers": [{"id": "GB-CHC-1122334", "name": "Fylde Carers"}]}]}`
	}
	return fmt.Sprintf(`{"uri": "https://example.org/p", "version": "1.1", "publishedDate": "2026-11-01T09:00:00Z",
	"publisher": {"name": "Example"}, "releases": [%s]}`, rel)
}

// TestImportedAwardIsMatchedToTheBid: an award arriving in an imported
// OCDS release is recorded (source OCDS) and its supplier matched to the
// submitted bid by org-id identifier, which is then won; importing the
// same file again records nothing more.
func TestImportedAwardIsMatchedToTheBid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("carers@x.test", false)
		carers := env.Org("Fylde Carers", "vcs", map[string]string{"carers@x.test": "owner"})
		exec := func(q string, args ...any) {
			t.Helper()
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO org_identifiers (identifier, organisation_id, scheme) VALUES ('GB-CHC-1122334', $1, 'GB-CHC')`, carers.ID)
		imp := env.App.OCDS.Importers()["ocds"]
		file := filepath.Join(t.TempDir(), "p.json")
		load := func(award bool) {
			t.Helper()
			if err := os.WriteFile(file, []byte(ocdsPackage(award)), 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := imp(ctx, file, false)
			if err != nil || len(rep.Rejected) > 0 {
				t.Fatalf("import: %v %+v", err, rep)
			}
		}
		load(false)
		var oppID int64
		if err := d.Q().QueryRowContext(ctx, `SELECT id FROM opportunities WHERE ocid = 'ocds-h6vhtk-aw1'`).Scan(&oppID); err != nil {
			t.Fatal(err)
		}
		var b *bids.Bid
		if err := d.Write(ctx, func(tx *db.Tx) error {
			var err error
			b, err = bids.Create(ctx, tx, bids.NewBid{OpportunityID: oppID, LeadOrgID: carers.ID, Mode: "single"}, 0, db.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE bids SET status = 'submitted', submitted_at = $1 WHERE id = $2`, db.Now(), b.ID)
		exec(`UPDATE bid_members SET signoff = 'accepted' WHERE bid_id = $1`, b.ID)

		load(true)
		got, err := bids.Get(ctx, d.Q(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != bids.StatusWon || got.ValueAwarded == nil || *got.ValueAwarded != 180_000_00 {
			t.Fatalf("bid after the imported award: %s %v", got.Status, got.ValueAwarded)
		}
		as, err := bids.Awards(ctx, d.Q(), oppID)
		if err != nil || len(as) != 1 || as[0].Source != "ocds" || as[0].OCDSID != "aw1-award-1" || len(as[0].Suppliers) != 1 || as[0].Suppliers[0].State != "matched" {
			t.Fatalf("awards %+v, %v", as, err)
		}
		o, err := opportunities.GetByID(ctx, d.Q(), oppID)
		if err != nil || o.Status != opportunities.StatusAwarded {
			t.Fatalf("opportunity after the award: %v %v", o, err)
		}
		// Again: nothing new.
		load(true)
		if as, _ := bids.Awards(ctx, d.Q(), oppID); len(as) != 1 {
			t.Errorf("%d awards after importing the file again", len(as))
		}
	})
}
