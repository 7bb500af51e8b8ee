package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestImportBulkSearchDocs: a bulk import writes one whole search document
// per created organisation (none left name-only, none twice), a slug clash
// (created through accounts.InsertOrg inside the bulk window) gets its
// document too, the trigger is back on afterwards (an organisation created
// the usual way is searchable at once), and a failed bulk write leaves it
// on.
func TestImportBulkSearchDocs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var sb strings.Builder
		sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
		for i := 0; i < 450; i++ { // more than two bulk chunks
			fmt.Fprintf(&sb, "GB-CHC-%d,Bulk Doc Trust %d,vcs,charity,FY1 1AA,Talbot,food,,Runs a zebrafinch club number %d,,under_10k\n", 2000000+i, i, i)
		}
		// A name whose slug is taken below goes through accounts.InsertOrg.
		sb.WriteString("GB-CHC-2999999,Taken Name,vcs,charity,FY1 1AA,Talbot,food,,Runs a zebrafinch club too,,under_10k\n")
		o := accounts.Organisation{Name: "Taken Name", Sector: "vcs", LegalForm: "charity"}
		if err := d.Write(ctx, func(tx *db.Tx) error { return accounts.InsertOrg(ctx, tx, &o, 0) }); err != nil {
			t.Fatal(err)
		}
		rep, err := Import(ctx, d, []byte(sb.String()), false)
		if err != nil || rep.Created != 451 {
			t.Fatalf("%+v %v", rep, err)
		}
		res, err := Search(ctx, d.Q(), d.Dialect, Filter{Q: "zebrafinch", Limit: 500})
		if err != nil || res.Total != 451 || len(res.Items) != 451 {
			t.Fatalf("search: %d of 451 documents (%d items) %v", res.Total, len(res.Items), err)
		}
		var docs, orgs int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&orgs)
		table := "org_fts"
		if d.Dialect == db.Postgres {
			table = "org_search"
		}
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&docs)
		if docs != orgs {
			t.Errorf("%d search documents for %d organisations", docs, orgs)
		}
		// The trigger is on again: a new organisation is found by name.
		o2 := accounts.Organisation{Name: "Quokka Friends", Sector: "vcs", LegalForm: "charity"}
		if err := d.Write(ctx, func(tx *db.Tx) error { return accounts.InsertOrg(ctx, tx, &o2, 0) }); err != nil {
			t.Fatal(err)
		}
		if res, _ := Search(ctx, d.Q(), d.Dialect, Filter{Q: "quokka"}); res.Total != 1 {
			t.Errorf("organisation created after an import is not searchable: %+v", res)
		}
		// A bulk write that fails rolls the switch back with it.
		boom := errors.New("boom")
		err = d.Write(ctx, func(tx *db.Tx) error {
			return BulkSearchDocs(ctx, tx, func() error { return boom })
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		o3 := accounts.Organisation{Name: "Wombat Wanderers", Sector: "vcs", LegalForm: "charity"}
		if err := d.Write(ctx, func(tx *db.Tx) error { return accounts.InsertOrg(ctx, tx, &o3, 0) }); err != nil {
			t.Fatal(err)
		}
		if res, _ := Search(ctx, d.Q(), d.Dialect, Filter{Q: "wombat"}); res.Total != 1 {
			t.Errorf("organisation created after a failed bulk write is not searchable: %+v", res)
		}
	})
}
