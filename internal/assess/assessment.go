package assess

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/partnerships/models"
	"partnerhub/internal/web"
)

// Assessment statuses.
const (
	StatusDraft        = "draft"
	StatusSubmitted    = "submitted"
	StatusMoreEvidence = "more_evidence"
	StatusDecided      = "decided"
	StatusWithdrawn    = "withdrawn"
)

// Assessment is one subject assessed against one framework version.
type Assessment struct {
	ID           int64
	FrameworkID  int64
	Kind         string
	SubjectType  string
	SubjectID    int64
	SubjectName  string
	Status       string
	CreatedBy    int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	SubmittedAt  *time.Time
	DecidedAt    *time.Time
	ReviewerID   int64
	ReviewerName string
	SelfScore    *float64
	Score        *float64
	Result       string
	Conditions   string
	DecisionNote string
}

// Editable reports whether contributors may change answers and evidence.
func (a *Assessment) Editable() bool {
	return a.Status == StatusDraft || a.Status == StatusMoreEvidence
}

const aCols = `a.id, a.framework_id, a.kind, a.subject_type, a.subject_id, a.subject_name, a.status, COALESCE(a.created_by, 0), a.created_at, a.updated_at,
	a.submitted_at, a.decided_at, COALESCE(a.reviewer_id, 0), COALESCE(u.name, ''), a.self_score, a.score, a.result, a.conditions, a.decision_note`

const aFrom = ` FROM assess_assessments a LEFT JOIN users u ON u.id = a.reviewer_id`

func scanAssessment(sc interface{ Scan(...any) error }) (*Assessment, error) {
	var a Assessment
	var sub, dec sql.NullTime
	var self, score sql.NullFloat64
	if err := sc.Scan(&a.ID, &a.FrameworkID, &a.Kind, &a.SubjectType, &a.SubjectID, &a.SubjectName, &a.Status, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt,
		&sub, &dec, &a.ReviewerID, &a.ReviewerName, &self, &score, &a.Result, &a.Conditions, &a.DecisionNote); err != nil {
		return nil, db.Err(err, "assessment")
	}
	if sub.Valid {
		a.SubmittedAt = &sub.Time
	}
	if dec.Valid {
		a.DecidedAt = &dec.Time
	}
	if self.Valid {
		a.SelfScore = &self.Float64
	}
	if score.Valid {
		a.Score = &score.Float64
	}
	return &a, nil
}

// AssessmentByID loads an assessment (no access check).
func AssessmentByID(ctx context.Context, q db.Querier, id int64) (*Assessment, error) {
	return scanAssessment(q.QueryRowContext(ctx, `SELECT `+aCols+aFrom+` WHERE a.id = $1`, id))
}

// Access is what the caller may do with an assessment.
type Access struct {
	Admin       bool
	Contributor bool
	Lead        bool // the contributor who started it, or an owner of the subject
	Reviewer    bool // the appointed reviewer (or an admin who may review)
}

// Sees reports whether the caller may see the assessment at all.
func (ac Access) Sees() bool { return ac.Admin || ac.Contributor || ac.Reviewer }

// AccessFor works out what id may do. Anyone else gets ENOTFOUND.
func AccessFor(ctx context.Context, q db.Querier, a *Assessment, id *web.Identity) (Access, error) {
	var ac Access
	if id == nil {
		return ac, apperr.NotFound("assessment")
	}
	ac.Admin = id.Admin
	var role string
	err := q.QueryRowContext(ctx, `SELECT role FROM assess_contributors WHERE assessment_id = $1 AND user_id = $2`, a.ID, id.UserID).Scan(&role)
	if err != nil && err != sql.ErrNoRows {
		return ac, err
	}
	ac.Contributor = role != ""
	if ac.Contributor {
		owner, err := IsSubjectOwner(ctx, q, a.SubjectType, a.SubjectID, id.UserID)
		if err != nil {
			return ac, err
		}
		ac.Lead = role == "lead" || owner
	}
	ac.Reviewer = a.ReviewerID != 0 && a.ReviewerID == id.UserID
	if ac.Admin && !ac.Reviewer {
		member, err := IsSubjectMember(ctx, q, a.SubjectType, a.SubjectID, id.UserID)
		if err != nil {
			return ac, err
		}
		ac.Reviewer = !member && a.ReviewerID == 0
	}
	if !ac.Sees() {
		return ac, apperr.NotFound("assessment")
	}
	return ac, nil
}

// subjectOrgs are the organisations behind a subject: the organisation
// itself, or a partnership's current member organisations.
func subjectOrgs(ctx context.Context, q db.Querier, subjectType string, subjectID int64) ([]int64, error) {
	if subjectType == "organisation" {
		return []int64{subjectID}, nil
	}
	return db.Column[int64](ctx, q, `SELECT DISTINCT organisation_id FROM partnership_members WHERE partnership_id = $1 AND left_on IS NULL`, subjectID)
}

