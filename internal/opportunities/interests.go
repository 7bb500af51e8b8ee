package opportunities

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
)

// RegisterInterest records (or updates) orgID's expression of interest in
// an opportunity open at now. It reports whether it was new.
func RegisterInterest(ctx context.Context, tx *db.Tx, oppID, orgID, userID int64, lookingForPartners bool, note string, now time.Time) (bool, error) {
	o, err := lock(ctx, tx, oppID)
	if err != nil {
		return false, err
	}
	if !o.OpenAt(now) && !(o.Status == StatusPlanned && o.Published()) {
		return false, apperr.Errorf(apperr.ECONFLICT, "This opportunity is not taking expressions of interest")
	}
	if o.BuyerID == orgID {
		return false, apperr.Errorf(apperr.ECONFLICT, "The buyer cannot register interest in its own opportunity")
	}
	note = clean.Text(note)
	if len(note) > 2000 {
		return false, &apperr.Error{Code: apperr.EINVALID, Message: "There is a problem with what was entered",
			Fields: []apperr.FieldError{{Field: "note", Message: "The note must be 2,000 characters or fewer"}}}
	}
	var uid any
	if userID != 0 {
		uid = userID
	}
	res, err := tx.ExecContext(ctx, `UPDATE opportunity_interests SET looking_for_partners = $1, note = $2, user_id = $3, updated_at = $4
		WHERE opportunity_id = $5 AND organisation_id = $6`, lookingForPartners, note, uid, now, oppID, orgID)
	if err != nil {
		return false, err
	}
	created := false
	if n, _ := res.RowsAffected(); n == 0 {
		created = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_interests (opportunity_id, organisation_id, user_id, looking_for_partners, note, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$6)`, oppID, orgID, uid, lookingForPartners, note, now); err != nil {
			return false, db.Err(err, "Expression of interest")
		}
	}
	return created, audit.Record(ctx, tx, orgID, "opportunity.interest", "opportunity", oppID, o.Title)
}

// WithdrawInterest removes orgID's expression of interest.
func WithdrawInterest(ctx context.Context, tx *db.Tx, oppID, orgID int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM opportunity_interests WHERE opportunity_id = $1 AND organisation_id = $2`, oppID, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("Expression of interest")
	}
	return audit.Record(ctx, tx, orgID, "opportunity.interest_withdrawn", "opportunity", oppID, "")
}

// LinkPartnerPost records the looking-for-partners post made from an
// expression of interest.
func LinkPartnerPost(ctx context.Context, tx *db.Tx, oppID, orgID, postID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE opportunity_interests SET partner_post_id = $1, looking_for_partners = TRUE WHERE opportunity_id = $2 AND organisation_id = $3`, postID, oppID, orgID)
	return err
}

// InterestRow is an expression of interest as the buyer sees it: with the
// organisation's readiness, quality marks and policies.
type InterestRow struct {
	Interest
	CommissioningReady bool
	QualityMarks       []string
	Policies           []PolicyHeld
}

// PolicyHeld is a policy an organisation holds and when it is due for review.
type PolicyHeld struct {
	Kind       string
	ReviewDate *time.Time
	Overdue    bool
}

// PoliciesText is the policies in one line for a CSV cell.
func (r InterestRow) PoliciesText() string {
	var parts []string
	for _, p := range r.Policies {
		s := Label(p.Kind)
		if p.Overdue {
			s += " (review overdue)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// Interest loads orgID's expression of interest in an opportunity.
func GetInterest(ctx context.Context, q db.Querier, oppID, orgID int64) (*Interest, error) {
	rows, err := interests(ctx, q, `i.opportunity_id = $1 AND i.organisation_id = $2`, oppID, orgID)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, apperr.NotFound("Expression of interest")
	}
	return &rows[0].Interest, nil
}

// Interests lists the expressions of interest in an opportunity, oldest
// first, with each organisation's readiness, quality marks and policies
// at now.
func Interests(ctx context.Context, q db.Querier, d db.Dialect, oppID int64, now time.Time) ([]InterestRow, error) {
	rows, err := interests(ctx, q, `i.opportunity_id = $1`, oppID)
	if err != nil || len(rows) == 0 {
		return rows, err
	}
	byOrg := map[int64]*InterestRow{}
	ids := make([]int64, len(rows))
	for i := range rows {
		byOrg[rows[i].OrgID], ids[i] = &rows[i], rows[i].OrgID
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	each := func(query string, extra []any, fn func(*sql.Rows) error) error {
		return db.Err(db.QueryEach(ctx, q, d, query, extra, ids, fn), "")
	}
	if err := each(`SELECT DISTINCT organisation_id FROM org_badges WHERE kind = 'commissioning_ready' AND revoked_at IS NULL AND (valid_until IS NULL OR valid_until >= $1) AND organisation_id IN (IDS)`,
		[]any{today}, func(r *sql.Rows) error {
			var o int64
			if err := r.Scan(&o); err != nil {
				return err
			}
			byOrg[o].CommissioningReady = true
			return nil
		}); err != nil {
		return nil, err
	}
	marks, err := directory.CurrentQualityMarks(ctx, q, d, ids, today)
	if err != nil {
		return nil, db.Err(err, "")
	}
	for o, ms := range marks {
		byOrg[o].QualityMarks = ms
	}
	if err := each(`SELECT organisation_id, kind, review_date FROM org_policies WHERE organisation_id IN (IDS) ORDER BY kind`, nil, func(r *sql.Rows) error {
		var o int64
		var p PolicyHeld
		var rd sql.NullTime
		if err := r.Scan(&o, &p.Kind, &rd); err != nil {
			return err
		}
		p.ReviewDate = db.TimePtr(rd)
		p.Overdue = p.ReviewDate != nil && p.ReviewDate.Before(today)
		byOrg[o].Policies = append(byOrg[o].Policies, p)
		return nil
	}); err != nil {
		return nil, err
	}
	return rows, nil
}

func interests(ctx context.Context, q db.Querier, where string, args ...any) ([]InterestRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.opportunity_id, i.organisation_id, o.name, o.slug, o.sector, COALESCE(i.user_id, 0),
		i.looking_for_partners, i.note, COALESCE(i.partner_post_id, 0), i.created_at, i.updated_at
		FROM opportunity_interests i JOIN organisations o ON o.id = i.organisation_id WHERE `+where+` ORDER BY i.created_at, i.id`, args...)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []InterestRow
	for rows.Next() {
		var r InterestRow
		if err := rows.Scan(&r.ID, &r.OpportunityID, &r.OrgID, &r.OrgName, &r.OrgSlug, &r.OrgSector, &r.UserID,
			&r.LookingForPartners, &r.Note, &r.PartnerPostID, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, r)
	}
	return out, db.Err(rows.Err(), "")
}

// OrgInterests lists the opportunities orgID has registered interest in,
// by opportunity id.
func OrgInterests(ctx context.Context, q db.Querier, orgIDs []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(orgIDs) == 0 {
		return out, nil
	}
	var args []any
	in := db.Placeholders(&args, orgIDs)
	rows, err := q.QueryContext(ctx, `SELECT opportunity_id, organisation_id FROM opportunity_interests WHERE organisation_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var opp, org int64
		if err := rows.Scan(&opp, &org); err != nil {
			return nil, db.Err(err, "")
		}
		out[opp] = append(out[opp], org)
	}
	return out, db.Err(rows.Err(), "")
}
