package assess

import (
	"context"
	"testing"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func TestFrameworkVersions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := EnsureInstruments(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := EnsureInstruments(ctx, d); err != nil { // idempotent
			t.Fatal(err)
		}
		all, err := ListFrameworks(ctx, d.Q())
		if err != nil || len(all) != 3 {
			t.Fatalf("%d frameworks, %v", len(all), err)
		}
		cur, err := CurrentFramework(ctx, d.Q(), KeyReadiness)
		if err != nil || cur.Version != 1 || cur.Status != "published" {
			t.Fatalf("%+v %v", cur, err)
		}
		// A published version cannot be edited.
		err = d.Write(ctx, func(tx *db.Tx) error { return UpdateDraft(ctx, tx, cur.ID, cur.F) })
		if !apperr.Is(err, apperr.ECONFLICT) {
			t.Fatalf("editing a published version: %v", err)
		}
		// Importing makes version 2 as a draft; it can be edited, then published.
		f := *cur.F
		f.Name = "Commissioning Readiness 2"
		var id int64
		err = d.Write(ctx, func(tx *db.Tx) error { id, err = ImportFramework(ctx, tx, &f); return err })
		if err != nil || f.Version != 2 {
			t.Fatalf("import: %v v%d", err, f.Version)
		}
		f.Description = "edited"
		if err := d.Write(ctx, func(tx *db.Tx) error { return UpdateDraft(ctx, tx, id, &f) }); err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return Publish(ctx, tx, id) }); err != nil {
			t.Fatal(err)
		}
		cur2, _ := CurrentFramework(ctx, d.Q(), KeyReadiness)
		old, _ := FrameworkByID(ctx, d.Q(), cur.ID)
		if cur2.ID != id || cur2.F.Description != "edited" || old.Status != "superseded" {
			t.Fatalf("after publish: current %d %q, old %s", cur2.ID, cur2.F.Description, old.Status)
		}
		// A different kind under the same key is refused.
		g := f
		g.Kind = KindCustom
		err = d.Write(ctx, func(tx *db.Tx) error { _, err := ImportFramework(ctx, tx, &g); return err })
		if !apperr.Is(err, apperr.EINVALID) {
			t.Fatalf("kind change: %v", err)
		}
	})
}
