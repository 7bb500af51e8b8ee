package assess

import (
	"context"
	"fmt"
	"strings"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/notify"
)

// Submit sends a complete self-assessment on. A framework with review goes
// to a reviewer; one without is decided at once from the scored result.
func Submit(ctx context.Context, tx *db.Tx, a *Assessment, fw *FrameworkRow, baseURL string) error {
	if !a.Editable() {
		return apperr.Errorf(apperr.ECONFLICT, "This assessment has already been submitted")
	}
	ans, err := Answers(ctx, tx, "assess_answers", a.ID)
	if err != nil {
		return err
	}
	res := Score(fw.F, Ratings(ans))
	if !res.Complete {
		return apperr.Errorf(apperr.EINVALID, "Answer every indicator before you submit: %d of %d answered", res.Rated, res.Total)
	}
	now := db.Now()
	if !fw.F.Review {
		if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET status = 'decided', submitted_at = $1, decided_at = $1, updated_at = $1,
			self_score = $2, score = $2, result = $3 WHERE id = $4`, now, res.Overall, res.Outcome.Code, a.ID); err != nil {
			return err
		}
		a.Status, a.Result = StatusDecided, res.Outcome.Code
		if err := History(ctx, tx, a, "submit", fmt.Sprintf("Self-assessed score %.1f", res.Overall)); err != nil {
			return err
		}
		if err := History(ctx, tx, a, "decide", res.Outcome.Label); err != nil {
			return err
		}
		return recordAward(ctx, tx, a, fw.F, res.Outcome, "")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET status = 'submitted', submitted_at = $1, updated_at = $1, self_score = $2 WHERE id = $3`,
		now, res.Overall, a.ID); err != nil {
		return err
	}
	a.Status = StatusSubmitted
	if err := History(ctx, tx, a, "submit", fmt.Sprintf("Self-assessed score %.1f", res.Overall)); err != nil {
		return err
	}
	// Tell the reviewer, or the admins when nobody is appointed yet.
	var to []string
	why := "You get this email as the reviewer of the assessment of " + a.SubjectName + "."
	if a.ReviewerID != 0 {
		var email string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, a.ReviewerID).Scan(&email); err == nil {
			to = append(to, email)
		}
	} else {
		why = "You get this email as a Partnerhub administrator: the assessment of " + a.SubjectName + " has no reviewer yet."
		rows, err := tx.QueryContext(ctx, `SELECT email FROM users WHERE is_admin = TRUE AND disabled_at IS NULL ORDER BY id LIMIT 20`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var e string
			rows.Scan(&e)
			to = append(to, e)
		}
		rows.Close()
	}
	for _, e := range to {
		if err := tell(ctx, tx, baseURL, a, e, "assess_review", why, "An assessment is ready for review",
			fmt.Sprintf("%s has submitted its %s.\n\nReview it here: %s/assessments/%d/review\n", a.SubjectName, fw.F.Name, baseURL, a.ID)); err != nil {
			return err
		}
	}
	return nil
}

// AppointAssessor adds a user to the pool of assessors (admins only).
func AppointAssessor(ctx context.Context, tx *db.Tx, email string) error {
	var uid int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1 AND disabled_at IS NULL`, email).Scan(&uid); err != nil {
		v := &apperr.Validation{}
		v.Add("email", "There is no Partnerhub account with that email address")
		return v.Err()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assess_assessors (user_id, appointed_by, appointed_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING`,
		uid, db.NullID(audit.ActorFrom(ctx).UserID), db.Now()); err != nil {
		return err
	}
	accounts.IdentityChanged(tx) // assessors must use two-factor sign-in
	return audit.Record(ctx, tx, 0, "assessor.appoint", "user", uid, email)
}

