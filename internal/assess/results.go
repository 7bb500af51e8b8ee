package assess

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// BadgeCommissioningReady is the org_badges kind written for a "ready"
// commissioning readiness result.
const BadgeCommissioningReady = "commissioning_ready"

// Today is the current date in London as a UTC midnight, the form dates
// are stored in.
func Today(now time.Time) time.Time {
	y, m, d := now.In(web.London()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// recordAward writes the result that counts while current, superseding the
// subject's earlier one. A readiness result always supersedes the earlier
// one (a new "not yet" removes the marker); other kinds only when the new
// result counts.
func recordAward(ctx context.Context, tx *db.Tx, a *Assessment, f *Framework, o Outcome, conditions string) error {
	now := db.Now()
	if o.Counts || f.Kind == KindReadiness {
		if err := revokeAwards(ctx, tx, "kind = $1 AND subject_type = $2 AND subject_id = $3", now, f.Kind, a.SubjectType, a.SubjectID); err != nil {
			return err
		}
	}
	if !o.Counts {
		return nil
	}
	on := Today(now)
	var until any
	if f.ValidityMonths > 0 {
		until = on.AddDate(0, f.ValidityMonths, 0)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO assess_awards (assessment_id, kind, subject_type, subject_id, result, label, conditions, awarded_on, valid_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, a.ID, f.Kind, a.SubjectType, a.SubjectID, o.Code, o.Label, conditions, on, until).Scan(&id); err != nil {
		return err
	}
	if f.Kind == KindReadiness && a.SubjectType == "organisation" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_badges (organisation_id, kind, label, awarded_on, valid_until, source_type, source_id)
			VALUES ($1, $2, 'Commissioning ready', $3, $4, 'assessment', $5)`, a.SubjectID, BadgeCommissioningReady, on, until, a.ID); err != nil {
			return err
		}
	}
	return History(ctx, tx, a, "award", o.Label)
}

// revokeAwards revokes current awards matching cond (over args) and
// the readiness badges that came from them.
func revokeAwards(ctx context.Context, tx *db.Tx, cond string, now time.Time, args ...any) error {
	rows, err := tx.QueryContext(ctx, `SELECT assessment_id, kind, subject_type, subject_id FROM assess_awards WHERE revoked_at IS NULL AND `+cond, args...)
	if err != nil {
		return err
	}
	type aw struct {
		aid      int64
		kind, st string
		subject  int64
	}
	var list []aw
	for rows.Next() {
		var x aw
		if err := rows.Scan(&x.aid, &x.kind, &x.st, &x.subject); err != nil {
			rows.Close()
			return err
		}
		list = append(list, x)
	}
	rows.Close()
	for _, x := range list {
		if _, err := tx.ExecContext(ctx, `UPDATE assess_awards SET revoked_at = $1 WHERE assessment_id = $2 AND revoked_at IS NULL`, now, x.aid); err != nil {
			return err
		}
		if x.kind == KindReadiness && x.st == "organisation" {
			if _, err := tx.ExecContext(ctx, `UPDATE org_badges SET revoked_at = $1 WHERE kind = $2 AND source_type = 'assessment' AND source_id = $3 AND revoked_at IS NULL`,
				now, BadgeCommissioningReady, x.aid); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, 0, "award.revoke", "assessment", x.aid, x.kind); err != nil {
			return err
		}
	}
	return nil
}

// Award is a result that counts while current.
type Award struct {
	ID           int64
	AssessmentID int64
	Kind         string
	SubjectType  string
	SubjectID    int64
	SubjectName  string
	Slug         string
	Result       string
	Label        string
	Conditions   string
	AwardedOn    time.Time
	ValidUntil   *time.Time
	Revoked      bool
	Reminders    string
}

// Current reports whether the award counts on day.
func (w Award) Current(day time.Time) bool {
	return !w.Revoked && (w.ValidUntil == nil || !w.ValidUntil.Before(day))
}

const awardCols = `w.id, w.assessment_id, w.kind, w.subject_type, w.subject_id, COALESCE(p.name, o.name, ''), COALESCE(p.slug, o.slug, ''), w.result, w.label, w.conditions,
	w.awarded_on, w.valid_until, w.revoked_at IS NOT NULL, w.reminders
	FROM assess_awards w LEFT JOIN partnerships p ON w.subject_type = 'partnership' AND p.id = w.subject_id
	LEFT JOIN organisations o ON w.subject_type = 'organisation' AND o.id = w.subject_id`

func scanAwards(rows *sql.Rows, err error) ([]Award, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Award
	for rows.Next() {
		var w Award
		var until sql.NullTime
		if err := rows.Scan(&w.ID, &w.AssessmentID, &w.Kind, &w.SubjectType, &w.SubjectID, &w.SubjectName, &w.Slug, &w.Result, &w.Label, &w.Conditions,
			&w.AwardedOn, &until, &w.Revoked, &w.Reminders); err != nil {
			return nil, err
		}
		if until.Valid {
			w.ValidUntil = &until.Time
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Register lists the current awards of a kind (the public register of
// consortia holding the Quality Mark), by name. Expired awards do not count.
func Register(ctx context.Context, q db.Querier, kind string, day time.Time) ([]Award, error) {
	return scanAwards(q.QueryContext(ctx, `SELECT `+awardCols+` WHERE w.kind = $1 AND w.revoked_at IS NULL AND (w.valid_until IS NULL OR w.valid_until >= $2)
		ORDER BY 6`, kind, day))
}

// AwardsOf lists an assessment's awards (current or not).
func AwardsOf(ctx context.Context, q db.Querier, assessmentID int64) ([]Award, error) {
	return scanAwards(q.QueryContext(ctx, `SELECT `+awardCols+` WHERE w.assessment_id = $1 ORDER BY w.id DESC`, assessmentID))
}

// QualityMarkCounts counts Consortia Quality Mark applications started and
// awards made (with or without conditions) in a calendar year, for the
// strategy's measures.
func QualityMarkCounts(ctx context.Context, q db.Querier, year int) (applications, awards int, err error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	return QualityMarkCountsBetween(ctx, q, from, from.AddDate(1, 0, 0))
}

// QualityMarkCountsBetween counts Quality Mark applications started and
// awards made (with or without conditions) from from up to (not including) to.
func QualityMarkCountsBetween(ctx context.Context, q db.Querier, from, to time.Time) (applications, awards int, err error) {
	if err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_assessments WHERE kind = $1 AND created_at >= $2 AND created_at < $3`,
		KindQualityMark, from, to).Scan(&applications); err != nil {
		return 0, 0, err
	}
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_awards WHERE kind = $1 AND awarded_on >= $2 AND awarded_on < $3`,
		KindQualityMark, from, to).Scan(&awards)
	return applications, awards, err
}

// Action is one line of an action plan.
type Action struct {
	ID           int64
	AssessmentID int64
	Indicator    string
	Title        string
	Owner        string
	DueOn        *time.Time
	Status       string
	UpdatedAt    time.Time
}

// Overdue reports whether the action is past due and not done.
func (x Action) Overdue(day time.Time) bool {
	return x.Status != "done" && x.DueOn != nil && x.DueOn.Before(day)
}

// Actions lists an assessment's action plan, by due date.
func Actions(ctx context.Context, q db.Querier, assessmentID int64) ([]Action, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, assessment_id, indicator, title, owner, due_on, status, updated_at FROM assess_actions
		WHERE assessment_id = $1 ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id`, assessmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		var x Action
		var due sql.NullTime
		if err := rows.Scan(&x.ID, &x.AssessmentID, &x.Indicator, &x.Title, &x.Owner, &due, &x.Status, &x.UpdatedAt); err != nil {
			return nil, err
		}
		if due.Valid {
			x.DueOn = &due.Time
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ValidateAction checks an action's fields.
func ValidateAction(x *Action) error {
	v := &apperr.Validation{}
	x.Title = strings.TrimSpace(x.Title)
	x.Owner = strings.TrimSpace(x.Owner)
	v.Check(x.Title != "", "title", "Enter the action")
	v.Check(len(x.Title) <= 500, "title", "The action must be 500 characters or fewer")
	v.Check(len(x.Owner) <= 200, "owner", "The owner must be 200 characters or fewer")
	v.Check(x.Status == "open" || x.Status == "in_progress" || x.Status == "done", "status", "Choose a status")
	return v.Err()
}

// SaveAction adds (ID 0) or updates an action.
func SaveAction(ctx context.Context, tx *db.Tx, a *Assessment, x *Action) error {
	if err := ValidateAction(x); err != nil {
		return err
	}
	now := db.Now()
	var due any
	if x.DueOn != nil {
		due = *x.DueOn
	}
	if x.ID == 0 {
		if err := tx.QueryRowContext(ctx, `INSERT INTO assess_actions (assessment_id, indicator, title, owner, due_on, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, a.ID, x.Indicator, x.Title, x.Owner, due, x.Status, now).Scan(&x.ID); err != nil {
			return err
		}
		return History(ctx, tx, a, "action.add", x.Title)
	}
	res, err := tx.ExecContext(ctx, `UPDATE assess_actions SET title = $1, owner = $2, due_on = $3, status = $4, updated_at = $5,
		reminded_at = CASE WHEN due_on = $3 THEN reminded_at ELSE NULL END WHERE id = $6 AND assessment_id = $7`,
		x.Title, x.Owner, due, x.Status, now, x.ID, a.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.NotFound("action")
	}
	return History(ctx, tx, a, "action.update", x.Title+": "+label(x.Status))
}

// ActionsFromGaps adds an action for each gap that has none yet, due in
// three months. It returns how many were added.
func ActionsFromGaps(ctx context.Context, tx *db.Tx, a *Assessment, gaps []Finding) (int, error) {
	existing, err := Actions(ctx, tx, a.ID)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, x := range existing {
		have[x.Indicator] = true
	}
	due := Today(db.Now()).AddDate(0, 3, 0)
	n := 0
	for _, g := range gaps {
		if have[g.Code] {
			continue
		}
		x := &Action{Indicator: g.Code, Title: g.Action, DueOn: &due, Status: "open"}
		if err := SaveAction(ctx, tx, a, x); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RunReminders sends what is due on now's date: action due-date reminders
// (a week ahead), award check-ins (months after the award, from the
// framework), renewal reminders before expiry, and expiry notices. Each is
// sent once; it is safe to run as often as wanted.
func RunReminders(ctx context.Context, d *db.DB, now time.Time, baseURL string) (int, error) {
	day := Today(now)
	sent := 0
	err := d.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT x.id, x.title, x.due_on, x.assessment_id FROM assess_actions x JOIN assess_assessments a ON a.id = x.assessment_id
			WHERE x.status <> 'done' AND x.reminded_at IS NULL AND x.due_on IS NOT NULL AND x.due_on <= $1 AND a.status <> 'withdrawn'`, day.AddDate(0, 0, 7))
		if err != nil {
			return err
		}
		type due struct {
			id, aid int64
			title   string
			on      time.Time
		}
		var dues []due
		for rows.Next() {
			var x due
			if err := rows.Scan(&x.id, &x.title, &x.on, &x.aid); err != nil {
				rows.Close()
				return err
			}
			dues = append(dues, x)
		}
		rows.Close()
		for _, x := range dues {
			a, err := AssessmentByID(ctx, tx, x.aid)
			if err != nil {
				return err
			}
			if err := notifyLeads(ctx, tx, baseURL, a, "assess_reminder", "An action is due: "+oneLine(x.title),
				fmt.Sprintf("The action \"%s\" for %s is due on %s.\n\n%s/assessments/%d/results#actions\n", x.title, a.SubjectName, x.on.Format("2 January 2006"), baseURL, a.ID)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE assess_actions SET reminded_at = $1 WHERE id = $2`, db.Now(), x.id); err != nil {
				return err
			}
			sent++
		}
		awards, err := scanAwards(tx.QueryContext(ctx, `SELECT `+awardCols+` WHERE w.revoked_at IS NULL AND w.valid_until IS NOT NULL AND w.reminders NOT LIKE '%expired%'`))
		if err != nil {
			return err
		}
		for _, w := range awards {
			a, err := AssessmentByID(ctx, tx, w.AssessmentID)
			if err != nil {
				return err
			}
			fw, err := FrameworkByID(ctx, tx, a.FrameworkID)
			if err != nil {
				return err
			}
			done := map[string]bool{}
			for _, r := range strings.Split(w.Reminders, ",") {
				done[r] = true
			}
			var send []string
			var subject, body string
			switch {
			case w.ValidUntil.Before(day):
				send = []string{"expired", "renewal"}
				subject = fw.F.Name + " has expired"
				body = fmt.Sprintf("The %s result for %s (%s) expired on %s and no longer counts. Start a new assessment to renew it: %s/assessments\n",
					fw.F.Name, w.SubjectName, w.Label, w.ValidUntil.Format("2 January 2006"), baseURL)
			case fw.F.RenewalNotice > 0 && !done["renewal"] && !w.ValidUntil.AddDate(0, 0, -fw.F.RenewalNotice).After(day):
				send = []string{"renewal"}
				subject = "Renew your " + fw.F.Name
				body = fmt.Sprintf("The %s result for %s expires on %s. Start your renewal now: %s/assessments\n",
					fw.F.Name, w.SubjectName, w.ValidUntil.Format("2 January 2006"), baseURL)
			default:
				for _, m := range fw.F.CheckInMonths {
					code := fmt.Sprintf("checkin_%d", m)
					if !done[code] && !w.AwardedOn.AddDate(0, m, 0).After(day) {
						send = append(send, code)
						subject = fmt.Sprintf("%d-month check-in: %s", m, fw.F.Name)
						body = fmt.Sprintf("It is %d months since %s was awarded the %s. Please review your action plan and tell us about any changes: %s/assessments/%d/results\n",
							m, w.SubjectName, fw.F.Name, baseURL, a.ID)
					}
				}
			}
			if len(send) == 0 {
				continue
			}
			if err := notifyLeads(ctx, tx, baseURL, a, "assess_reminder", subject, body); err != nil {
				return err
			}
			rem := strings.Trim(w.Reminders+","+strings.Join(send, ","), ",")
			if _, err := tx.ExecContext(ctx, `UPDATE assess_awards SET reminders = $1 WHERE id = $2`, rem, w.ID); err != nil {
				return err
			}
			if err := History(ctx, tx, a, "reminder", strings.Join(send, ", ")); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return sent, err
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
