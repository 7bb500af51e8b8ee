package opportunities

// SQL of service-design consultations: questions, settings, responses and
// the "you said, we did".

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// ConsultationQuestions lists a consultation's questions in order.
func ConsultationQuestions(ctx context.Context, q db.Querier, oppID int64) ([]CQuestion, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, opportunity_id, position, kind, prompt, hint, options, required FROM consultation_questions
		WHERE opportunity_id = $1 ORDER BY position, id`, oppID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CQuestion
	for rows.Next() {
		var c CQuestion
		var opts string
		if err := rows.Scan(&c.ID, &c.OpportunityID, &c.Position, &c.Kind, &c.Prompt, &c.Hint, &opts, &c.Required); err != nil {
			return nil, err
		}
		if opts != "" {
			c.Options = strings.Split(opts, "\n")
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountConsultationQuestions is how many questions a consultation has.
func CountConsultationQuestions(ctx context.Context, q db.Querier, oppID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM consultation_questions WHERE opportunity_id = $1`, oppID).Scan(&n)
	return n, err
}

// SaveConsultationQuestion validates and adds (ID 0) or updates a question.
// A new question goes last.
func SaveConsultationQuestion(ctx context.Context, q db.Querier, c *CQuestion) error {
	if err := c.Validate(); err != nil {
		return err
	}
	opts := strings.Join(c.Options, "\n")
	if c.ID == 0 {
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM consultation_questions WHERE opportunity_id = $1`, c.OpportunityID).Scan(&c.Position); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `INSERT INTO consultation_questions (opportunity_id, position, kind, prompt, hint, options, required, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, c.OpportunityID, c.Position, c.Kind, c.Prompt, c.Hint, opts, c.Required, db.Now()).Scan(&c.ID)
	}
	res, err := q.ExecContext(ctx, `UPDATE consultation_questions SET kind = $1, prompt = $2, hint = $3, options = $4, required = $5 WHERE id = $6 AND opportunity_id = $7`,
		c.Kind, c.Prompt, c.Hint, opts, c.Required, c.ID, c.OpportunityID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("question")
	}
	return nil
}

// DeleteConsultationQuestion removes a question and its answers.
func DeleteConsultationQuestion(ctx context.Context, q db.Querier, oppID, id int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM consultation_questions WHERE id = $1 AND opportunity_id = $2`, id, oppID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("question")
	}
	return nil
}

// ConsultationSettings are a consultation's reason for being short and its
// "you said, we did".
type ConsultationSettings struct {
	ShortReason string
	YouSaid     string
	YouSaidAt   *time.Time
}

// LoadConsultationSettings reads the settings (empty when none were saved).
func LoadConsultationSettings(ctx context.Context, q db.Querier, oppID int64) (ConsultationSettings, error) {
	var s ConsultationSettings
	var at sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT short_reason, you_said, you_said_at FROM consultation_settings WHERE opportunity_id = $1`, oppID).Scan(&s.ShortReason, &s.YouSaid, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if at.Valid {
		t := at.Time.UTC()
		s.YouSaidAt = &t
	}
	return s, err
}

func ensureSettings(ctx context.Context, q db.Querier, oppID int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO consultation_settings (opportunity_id) VALUES ($1) ON CONFLICT (opportunity_id) DO NOTHING`, oppID)
	return err
}

// SaveShortReason stores why the consultation is shorter than the Compact
// minimum.
func SaveShortReason(ctx context.Context, q db.Querier, oppID int64, reason string) error {
	if err := ensureSettings(ctx, q, oppID); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE consultation_settings SET short_reason = $1 WHERE opportunity_id = $2`, reason, oppID)
	return err
}

