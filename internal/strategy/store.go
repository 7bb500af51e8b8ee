package strategy

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Strategy is the town's strategy as stored.
type Strategy struct {
	Title, Summary   string
	StartsOn, EndsOn time.Time
	Aims             []*Aim
	Milestones       []*Milestone
}

// Aim is one strategic aim with its parts.
type Aim struct {
	ID           int64
	Key, Title   string
	Statement    string // the strategic aim in one sentence
	Note         string
	SpecificAims []string
	Activities   []string
	Outcomes     []*Outcome
	Milestones   []*Milestone
}

// Outcome is one outcome bound to measures.
type Outcome struct {
	ID        int64
	AimID     int64
	AimTitle  string
	Position  int
	Title     string
	Measures  []string
	Direction string // "up" or "down": the direction that is good
	Target    *float64
}

// Milestone is one milestone with its status and evidence.
type Milestone struct {
	ID       int64
	AimID    int64 // 0: the strategy as a whole
	AimKey   string
	Due      time.Time
	Title    string
	Status   string
	Evidence []Evidence
	Note     string
}

// Overdue reports whether the milestone's date has passed and it is
// neither done nor missed.
func (m *Milestone) Overdue(today time.Time) bool {
	return m.Status != "done" && m.Status != "missed" && m.Due.Before(today)
}

// ErrNoStrategy is Load's answer when no strategy has been loaded.
var ErrNoStrategy = apperr.NotFound("strategy")

// Load reads the strategy with its aims, outcomes and milestones.
func Load(ctx context.Context, q db.Querier) (*Strategy, error) {
	s := &Strategy{}
	err := q.QueryRowContext(ctx, `SELECT title, summary, starts_on, ends_on FROM strategy_info WHERE id = 1`).Scan(&s.Title, &s.Summary, &s.StartsOn, &s.EndsOn)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoStrategy
	}
	if err != nil {
		return nil, db.Err(err, "strategy")
	}
	byID := map[int64]*Aim{}
	rows, err := q.QueryContext(ctx, `SELECT id, key, title, aim, note FROM strategy_aims ORDER BY position, id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a := &Aim{}
		if err := rows.Scan(&a.ID, &a.Key, &a.Title, &a.Statement, &a.Note); err != nil {
			rows.Close()
			return nil, err
		}
		s.Aims = append(s.Aims, a)
		byID[a.ID] = a
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT aim_id, kind, text FROM strategy_items ORDER BY aim_id, kind, position, id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var aid int64
		var kind, text string
		if err := rows.Scan(&aid, &kind, &text); err != nil {
			rows.Close()
			return nil, err
		}
		if a := byID[aid]; a != nil {
			if kind == "specific_aim" {
				a.SpecificAims = append(a.SpecificAims, text)
			} else {
				a.Activities = append(a.Activities, text)
			}
		}
	}
	rows.Close()
	outs, err := outcomesWhere(ctx, q, "")
	if err != nil {
		return nil, err
	}
	for _, o := range outs {
		if a := byID[o.AimID]; a != nil {
			a.Outcomes = append(a.Outcomes, o)
		}
	}
	s.Milestones, err = milestones(ctx, q, "", nil)
	if err != nil {
		return nil, err
	}
	for _, m := range s.Milestones {
		if a := byID[m.AimID]; a != nil {
			a.Milestones = append(a.Milestones, m)
		}
	}
	return s, rows.Err()
}

func outcomesWhere(ctx context.Context, q db.Querier, where string, args ...any) ([]*Outcome, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.aim_id, a.title, o.position, o.title, o.measures, o.direction, o.target
		FROM strategy_outcomes o JOIN strategy_aims a ON a.id = o.aim_id `+where+` ORDER BY a.position, o.position, o.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Outcome
	for rows.Next() {
		o := &Outcome{}
		var ms string
		var target sql.NullFloat64
		if err := rows.Scan(&o.ID, &o.AimID, &o.AimTitle, &o.Position, &o.Title, &ms, &o.Direction, &target); err != nil {
			return nil, err
		}
		o.Measures = strings.Fields(ms)
		if target.Valid {
			v := target.Float64
			o.Target = &v
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// GetOutcome reads one outcome.
func GetOutcome(ctx context.Context, q db.Querier, id int64) (*Outcome, error) {
	os, err := outcomesWhere(ctx, q, "WHERE o.id = $1", id)
	if err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return nil, apperr.NotFound("outcome")
	}
	return os[0], nil
}

func milestones(ctx context.Context, q db.Querier, where string, args []any) ([]*Milestone, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.id, COALESCE(m.aim_id, 0), COALESCE(a.key, ''), m.due_on, m.title, m.status, m.evidence, m.note
		FROM strategy_milestones m LEFT JOIN strategy_aims a ON a.id = m.aim_id `+where+` ORDER BY m.due_on, m.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Milestone
	for rows.Next() {
		m := &Milestone{}
		var ev string
		if err := rows.Scan(&m.ID, &m.AimID, &m.AimKey, &m.Due, &m.Title, &m.Status, &ev, &m.Note); err != nil {
			return nil, err
		}
		m.Evidence = ParseEvidence(ev)
		out = append(out, m)
	}
	return out, rows.Err()
}

// GetMilestone reads one milestone.
func GetMilestone(ctx context.Context, q db.Querier, id int64) (*Milestone, error) {
	ms, err := milestones(ctx, q, "WHERE m.id = $1", []any{id})
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, apperr.NotFound("milestone")
	}
	return ms[0], nil
}

// MilestonesBetween are the milestones due in [from, to).
func MilestonesBetween(ctx context.Context, q db.Querier, from, to time.Time) ([]*Milestone, error) {
	return milestones(ctx, q, "WHERE m.due_on >= $1 AND m.due_on < $2", []any{from, to})
}

// ParseEvidence reads evidence stored one link a line ("label | href").
func ParseEvidence(s string) []Evidence {
	var out []Evidence
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		label, href, ok := strings.Cut(l, "|")
		if !ok {
			href, label = l, l
		}
		out = append(out, Evidence{Label: strings.TrimSpace(label), Href: strings.TrimSpace(href)})
	}
	return out
}

// FormatEvidence writes evidence one link a line.
func FormatEvidence(ev []Evidence) string {
	var b strings.Builder
	for _, e := range ev {
		b.WriteString(e.Label + " | " + e.Href + "\n")
	}
	return b.String()
}

func date(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// Replace puts d in place of the stored strategy, in the caller's
// transaction (an import writes all of it or nothing).
func Replace(ctx context.Context, tx *db.Tx, d *Document, now time.Time) error {
	for _, t := range []string{"strategy_milestones", "strategy_outcomes", "strategy_items", "strategy_aims", "strategy_info"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO strategy_info (id, title, summary, starts_on, ends_on, updated_at) VALUES (1, $1, $2, $3, $4, $5)`,
		d.Title, d.Summary, date(d.StartsOn), date(d.EndsOn), now); err != nil {
		return err
	}
	aimIDs := map[string]int64{}
	for i, a := range d.Aims {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO strategy_aims (position, key, title, aim, note) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			i+1, a.Key, a.Title, a.Aim, a.Note).Scan(&id); err != nil {
			return db.Err(err, "aim")
		}
		aimIDs[a.Key] = id
		for kind, texts := range map[string][]string{"specific_aim": a.SpecificAims, "activity": a.Activities} {
			for j, t := range texts {
				if _, err := tx.ExecContext(ctx, `INSERT INTO strategy_items (aim_id, kind, position, text) VALUES ($1, $2, $3, $4)`, id, kind, j+1, t); err != nil {
					return err
				}
			}
		}
		for j, o := range a.Outcomes {
			dir := o.Direction
			if dir == "" {
				dir = "up"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO strategy_outcomes (aim_id, position, title, measures, direction, target, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				id, j+1, o.Title, strings.Join(o.Measures, " "), dir, o.Target, now); err != nil {
				return err
			}
		}
	}
	for _, m := range d.Milestones {
		var aim any
		if id, ok := aimIDs[m.Aim]; ok {
			aim = id
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO strategy_milestones (aim_id, due_on, title, status, evidence, note, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			aim, date(m.Date), m.Title, m.Status, FormatEvidence(m.Evidence), m.Note, now); err != nil {
			return err
		}
	}
	return nil
}

