package testkit

import (
	"context"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/library"
)

// TestDefinitionDemo: the demo's consortium definition has two versions, is
// the library document owned by the editor with the in-force version's
// review date, and consortia confirm criteria of the version in force.
func TestDefinitionDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := Generate(ctx, d, Options{Seed: 7, Orgs: 80}); err != nil {
			t.Fatal(err)
		}
		doc, err := library.DocumentBySlug(ctx, d.Q(), library.DefinitionSlug)
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Versions) != 2 || doc.OwnerEmail != "editor@demo.partnerhub.test" || doc.NextReviewOn == nil || doc.Overdue(db.Now()) {
			t.Fatalf("definition document %+v", doc)
		}
		var met int
		if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(DISTINCT m.partnership_id) FROM consortium_criteria_met m JOIN consortium_criteria c ON c.id = m.criterion_id
			JOIN consortium_definitions x ON x.id = c.definition_id WHERE x.version = 2`).Scan(&met); err != nil {
			t.Fatal(err)
		}
		if met == 0 {
			t.Fatal("no consortium confirms the definition in force")
		}
	})
}
