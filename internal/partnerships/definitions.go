package partnerships

// Versions of the consortium definition over time: a criterion worded as
// before keeps what each consortium said about it, consortia are told and
// asked to confirm only the criteria that are new, and the administrators
// are reminded before the definition's review is due.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/notify"
)

// ReviewReminderDays is how long before its review date the definition's
// owners (the administrators) are reminded.
const ReviewReminderDays = 30

// criterionKey is a criterion's identity across versions: its wording, in
// lower case with spaces and a final full stop ignored, so "Has a written
// agreement." and "has a written  agreement" are the same criterion.
func criterionKey(text string) string {
	return strings.TrimRight(strings.ToLower(strings.Join(strings.Fields(text), " ")), ".")
}

// markNew marks the criteria of cur that prev (the version before) lacks.
func markNew(cur, prev []Criterion) {
	had := map[string]bool{}
	for _, c := range prev {
		had[criterionKey(c.Text)] = true
	}
	for i := range cur {
		cur[i].New = !had[criterionKey(cur[i].Text)]
	}
}

// ReviewOverdue reports whether the review date has passed on day today.
func (d *Definition) ReviewOverdue(today time.Time) bool {
	return d.NextReviewOn.Before(db.Day(today))
}

// ChangedCount is the number of criteria new in this version.
func (d *Definition) ChangedCount() int {
	n := 0
	for _, c := range d.Criteria {
		if c.New {
			n++
		}
	}
	return n
}