// PublishYouSaid stores the "you said, we did" summary, published now.
func PublishYouSaid(ctx context.Context, q db.Querier, oppID, userID int64, text string, at time.Time) error {
	if err := ensureSettings(ctx, q, oppID); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE consultation_settings SET you_said = $1, you_said_at = $2, you_said_by = $3 WHERE opportunity_id = $4`, text, at, db.NullID(userID), oppID)
	return err
}

// CResponse is one organisation's response to a consultation.
type CResponse struct {
	ID            int64
	OpportunityID int64
	OrgID         int64
	OrgName       string
	OrgSlug       string
	SubmittedAt   time.Time
	UpdatedAt     time.Time
	Answers       Answers
}

// ResponseOf is orgID's response (ENOTFOUND when it has not responded).
func ResponseOf(ctx context.Context, q db.Querier, oppID, orgID int64) (*CResponse, error) {
	rs, err := listResponses(ctx, q, `r.opportunity_id = $1 AND r.organisation_id = $2`, oppID, orgID)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, apperr.NotFound("response")
	}
	return &rs[0], nil
}

// Responses lists every response to a consultation, oldest first, with
// their answers.
func Responses(ctx context.Context, q db.Querier, oppID int64) ([]CResponse, error) {
	return listResponses(ctx, q, `r.opportunity_id = $1`, oppID)
}

func listResponses(ctx context.Context, q db.Querier, where string, args ...any) ([]CResponse, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.opportunity_id, r.organisation_id, o.name, o.slug, r.submitted_at, r.updated_at
		FROM consultation_responses r JOIN organisations o ON o.id = r.organisation_id WHERE `+where+` ORDER BY r.submitted_at, r.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []CResponse
	byID := map[int64]int{}
	for rows.Next() {
		var c CResponse
		if err := rows.Scan(&c.ID, &c.OpportunityID, &c.OrgID, &c.OrgName, &c.OrgSlug, &c.SubmittedAt, &c.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		c.Answers = Answers{}
		byID[c.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	for i, c := range out {
		ids[i] = c.ID
	}
	var inArgs []any
	in := db.Placeholders(&inArgs, ids)
	rows, err = q.QueryContext(ctx, `SELECT response_id, question_id, value FROM consultation_answers WHERE response_id IN (`+in+`)`, inArgs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rid, qid int64
		var v string
		if err := rows.Scan(&rid, &qid, &v); err != nil {
			return nil, err
		}
		out[byID[rid]].Answers[qid] = strings.Split(v, "\n")
	}
	err = rows.Err()
	return out, err
}

// SaveResponse stores orgID's answers, creating its response or replacing
// the answers of the one it gave. It reports whether the response is new.
func SaveResponse(ctx context.Context, q db.Querier, oppID, orgID, userID int64, a Answers, now time.Time) (bool, error) {
	var id int64
	created := false
	err := q.QueryRowContext(ctx, `SELECT id FROM consultation_responses WHERE opportunity_id = $1 AND organisation_id = $2`, oppID, orgID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		created = true
		if err := q.QueryRowContext(ctx, `INSERT INTO consultation_responses (opportunity_id, organisation_id, user_id, submitted_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
			oppID, orgID, db.NullID(userID), now).Scan(&id); err != nil {
			return false, db.Err(err, "response")
		}
	case err != nil:
		return false, err
	default:
		if _, err := q.ExecContext(ctx, `UPDATE consultation_responses SET updated_at = $1, user_id = $2 WHERE id = $3`, now, db.NullID(userID), id); err != nil {
			return false, err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM consultation_answers WHERE response_id = $1`, id); err != nil {
			return false, err
		}
	}
	for qid, vals := range a {
		if _, err := q.ExecContext(ctx, `INSERT INTO consultation_answers (response_id, question_id, value) VALUES ($1, $2, $3)`, id, qid, strings.Join(vals, "\n")); err != nil {
			return false, err
		}
	}
	return created, nil
}

// respondentOrgs are the organisations that responded.
func respondentOrgs(ctx context.Context, q db.Querier, oppID int64) ([]int64, error) {
	return db.Column[int64](ctx, q, `SELECT organisation_id FROM consultation_responses WHERE opportunity_id = $1 ORDER BY id`, oppID)
}

// Compact minimum: an admin setting (site_settings), 12 weeks by default.
const settingCompactWeeks = "opportunities_compact_min_weeks"

// DefaultCompactWeeks is the Compact's minimum consultation length.
const DefaultCompactWeeks = 12

// CompactWeeks reads the town's minimum consultation length in weeks.
func CompactWeeks(ctx context.Context, q db.Querier) (int, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT value FROM site_settings WHERE key = $1`, settingCompactWeeks).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultCompactWeeks, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return DefaultCompactWeeks, nil
	}
	return n, nil
}

// SetCompactWeeks stores the minimum (1 to 52 weeks).
func SetCompactWeeks(ctx context.Context, q db.Querier, weeks int) error {
	if weeks < 1 || weeks > 52 {
		return &apperr.Error{Code: apperr.EINVALID, Message: "Enter a number of weeks from 1 to 52", Fields: []apperr.FieldError{{Field: "weeks", Message: "Enter a number of weeks from 1 to 52"}}}
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM site_settings WHERE key = $1`, settingCompactWeeks); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO site_settings (key, value) VALUES ($1, $2)`, settingCompactWeeks, strconv.Itoa(weeks))
	return err
}

// Changed reports whether the response was changed after it was sent.
func (c CResponse) Changed() bool { return !c.UpdatedAt.Equal(c.SubmittedAt) }
