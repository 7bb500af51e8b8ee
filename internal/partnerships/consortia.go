package partnerships

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Lifespan is a consortium's measured life: from its start date to its end
// date, or to today while it is still active.
type Lifespan struct {
	Formed    *time.Time
	Dissolved *time.Time
	Days      int
	Active    bool
}

// LifespanOf measures a partnership's life on day today.
func LifespanOf(p *Partnership, today time.Time) Lifespan {
	l := Lifespan{Formed: p.Start, Dissolved: p.End, Active: p.End == nil || p.End.After(db.Day(today))}
	if p.Start != nil {
		end := db.Day(today)
		if p.End != nil && p.End.Before(end) {
			end = *p.End
		}
		if !end.Before(*p.Start) {
			l.Days = days(*p.Start, end)
		}
	}
	return l
}

// Details are a consortium's own fields.
type Details struct {
	LegalStructure       string
	RegisteredID         string
	FullEligibility      string
	AssociateEligibility string
	// RequiresReadiness: full members must be commissioning ready (hold a
	// current commissioning_ready badge from the readiness self-assessment).
	RequiresReadiness bool
}

// LegalStructures a consortium can have.
var LegalStructures = []string{"unincorporated_agreement", "company_limited_by_guarantee", "cic", "cio", "cbs", "lead_body_contract", "other"}

// Tiers of consortium membership.
var Tiers = []string{"full", "associate"}

// DetailsOf reads a consortium's details (empty when none yet).
func DetailsOf(ctx context.Context, q db.Querier, pid int64) (Details, error) {
	var d Details
	err := q.QueryRowContext(ctx, `SELECT legal_structure, registered_id, full_eligibility, associate_eligibility, requires_readiness FROM consortium_details WHERE partnership_id = $1`, pid).
		Scan(&d.LegalStructure, &d.RegisteredID, &d.FullEligibility, &d.AssociateEligibility, &d.RequiresReadiness)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	}
	return d, err
}

// Validate checks the details.
func (d *Details) Validate() error {
	v := &apperr.Validation{}
	d.RegisteredID = strings.TrimSpace(d.RegisteredID)
	v.Check(d.LegalStructure == "" || in(LegalStructures, d.LegalStructure), "legal_structure", "Select the legal structure")
	v.Check(len(d.RegisteredID) <= 100, "registered_id", "Registered identifier must be 100 characters or fewer")
	v.Check(len(d.FullEligibility) <= 5000 && len(d.AssociateEligibility) <= 5000, "full_eligibility", "Eligibility criteria must be 5,000 characters or fewer")
	return v.Err()
}

// SaveDetails stores the details and the criteria met (ids of criteria of
// the version in force; others are refused).
func SaveDetails(ctx context.Context, tx db.Querier, pid int64, d Details, met []int64, def *Definition) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM consortium_details WHERE partnership_id = $1`, pid); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO consortium_details (partnership_id, legal_structure, registered_id, full_eligibility, associate_eligibility, requires_readiness, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		pid, d.LegalStructure, d.RegisteredID, d.FullEligibility, d.AssociateEligibility, d.RequiresReadiness, db.Now()); err != nil {
		return err
	}
	if def == nil {
		return nil
	}
	valid := map[int64]bool{}
	for _, c := range def.Criteria {
		valid[c.ID] = true
		if _, err := tx.ExecContext(ctx, `DELETE FROM consortium_criteria_met WHERE partnership_id = $1 AND criterion_id = $2`, pid, c.ID); err != nil {
			return err
		}
	}
	for _, id := range met {
		if !valid[id] {
			return apperr.Errorf(apperr.EINVALID, "That criterion is not in the definition in force.")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consortium_criteria_met (partnership_id, criterion_id) VALUES ($1, $2)`, pid, id); err != nil {
			return db.Err(err, "criterion")
		}
	}
	return syncLaterVersions(ctx, tx, pid, def, met)
}

// Definition is one version of the town's definition of a consortium.
type Definition struct {
	ID           int64
	Version      int
	AdoptedOn    time.Time
	NextReviewOn time.Time
	Notes        string
	Criteria     []Criterion
}