// IsSubjectMember reports whether the user belongs to any organisation
// behind the subject (such a person may never review it).
func IsSubjectMember(ctx context.Context, q db.Querier, subjectType string, subjectID, userID int64) (bool, error) {
	var n int
	var err error
	if subjectType == "organisation" {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE organisation_id = $1 AND user_id = $2`, subjectID, userID).Scan(&n)
	} else {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships m JOIN partnership_members pm ON pm.organisation_id = m.organisation_id
			WHERE pm.partnership_id = $1 AND m.user_id = $2`, subjectID, userID).Scan(&n)
	}
	return n > 0, err
}

// IsSubjectOwner: for an organisation, its owners and editors; for a
// partnership, editors and owners of its lead organisation.
func IsSubjectOwner(ctx context.Context, q db.Querier, subjectType string, subjectID, userID int64) (bool, error) {
	var n int
	var err error
	if subjectType == "organisation" {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE organisation_id = $1 AND user_id = $2 AND role IN ('owner','editor')`, subjectID, userID).Scan(&n)
	} else {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships m JOIN partnership_members pm ON pm.organisation_id = m.organisation_id
			WHERE pm.partnership_id = $1 AND pm.role = 'lead' AND pm.left_on IS NULL AND m.user_id = $2 AND m.role IN ('owner','editor')`, subjectID, userID).Scan(&n)
	}
	return n > 0, err
}

// Subject is something that can be assessed, as offered to its owners.
type Subject struct {
	Type  string
	ID    int64
	Name  string
	Model string
}