// criteriaByKey reads criteria of versions selected by where (an SQL
// condition on d, the definition, with $1) keyed by criterionKey.
func criteriaByKey(ctx context.Context, q db.Querier, where string, arg any) (map[string][]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.text FROM consortium_criteria c JOIN consortium_definitions d ON d.id = c.definition_id WHERE `+where, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return nil, err
		}
		out[criterionKey(text)] = append(out[criterionKey(text)], id)
	}
	return out, rows.Err()
}

// carryForward copies, for each criterion of the new version d worded as
// one of the version before it, which consortia meet it; it marks the
// others New. Run in the transaction that adds d.
func carryForward(ctx context.Context, tx db.Querier, d *Definition) error {
	var prev int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM consortium_definitions WHERE version < $1`, d.Version).Scan(&prev)
	if err != nil {
		return err
	}
	old, err := criteriaByKey(ctx, tx, "d.version = $1", prev)
	if err != nil {
		return err
	}
	for i, c := range d.Criteria {
		ids := old[criterionKey(c.Text)]
		d.Criteria[i].New = prev > 0 && len(ids) == 0 // the first version has nothing to compare with
		for _, oid := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO consortium_criteria_met (partnership_id, criterion_id)
				SELECT m.partnership_id, $1 FROM consortium_criteria_met m WHERE m.criterion_id = $2
				AND NOT EXISTS (SELECT 1 FROM consortium_criteria_met x WHERE x.partnership_id = m.partnership_id AND x.criterion_id = $1)`, d.Criteria[i].ID, oid); err != nil {
				return err
			}
		}
	}
	return nil
}

// syncLaterVersions copies what a consortium said about the version in
// force to the same criteria of versions adopted but not yet in force, so
// the answers carry forward when they come into force.
func syncLaterVersions(ctx context.Context, tx db.Querier, pid int64, def *Definition, met []int64) error {
	later, err := criteriaByKey(ctx, tx, "d.version > $1", def.Version)
	if err != nil || len(later) == 0 {
		return err
	}
	isMet := map[int64]bool{}
	for _, id := range met {
		isMet[id] = true
	}
	for _, c := range def.Criteria {
		for _, id := range later[criterionKey(c.Text)] {
			if _, err := tx.ExecContext(ctx, `DELETE FROM consortium_criteria_met WHERE partnership_id = $1 AND criterion_id = $2`, pid, id); err != nil {
				return err
			}
			if isMet[c.ID] {
				if _, err := tx.ExecContext(ctx, `INSERT INTO consortium_criteria_met (partnership_id, criterion_id) VALUES ($1, $2)`, pid, id); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// leadConsortium is a consortium that has not ended and its lead organisation.
type leadConsortium struct {
	ID         int64
	Name, Slug string
	LeadOrg    int64
}

func leadConsortia(ctx context.Context, q db.Querier) ([]leadConsortium, error) {
	args := []any{}
	for _, m := range ConsortiumModels {
		args = append(args, m)
	}
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.name, p.slug, m.organisation_id FROM partnerships p
		JOIN partnership_members m ON m.partnership_id = p.id AND m.role = 'lead'
		WHERE p.status <> 'ended' AND p.model IN (`+db.Marks(1, len(args))+`) ORDER BY p.id, m.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []leadConsortium
	seen := map[int64]bool{}
	for rows.Next() {
		var c leadConsortium
		if err := rows.Scan(&c.ID, &c.Name, &c.Slug, &c.LeadOrg); err != nil {
			return nil, err
		}
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// NotifyDefinitionChange emails the owners and editors of each consortium's
// lead organisation about version d: which criteria they are asked to
// confirm (the new ones) and that the others carry forward. Nothing is sent
// when no criterion is new. It returns the number of consortia told.
func NotifyDefinitionChange(ctx context.Context, tx db.Querier, d *Definition, baseURL string) (int, error) {
	var changed []string
	for _, c := range d.Criteria {
		if c.New {
			changed = append(changed, c.Text)
		}
	}
	if len(changed) == 0 {
		return 0, nil
	}
	cons, err := leadConsortia(ctx, tx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cons {
		body := fmt.Sprintf("Hello,\n\nVersion %d of the town's definition of a consortium comes into force on %s.\n\n", d.Version, d.AdoptedOn.Format("2 January 2006"))
		if kept := len(d.Criteria) - len(changed); kept > 0 {
			body += fmt.Sprintf("%d of its %d criteria are worded as before, so what %s recorded for them carries forward.\n\n", kept, len(d.Criteria), c.Name)
		}
		body += fmt.Sprintf("Please confirm whether %s meets %s:\n  - %s\n\nRecord it under \"Criteria met\" on the consortium's page:\n%s/partnerships/%s#consortium\n",
			c.Name, map[bool]string{true: "this new criterion", false: "these new or changed criteria"}[len(changed) == 1], strings.Join(changed, "\n  - "), baseURL, c.Slug)
		told, err := notify.TellOrgEditors(ctx, tx, baseURL, c.LeadOrg, notify.Notice{Kind: "consortium_definition",
			Key:     fmt.Sprintf("definition-%d-partnership-%d", d.Version, c.ID),
			Subject: "Consortium definition changed: please confirm " + c.Name + "'s criteria", Text: body,
			Why: "You get these emails as an owner or editor of the lead organisation of " + c.Name + "."})
		if err != nil {
			return n, err
		}
		if told > 0 {
			n++
		}
	}
	return n, nil
}

// RemindDefinitionReview emails the administrators, once per version, when
// the review of the version in force on today is due within
// ReviewReminderDays or overdue. It reports whether it sent a reminder.
// Safe with several processes: the reminder row is claimed first.
func RemindDefinitionReview(ctx context.Context, d *db.DB, today time.Time, baseURL string) (bool, error) {
	sent := false
	err := d.Write(ctx, func(tx *db.Tx) error {
		defs, err := DefinitionVersions(ctx, tx)
		if err != nil {
			return err
		}
		def := InForce(defs, today)
		if def == nil || db.Day(today).Before(def.NextReviewOn.AddDate(0, 0, -ReviewReminderDays)) {
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO consortium_review_reminders (definition_id, reminded_at) VALUES ($1, $2) ON CONFLICT (definition_id) DO NOTHING`, def.ID, db.Now())
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT email FROM users WHERE is_admin AND disabled_at IS NULL ORDER BY email`)
		if err != nil {
			return err
		}
		var admins []string
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				rows.Close()
				return err
			}
			admins = append(admins, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		when := "is due by " + def.NextReviewOn.Format("2 January 2006")
		if def.ReviewOverdue(today) {
			when = "was due by " + def.NextReviewOn.Format("2 January 2006") + " and is overdue"
		}
		body := fmt.Sprintf("Hello,\n\nThe review of version %d of the town's definition of a consortium %s.\n\nRead it at %s/consortia/definition and, once reviewed, adopt a new version (criteria worded as before keep what each consortium recorded) at %s/admin/consortium-definition\n",
			def.Version, when, baseURL, baseURL)
		for _, to := range admins {
			if _, err := notify.Send(ctx, tx, baseURL, notify.Notice{To: to, Kind: "consortium_definition_review", Subject: "Consortium definition: review " + strings.TrimPrefix(strings.TrimPrefix(when, "is "), "was "),
				Text: body, Why: "You get these emails as a Partnerhub administrator."}); err != nil {
				return err
			}
		}
		sent = true
		return nil
	})
	return sent, err
}