// RemoveAssessor takes a user out of the pool.
func RemoveAssessor(ctx context.Context, tx *db.Tx, userID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM assess_assessors WHERE user_id = $1`, userID); err != nil {
		return err
	}
	accounts.IdentityChanged(tx)
	return audit.Record(ctx, tx, 0, "assessor.remove", "user", userID, "")
}

// Person is a user shown in lists.
type Person struct {
	ID    int64
	Name  string
	Email string
	Admin bool
}

// Assessors lists the pool and the admins, who may all review.
func Assessors(ctx context.Context, q db.Querier) ([]Person, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, u.email, u.is_admin FROM users u
		WHERE u.disabled_at IS NULL AND (u.is_admin = TRUE OR u.id IN (SELECT user_id FROM assess_assessors)) ORDER BY u.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name, &p.Email, &p.Admin); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AssignReviewer appoints the reviewer of an assessment: an admin or an
// appointed assessor who belongs to none of the subject's organisations.
func AssignReviewer(ctx context.Context, tx *db.Tx, a *Assessment, userID int64, baseURL string) error {
	var email string
	var admin bool
	var pooled int
	err := tx.QueryRowContext(ctx, `SELECT email, is_admin, (SELECT COUNT(*) FROM assess_assessors s WHERE s.user_id = u.id) FROM users u WHERE id = $1 AND disabled_at IS NULL`, userID).Scan(&email, &admin, &pooled)
	v := &apperr.Validation{}
	if err != nil || (!admin && pooled == 0) {
		v.Add("reviewer", "Choose an administrator or an appointed assessor")
		return v.Err()
	}
	member, err := IsSubjectMember(ctx, tx, a.SubjectType, a.SubjectID, userID)
	if err != nil {
		return err
	}
	if member {
		v.Add("reviewer", "A reviewer cannot be a member of the organisation or partnership being assessed")
		return v.Err()
	}
	var contributes int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_contributors WHERE assessment_id = $1 AND user_id = $2`, a.ID, userID).Scan(&contributes); err != nil {
		return err
	}
	if contributes > 0 {
		v.Add("reviewer", "A reviewer cannot be a contributor to the assessment")
		return v.Err()
	}
	if a.Status == StatusDecided || a.Status == StatusWithdrawn {
		return apperr.Errorf(apperr.ECONFLICT, "This assessment is closed")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET reviewer_id = $1, updated_at = $2 WHERE id = $3`, userID, db.Now(), a.ID); err != nil {
		return err
	}
	a.ReviewerID = userID
	if err := tell(ctx, tx, baseURL, a, email, "assess_review", "You get this email because you were appointed reviewer of the assessment of "+a.SubjectName+".",
		"You have been asked to review an assessment", fmt.Sprintf("You are the reviewer of the assessment of %s.\n\n%s/assessments/%d/review\n", a.SubjectName, baseURL, a.ID)); err != nil {
		return err
	}
	return History(ctx, tx, a, "assign_reviewer", email)
}

// CheckReviewer refuses a reviewer who belongs to the subject (checked at
// every review step, as memberships change).
func CheckReviewer(ctx context.Context, q db.Querier, a *Assessment, ac Access, userID int64) error {
	if !ac.Reviewer {
		return apperr.Errorf(apperr.EFORBIDDEN, "Only the appointed reviewer or an administrator can review this assessment")
	}
	member, err := IsSubjectMember(ctx, q, a.SubjectType, a.SubjectID, userID)
	if err != nil {
		return err
	}
	if member {
		return apperr.Errorf(apperr.EFORBIDDEN, "You cannot review an assessment of your own organisation or partnership")
	}
	if ac.Contributor {
		return apperr.Errorf(apperr.EFORBIDDEN, "You cannot review an assessment you contributed to")
	}
	if a.Status != StatusSubmitted {
		return apperr.Errorf(apperr.ECONFLICT, "This assessment is not waiting for review")
	}
	return nil
}

// RequestEvidence returns the assessment to the subject with a note.
func RequestEvidence(ctx context.Context, tx *db.Tx, a *Assessment, note, baseURL string) error {
	note = strings.TrimSpace(note)
	if note == "" {
		v := &apperr.Validation{}
		v.Add("note", "Say what more evidence is needed")
		return v.Err()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET status = 'more_evidence', updated_at = $1 WHERE id = $2 AND status = 'submitted'`, db.Now(), a.ID); err != nil {
		return err
	}
	a.Status = StatusMoreEvidence
	if err := notifyLeads(ctx, tx, baseURL, a, "assess_review", "More evidence is needed for your assessment",
		fmt.Sprintf("The reviewer of the assessment of %s asks for more evidence:\n\n%s\n\nAdd it and submit again: %s/assessments/%d\n", a.SubjectName, note, baseURL, a.ID)); err != nil {
		return err
	}
	return History(ctx, tx, a, "request_evidence", note)
}

