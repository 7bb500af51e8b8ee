package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
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
		if d.Dialect == db.Postgres {
			// The import left nothing in the GIN index's pending list
			// (searches would read it), and the list stays small
			// (migration 0127).
			var pending int
			if err := d.Q().QueryRowContext(ctx, `SELECT gin_clean_pending_list('org_search_doc'::regclass)`).Scan(&pending); err != nil || pending != 0 {
				t.Errorf("the import left %d pages in the search index's pending list (%v)", pending, err)
			}
			var opts string
			d.Q().QueryRowContext(ctx, `SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'org_search_doc'::regclass`).Scan(&opts)
			if opts != "gin_pending_list_limit=256" {
				t.Errorf("org_search_doc options %q", opts)
			}
			SearchDocsAgree(t, d)
			// In a bulk write the insert trigger is not even called
			// (its WHEN, migration 0128), rather than called to return
			// at once for every row.
			var def string
			d.Q().QueryRowContext(ctx, `SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'org_search_sync_insert' AND tgrelid = 'organisations'::regclass`).Scan(&def)
			if !strings.Contains(def, " WHEN ") || !strings.Contains(def, "partnerhub.directory_bulk") {
				t.Errorf("the organisations insert trigger is called in bulk writes: %s", def)
			}
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

// TestImportAcrossBatches: the parser hands rows to the writer in batches
// of importBatch. A name repeated in a later batch still gets its own
// slug, an identifier repeated in a later batch is rejected with both
// lines, rejections come back in line order, and the import leaves no
// row pointing at a missing one (it runs with SQLite's foreign-key checks
// off: PRAGMA foreign_key_check proves it kept them itself).
func TestImportAcrossBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := importBatch*2 + 10
		var sb strings.Builder
		sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("Batch Trust %d", i)
			id := 3000000 + i
			postcode := "FY1 1AA"
			switch i {
			case importBatch + 5: // same name as line 2, a batch later
				name = "Batch Trust 0"
			case importBatch*2 + 3: // same identifier as line 3
				id = 3000001
			case importBatch + 7:
				postcode = "not a postcode"
			}
			fmt.Fprintf(&sb, "GB-CHC-%d,%s,vcs,charity,%s,Talbot;Bloomfield,food;advice-advocacy,,Runs a pantry,,under_10k\n", id, name, postcode)
		}
		rep, err := Import(ctx, d, []byte(sb.String()), false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != n || rep.Created != n-2 || len(rep.Rejected) != 2 {
			t.Fatalf("report: %+v", rep)
		}
		if r := rep.Rejected[0]; r.Line != importBatch+7+2 || !strings.Contains(r.Reason, "postcode") {
			t.Errorf("first rejection %+v", r)
		}
		if r := rep.Rejected[1]; r.Line != importBatch*2+3+2 || !strings.Contains(r.Reason, "first on line 3") {
			t.Errorf("second rejection %+v", r)
		}
		slugs, err := db.Column[string](ctx, d.Q(), `SELECT slug FROM organisations WHERE name = 'Batch Trust 0' ORDER BY id`)
		if err != nil || len(slugs) != 2 || slugs[0] == slugs[1] {
			t.Fatalf("slugs of the repeated name: %v %v", slugs, err)
		}
		var terms, areas int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM org_terms`).Scan(&terms)
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM org_areas`).Scan(&areas)
		if terms != 2*(n-2) || areas != 2*(n-2) {
			t.Errorf("%d terms and %d areas for %d organisations", terms, areas, n-2)
		}
		if d.Dialect == db.SQLite {
			rows, err := d.Q().QueryContext(ctx, `PRAGMA foreign_key_check`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			if rows.Next() {
				t.Error("the import left rows whose parent is missing")
			}
		}
		// Importing the same file again changes nothing.
		rep, err = Import(ctx, d, []byte(sb.String()), false)
		if err != nil || rep.Unchanged != n-2 || rep.Created != 0 || rep.Updated != 0 {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		// Every audit row the bulk writer inserted is linked into the
		// audit chain, which still verifies.
		if v, err := audit.Verify(ctx, d); err != nil || !v.OK() || v.Entries < n-2 {
			t.Errorf("audit chain after the import: %+v %v", v, err)
		}
	})
}

