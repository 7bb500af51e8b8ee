package directory

import (
	"context"
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
	u := dbtest.PostgresURL(t)
	if u == "" {
		t.Skip("PARTNERHUB_TEST_POSTGRES_URL is not set")
	}
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
