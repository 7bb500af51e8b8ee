package directory

import (
	"context"
	"net/url"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

// TestRenameDuringSave (PostgreSQL; SQLite's writes are serial): a service
// renamed while a save of an organisation offering it is still open does
// not write back the document as it was before the save. The save
// unpublishes the organisation; after both commit its document is not
// listed and holds the service's new name.
func TestRenameDuringSave(t *testing.T) {
	u := dbtest.RequirePostgres(t)
	d := dbtest.Postgres(t, u)
	ctx := context.Background()
	o := newOrg(t, d, "Racing Pantry", "vcs", "charity")
	p, err := LoadProfile(ctx, d.Q(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	svc := termIDs(t, d, "service", "food")
	p.TermIDs = svc
	saveProfile(t, d, p)

	// The save: unpublish, and hold the transaction open.
	saved, release := make(chan error, 1), make(chan struct{})
	go func() {
		saved <- d.Write(ctx, func(tx *db.Tx) error {
			p.Published = false
			if _, err := SaveProfile(ctx, tx, p); err != nil {
				return err
			}
			<-release
			return nil
		})
	}()
	waitFor(t, func() bool {
		var listed bool
		// The save has written its document when it holds the row.
		err := d.Q().QueryRowContext(ctx, `SELECT listed FROM org_search WHERE organisation_id = $1 FOR UPDATE NOWAIT`, o.ID).Scan(&listed)
		return err != nil
	})

	// The rename, as the admin page runs it.
	renamed := make(chan error, 1)
	go func() {
		renamed <- d.Write(ctx, func(tx *db.Tx) error {
			tm, err := taxonomy.Get(ctx, tx, svc[0])
			if err != nil {
				return err
			}
			tm.Name = "Larder and pantry"
			if _, err := taxonomy.Update(ctx, tx, &tm); err != nil {
				return err
			}
			return reindexTerm(ctx, tx, tm.ID)
		})
	}()
	waitFor(t, func() bool {
		var n int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
			AND (query LIKE '%taxonomy_terms%' OR query LIKE '%org_search%')`).Scan(&n)
		return n > 0
	})
	close(release)
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	if err := <-renamed; err != nil {
		t.Fatal(err)
	}
	var listed bool
	var services string
	if err := d.Q().QueryRowContext(ctx, `SELECT listed, services::text FROM org_search WHERE organisation_id = $1`, o.ID).Scan(&listed, &services); err != nil {
		t.Fatal(err)
	}
	if listed {
		t.Error("the rename wrote back the document from before the save: the unpublished organisation is listed")
	}
	if services != "'larder' 'pantri'" {
		t.Errorf("services %s, want the new name's", services)
	}
	SearchDocsAgree(t, d)
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out waiting for the other transaction")
}

// TestSearchWordsPostgresSplits: a word that PostgreSQL's parser splits
// where Go's letters do not ("h₂o" is 'h' and 'o') is found on both
// databases, by the fast path and by the relational SQL (on PostgreSQL it
// was a phrase, which the stripped search vectors never match).
func TestSearchWordsPostgresSplits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := newOrg(t, d, "Clean Water Friends", "vcs", "charity")
		p, err := LoadProfile(ctx, d.Q(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Description = "Safe h₂o for every street party"
		saveProfile(t, d, p)
		newOrg(t, d, "Harbour Orchestra", "vcs", "charity")
		for _, q := range []string{"h₂o", "H₂O street"} {
			for name, search := range map[string]func(context.Context, db.Querier, db.Dialect, Filter) (Result, error){"fast": Search, "relational": SearchRelational} {
				res, err := search(ctx, d.Q(), d.Dialect, Filter{Q: q, Limit: 20})
				if err != nil || res.Total != 1 || len(res.Items) != 1 || res.Items[0].ID != o.ID {
					t.Errorf("%s search %q: %+v %v", name, q, res, err)
				}
			}
		}
		// Only such numbers: no word to look for, no error.
		if res, err := Search(ctx, d.Q(), d.Dialect, Filter{Q: "² ½", Limit: 20}); err != nil {
			t.Errorf("search of numbers only: %+v %v", res, err)
		}
	})
}

// TestImportAsNonOwner (PostgreSQL): a serving role that did not run the
// migrations, and so does not own the search index, imports all the same
// (emptying the index's pending list is for its owner only).
func TestImportAsNonOwner(t *testing.T) {
	u := dbtest.RequirePostgres(t)
	owner := dbtest.Postgres(t, u)
	ctx := context.Background()
	var schema string
	if err := owner.Q().QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	// The role is the cluster's, kept between runs; its grants go with
	// the schema.
	for _, s := range []string{
		`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'partnerhub_test_app') THEN CREATE ROLE partnerhub_test_app LOGIN; END IF; END $$`,
		`GRANT USAGE ON SCHEMA ` + schema + ` TO partnerhub_test_app`,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + schema + ` TO partnerhub_test_app`,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ` + schema + ` TO partnerhub_test_app`,
	} {
		if _, err := owner.W().ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		owner.W().ExecContext(ctx, `REVOKE ALL ON ALL TABLES IN SCHEMA `+schema+` FROM partnerhub_test_app`)
		owner.W().ExecContext(ctx, `REVOKE ALL ON ALL SEQUENCES IN SCHEMA `+schema+` FROM partnerhub_test_app`)
		owner.W().ExecContext(ctx, `REVOKE ALL ON SCHEMA `+schema+` FROM partnerhub_test_app`)
	})
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pu.User = url.User("partnerhub_test_app")
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	app, err := db.Open(ctx, db.Options{URL: pu.String()})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	csv := "identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n" +
		"GB-CHC-3000001,Non Owner Trust,vcs,charity,FY1 1AA,Talbot,food,,Runs a kestrel club,,under_10k\n"
	rep, err := Import(ctx, app, []byte(csv), false)
	if err != nil || rep.Created != 1 {
		t.Fatalf("import as a role that does not own the index: %+v %v", rep, err)
	}
	if res, err := Search(ctx, app.Q(), app.Dialect, Filter{Q: "kestrel"}); err != nil || res.Total != 1 {
		t.Errorf("search: %+v %v", res, err)
	}
}
