package partnerships_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestOriginBidUpgradeKeepsData: migration 0231 lets partnerships.origin
// be 'bid' on a database an older release left with data in it: the
// partnership, its members (a table referring to it) and the measures'
// read model kept by triggers are all there afterwards, the triggers and
// foreign keys still work, 'bid' is taken and a value outside the list is
// still refused. On SQLite the whole file passes integrity_check and
// foreign_key_check.
func TestOriginBidUpgradeKeepsData(t *testing.T) {
	fresh := map[string]func(t *testing.T) *db.DB{
		"sqlite": func(t *testing.T) *db.DB {
			d, err := db.Open(context.Background(), db.Options{Path: filepath.Join(t.TempDir(), "old.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return d
		},
	}
	if u := dbtest.PostgresURL(t); u != "" {
		fresh["postgres"] = func(t *testing.T) *db.DB {
			url, _ := dbtest.NewSchema(t, u)
			d, err := db.Open(context.Background(), db.Options{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return d
		}
	}
	for name, open := range fresh {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d := open(t)
			if _, err := d.MigrateBefore(ctx, "0231_partnership_origin_bid"); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
			insert := func(slug, origin string) (int64, error) {
				var id int64
				err := d.Write(ctx, func(tx *db.Tx) error {
					return tx.QueryRowContext(ctx, `INSERT INTO partnerships (uuid, slug, name, model, status, start_date, visibility, origin, created_at, updated_at)
						VALUES ($1, $1, $1, 'lead_contractor_consortium', 'active', $2, 'public', $3, $4, $4) RETURNING id`, slug, now, origin, now).Scan(&id)
				})
				return id, err
			}
			var org int64
			if err := d.Write(ctx, func(tx *db.Tx) error {
				return tx.QueryRowContext(ctx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ('o1', 'o1', 'Org one', 'vcs', 'charity', $1, $1) RETURNING id`, now).Scan(&org)
			}); err != nil {
				t.Fatal(err)
			}
			old, err := insert("old-one", "looking_for_partners")
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO partnership_members (partnership_id, organisation_id, role, joined_on, created_at) VALUES ($1, $2, 'lead', $3, $4)`, old, org, now, now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := insert("too-early", "bid"); err == nil {
				t.Fatal("origin 'bid' was taken before migration 0231")
			}
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			count := func(q string, args ...any) int {
				var n int
				if err := d.Q().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
					t.Fatal(q, err)
				}
				return n
			}
			if n := count(`SELECT COUNT(*) FROM partnerships WHERE id = $1 AND origin = 'looking_for_partners'`, old); n != 1 {
				t.Errorf("the old partnership: %d rows", n)
			}
			if n := count(`SELECT COUNT(*) FROM partnership_members WHERE partnership_id = $1`, old); n != 1 {
				t.Errorf("its members: %d rows", n)
			}
			if n := count(`SELECT COUNT(*) FROM partnership_counted WHERE partnership_id = $1`, old); n != 1 {
				t.Errorf("its row in the measures' read model: %d", n)
			}
			born, err := insert("born-of-a-bid", "bid")
			if err != nil {
				t.Fatalf("origin 'bid' after the migration: %v", err)
			}
			if n := count(`SELECT COUNT(*) FROM partnership_counted WHERE partnership_id = $1`, born); n != 1 {
				t.Errorf("the insert trigger after the migration: %d rows", n)
			}
			if _, err := insert("nonsense", "nonsense"); err == nil {
				t.Error("origin 'nonsense' was taken")
			}
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `DELETE FROM partnerships WHERE id = $1`, old)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if n := count(`SELECT COUNT(*) FROM partnership_members WHERE partnership_id = $1`, old); n != 0 {
				t.Errorf("deleting the partnership left %d members (the foreign key's cascade)", n)
			}
			if d.Dialect == db.SQLite {
				var ok string
				if err := d.Q().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
					t.Errorf("integrity_check: %q %v", ok, err)
				}
				if n := count(`SELECT COUNT(*) FROM pragma_foreign_key_check`); n != 0 {
					t.Errorf("foreign_key_check: %d problems", n)
				}
			}
		})
	}
}