// OwnedSubjects lists the subjects of a framework's kind the user owns.
func OwnedSubjects(ctx context.Context, q db.Querier, f *Framework, userID int64) ([]Subject, error) {
	var rows *sql.Rows
	var err error
	switch f.Subject {
	case "organisation":
		rows, err = q.QueryContext(ctx, `SELECT 'organisation', o.id, o.name, '' FROM organisations o JOIN memberships m ON m.organisation_id = o.id
			WHERE m.user_id = $1 AND m.role IN ('owner','editor') ORDER BY o.name`, userID)
	default:
		cond := ""
		if f.Subject == "consortium" {
			cond = ` AND p.model IN ` + models.ConsortiumSQL()
		}
		rows, err = q.QueryContext(ctx, `SELECT DISTINCT 'partnership', p.id, p.name, p.model FROM partnerships p
			JOIN partnership_members pm ON pm.partnership_id = p.id AND pm.role = 'lead' AND pm.left_on IS NULL
			JOIN memberships m ON m.organisation_id = pm.organisation_id AND m.role IN ('owner','editor')
			WHERE m.user_id = $1 AND p.status <> 'ended'`+cond+` ORDER BY p.name`, userID)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subject
	for rows.Next() {
		var s Subject
		if err := rows.Scan(&s.Type, &s.ID, &s.Name, &s.Model); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// OpenPartnershipSubjects lists every partnership that has not ended (an
// admin may open a health check for any of them).
func OpenPartnershipSubjects(ctx context.Context, q db.Querier) ([]Subject, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, model FROM partnerships WHERE status <> 'ended' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subject
	for rows.Next() {
		x := Subject{Type: "partnership"}
		if err := rows.Scan(&x.ID, &x.Name, &x.Model); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// History records a timestamped step of an assessment and audits it.
func History(ctx context.Context, tx *db.Tx, a *Assessment, action, note string) error {
	act := audit.ActorFrom(ctx)
	var uid any
	if act.UserID != 0 {
		uid = act.UserID
	}
	name := act.Name
	if name == "" {
		name = "system"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assess_history (assessment_id, at, user_id, actor, action, note) VALUES ($1, $2, $3, $4, $5, $6)`,
		a.ID, db.Now(), uid, name, action, note); err != nil {
		return err
	}
	var org int64
	if a.SubjectType == "organisation" {
		org = a.SubjectID
	}
	return audit.Record(ctx, tx, org, "assessment."+action, "assessment", a.ID, note)
}

// Start begins an assessment of subject against the framework version; the
// starter becomes its lead contributor. Only the subject's owners may start.
func Start(ctx context.Context, tx *db.Tx, fw *FrameworkRow, subjectType string, subjectID, userID int64) (*Assessment, error) {
	if fw.Status != "published" {
		return nil, apperr.Errorf(apperr.ECONFLICT, "This framework version is not open for new assessments")
	}
	if fw.Kind == KindHealthCheck {
		return nil, apperr.Errorf(apperr.EINVALID, "Health checks are run as rounds, not assessments")
	}
	owns, err := IsSubjectOwner(ctx, tx, subjectType, subjectID, userID)
	if err != nil {
		return nil, err
	}
	if !owns {
		return nil, apperr.Errorf(apperr.EINVALID, "Choose an organisation or partnership you manage")
	}
	var name, model string
	if subjectType == "organisation" {
		err = tx.QueryRowContext(ctx, `SELECT name, '' FROM organisations WHERE id = $1`, subjectID).Scan(&name, &model)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT name, model FROM partnerships WHERE id = $1`, subjectID).Scan(&name, &model)
	}
	if err != nil {
		return nil, db.Err(err, "subject")
	}
	if (fw.F.Subject == "organisation") != (subjectType == "organisation") {
		return nil, apperr.Errorf(apperr.EINVALID, "This framework is for a %s", fw.F.Subject)
	}
	if fw.F.Subject == "consortium" && !models.IsConsortium(model) {
		return nil, apperr.Errorf(apperr.EINVALID, "Only a consortium can apply for the %s", fw.F.Name)
	}
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_assessments WHERE framework_id IN (SELECT id FROM assess_frameworks WHERE fkey = $1)
		AND subject_type = $2 AND subject_id = $3 AND status IN ('draft','submitted','more_evidence')`, fw.Key, subjectType, subjectID).Scan(&open); err != nil {
		return nil, err
	}
	if open > 0 {
		return nil, apperr.Errorf(apperr.ECONFLICT, "%s already has a %s in progress", name, fw.F.Name)
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO assess_assessments (framework_id, kind, subject_type, subject_id, subject_name, status, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $7) RETURNING id`, fw.ID, fw.Kind, subjectType, subjectID, name, userID, now).Scan(&id); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assess_contributors (assessment_id, user_id, role, invited_by, created_at) VALUES ($1, $2, 'lead', $2, $3)`, id, userID, now); err != nil {
		return nil, err
	}
	a, err := AssessmentByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return a, History(ctx, tx, a, "start", fmt.Sprintf("%s v%d", fw.F.Name, fw.Version))
}

// Contributor is a person working on an assessment.
type Contributor struct {
	UserID int64
	Name   string
	Email  string
	Role   string
}

// Contributors lists an assessment's contributors.
func Contributors(ctx context.Context, q db.Querier, assessmentID int64) ([]Contributor, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, u.email, c.role FROM assess_contributors c JOIN users u ON u.id = c.user_id
		WHERE c.assessment_id = $1 ORDER BY c.role DESC, u.name`, assessmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Contributor
	for rows.Next() {
		var c Contributor
		if err := rows.Scan(&c.UserID, &c.Name, &c.Email, &c.Role); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Invite adds a contributor by email (an existing Partnerhub account).
func Invite(ctx context.Context, tx *db.Tx, a *Assessment, email, baseURL string) error {
	var uid int64
	var name string
	err := tx.QueryRowContext(ctx, `SELECT id, name FROM users WHERE email = $1 AND disabled_at IS NULL`, email).Scan(&uid, &name)
	if err == sql.ErrNoRows {
		v := &apperr.Validation{}
		v.Add("email", "There is no Partnerhub account with that email address. Ask them to create an account first")
		return v.Err()
	}
	if err != nil {
		return err
	}
	if uid == a.ReviewerID {
		v := &apperr.Validation{}
		v.Add("email", "That person is the assessment's reviewer, so they cannot contribute to it")
		return v.Err()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assess_contributors (assessment_id, user_id, role, invited_by, created_at) VALUES ($1, $2, 'contributor', $3, $4)`,
		a.ID, uid, audit.ActorFrom(ctx).UserID, db.Now()); err != nil {
		if apperr.Is(db.Err(err, ""), apperr.ECONFLICT) {
			v := &apperr.Validation{}
			v.Add("email", "That person is already a contributor")
			return v.Err()
		}
		return err
	}
	if err := tell(ctx, tx, baseURL, a, email, "assess_invite", "You get this email because you were added as a contributor to the assessment of "+a.SubjectName+".",
		"You have been asked to contribute to an assessment",
		fmt.Sprintf("Hello %s,\n\nYou have been added as a contributor to the assessment of %s on Partnerhub.\n\nOpen it here: %s/assessments/%d\n", name, a.SubjectName, baseURL, a.ID)); err != nil {
		return err
	}
	return History(ctx, tx, a, "invite", name)
}

// Answer is a contributor's rating and comment on one indicator.
type Answer struct {
	Indicator string
	Rating    *int
	Comment   string
	UpdatedAt time.Time
}

// Answers loads answers by indicator from the self-assessment (table
// assess_answers) or the review (assess_reviews).
func Answers(ctx context.Context, q db.Querier, table string, assessmentID int64) (map[string]Answer, error) {
	if table != "assess_answers" && table != "assess_reviews" {
		return nil, fmt.Errorf("bad answers table %q", table)
	}
	rows, err := q.QueryContext(ctx, `SELECT indicator, rating, comment, updated_at FROM `+table+` WHERE assessment_id = $1`, assessmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Answer{}
	for rows.Next() {
		var an Answer
		var r sql.NullInt64
		if err := rows.Scan(&an.Indicator, &r, &an.Comment, &an.UpdatedAt); err != nil {
			return nil, err
		}
		if r.Valid {
			v := int(r.Int64)
			an.Rating = &v
		}
		out[an.Indicator] = an
	}
	return out, rows.Err()
}

// Ratings extracts the rated values.
func Ratings(ans map[string]Answer) map[string]int {
	out := map[string]int{}
	for k, a := range ans {
		if a.Rating != nil {
			out[k] = *a.Rating
		}
	}
	return out
}

// SaveAnswers stores answers for the indicators of one area.
func SaveAnswers(ctx context.Context, tx *db.Tx, a *Assessment, f *Framework, table string, area *Area, in map[string]Answer) error {
	if table != "assess_answers" && table != "assess_reviews" {
		return fmt.Errorf("bad answers table %q", table)
	}
	col := "updated_by"
	if table == "assess_reviews" {
		col = "reviewer_id"
	}
	v := &apperr.Validation{}
	now := db.Now()
	uid := audit.ActorFrom(ctx).UserID
	for _, ind := range area.Indicators {
		an, ok := in[ind.Code]
		if !ok {
			continue
		}
		if an.Rating != nil && !ind.Valid(*an.Rating) {
			v.Add("r_"+ind.Code, "Choose one of the options for: "+ind.Text)
			continue
		}
		if len(an.Comment) > 5000 {
			v.Add("c_"+ind.Code, "Comments must be 5,000 characters or fewer")
			continue
		}
		var r any
		if an.Rating != nil {
			r = *an.Rating
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (assessment_id, indicator, rating, comment, `+col+`, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (assessment_id, indicator) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, `+col+` = excluded.`+col+`, updated_at = excluded.updated_at`,
			a.ID, ind.Code, r, an.Comment, uid, now); err != nil {
			return err
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET updated_at = $1 WHERE id = $2`, now, a.ID); err != nil {
		return err
	}
	what := "answer"
	if table == "assess_reviews" {
		what = "review.rate"
	}
	return History(ctx, tx, a, what, area.Title)
}

// ListFilter narrows a listing of assessments.
type ListFilter struct {
	UserID   int64  // assessments the user contributes to or reviews
	Reviewer bool   // only those the user reviews (or all awaiting review for admins)
	Admin    bool   // admins see every assessment
	Kind     string // framework kind
	Status   string
}

// List returns assessments newest first.
func List(ctx context.Context, q db.Querier, f ListFilter) ([]*Assessment, error) {
	where := " WHERE 1=1"
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	switch {
	case f.Reviewer && f.Admin:
		where += ` AND a.status IN ('submitted','more_evidence')`
	case f.Reviewer:
		where += " AND a.reviewer_id = " + arg(f.UserID)
	case !f.Admin:
		where += " AND a.id IN (SELECT assessment_id FROM assess_contributors WHERE user_id = " + arg(f.UserID) + ")"
	}
	if f.Kind != "" {
		where += " AND a.kind = " + arg(f.Kind)
	}
	if f.Status != "" {
		where += " AND a.status = " + arg(f.Status)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+aCols+aFrom+where+` ORDER BY a.updated_at DESC, a.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Assessment
	for rows.Next() {
		a, err := scanAssessment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// HistoryEntry is one step in an assessment's history.
type HistoryEntry struct {
	At     time.Time
	Actor  string
	Action string
	Note   string
}

// HistoryOf returns the assessment's history, oldest first.
func HistoryOf(ctx context.Context, q db.Querier, id int64) ([]HistoryEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, actor, action, note FROM assess_history WHERE assessment_id = $1 ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		if err := rows.Scan(&h.At, &h.Actor, &h.Action, &h.Note); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Is reports whether the answer's rating is v (for templates).
func (an Answer) Is(v int) bool { return an.Rating != nil && *an.Rating == v }

// Rated reports whether the answer has a rating.
func (an Answer) Rated() bool { return an.Rating != nil }

// Value is the rating, or -1 when there is none.
func (an Answer) Value() int {
	if an.Rating == nil {
		return -1
	}
	return *an.Rating
}