// TestImportStopsWhole: a file that turns out to be too long after the
// writer has already written whole batches writes nothing at all.
func TestImportStopsWhole(t *testing.T) {
	defer func(n int) { importRowLimit = n }(importRowLimit)
	importRowLimit = importBatch*2 + 5
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var sb strings.Builder
		sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
		for i := 0; i < importRowLimit+1; i++ {
			fmt.Fprintf(&sb, "GB-CHC-%d,Long File Trust %d,vcs,charity,FY1 1AA,Talbot,food,,Runs a pantry,,under_10k\n", 4000000+i, i)
		}
		rep, err := Import(ctx, d, []byte(sb.String()), false)
		if rep.Created != 0 {
			t.Errorf("a failed import reports %d created", rep.Created)
		}
		if apperr.Code(err) != apperr.ETOOLARGE || !strings.Contains(apperr.Message(err), "split it") {
			t.Fatalf("want a too-large error, got %v", err)
		}
		for _, table := range []string{"organisations", "org_profiles", "org_identifiers", "org_terms", "audit_log", "audit_chain"} {
			var c int
			d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&c)
			if c != 0 {
				t.Errorf("%s: %d rows left by a failed import", table, c)
			}
		}
	})
}

var errRollback = errors.New("rollback")

// TestImportDefersIndexes: a large import into small tables (SQLite)
// drops the deferrable indexes and builds them again before it commits:
// afterwards every one exists with the same definition, the database is
// intact, and queries through them find the new rows. A dry run and a
// failed import leave them as they were.
func TestImportDefersIndexes(t *testing.T) {
	defer func(n int) { minDeferRows = n }(minDeferRows)
	minDeferRows = 100
	d := dbtest.SQLite(t)
	ctx := context.Background()
	schema := func() map[string]string {
		m := map[string]string{}
		rows, err := d.Q().QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n, s string
			rows.Scan(&n, &s)
			m[n] = s
		}
		return m
	}
	before := schema()
	for _, n := range deferrableIndexes {
		if before[n] == "" {
			t.Fatalf("index %s is not in the schema: update deferrableIndexes", n)
		}
	}
	var sb strings.Builder
	sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&sb, "GB-CHC-%d,Index Trust %d,social_enterprise,cic,FY1 1AA,Talbot,food,,Runs a pantry,,under_10k\n", 5000000+i, i)
	}
	for _, dry := range []bool{true, false} {
		if _, err := Import(ctx, d, []byte(sb.String()), dry); err != nil {
			t.Fatal(err)
		}
		after := schema()
		if len(after) != len(before) {
			t.Fatalf("dry run %v: %d indexes before, %d after", dry, len(before), len(after))
		}
		for n, s := range before {
			if after[n] != s {
				t.Errorf("dry run %v: index %s is %q, was %q", dry, n, after[n], s)
			}
		}
	}
	// Inside the transaction the indexes are gone until rebuild.
	count := func(tx *db.Tx) int {
		var args []any
		var c int
		tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name IN (`+db.InList(tx.Dialect, &args, deferrableIndexes)+`)`, args...).Scan(&c)
		return c
	}
	if err := d.Write(ctx, func(tx *db.Tx) error {
		plan := planIndexes(ctx, tx, 10000)
		if err := plan.drop(); err != nil {
			return err
		}
		if c := count(tx); c != 0 {
			t.Errorf("%d deferrable indexes left during a large import", c)
		}
		if err := plan.rebuild(); err != nil {
			return err
		}
		if c := count(tx); c != len(deferrableIndexes) {
			t.Errorf("%d of %d indexes rebuilt", c, len(deferrableIndexes))
		}
		// Tables larger than the import keep their indexes.
		if err := planIndexes(ctx, tx, 200).drop(); err != nil {
			return err
		}
		if c := count(tx); c != len(deferrableIndexes) {
			t.Errorf("%d of %d indexes kept for a small import", c, len(deferrableIndexes))
		}
		return errRollback
	}); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	var ok string
	if err := d.Q().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %s %v", ok, err)
	}
	var n int
	d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations INDEXED BY organisations_sector_name WHERE sector = 'social_enterprise'`).Scan(&n)
	if n != 300 {
		t.Errorf("%d organisations through the rebuilt sector index, want 300", n)
	}
	d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log INDEXED BY audit_log_org WHERE organisation_id > 0`).Scan(&n)
	if n < 300 {
		t.Errorf("%d audit rows through the rebuilt index, want 300 or more", n)
	}
}

// TestImportLineBreaksInFields: a file with more line breaks than the row
// limit but no more rows (descriptions with line breaks inside quotes) is
// imported, not refused as too long.
func TestImportLineBreaksInFields(t *testing.T) {
	defer func(n int) { importRowLimit = n }(importRowLimit)
	importRowLimit = 300
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var sb strings.Builder
		sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
		for i := 0; i < importRowLimit; i++ {
			fmt.Fprintf(&sb, "GB-CHC-%d,Multi Line Trust %d,vcs,charity,FY1 1AA,Talbot,food,,\"Runs a pantry.\nOpen on Fridays.\",,under_10k\n", 6000000+i, i)
		}
		rep, err := Import(context.Background(), d, []byte(sb.String()), false)
		if err != nil || rep.Created != importRowLimit {
			t.Fatalf("%+v %v", rep, err)
		}
	})
}

// TestReimportKeepsIndexes: a large re-import that creates nothing (an
// unchanged file) neither drops nor rebuilds the deferrable indexes
// (SQLite): the schema is not changed at all, while the first import,
// which creates the rows, does drop and rebuild them.
func TestReimportKeepsIndexes(t *testing.T) {
	defer func(n int) { minDeferRows = n }(minDeferRows)
	minDeferRows = 100
	d := dbtest.SQLite(t)
	ctx := context.Background()
	version := func() int {
		var v int
		if err := d.Q().QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	var sb strings.Builder
	sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&sb, "GB-CHC-%d,Reimport Trust %d,vcs,charity,FY1 1AA,Talbot,food,,Runs a pantry,,under_10k\n", 7000000+i, i)
	}
	v0 := version()
	if rep, err := Import(ctx, d, []byte(sb.String()), false); err != nil || rep.Created != 300 {
		t.Fatalf("%+v %v", rep, err)
	}
	v1 := version()
	if v1 == v0 {
		t.Fatalf("the first import did not drop and rebuild the indexes (schema version %d)", v1)
	}
	if rep, err := Import(ctx, d, []byte(sb.String()), false); err != nil || rep.Unchanged != 300 {
		t.Fatalf("%+v %v", rep, err)
	}
	if v2 := version(); v2 != v1 {
		t.Errorf("an unchanged re-import changed the schema (version %d, then %d): indexes dropped and rebuilt", v1, v2)
	}
}

// TestImportAuditRows: every organisation an import creates has exactly
// one "organisation.create" audit row naming it (organisation and object
// id), across the parser's batches and for one whose slug was taken
// (created through accounts.InsertOrg), no other organisation gets one,
// and the audit chain verifies.
func TestImportAuditRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := accounts.Organisation{Name: "Audit Taken", Sector: "vcs", LegalForm: "charity"}
		if err := d.Write(ctx, func(tx *db.Tx) error { return accounts.InsertOrg(ctx, tx, &o, 0) }); err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
		n := importBatch + 100 // two of the parser's batches
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "GB-CHC-%d,Audit Row Trust %d,vcs,charity,FY1 1AA,Talbot,food,,Runs a pantry,,under_10k\n", 3000000+i, i)
		}
		sb.WriteString("GB-CHC-3999999,Audit Taken,vcs,charity,FY1 1AA,Talbot,food,,Runs a pantry,,under_10k\n")
		rep, err := Import(ctx, d, []byte(sb.String()), false)
		if err != nil || rep.Created != n+1 {
			t.Fatalf("%+v %v", rep, err)
		}
		var created, audited, exact, strays int
		q := d.Q()
		q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE id <> $1`, o.ID).Scan(&created)
		q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'organisation.create' AND organisation_id <> $1`, o.ID).Scan(&audited)
		q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations g WHERE g.id <> $1 AND (SELECT COUNT(*) FROM audit_log a
			WHERE a.action = 'organisation.create' AND a.organisation_id = g.id AND a.object_type = 'organisation' AND a.object_id = CAST(g.id AS TEXT)) = 1`, o.ID).Scan(&exact)
		q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log a WHERE a.action = 'organisation.create' AND NOT EXISTS (SELECT 1 FROM organisations g WHERE g.id = a.organisation_id)`).Scan(&strays)
		if created != n+1 || audited != n+1 || exact != n+1 || strays != 0 {
			t.Errorf("%d organisations created, %d organisation.create rows, %d with exactly one naming them, %d naming none; want %d, %d, %d, 0", created, audited, exact, strays, n+1, n+1, n+1)
		}
		v, err := audit.Verify(ctx, d)
		if err != nil || v.BadID != 0 {
			t.Fatalf("audit chain: %+v %v", v, err)
		}
	})
}

// TestImportKeepsPlannerStatistics (PostgreSQL): an import that creates
// more organisations than the planner believed a table held brings that
// table's statistics up to date before it commits, and an import that
// finds more existing organisations than the planner believes there are
// does so before it loads them (without either, a 200,000-row re-import
// read the whole of an index for every 500 organisations: see
// import_stats.go). A schema of its own: a pool schema keeps the counts
// an earlier test's import left.
func TestImportKeepsPlannerStatistics(t *testing.T) {
	ctx := context.Background()
	d := dbtest.PostgresFresh(t, dbtest.RequirePostgres(t))
	reltuples := func(table string) float64 {
		t.Helper()
		var n float64
		if err := d.Q().QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	file := func(from, to int) []byte {
		var sb strings.Builder
		sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
		for i := from; i < to; i++ {
			fmt.Fprintf(&sb, "GB-CHC-%d,Stats Trust %d,vcs,charity,FY1 1AA,Talbot;Bloomfield,food;advice-advocacy,,Runs a pantry,,under_10k\n", 4000000+i, i)
		}
		return []byte(sb.String())
	}
	if n := reltuples("organisations"); n > 0 {
		t.Fatalf("a new schema's organisations: reltuples %v before any import", n)
	}
	// 300 created where the planner knew of none.
	if rep, err := Import(ctx, d, file(0, 300), false); err != nil || rep.Created != 300 {
		t.Fatalf("first import: %+v %v", rep, err)
	}
	for table, want := range map[string]float64{"organisations": 300, "org_identifiers": 300, "org_terms": 600, "org_search": 300} {
		if n := reltuples(table); n < want {
			t.Errorf("after creating 300 organisations: %s reltuples %v, want at least %v", table, n, want)
		}
	}
	// 200 more: fewer than the planner knows of, so not analysed now.
	if rep, err := Import(ctx, d, file(300, 500), false); err != nil || rep.Created != 200 {
		t.Fatalf("second import: %+v %v", rep, err)
	}
	if n := reltuples("organisations"); n != 300 {
		t.Fatalf("after 200 more: organisations reltuples %v, want 300 still", n)
	}
	// The 500 again: the import finds 500 where the planner knows of 300.
	if rep, err := Import(ctx, d, file(0, 500), false); err != nil || rep.Unchanged != 500 {
		t.Fatalf("re-import: %+v %v", rep, err)
	}
	for table, want := range map[string]float64{"organisations": 500, "org_identifiers": 500, "org_terms": 1000} {
		if n := reltuples(table); n < want {
			t.Errorf("after the re-import of 500: %s reltuples %v, want at least %v", table, n, want)
		}
	}
}
