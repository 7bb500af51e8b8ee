package testkit

import (
	"context"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/library"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/partnerships/models"
)

// definitionDemo: the town's definition of a consortium in two versions
// (the first long overdue when the second was adopted), which is also the
// library's document "consortium-definition" owned by the editor, and the
// demo consortia confirming most criteria of the version in force.
func definitionDemo(ctx context.Context, t *Town) error {
	admin, editor := t.Users["admin@demo.partnerhub.test"], t.Users["editor@demo.partnerhub.test"]
	if admin == nil || editor == nil {
		return nil
	}
	now := db.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	versions := []struct {
		on, next time.Time
		notes    string
		criteria []string
	}{
		{time.Date(2019, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC), "Agreed by the Third Sector Forum as the strategy asked: a locally agreed definition with a review mechanism.",
			[]string{"Has three or more member organisations", "Has a written consortium agreement signed by every member", "Has a named lead organisation or its own legal body", "Meets at least twice a year"}},
		{today.AddDate(-1, 0, 0), today.AddDate(1, 0, 0), "Reviewed with the consortia: meetings four times a year, published accounts and a complaints route added.",
			[]string{"Has three or more member organisations", "Has a written consortium agreement signed by every member", "Has a named lead organisation or its own legal body",
				"Meets at least four times a year and keeps minutes", "Publishes its accounts each year", "Has a complaints procedure open to the people it serves"}},
	}
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		var last *partnerships.Definition
		for _, v := range versions {
			def := &partnerships.Definition{AdoptedOn: v.on, NextReviewOn: v.next, Notes: v.notes}
			if err := partnerships.AddDefinition(ctx, tx, def, v.criteria); err != nil {
				return err
			}
			last = def
		}
		if err := library.DefinitionAdopted(ctx, tx, last); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE library_documents SET owner_id = $1, verifier_id = $2, review_months = 24 WHERE slug = $3`, editor.ID, admin.ID, library.DefinitionSlug); err != nil {
			return err
		}
		crit, err := db.Column[int64](ctx, tx, `SELECT id FROM consortium_criteria WHERE definition_id = $1 ORDER BY position`, last.ID)
		if err != nil {
			return err
		}
		cons, err := db.Column[int64](ctx, tx, `SELECT id FROM partnerships WHERE model IN `+models.ConsortiumSQL()+` ORDER BY id`)
		if err != nil {
			return err
		}
		for i, p := range cons {
			for k, c := range crit {
				if (i+k)%4 == 3 {
					continue // not every consortium meets every criterion
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO consortium_criteria_met (partnership_id, criterion_id) VALUES ($1, $2)`, p, c); err != nil {
					return err
				}
			}
		}
		t.Result.Counts["consortium definition versions"] = len(versions)
		return nil
	})
}
