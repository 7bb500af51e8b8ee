package grants

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// wardExpr is a grant's ward: its beneficiary location's when that names
// one of the town's wards, otherwise the first ward its recipient
// organisation serves in the directory. wardSource says which.
const (
	wardExpr   = `CASE WHEN g.beneficiary_ward <> '' THEN g.beneficiary_ward ELSE (SELECT MIN(a.code) FROM org_areas a WHERE a.organisation_id = g.recipient_org_id AND a.kind = 'ward') END`
	wardSource = `CASE WHEN g.beneficiary_ward <> '' THEN 'beneficiary' ELSE 'recipient' END`
)

// Filter narrows the list of grants.
type Filter struct {
	Q      string
	Funder string // funder org-id
	Year   int
	Ward   string
	Theme  string // theme code; "none" for grants with none
	OrgID  int64  // recipient organisation
	All    bool   // every grant, not only those into the town
}

func (f Filter) where(args *[]any) string {
	var conds []string
	arg := func(v any) string { *args = append(*args, v); return "$" + strconv.Itoa(len(*args)) }
	if !f.All && f.OrgID == 0 {
		conds = append(conds, inTown)
	}
	if f.Q != "" {
		p := arg("%" + strings.ToLower(f.Q) + "%")
		conds = append(conds, `(LOWER(g.title) LIKE `+p+` OR LOWER(g.recipient_name) LIKE `+p+` OR LOWER(g.funder_name) LIKE `+p+` OR LOWER(g.programme) LIKE `+p+`)`)
	}
	if f.Funder != "" {
		conds = append(conds, `g.funder_identifier = `+arg(f.Funder))
	}
	if f.Year != 0 {
		conds = append(conds, `g.award_year = `+arg(f.Year))
	}
	if f.Ward != "" {
		conds = append(conds, wardExpr+` = `+arg(f.Ward))
	}
	switch f.Theme {
	case "":
	case "none":
		conds = append(conds, `g.theme_code = ''`)
	default:
		conds = append(conds, `g.theme_code = `+arg(f.Theme))
	}
	if f.OrgID != 0 {
		conds = append(conds, `g.recipient_org_id = `+arg(f.OrgID))
	}
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

const grantCols = `g.id, g.identifier, g.title, g.description, g.currency, g.amount_minor, g.award_date, g.award_year, g.funder_identifier, g.funder_name,
	g.recipient_key, g.recipient_identifier, g.recipient_name, g.recipient_postcode, COALESCE(g.recipient_org_id, 0), g.match_method, g.programme,
	g.beneficiary_location, g.beneficiary_ward, g.theme_code, g.data_source, g.origin, COALESCE(o.name, ''), COALESCE(o.slug, '')`

func scanGrant(rows interface{ Scan(...any) error }) (Grant, error) {
	var g Grant
	err := rows.Scan(&g.ID, &g.Identifier, &g.Title, &g.Description, &g.Currency, &g.AmountMinor, &g.AwardDate, &g.AwardYear, &g.FunderIdentifier, &g.FunderName,
		&g.RecipientKey, &g.RecipientIdentifier, &g.RecipientName, &g.RecipientPostcode, &g.RecipientOrgID, &g.MatchMethod, &g.Programme,
		&g.BeneficiaryLocation, &g.BeneficiaryWard, &g.ThemeCode, &g.DataSource, &g.Origin, &g.RecipientOrgName, &g.RecipientOrgSlug)
	return g, err
}

// List returns a page of grants, newest first, and how many match.
func List(ctx context.Context, q db.Querier, f Filter, limit, offset int) ([]Grant, int, error) {
	var args []any
	where := f.where(&args)
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM grants g`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	args = append(args, limit, offset)
	rows, err := q.QueryContext(ctx, `SELECT `+grantCols+` FROM grants g LEFT JOIN organisations o ON o.id = g.recipient_org_id`+where+
		fmt.Sprintf(` ORDER BY g.award_date DESC, g.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, total, rows.Err()
}

// Get returns one grant by id.
func Get(ctx context.Context, q db.Querier, id int64) (Grant, error) {
	g, err := scanGrant(q.QueryRowContext(ctx, `SELECT `+grantCols+` FROM grants g LEFT JOIN organisations o ON o.id = g.recipient_org_id WHERE g.id = $1`, id))
	if err == sql.ErrNoRows {
		return g, apperr.NotFound("Grant")
	}
	return g, err
}

// Totals are the figures of a group of grants.
type Totals struct {
	Key, Label string
	Source     string // for wards: "beneficiary" or "recipient"
	Grants     int
	GBPMinor   int64 // pence, GBP grants only
	NonGBP     int   // grants in other currencies (not in GBPMinor)
	Orgs       int   // organisations funded
	FirstYear  int
	LastYear   int
	Elsewhere  int // funders: grants to recipients outside the town
}

// GBP is the GBP total in pounds.
func (t Totals) GBP() float64 { return float64(t.GBPMinor) / 100 }

const sums = `COUNT(*), COALESCE(SUM(CASE WHEN g.currency = 'GBP' THEN g.amount_minor ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN g.currency <> 'GBP' THEN 1 ELSE 0 END), 0), COUNT(DISTINCT g.recipient_org_id)`

// Funders totals the grants into the town by funder, largest first.
func Funders(ctx context.Context, q db.Querier) ([]Totals, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.funder_identifier, MAX(g.funder_name),
		COALESCE(SUM(CASE WHEN `+inTown+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+inTown+` AND g.currency = 'GBP' THEN g.amount_minor ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+inTown+` AND g.currency <> 'GBP' THEN 1 ELSE 0 END), 0),
		COUNT(DISTINCT g.recipient_org_id), MIN(g.award_year), MAX(g.award_year),
		COALESCE(SUM(CASE WHEN `+inTown+` THEN 0 ELSE 1 END), 0)
		FROM grants g GROUP BY g.funder_identifier
		ORDER BY 4 DESC, 3 DESC, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Totals
	for rows.Next() {
		var t Totals
		if err := rows.Scan(&t.Key, &t.Label, &t.Grants, &t.GBPMinor, &t.NonGBP, &t.Orgs, &t.FirstYear, &t.LastYear, &t.Elsewhere); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ByYear totals the grants of f by year of award, oldest first.
func ByYear(ctx context.Context, q db.Querier, f Filter) ([]Totals, error) {
	var args []any
	rows, err := q.QueryContext(ctx, `SELECT g.award_year, `+sums+` FROM grants g`+f.where(&args)+` GROUP BY g.award_year ORDER BY g.award_year`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Totals
	for rows.Next() {
		var t Totals
		var y int
		if err := rows.Scan(&y, &t.Grants, &t.GBPMinor, &t.NonGBP, &t.Orgs); err != nil {
			return nil, err
		}
		t.Key, t.Label, t.FirstYear, t.LastYear = strconv.Itoa(y), strconv.Itoa(y), y, y
		out = append(out, t)
	}
	return out, rows.Err()
}

// ByWard totals the grants into the town by ward and by where the ward
// came from; grants with no ward are totalled under the key "".
func ByWard(ctx context.Context, q db.Querier, f Filter) ([]Totals, error) {
	var args []any
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(x.ward, ''), CASE WHEN x.ward IS NULL THEN '' ELSE x.src END, COUNT(*),
		COALESCE(SUM(CASE WHEN x.currency = 'GBP' THEN x.amount_minor ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN x.currency <> 'GBP' THEN 1 ELSE 0 END), 0), COUNT(DISTINCT x.recipient_org_id)
		FROM (SELECT `+wardExpr+` AS ward, `+wardSource+` AS src, g.currency, g.amount_minor, g.recipient_org_id FROM grants g`+f.where(&args)+`) x
		GROUP BY COALESCE(x.ward, ''), CASE WHEN x.ward IS NULL THEN '' ELSE x.src END ORDER BY 1, 2`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Totals
	for rows.Next() {
		var t Totals
		if err := rows.Scan(&t.Key, &t.Source, &t.Grants, &t.GBPMinor, &t.NonGBP, &t.Orgs); err != nil {
			return nil, err
		}
		t.Label = t.Key
		out = append(out, t)
	}
	return out, rows.Err()
}

// ByTheme totals the grants into the town by theme ("" for none).
func ByTheme(ctx context.Context, q db.Querier, f Filter) ([]Totals, error) {
	var args []any
	rows, err := q.QueryContext(ctx, `SELECT g.theme_code, COALESCE(MAX(t.name), ''), `+sums+` FROM grants g
		LEFT JOIN taxonomy_terms t ON t.vocabulary = 'theme' AND t.code = g.theme_code`+f.where(&args)+` GROUP BY g.theme_code ORDER BY 4 DESC, 1`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Totals
	for rows.Next() {
		var t Totals
		if err := rows.Scan(&t.Key, &t.Label, &t.Grants, &t.GBPMinor, &t.NonGBP, &t.Orgs); err != nil {
			return nil, err
		}
		if t.Key == "" {
			t.Label = "No theme recognised"
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Proposals lists recipient matches by status, most confident first,
// with how many grants and how much each recipient received.
func Proposals(ctx context.Context, q db.Querier, status string, limit, offset int) ([]Proposal, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM grant_match_proposals WHERE status = $1`, status).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.recipient_key, p.recipient_name, p.recipient_postcode, p.organisation_id, o.name, o.slug,
		COALESCE(op.postcode, ''), p.confidence, p.reason, p.status,
		(SELECT COUNT(*) FROM grants g WHERE g.recipient_key = p.recipient_key),
		(SELECT COALESCE(SUM(g.amount_minor), 0) FROM grants g WHERE g.recipient_key = p.recipient_key AND g.currency = 'GBP')
		FROM grant_match_proposals p JOIN organisations o ON o.id = p.organisation_id LEFT JOIN org_profiles op ON op.organisation_id = o.id
		WHERE p.status = $1 ORDER BY p.confidence DESC, p.recipient_name, p.id LIMIT $2 OFFSET $3`, status, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Proposal
	for rows.Next() {
		var p Proposal
		if err := rows.Scan(&p.ID, &p.RecipientKey, &p.RecipientName, &p.RecipientPostcode, &p.OrgID, &p.OrgName, &p.OrgSlug, &p.OrgPostcode,
			&p.Confidence, &p.Reason, &p.Status, &p.Grants, &p.GBP); err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// Decide confirms or rejects a proposal. Confirming matches every grant
// to that recipient not yet matched, and rejects the other proposals for
// it; it is audited. A proposal already decided is an EINVALID error.
func Decide(ctx context.Context, tx *db.Tx, id int64, confirm bool, userID int64) (Proposal, int, error) {
	var p Proposal
	err := tx.QueryRowContext(ctx, `SELECT p.recipient_key, p.recipient_name, p.organisation_id, o.name, p.status FROM grant_match_proposals p
		JOIN organisations o ON o.id = p.organisation_id WHERE p.id = $1`, id).Scan(&p.RecipientKey, &p.RecipientName, &p.OrgID, &p.OrgName, &p.Status)
	if err == sql.ErrNoRows {
		return p, 0, apperr.NotFound("Proposed match")
	}
	if err != nil {
		return p, 0, err
	}
	if p.Status != "proposed" {
		return p, 0, apperr.Errorf(apperr.EINVALID, "This match was already %s.", p.Status)
	}
	status := "rejected"
	if confirm {
		status = "confirmed"
	}
	var uid any
	if userID != 0 {
		uid = userID
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE grant_match_proposals SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4`, status, uid, now, id); err != nil {
		return p, 0, err
	}
	n := 0
	if confirm {
		r, err := tx.ExecContext(ctx, `UPDATE grants SET recipient_org_id = $1, match_method = 'confirmed', updated_at = $2 WHERE recipient_key = $3 AND recipient_org_id IS NULL`, p.OrgID, now, p.RecipientKey)
		if err != nil {
			return p, 0, err
		}
		m, _ := r.RowsAffected()
		n = int(m)
		if _, err := tx.ExecContext(ctx, `UPDATE grant_match_proposals SET status = 'rejected', decided_by = $1, decided_at = $2 WHERE recipient_key = $3 AND status = 'proposed'`, uid, now, p.RecipientKey); err != nil {
			return p, 0, err
		}
	}
	detail := fmt.Sprintf("%s %q as %s (organisation %d): %d grants matched", status, p.RecipientName, p.OrgName, p.OrgID, n)
	return p, n, audit.Record(ctx, tx, 0, "grants.match."+status, "grant_match_proposal", id, detail)
}

// RecipientCount is how many organisations received a grant.
func RecipientCount(ctx context.Context, q db.Querier) (int, error) {
	n := 0
	err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT recipient_org_id) FROM grants`).Scan(&n)
	return n, err
}