// Criterion is one item of the checklist.
type Criterion struct {
	ID       int64
	Position int
	Text     string
	Met      bool // for a given consortium
	// New: the previous version has no criterion of the same wording
	// (criterionKey), so consortia are asked to confirm it; the others
	// carry forward what consortia said.
	New bool
}

// Definitions lists every version, newest first, with criteria.
func DefinitionVersions(ctx context.Context, q db.Querier) ([]Definition, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, version, adopted_on, next_review_on, notes FROM consortium_definitions ORDER BY version DESC`)
	if err != nil {
		return nil, err
	}
	var out []Definition
	for rows.Next() {
		var d Definition
		if err := rows.Scan(&d.ID, &d.Version, &d.AdoptedOn, &d.NextReviewOn, &d.Notes); err != nil {
			rows.Close()
			return nil, err
		}
		d.AdoptedOn, d.NextReviewOn = db.Day(d.AdoptedOn), db.Day(d.NextReviewOn)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		cs, err := criteriaOf(ctx, q, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Criteria = cs
	}
	for i := range out {
		if i+1 < len(out) {
			markNew(out[i].Criteria, out[i+1].Criteria)
		}
	}
	return out, nil
}

func criteriaOf(ctx context.Context, q db.Querier, defID int64) ([]Criterion, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, position, text FROM consortium_criteria WHERE definition_id = $1 ORDER BY position`, defID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Criterion
	for rows.Next() {
		var c Criterion
		if err := rows.Scan(&c.ID, &c.Position, &c.Text); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// InForce is the version adopted most recently on or before day, or nil.
func InForce(defs []Definition, day time.Time) *Definition {
	var best *Definition
	for i := range defs {
		d := &defs[i]
		if !d.AdoptedOn.After(db.Day(day)) && (best == nil || d.AdoptedOn.After(best.AdoptedOn) || (d.AdoptedOn.Equal(best.AdoptedOn) && d.Version > best.Version)) {
			best = d
		}
	}
	return best
}

// AddDefinition stores a new version with its criteria (one per line).
func AddDefinition(ctx context.Context, tx db.Querier, d *Definition, criteria []string) error {
	v := &apperr.Validation{}
	var clean []string
	for _, c := range criteria {
		if c = strings.TrimSpace(c); c != "" {
			clean = append(clean, c)
		}
	}
	v.Check(len(clean) > 0, "criteria", "Enter at least one criterion, one per line")
	v.Check(!d.AdoptedOn.IsZero(), "adopted_on", "Enter the date the definition was adopted")
	v.Check(!d.NextReviewOn.IsZero(), "next_review_on", "Enter the date of the next review")
	if !d.AdoptedOn.IsZero() && !d.NextReviewOn.IsZero() {
		v.Check(d.NextReviewOn.After(d.AdoptedOn), "next_review_on", "The next review must be after the adoption date")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM consortium_definitions`).Scan(&d.Version); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO consortium_definitions (version, adopted_on, next_review_on, notes, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		d.Version, db.Day(d.AdoptedOn), db.Day(d.NextReviewOn), d.Notes, db.Now()).Scan(&d.ID); err != nil {
		return db.Err(err, "definition")
	}
	d.Criteria = nil
	for i, c := range clean {
		cr := Criterion{Position: i + 1, Text: c}
		if err := tx.QueryRowContext(ctx, `INSERT INTO consortium_criteria (definition_id, position, text) VALUES ($1, $2, $3) RETURNING id`, d.ID, cr.Position, c).Scan(&cr.ID); err != nil {
			return err
		}
		d.Criteria = append(d.Criteria, cr)
	}
	return carryForward(ctx, tx, d)
}

// CriteriaMet marks which criteria of def the consortium meets.
func CriteriaMet(ctx context.Context, q db.Querier, pid int64, def *Definition) ([]Criterion, int, error) {
	if def == nil {
		return nil, 0, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT criterion_id FROM consortium_criteria_met WHERE partnership_id = $1`, pid)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	met := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, 0, err
		}
		met[id] = true
	}
	out := make([]Criterion, len(def.Criteria))
	n := 0
	for i, c := range def.Criteria {
		c.Met = met[c.ID]
		if c.Met {
			n++
		}
		out[i] = c
	}
	return out, n, rows.Err()
}