// Decide records the reviewer's decision (one of the framework's results).
func Decide(ctx context.Context, tx *db.Tx, a *Assessment, fw *FrameworkRow, result, conditions, note, baseURL string) error {
	v := &apperr.Validation{}
	o, ok := fw.F.Outcome(result)
	v.Check(ok, "result", "Choose a decision")
	conditions = strings.TrimSpace(conditions)
	v.Check(result != "awarded_with_conditions" || conditions != "", "conditions", "Enter the conditions of the award")
	v.Check(len(conditions) <= 5000, "conditions", "Conditions must be 5,000 characters or fewer")
	v.Check(len(note) <= 5000, "decision_note", "The note to the applicant must be 5,000 characters or fewer")
	if err := v.Err(); err != nil {
		return err
	}
	rev, err := Answers(ctx, tx, "assess_reviews", a.ID)
	if err != nil {
		return err
	}
	res := Score(fw.F, Ratings(rev))
	if !res.Complete {
		return apperr.Errorf(apperr.EINVALID, "Rate every indicator before you decide: %d of %d rated", res.Rated, res.Total)
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET status = 'decided', decided_at = $1, updated_at = $1, score = $2, result = $3, conditions = $4, decision_note = $5
		WHERE id = $6 AND status = 'submitted'`, now, res.Overall, o.Code, conditions, strings.TrimSpace(note), a.ID); err != nil {
		return err
	}
	a.Status, a.Result = StatusDecided, o.Code
	detail := o.Label
	if o.Code != res.Outcome.Code {
		detail += fmt.Sprintf(" (scored result: %s)", res.Outcome.Label)
	}
	if err := History(ctx, tx, a, "decide", detail); err != nil {
		return err
	}
	if err := recordAward(ctx, tx, a, fw.F, o, conditions); err != nil {
		return err
	}
	return notifyLeads(ctx, tx, baseURL, a, "assess_review", "A decision on your "+fw.F.Name,
		fmt.Sprintf("The decision on the %s for %s is: %s.\n\nSee the results: %s/assessments/%d/results\n", fw.F.Name, a.SubjectName, o.Label, baseURL, a.ID))
}

// Withdraw closes an assessment; a decided one stops counting.
func Withdraw(ctx context.Context, tx *db.Tx, a *Assessment) error {
	if a.Status == StatusWithdrawn {
		return nil
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET status = 'withdrawn', updated_at = $1 WHERE id = $2`, now, a.ID); err != nil {
		return err
	}
	if err := revokeAwards(ctx, tx, "assessment_id = $1", now, a.ID); err != nil {
		return err
	}
	a.Status = StatusWithdrawn
	return History(ctx, tx, a, "withdraw", "")
}

// notifyLeads tells the leads of a (kind: assess_review or assess_reminder).
func notifyLeads(ctx context.Context, tx *db.Tx, baseURL string, a *Assessment, kind, subject, body string) error {
	rows, err := tx.QueryContext(ctx, `SELECT u.email FROM assess_contributors c JOIN users u ON u.id = c.user_id WHERE c.assessment_id = $1 AND c.role = 'lead' AND u.disabled_at IS NULL`, a.ID)
	if err != nil {
		return err
	}
	var to []string
	for rows.Next() {
		var e string
		rows.Scan(&e)
		to = append(to, e)
	}
	rows.Close()
	for _, e := range to {
		if err := tell(ctx, tx, baseURL, a, e, kind, "You get this email as a lead of the assessment of "+a.SubjectName+".", subject, body); err != nil {
			return err
		}
	}
	return nil
}

// tell sends one assessment notice through notify: it says why (why) and
// carries a one-click unsubscribe for kind, about the organisation
// assessed when the subject is one.
func tell(ctx context.Context, tx *db.Tx, baseURL string, a *Assessment, to, kind, why, subject, body string) error {
	var org int64
	if a.SubjectType == "organisation" {
		org = a.SubjectID
	}
	_, err := notify.Send(ctx, tx, baseURL, notify.Notice{To: to, OrgID: org, Kind: kind, Subject: subject, Text: body, Why: why})
	return err
}
