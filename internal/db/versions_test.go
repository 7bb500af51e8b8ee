package db_test

import (
	"context"
	"errors"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func TestDataVersionMovesOnceAtCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		v0, err := db.Version(ctx, d.Q(), db.VersionNetwork)
		if err != nil {
			t.Fatal(err)
		}
		err = d.Write(ctx, func(tx *db.Tx) error {
			for range 3 {
				if err := db.BumpVersion(ctx, tx, db.VersionNetwork); err != nil {
					return err
				}
			}
			// Not yet: the version moves just before the commit.
			v, err := db.Version(ctx, tx, db.VersionNetwork)
			if err == nil && v != v0 {
				t.Errorf("moved inside the transaction: %d -> %d", v0, v)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := db.Version(ctx, d.Q(), db.VersionNetwork); v != v0+1 {
			t.Errorf("after a transaction that bumped three times: %d, want %d", v, v0+1)
		}
		failed := errors.New("no")
		if err := d.Write(ctx, func(tx *db.Tx) error {
			db.BumpVersion(ctx, tx, db.VersionNetwork)
			return failed
		}); !errors.Is(err, failed) && err == nil {
			t.Fatal("the failed write succeeded")
		}
		if v, _ := db.Version(ctx, d.Q(), db.VersionNetwork); v != v0+1 {
			t.Errorf("a rolled-back transaction moved the version to %d", v)
		}
	})
}