// Tiers of the memberships of a partnership, by member id.
func TiersOf(ctx context.Context, q db.Querier, pid int64) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.member_id, t.tier FROM consortium_member_tiers t JOIN partnership_members m ON m.id = t.member_id WHERE m.partnership_id = $1`, pid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}

// SetTier records a membership's tier ("" removes it).
func SetTier(ctx context.Context, tx db.Querier, memberID int64, tier string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM consortium_member_tiers WHERE member_id = $1`, memberID); err != nil {
		return err
	}
	if tier == "" {
		return nil
	}
	if !in(Tiers, tier) {
		return fieldErr("tier", "Select the membership tier")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO consortium_member_tiers (member_id, tier) VALUES ($1, $2)`, memberID, tier)
	return err
}

// BadgeCommissioningReady is the org_badges kind the readiness
// self-assessment (internal/assess) writes while a "ready" result is current.
const BadgeCommissioningReady = "commissioning_ready"

// ReadyMembers reports which member organisations of a partnership hold a
// current commissioning_ready badge on day (a London date as UTC midnight):
// not revoked and not past its valid_until date. Keyed by organisation id.
func ReadyMembers(ctx context.Context, q db.Querier, pid int64, day time.Time) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT m.organisation_id FROM partnership_members m
		JOIN org_badges b ON b.organisation_id = m.organisation_id
		WHERE m.partnership_id = $1 AND b.kind = $2 AND b.revoked_at IS NULL AND (b.valid_until IS NULL OR b.valid_until >= $3)`,
		pid, BadgeCommissioningReady, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// CheckFullTiers refuses, when the consortium requires readiness, to give
// the full tier to a member organisation that is not commissioning ready.
// changes maps member id to the tier asked for; only memberships that
// become full are checked (a full member whose badge has since lapsed keeps
// the tier and is shown as not ready).
func CheckFullTiers(ctx context.Context, q db.Querier, p *Partnership, d Details, changes map[int64]string, day time.Time) error {
	if !d.RequiresReadiness {
		return nil
	}
	cur, err := TiersOf(ctx, q, p.ID)
	if err != nil {
		return err
	}
	ready, err := ReadyMembers(ctx, q, p.ID, day)
	if err != nil {
		return err
	}
	v := &apperr.Validation{}
	for _, m := range p.Members {
		t, ok := changes[m.ID]
		if !ok || t != "full" || cur[m.ID] == "full" {
			continue
		}
		v.Check(ready[m.OrgID], fmt.Sprintf("tier-%d", m.ID),
			fmt.Sprintf("%s cannot be a full member because it is not commissioning ready; it can complete the commissioning readiness self-assessment at /readiness, or be an associate member", m.OrgName))
	}
	return v.Err()
}

// document is a file uploaded to a consortium's page.
type document struct {
	ID          int64
	Title       string
	Filename    string
	ContentType string
	Size        int64
	StoredName  string
	UploadedAt  time.Time
}

func documentsOf(ctx context.Context, q db.Querier, pid int64) ([]document, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title, filename, content_type, size, stored_name, uploaded_at FROM consortium_documents WHERE partnership_id = $1 ORDER BY uploaded_at DESC, id DESC`, pid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []document
	for rows.Next() {
		var d document
		if err := rows.Scan(&d.ID, &d.Title, &d.Filename, &d.ContentType, &d.Size, &d.StoredName, &d.UploadedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// addDocument records an uploaded document of partnership pid.
func addDocument(ctx context.Context, tx *db.Tx, pid int64, d document, by int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO consortium_documents (partnership_id, title, filename, content_type, size, stored_name, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		pid, d.Title, d.Filename, d.ContentType, d.Size, d.StoredName, by, db.Now()).Scan(&id)
	return id, err
}

// documentByID is document id of partnership pid.
func documentByID(ctx context.Context, q db.Querier, pid, id int64) (*document, error) {
	var d document
	err := q.QueryRowContext(ctx, `SELECT id, filename, content_type, stored_name, uploaded_at FROM consortium_documents WHERE id = $1 AND partnership_id = $2`, id, pid).
		Scan(&d.ID, &d.Filename, &d.ContentType, &d.StoredName, &d.UploadedAt)
	if err != nil {
		return nil, db.Err(err, "document")
	}
	return &d, nil
}
