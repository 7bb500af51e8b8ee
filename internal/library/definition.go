package library

import (
	"context"
	"fmt"
	"strings"

	"partnerhub/internal/db"
	"partnerhub/internal/partnerships"
)

// DefinitionSlug is the library document that is the town's definition of
// a consortium. Its versions and criteria are kept once, by partnerships
// (consortium_definitions and consortium_criteria, whose criteria stay the
// checklist consortia confirm); the library reads them through, so nothing
// is copied and no history is lost. The library row holds what only a
// library document has: its owner, verifier, status, attachments, and the
// review date of the version in force, kept by DefinitionAdopted.
const DefinitionSlug = "consortium-definition"

// DefinitionAdminURL is where a new version of the definition is adopted.
const DefinitionAdminURL = "/admin/consortium-definition"

// IsDefinition reports whether d is the consortium definition.
func (d *Document) IsDefinition() bool { return d.Slug == DefinitionSlug }

// definitionBody writes one version of the definition as the document's
// text (Markdown), so versions read and compare like any other document's.
func definitionBody(def partnerships.Definition) string {
	var b strings.Builder
	if def.Notes != "" {
		b.WriteString(def.Notes + "\n\n")
	}
	b.WriteString("## Criteria\n\nA consortium meets the town's definition when it meets each of these:\n\n")
	for i, c := range def.Criteria {
		fmt.Fprintf(&b, "%d. %s\n", i+1, c.Text)
	}
	return b.String()
}

// loadDefinitionVersions fills d's versions from the definition's versions
// and its review date from the version in force.
func loadDefinitionVersions(ctx context.Context, q db.Querier, d *Document) error {
	defs, err := partnerships.DefinitionVersions(ctx, q)
	if err != nil {
		return err
	}
	d.Versions = nil
	for _, def := range defs {
		on := dayOf(def.AdoptedOn.UTC())
		d.Versions = append(d.Versions, Version{ID: def.ID, Version: def.Version, Body: definitionBody(def), Notes: def.Notes, AdoptedOn: &on, CreatedAt: on})
	}
	if in := partnerships.InForce(defs, today()); in != nil {
		next := dayOf(in.NextReviewOn.UTC())
		d.NextReviewOn = &next
	}
	return nil
}

// definitionChecklist is the criteria of version n with how many public
// consortia confirm each.
func definitionChecklist(ctx context.Context, q db.Querier, n int) ([]CheckItem, error) {
	defs, err := partnerships.DefinitionVersions(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, def := range defs {
		if def.Version != n {
			continue
		}
		counts, err := partnerships.CriterionCounts(ctx, q, def.ID)
		if err != nil {
			return nil, err
		}
		out := make([]CheckItem, 0, len(def.Criteria))
		for _, c := range def.Criteria {
			out = append(out, CheckItem{Text: c.Text, New: c.New, Consortia: counts[c.ID]})
		}
		return out, nil
	}
	return nil, nil
}

// CheckItem is one criterion of the definition's checklist.
type CheckItem struct {
	Text      string
	New       bool
	Consortia int // public consortia confirming it
}

// DefinitionAdopted is partnerships' hook, run in the transaction that
// adopts a version: the definition's library document is created if it is
// missing and takes the review date of the version in force.
func DefinitionAdopted(ctx context.Context, tx *db.Tx, def *partnerships.Definition) error {
	defs, err := partnerships.DefinitionVersions(ctx, tx)
	if err != nil {
		return err
	}
	in := partnerships.InForce(defs, today())
	if in == nil {
		in = def
	}
	now := db.Now()
	res, err := tx.ExecContext(ctx, `UPDATE library_documents SET next_review_on = $1, updated_at = $2 WHERE slug = $3`, dayOf(in.NextReviewOn.UTC()), now, DefinitionSlug)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO library_documents (slug, kind, title, summary, status, review_months, next_review_on, created_at, updated_at)
		VALUES ($1, 'guidance', $2, $3, 'adopted', 12, $4, $5, $5)`, DefinitionSlug, DefinitionTitle, DefinitionSummary, dayOf(in.NextReviewOn.UTC()), now)
	return err
}

// The definition document's title and summary (also in migration 0710).
const (
	DefinitionTitle   = "The town's definition of a consortium"
	DefinitionSummary = "What Blackpool's third sector means by a consortium: a checklist each consortium confirms, reviewed regularly."
)

// DefinitionDoc is partnerships' link to the definition's library document.
func (s *Service) DefinitionDoc(ctx context.Context) (partnerships.DefinitionDoc, bool) {
	var owner string
	err := s.DB.Q().QueryRowContext(ctx, `SELECT COALESCE(u.name, '') FROM library_documents d LEFT JOIN users u ON u.id = d.owner_id WHERE d.slug = $1`, DefinitionSlug).Scan(&owner)
	if err != nil {
		return partnerships.DefinitionDoc{}, false
	}
	return partnerships.DefinitionDoc{URL: "/library/" + DefinitionSlug, Owner: owner}, true
}