// Export is the stored strategy as a strategy file.
func (s *Strategy) Export() *Document {
	d := &Document{Title: s.Title, Summary: s.Summary, StartsOn: s.StartsOn.Format(time.DateOnly), EndsOn: s.EndsOn.Format(time.DateOnly)}
	for _, a := range s.Aims {
		ad := AimDoc{Key: a.Key, Title: a.Title, Aim: a.Statement, Note: a.Note, SpecificAims: a.SpecificAims, Activities: a.Activities, Outcomes: []OutcomeDoc{}}
		for _, o := range a.Outcomes {
			ad.Outcomes = append(ad.Outcomes, OutcomeDoc{Title: o.Title, Measures: o.Measures, Direction: o.Direction, Target: o.Target})
		}
		d.Aims = append(d.Aims, ad)
	}
	for _, m := range s.Milestones {
		d.Milestones = append(d.Milestones, MilestoneDoc{Date: m.Due.Format(time.DateOnly), Aim: m.AimKey, Title: m.Title, Status: m.Status, Note: m.Note, Evidence: m.Evidence})
	}
	return d
}

// SaveMilestone adds (ID 0) or updates a milestone.
func SaveMilestone(ctx context.Context, tx *db.Tx, m *Milestone, now time.Time) error {
	var aim any
	if m.AimID != 0 {
		aim = m.AimID
	}
	if m.ID == 0 {
		return tx.QueryRowContext(ctx, `INSERT INTO strategy_milestones (aim_id, due_on, title, status, evidence, note, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			aim, m.Due, m.Title, m.Status, FormatEvidence(m.Evidence), m.Note, now).Scan(&m.ID)
	}
	res, err := tx.ExecContext(ctx, `UPDATE strategy_milestones SET aim_id = $1, due_on = $2, title = $3, status = $4, evidence = $5, note = $6, updated_at = $7 WHERE id = $8`,
		aim, m.Due, m.Title, m.Status, FormatEvidence(m.Evidence), m.Note, now, m.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("milestone")
	}
	return nil
}

// DeleteMilestone removes a milestone.
func DeleteMilestone(ctx context.Context, tx *db.Tx, id int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM strategy_milestones WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("milestone")
	}
	return nil
}

// SaveOutcome updates an outcome's title, measures, direction and target.
func SaveOutcome(ctx context.Context, tx *db.Tx, o *Outcome, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE strategy_outcomes SET title = $1, measures = $2, direction = $3, target = $4, updated_at = $5 WHERE id = $6`,
		o.Title, strings.Join(o.Measures, " "), o.Direction, o.Target, now, o.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("outcome")
	}
	return nil
}
