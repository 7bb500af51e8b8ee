package outcomes

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

func fArg(x *float64) any {
	if x == nil {
		return nil
	}
	return *x
}

func idArg(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// auditOrg is the organisation an audit entry of a plan belongs to.
func auditOrg(p *Plan) int64 {
	if p.OwnerType == OwnerOrg {
		return p.OwnerID
	}
	return 0
}

// CreatePlan stores a new plan (version 1).
func CreatePlan(ctx context.Context, tx *db.Tx, p *Plan, by int64) error {
	now := db.Now()
	p.Version, p.CreatedBy, p.CreatedAt, p.UpdatedAt = 1, by, now, now
	err := tx.QueryRowContext(ctx, `INSERT INTO outcome_plans (owner_type, owner_id, title, aim, problem, assumptions, start_date, end_date, review_date, version, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $11) RETURNING id`,
		p.OwnerType, p.OwnerID, p.Title, p.Aim, p.Problem, p.Assumptions, db.Day(p.Start), db.Day(p.End), db.Day(p.Review), idArg(by), now).Scan(&p.ID)
	if err != nil {
		return db.Err(err, "plan")
	}
	if p.OwnerType == OwnerOrg {
		if err := ladderMark(ctx, tx, p.OwnerID, "plan_at", now); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, auditOrg(p), "outcomes.plan_create", "outcome_plan", p.ID, p.Title)
}

// UpdatePlan changes the plan's own fields in place (no new version).
func UpdatePlan(ctx context.Context, tx *db.Tx, p *Plan) error {
	if err := checkMeasuredWithin(ctx, tx, p); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE outcome_plans SET title = $1, aim = $2, problem = $3, assumptions = $4, start_date = $5, end_date = $6, review_date = $7, updated_at = $8 WHERE id = $9`,
		p.Title, p.Aim, p.Problem, p.Assumptions, db.Day(p.Start), db.Day(p.End), db.Day(p.Review), db.Now(), p.ID)
	if err != nil {
		return db.Err(err, "plan")
	}
	return audit.Record(ctx, tx, auditOrg(p), "outcomes.plan_update", "outcome_plan", p.ID, p.Title)
}

// checkMeasuredWithin refuses new plan dates that would leave recorded
// measurements outside the plan.
func checkMeasuredWithin(ctx context.Context, tx *db.Tx, p *Plan) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outcome_measurements m JOIN outcome_indicators i ON i.id = m.indicator_id
		WHERE i.plan_id = $1 AND (m.period_start > $2 OR m.period_end <= $3)`, p.ID, db.Day(p.End), db.Day(p.Start)).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		var v apperr.Validation
		v.Add("start_date", "These dates would leave measurements already recorded outside the plan: keep the plan's dates around them")
		return v.Err()
	}
	return nil
}

