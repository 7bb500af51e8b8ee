package opportunities

// Clarification questions: while questions are open an organisation asks
// the buyer a question (who asked is shown to the buyer only); the buyer
// answers, and may publish the question and answer on the opportunity's
// page and to its followers. Followers are people who chose to follow the
// opportunity and the editors of organisations that asked a question.

import (
	"context"
	"database/sql"
	"time"
	"unicode/utf8"

	"partnerhub/internal/apperr"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
)

// Clarification is one question to the buyer and its answer.
type Clarification struct {
	ID            int64
	OpportunityID int64
	OrgID         int64 // the asking organisation (0 when it was deleted)
	OrgName       string
	AskedBy       int64
	Question      string
	Answer        string
	AnsweredAt    *time.Time
	Published     bool
	CreatedAt     time.Time
}

// Answered reports whether the buyer has answered.
func (c Clarification) Answered() bool { return c.AnsweredAt != nil }

// ErrQuestionsClosed is the refusal of a question after the deadline.
func ErrQuestionsClosed(deadline *time.Time) error {
	msg := "Clarification questions for this opportunity are closed"
	if deadline != nil {
		msg += ": the deadline was " + deadline.In(london).Format("2 January 2006") + ". The buyer can no longer take questions."
	} else {
		msg += "."
	}
	return &apperr.Error{Code: apperr.EINVALID, Message: msg, Fields: []apperr.FieldError{{Field: "question", Message: msg}}}
}

var london = mustLondon()

func mustLondon() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}

// CheckQuestion cleans and checks a question's text.
func CheckQuestion(text string) (string, error) {
	var v apperr.Validation
	text = clean.Text(text)
	v.Check(text != "", "question", "Enter your question")
	v.Check(utf8.RuneCountInString(text) <= 3000, "question", "Your question must be 3,000 characters or fewer")
	return text, v.Err()
}

// CheckAnswer cleans and checks an answer's text.
func CheckAnswer(text string) (string, error) {
	var v apperr.Validation
	text = clean.Text(text)
	v.Check(text != "", "answer", "Enter the answer")
	v.Check(utf8.RuneCountInString(text) <= 10000, "answer", "The answer must be 10,000 characters or fewer")
	return text, v.Err()
}

// AddClarification stores a question.
func AddClarification(ctx context.Context, q db.Querier, c *Clarification) error {
	c.CreatedAt = db.Now()
	return q.QueryRowContext(ctx, `INSERT INTO opportunity_questions (opportunity_id, organisation_id, asked_by, question, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		c.OpportunityID, db.NullID(c.OrgID), db.NullID(c.AskedBy), c.Question, c.CreatedAt).Scan(&c.ID)
}

// AnswerClarification stores the buyer's answer (it may be changed) and
// whether it is published.
func AnswerClarification(ctx context.Context, q db.Querier, oppID, id, userID int64, answer string, publish bool) error {
	res, err := q.ExecContext(ctx, `UPDATE opportunity_questions SET answer = $1, answered_by = $2, answered_at = $3, published = $4 WHERE id = $5 AND opportunity_id = $6`,
		answer, db.NullID(userID), db.Now(), publish, id, oppID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("question")
	}
	return nil
}

// ClarificationFilter picks an opportunity's questions.
type ClarificationFilter struct {
	OpportunityID int64
	PublishedOnly bool    // what everyone sees
	OrgIDs        []int64 // or: asked by these organisations (what an asker sees of its own)
}

// Clarifications lists an opportunity's questions, oldest first.
func Clarifications(ctx context.Context, q db.Querier, f ClarificationFilter) ([]Clarification, error) {
	args := []any{f.OpportunityID}
	where := `c.opportunity_id = $1`
	if f.PublishedOnly || len(f.OrgIDs) > 0 {
		cond := `c.published = TRUE`
		if !f.PublishedOnly {
			cond = `FALSE`
		}
		if len(f.OrgIDs) > 0 {
			cond += ` OR c.organisation_id IN (` + db.Placeholders(&args, f.OrgIDs) + `)`
		}
		where += ` AND (` + cond + `)`
	}
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.opportunity_id, COALESCE(c.organisation_id, 0), COALESCE(o.name, ''), COALESCE(c.asked_by, 0), c.question, c.answer, c.answered_at, c.published, c.created_at
		FROM opportunity_questions c LEFT JOIN organisations o ON o.id = c.organisation_id WHERE `+where+` ORDER BY c.created_at, c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Clarification
	for rows.Next() {
		var c Clarification
		var at sql.NullTime
		if err := rows.Scan(&c.ID, &c.OpportunityID, &c.OrgID, &c.OrgName, &c.AskedBy, &c.Question, &c.Answer, &at, &c.Published, &c.CreatedAt); err != nil {
			return nil, err
		}
		if at.Valid {
			t := at.Time.UTC()
			c.AnsweredAt = &t
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ClarificationByID is one question of an opportunity.
func ClarificationByID(ctx context.Context, q db.Querier, oppID, id int64) (*Clarification, error) {
	cs, err := Clarifications(ctx, q, ClarificationFilter{OpportunityID: oppID})
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i], nil
		}
	}
	return nil, apperr.NotFound("question")
}

// Follow makes userID follow an opportunity (again is fine).
func Follow(ctx context.Context, q db.Querier, oppID, userID int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO opportunity_follows (opportunity_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, oppID, userID, db.Now())
	return err
}

// Unfollow stops following.
func Unfollow(ctx context.Context, q db.Querier, oppID, userID int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM opportunity_follows WHERE opportunity_id = $1 AND user_id = $2`, oppID, userID)
	return err
}

// Follows reports whether userID follows the opportunity.
func Follows(ctx context.Context, q db.Querier, oppID, userID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunity_follows WHERE opportunity_id = $1 AND user_id = $2`, oppID, userID).Scan(&n)
	return n > 0, err
}

// Follower is a person to tell about an opportunity.
type Follower struct {
	UserID int64
	Email  string
	OrgID  int64 // the organisation they follow it through (0: personally)
}

// Followers are the active people following an opportunity: those who
// follow it themselves and the owners and editors of organisations that
// asked it a question or registered interest, each once.
func Followers(ctx context.Context, q db.Querier, oppID int64) ([]Follower, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.email, 0 FROM opportunity_follows f JOIN users u ON u.id = f.user_id WHERE f.opportunity_id = $1 AND u.disabled_at IS NULL
		UNION
		SELECT u.id, u.email, m.organisation_id FROM opportunity_questions c JOIN memberships m ON m.organisation_id = c.organisation_id JOIN users u ON u.id = m.user_id
		WHERE c.opportunity_id = $1 AND m.role IN ('owner','editor') AND u.disabled_at IS NULL
		UNION
		SELECT u.id, u.email, m.organisation_id FROM opportunity_interests i JOIN memberships m ON m.organisation_id = i.organisation_id JOIN users u ON u.id = m.user_id
		WHERE i.opportunity_id = $1 AND m.role IN ('owner','editor') AND u.disabled_at IS NULL
		ORDER BY 2, 3`, oppID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Follower
	seen := map[int64]bool{}
	for rows.Next() {
		var f Follower
		if err := rows.Scan(&f.UserID, &f.Email, &f.OrgID); err != nil {
			return nil, err
		}
		if !seen[f.UserID] {
			seen[f.UserID] = true
			out = append(out, f)
		}
	}
	return out, rows.Err()
}