// Revise keeps the plan as it is now as a readable version, then applies
// the new fields as the next version and marks the plan reviewed.
func Revise(ctx context.Context, tx *db.Tx, p *Plan, next *Plan, note string, by int64) error {
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO outcome_plan_versions (plan_id, version, body, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		p.ID, p.Version, string(body), note, idArg(by), now); err != nil {
		return db.Err(err, "plan version")
	}
	next.ID, next.OwnerType, next.OwnerID = p.ID, p.OwnerType, p.OwnerID
	if err := checkMeasuredWithin(ctx, tx, next); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outcome_plans SET title = $1, aim = $2, problem = $3, assumptions = $4, start_date = $5, end_date = $6, review_date = $7,
		version = version + 1, reviewed_at = $8, review_reminded_at = NULL, updated_at = $8 WHERE id = $9`,
		next.Title, next.Aim, next.Problem, next.Assumptions, db.Day(next.Start), db.Day(next.End), db.Day(next.Review), now, p.ID); err != nil {
		return db.Err(err, "plan")
	}
	if p.OwnerType == OwnerOrg {
		if err := refreshStep(ctx, tx, p.OwnerID); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, auditOrg(p), "outcomes.plan_revise", "outcome_plan", p.ID, note)
}

// Version reads a kept version of a plan.
func Version(ctx context.Context, q db.Querier, planID int64, n int) (*Plan, time.Time, string, error) {
	var body, note string
	var at time.Time
	err := q.QueryRowContext(ctx, `SELECT body, note, created_at FROM outcome_plan_versions WHERE plan_id = $1 AND version = $2`, planID, n).Scan(&body, &note, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, at, "", apperr.NotFound("Version")
	}
	if err != nil {
		return nil, at, "", err
	}
	p := &Plan{}
	if err := json.Unmarshal([]byte(body), p); err != nil {
		return nil, at, "", err
	}
	return p, at, note, nil
}

// VersionInfo is one kept version.
type VersionInfo struct {
	Version int
	Note    string
	At      time.Time
}

// Versions lists a plan's kept versions, newest first.
func Versions(ctx context.Context, q db.Querier, planID int64) ([]VersionInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, note, created_at FROM outcome_plan_versions WHERE plan_id = $1 ORDER BY version DESC`, planID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VersionInfo
	for rows.Next() {
		var v VersionInfo
		if err := rows.Scan(&v.Version, &v.Note, &v.At); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

const planCols = `p.id, p.owner_type, p.owner_id, p.title, p.aim, p.problem, p.assumptions, p.start_date, p.end_date, p.review_date, p.version, p.reviewed_at, COALESCE(p.created_by, 0), p.created_at, p.updated_at,
	COALESCE(CASE WHEN p.owner_type = 'organisation' THEN (SELECT name FROM organisations WHERE id = p.owner_id) ELSE (SELECT name FROM partnerships WHERE id = p.owner_id) END, '')`

func scanPlan(row interface{ Scan(...any) error }) (*Plan, error) {
	p := &Plan{}
	var rev sql.NullTime
	if err := row.Scan(&p.ID, &p.OwnerType, &p.OwnerID, &p.Title, &p.Aim, &p.Problem, &p.Assumptions, &p.Start, &p.End, &p.Review, &p.Version, &rev, &p.CreatedBy, &p.CreatedAt, &p.UpdatedAt, &p.OwnerName); err != nil {
		return nil, err
	}
	p.Start, p.End, p.Review = db.Day(p.Start), db.Day(p.End), db.Day(p.Review)
	if rev.Valid {
		p.ReviewedAt = &rev.Time
	}
	return p, nil
}

// PlanHead loads a plan without its parts.
func PlanHead(ctx context.Context, q db.Querier, id int64) (*Plan, error) {
	p, err := scanPlan(q.QueryRowContext(ctx, `SELECT `+planCols+` FROM outcome_plans p WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Plan")
	}
	return p, err
}

// GetPlan loads a plan with its outcomes, steps, indicators and their
// measurements.
func GetPlan(ctx context.Context, q db.Querier, id int64) (*Plan, error) {
	p, err := PlanHead(ctx, q, id)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, title, description, term, COALESCE(bank_outcome_id, 0) FROM outcome_outcomes WHERE plan_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		o := Outcome{PlanID: id}
		if err := rows.Scan(&o.ID, &o.Title, &o.Description, &o.Term, &o.BankOutcomeID); err != nil {
			rows.Close()
			return nil, err
		}
		p.Outcomes = append(p.Outcomes, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT ot.outcome_id, t.id, t.name FROM outcome_outcome_themes ot JOIN outcome_outcomes o ON o.id = ot.outcome_id
		JOIN taxonomy_terms t ON t.id = ot.theme_id WHERE o.plan_id = $1 ORDER BY t.name`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var oid, tid int64
		var name string
		if err := rows.Scan(&oid, &tid, &name); err != nil {
			rows.Close()
			return nil, err
		}
		for i := range p.Outcomes {
			if p.Outcomes[i].ID == oid {
				p.Outcomes[i].ThemeIDs = append(p.Outcomes[i].ThemeIDs, tid)
				p.Outcomes[i].ThemeNames = append(p.Outcomes[i].ThemeNames, name)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, kind, text FROM outcome_steps WHERE plan_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s Step
		if err := rows.Scan(&s.ID, &s.Kind, &s.Text); err != nil {
			rows.Close()
			return nil, err
		}
		p.Steps = append(p.Steps, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	p.Indicators, err = indicators(ctx, q, `i.plan_id = $1`, id)
	if err != nil {
		return nil, err
	}
	ms, err := measurements(ctx, q, `i.plan_id = $1`, id)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		for i := range p.Indicators {
			if p.Indicators[i].ID == m.IndicatorID {
				p.Indicators[i].Measurements = append(p.Indicators[i].Measurements, m)
			}
		}
	}
	return p, nil
}

const indCols = `i.id, i.plan_id, i.outcome_id, i.owner_type, i.owner_id, i.name, i.definition, i.kind, i.unit, COALESCE(i.scale_min, 0), COALESCE(i.scale_max, 0), i.scale_labels,
	i.baseline_value, i.baseline_date, i.target_value, i.target_date, i.frequency, i.parts, COALESCE(i.bank_indicator_id, 0), i.created_at`

func indicators(ctx context.Context, q db.Querier, where string, args ...any) ([]Indicator, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+indCols+` FROM outcome_indicators i WHERE `+where+` ORDER BY i.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Indicator
	for rows.Next() {
		var in Indicator
		var b, t sql.NullFloat64
		var bd, td sql.NullTime
		var parts string
		if err := rows.Scan(&in.ID, &in.PlanID, &in.OutcomeID, &in.OwnerType, &in.OwnerID, &in.Name, &in.Definition, &in.Kind, &in.Unit, &in.ScaleMin, &in.ScaleMax, &in.ScaleLabels,
			&b, &bd, &t, &td, &in.Frequency, &parts, &in.BankIndicatorID, &in.CreatedAt); err != nil {
			return nil, err
		}
		in.Baseline, in.Target, in.BaselineDate, in.TargetDate = db.Float64Ptr(b), db.Float64Ptr(t), db.DayPtr(bd), db.DayPtr(td)
		if parts != "" {
			in.Parts = strings.Split(parts, "\n")
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

const mCols = `m.id, m.indicator_id, m.period, m.period_start, m.period_end, m.value, m.parts, m.people, m.source, m.note, m.evidence_stored, m.evidence_name, m.evidence_type, m.created_at`

func measurements(ctx context.Context, q db.Querier, where string, args ...any) ([]Measurement, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+mCols+` FROM outcome_measurements m JOIN outcome_indicators i ON i.id = m.indicator_id WHERE `+where+` ORDER BY m.indicator_id, m.period_start`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Measurement
	for rows.Next() {
		var m Measurement
		var parts string
		var people sql.NullInt64
		if err := rows.Scan(&m.ID, &m.IndicatorID, &m.Period, &m.Start, &m.End, &m.Value, &parts, &people, &m.Source, &m.Note, &m.EvidenceStored, &m.EvidenceName, &m.EvidenceType, &m.CreatedAt); err != nil {
			return nil, err
		}
		m.Start, m.End = db.Day(m.Start), db.Day(m.End)
		if people.Valid {
			m.People = &people.Int64
		}
		if parts != "" {
			_ = json.Unmarshal([]byte(parts), &m.Parts)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// PlansFor lists the plans of an owner, newest first.
func PlansFor(ctx context.Context, q db.Querier, ownerType string, ownerID int64) ([]Plan, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+planCols+` FROM outcome_plans p WHERE p.owner_type = $1 AND p.owner_id = $2 ORDER BY p.start_date DESC, p.id DESC`, ownerType, ownerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// AddOutcome adds an outcome with its themes.
func AddOutcome(ctx context.Context, tx *db.Tx, p *Plan, o *Outcome) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO outcome_outcomes (plan_id, title, description, term, bank_outcome_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		p.ID, o.Title, o.Description, o.Term, idArg(o.BankOutcomeID), db.Now()).Scan(&o.ID)
	if err != nil {
		return db.Err(err, "outcome")
	}
	for _, t := range o.ThemeIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outcome_outcome_themes (outcome_id, theme_id) SELECT $1, id FROM taxonomy_terms WHERE id = $2 AND vocabulary = 'theme'`, o.ID, t); err != nil {
			return db.Err(err, "outcome theme")
		}
	}
	o.PlanID = p.ID
	return audit.Record(ctx, tx, auditOrg(p), "outcomes.outcome_add", "outcome_plan", p.ID, o.Title)
}

// AddStep adds an output or an activity.
func AddStep(ctx context.Context, tx *db.Tx, p *Plan, s *Step) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO outcome_steps (plan_id, kind, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id`, p.ID, s.Kind, s.Text, db.Now()).Scan(&s.ID)
	if err != nil {
		return db.Err(err, "step")
	}
	return audit.Record(ctx, tx, auditOrg(p), "outcomes.step_add", "outcome_plan", p.ID, s.Kind+": "+s.Text)
}

func (p *Plan) hasOutcome(id int64) bool {
	for _, o := range p.Outcomes {
		if o.ID == id {
			return true
		}
	}
	return false
}

// Indicator finds one of the plan's indicators.
func (p *Plan) Indicator(id int64) *Indicator {
	for i := range p.Indicators {
		if p.Indicators[i].ID == id {
			return &p.Indicators[i]
		}
	}
	return nil
}

// SaveIndicator adds (in.ID == 0) or changes an indicator of the plan.
func SaveIndicator(ctx context.Context, tx *db.Tx, p *Plan, in *Indicator) error {
	if !p.hasOutcome(in.OutcomeID) {
		var v apperr.Validation
		v.Add("outcome_id", "Select one of this plan's outcomes")
		return v.Err()
	}
	if p.OwnerType == OwnerOrg && in.Baseline != nil && in.Target != nil {
		if err := ladderMark(ctx, tx, p.OwnerID, "targets_at", db.Now()); err != nil {
			return err
		}
	}
	parts := strings.Join(in.Parts, "\n")
	var sMin, sMax any
	if in.Kind == "scale" {
		sMin, sMax = in.ScaleMin, in.ScaleMax
	}
	if in.ID == 0 {
		err := tx.QueryRowContext(ctx, `INSERT INTO outcome_indicators (plan_id, outcome_id, owner_type, owner_id, name, definition, kind, unit, scale_min, scale_max, scale_labels,
			baseline_value, baseline_date, target_value, target_date, frequency, parts, bank_indicator_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
			p.ID, in.OutcomeID, p.OwnerType, p.OwnerID, in.Name, in.Definition, in.Kind, in.Unit, sMin, sMax, in.ScaleLabels,
			fArg(in.Baseline), db.NullDay(in.BaselineDate), fArg(in.Target), db.NullDay(in.TargetDate), in.Frequency, parts, idArg(in.BankIndicatorID), db.Now()).Scan(&in.ID)
		if err != nil {
			return db.Err(err, "indicator")
		}
		return audit.Record(ctx, tx, auditOrg(p), "outcomes.indicator_add", "outcome_indicator", in.ID, in.Name)
	}
	old := p.Indicator(in.ID)
	if old == nil {
		return apperr.NotFound("Indicator")
	}
	if len(old.Measurements) > 0 && (old.Kind != in.Kind || old.Frequency != in.Frequency) {
		var v apperr.Validation
		v.Add("kind", "This indicator has measurements: its kind and frequency cannot change (add a new indicator instead)")
		return v.Err()
	}
	for _, m := range old.Measurements {
		if _, msg := in.Parse(in.Format(m.Value)); msg != "" {
			var v apperr.Validation
			v.Add("scale_min", "A measurement already recorded ("+in.Format(m.Value)+" in "+m.Period+") would be outside the new scale")
			return v.Err()
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE outcome_indicators SET outcome_id = $1, name = $2, definition = $3, kind = $4, unit = $5, scale_min = $6, scale_max = $7, scale_labels = $8,
		baseline_value = $9, baseline_date = $10, target_value = $11, target_date = $12, frequency = $13, parts = $14 WHERE id = $15 AND plan_id = $16`,
		in.OutcomeID, in.Name, in.Definition, in.Kind, in.Unit, sMin, sMax, in.ScaleLabels, fArg(in.Baseline), db.NullDay(in.BaselineDate), fArg(in.Target), db.NullDay(in.TargetDate),
		in.Frequency, parts, in.ID, p.ID)
	if err != nil {
		return db.Err(err, "indicator")
	}
	return audit.Record(ctx, tx, auditOrg(p), "outcomes.indicator_update", "outcome_indicator", in.ID, in.Name)
}

// Saved says what SaveMeasurement did.
type Saved int

// What SaveMeasurement did.
const (
	Created Saved = iota
	Updated
	Unchanged
)

// SaveMeasurement records a measurement of in, replacing the one for the
// same period (so re-importing a file changes nothing).
func SaveMeasurement(ctx context.Context, tx *db.Tx, in *Indicator, m *Measurement, by int64) (Saved, error) {
	parts := ""
	if len(m.Parts) > 0 {
		b, _ := json.Marshal(m.Parts)
		parts = string(b)
	}
	var people any
	if m.People != nil {
		people = *m.People
	}
	now := db.Now()
	var id int64
	var oldV float64
	var oldParts, oldSrc, oldNote string
	var oldPeople sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, value, parts, people, source, note FROM outcome_measurements WHERE indicator_id = $1 AND period_start = $2`, in.ID, db.Day(m.Start)).
		Scan(&id, &oldV, &oldParts, &oldPeople, &oldSrc, &oldNote)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = tx.QueryRowContext(ctx, `INSERT INTO outcome_measurements (indicator_id, owner_type, owner_id, period, period_start, period_end, value, parts, people, source, note, evidence_stored, evidence_name, evidence_type, created_by, created_at, updated_at, bank_indicator_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17) RETURNING id`,
			in.ID, in.OwnerType, in.OwnerID, m.Period, db.Day(m.Start), db.Day(m.End), m.Value, parts, people, m.Source, m.Note, m.EvidenceStored, m.EvidenceName, m.EvidenceType, idArg(by), now,
			idArg(in.BankIndicatorID)).Scan(&m.ID)
		if err != nil {
			return 0, db.Err(err, "measurement")
		}
		if in.OwnerType == OwnerOrg {
			if err := ladderPeriod(ctx, tx, in.OwnerID, m, now); err != nil {
				return 0, err
			}
			if in.BankIndicatorID != 0 {
				if err := refreshBankYear(ctx, tx, in.BankIndicatorID, in.OwnerID, m.Start); err != nil {
					return 0, err
				}
			}
		}
		return Created, audit.Record(ctx, tx, ownerOrg(in), "outcomes.measurement_add", "outcome_indicator", in.ID, m.Period+" "+in.Format(m.Value))
	case err != nil:
		return 0, err
	}
	m.ID = id
	samePeople := (m.People == nil && !oldPeople.Valid) || (m.People != nil && oldPeople.Valid && *m.People == oldPeople.Int64)
	if oldV == m.Value && oldParts == parts && samePeople && oldSrc == m.Source && oldNote == m.Note && m.EvidenceStored == "" {
		return Unchanged, nil
	}
	set, args := "", []any{m.Value, parts, people, m.Source, m.Note, now, id}
	if m.EvidenceStored != "" {
		set = ", evidence_stored = $8, evidence_name = $9, evidence_type = $10"
		args = append(args, m.EvidenceStored, m.EvidenceName, m.EvidenceType)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outcome_measurements SET value = $1, parts = $2, people = $3, source = $4, note = $5, updated_at = $6`+set+` WHERE id = $7`, args...); err != nil {
		return 0, db.Err(err, "measurement")
	}
	if in.OwnerType == OwnerOrg && in.BankIndicatorID != 0 {
		if err := refreshBankYear(ctx, tx, in.BankIndicatorID, in.OwnerID, m.Start); err != nil {
			return 0, err
		}
	}
	return Updated, audit.Record(ctx, tx, ownerOrg(in), "outcomes.measurement_update", "outcome_indicator", in.ID, m.Period+" "+in.Format(m.Value))
}

func ownerOrg(in *Indicator) int64 {
	if in.OwnerType == OwnerOrg {
		return in.OwnerID
	}
	return 0
}

// ladderMark records the first moment an organisation reached a ladder
// condition (column plan_at or targets_at).
func ladderMark(ctx context.Context, tx *db.Tx, org int64, column string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO outcome_org_ladder (organisation_id, `+column+`) VALUES ($1, $2)
		ON CONFLICT (organisation_id) DO UPDATE SET `+column+` = COALESCE(outcome_org_ladder.`+column+`, excluded.`+column+`)`, org, at)
	if err != nil {
		return err
	}
	return refreshStep(ctx, tx, org)
}

// ladderPeriod records that an organisation measured a period, and the
// moment it first had two measured periods.
func ladderPeriod(ctx context.Context, tx *db.Tx, org int64, m *Measurement, at time.Time) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO outcome_org_periods (organisation_id, period_start, period_end, recorded_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (organisation_id, period_start) DO NOTHING`, org, db.Day(m.Start), db.Day(m.End), at)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	var periods int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outcome_org_periods WHERE organisation_id = $1`, org).Scan(&periods); err != nil {
		return err
	}
	if periods < 2 {
		return refreshStep(ctx, tx, org)
	}
	return ladderMark(ctx, tx, org, "periods2_at", at)
}

// RebuildLadder recomputes the ladder's read model from the plans,
// indicators and measurements (for data written straight in SQL: the demo
// and the benchmarks).
func RebuildLadder(ctx context.Context, tx *db.Tx) error {
	for _, s := range []string{
		`DELETE FROM outcome_org_periods`,
		`INSERT INTO outcome_org_periods (organisation_id, period_start, period_end, recorded_at)
			SELECT owner_id, period_start, MIN(period_end), MIN(created_at) FROM outcome_measurements WHERE owner_type = 'organisation' GROUP BY owner_id, period_start`,
		`DELETE FROM outcome_org_ladder`,
		`INSERT INTO outcome_org_ladder (organisation_id, plan_at, targets_at, periods2_at)
			SELECT p.owner_id, MIN(p.created_at),
				(SELECT MIN(i.created_at) FROM outcome_indicators i WHERE i.owner_type = 'organisation' AND i.owner_id = p.owner_id AND i.baseline_value IS NOT NULL AND i.target_value IS NOT NULL),
				(SELECT op.recorded_at FROM outcome_org_periods op WHERE op.organisation_id = p.owner_id ORDER BY op.recorded_at LIMIT 1 OFFSET 1)
			FROM outcome_plans p WHERE p.owner_type = 'organisation' GROUP BY p.owner_id`,
		`UPDATE outcome_measurements SET bank_indicator_id = (SELECT i.bank_indicator_id FROM outcome_indicators i WHERE i.id = outcome_measurements.indicator_id)`,
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	if err := rebuildBankYears(ctx, tx); err != nil {
		return err
	}
	if tx.Dialect == db.Postgres {
		// The tables were just refilled in this transaction: without fresh
		// statistics PostgreSQL plans the steps below as if they were empty
		// (nested loops over every organisation; minutes at national scale).
		if _, err := tx.ExecContext(ctx, `ANALYZE outcome_org_periods, outcome_org_ladder, outcome_bank_org_years`); err != nil {
			return err
		}
	}
	_, err := RefreshSteps(ctx, tx, db.Now())
	return err
}

// Bank lists the outcome bank, by theme.
func Bank(ctx context.Context, q db.Querier) ([]BankOutcome, error) {
	rows, err := q.QueryContext(ctx, `SELECT b.id, b.theme_id, t.name, b.title, b.definition FROM outcome_bank_outcomes b JOIN taxonomy_terms t ON t.id = b.theme_id ORDER BY t.name, b.title`)
	if err != nil {
		return nil, err
	}
	var out []BankOutcome
	for rows.Next() {
		var b BankOutcome
		if err := rows.Scan(&b.ID, &b.ThemeID, &b.ThemeName, &b.Title, &b.Definition); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	bis, err := bankIndicators(ctx, q, `1 = 1`)
	if err != nil {
		return nil, err
	}
	for _, bi := range bis {
		for i := range out {
			if out[i].ID == bi.BankOutcomeID {
				out[i].Indicators = append(out[i].Indicators, bi)
			}
		}
	}
	return out, nil
}

func bankIndicators(ctx context.Context, q db.Querier, where string, args ...any) ([]BankIndicator, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, bank_outcome_id, name, definition, kind, unit, COALESCE(scale_min, 0), COALESCE(scale_max, 0), scale_labels, frequency, rollup
		FROM outcome_bank_indicators WHERE `+where+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BankIndicator
	for rows.Next() {
		var b BankIndicator
		if err := rows.Scan(&b.ID, &b.BankOutcomeID, &b.Name, &b.Definition, &b.Kind, &b.Unit, &b.ScaleMin, &b.ScaleMax, &b.ScaleLabels, &b.Frequency, &b.Rollup); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// AddBankOutcome adds a shared outcome.
func AddBankOutcome(ctx context.Context, tx *db.Tx, b *BankOutcome) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM taxonomy_terms WHERE id = $1 AND vocabulary = 'theme'`, b.ThemeID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		var v apperr.Validation
		v.Add("theme_id", "Select a theme from the list")
		return v.Err()
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO outcome_bank_outcomes (theme_id, title, definition, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		b.ThemeID, b.Title, b.Definition, db.Now()).Scan(&b.ID); err != nil {
		return db.Err(err, "shared outcome")
	}
	return audit.Record(ctx, tx, 0, "outcomes.bank_outcome_add", "outcome_bank_outcome", b.ID, b.Title)
}

// AddBankIndicator adds a shared indicator.
func AddBankIndicator(ctx context.Context, tx *db.Tx, b *BankIndicator) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outcome_bank_outcomes WHERE id = $1`, b.BankOutcomeID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		var v apperr.Validation
		v.Add("bank_outcome_id", "Select a shared outcome from the list")
		return v.Err()
	}
	var sMin, sMax any
	if b.Kind == "scale" {
		sMin, sMax = b.ScaleMin, b.ScaleMax
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO outcome_bank_indicators (bank_outcome_id, name, definition, kind, unit, scale_min, scale_max, scale_labels, frequency, rollup, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		b.BankOutcomeID, b.Name, b.Definition, b.Kind, b.Unit, sMin, sMax, b.ScaleLabels, b.Frequency, b.Rollup, db.Now()).Scan(&b.ID); err != nil {
		return db.Err(err, "shared indicator")
	}
	return audit.Record(ctx, tx, 0, "outcomes.bank_indicator_add", "outcome_bank_indicator", b.ID, b.Name)
}

// Adopt copies a bank indicator (and its shared outcome, unless the plan
// already has it) into the plan in one step. Baseline and target are
// the organisation's own, set afterwards.
func Adopt(ctx context.Context, tx *db.Tx, p *Plan, bankIndicatorID int64) (*Indicator, error) {
	bis, err := bankIndicators(ctx, tx, `id = $1`, bankIndicatorID)
	if err != nil {
		return nil, err
	}
	if len(bis) == 0 {
		return nil, apperr.NotFound("Shared indicator")
	}
	bi := bis[0]
	for _, in := range p.Indicators {
		if in.BankIndicatorID == bi.ID {
			return nil, apperr.Errorf(apperr.ECONFLICT, "This plan has already adopted %q", bi.Name)
		}
	}
	var outcomeID int64
	for _, o := range p.Outcomes {
		if o.BankOutcomeID == bi.BankOutcomeID {
			outcomeID = o.ID
		}
	}
	if outcomeID == 0 {
		var bo BankOutcome
		if err := tx.QueryRowContext(ctx, `SELECT id, theme_id, title, definition FROM outcome_bank_outcomes WHERE id = $1`, bi.BankOutcomeID).Scan(&bo.ID, &bo.ThemeID, &bo.Title, &bo.Definition); err != nil {
			return nil, err
		}
		o := &Outcome{Title: bo.Title, Description: bo.Definition, Term: "medium", BankOutcomeID: bo.ID, ThemeIDs: []int64{bo.ThemeID}}
		if err := AddOutcome(ctx, tx, p, o); err != nil {
			return nil, err
		}
		p.Outcomes = append(p.Outcomes, *o)
		outcomeID = o.ID
	}
	in := &Indicator{OutcomeID: outcomeID, Name: bi.Name, Definition: bi.Definition, Kind: bi.Kind, Unit: bi.Unit, ScaleMin: bi.ScaleMin, ScaleMax: bi.ScaleMax,
		ScaleLabels: bi.ScaleLabels, Frequency: bi.Frequency, BankIndicatorID: bi.ID}
	if err := SaveIndicator(ctx, tx, p, in); err != nil {
		return nil, err
	}
	return in, nil
}

// OtherSystem is an organisation's declaration of another outcomes system.
type OtherSystem struct {
	OrgID      int64
	OrgName    string
	System     string
	Evidence   string
	DeclaredAt time.Time
	VerifiedAt *time.Time
	ValidUntil *time.Time
}

// InDate reports whether the verification holds on day d.
func (o *OtherSystem) InDate(d time.Time) bool {
	return o.VerifiedAt != nil && o.ValidUntil != nil && !o.ValidUntil.Before(db.Day(d))
}

// Declare records (or replaces) an organisation's declaration; a changed
// declaration needs verifying again.
func Declare(ctx context.Context, tx *db.Tx, o *OtherSystem, by int64) error {
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `DELETE FROM outcome_other_systems WHERE organisation_id = $1`, o.OrgID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outcome_other_systems (organisation_id, system, evidence, declared_by, declared_at) VALUES ($1, $2, $3, $4, $5)`,
		o.OrgID, o.System, o.Evidence, idArg(by), now); err != nil {
		return db.Err(err, "declaration")
	}
	if err := refreshStep(ctx, tx, o.OrgID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, o.OrgID, "outcomes.system_declare", "organisation", o.OrgID, o.System)
}

// Verify records an admin's verification, in date until until.
func Verify(ctx context.Context, tx *db.Tx, orgID int64, until time.Time, by int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE outcome_other_systems SET verified_by = $1, verified_at = $2, valid_until = $3 WHERE organisation_id = $4`, idArg(by), db.Now(), db.Day(until), orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("Declaration")
	}
	if err := refreshStep(ctx, tx, orgID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, orgID, "outcomes.system_verify", "organisation", orgID, "until "+until.Format(time.DateOnly))
}

// OtherSystems lists declarations (unverified first).
func OtherSystems(ctx context.Context, q db.Querier, orgID int64) ([]OtherSystem, error) {
	where, args := "1 = 1", []any{}
	if orgID != 0 {
		where, args = "s.organisation_id = $1", []any{orgID}
	}
	rows, err := q.QueryContext(ctx, `SELECT s.organisation_id, o.name, s.system, s.evidence, s.declared_at, s.verified_at, s.valid_until
		FROM outcome_other_systems s JOIN organisations o ON o.id = s.organisation_id WHERE `+where+` ORDER BY s.verified_at IS NOT NULL, o.name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OtherSystem
	for rows.Next() {
		var o OtherSystem
		var va sql.NullTime
		var vu sql.NullTime
		if err := rows.Scan(&o.OrgID, &o.OrgName, &o.System, &o.Evidence, &o.DeclaredAt, &va, &vu); err != nil {
			return nil, err
		}
		if va.Valid {
			o.VerifiedAt = &va.Time
		}
		o.ValidUntil = db.DayPtr(vu)
		out = append(out, o)
	}
	return out, rows.Err()
}

func round(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}
