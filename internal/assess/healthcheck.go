package assess

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/notify"
)

// MinRespondents is the fewest respondents a health check needs before any
// result is shown.
const MinRespondents = 3

// Round is one health check round of a partnership.
type Round struct {
	ID              int64
	PartnershipID   int64
	PartnershipName string
	FrameworkID     int64
	Title           string
	OpenedAt        time.Time
	ClosesOn        *time.Time
	ClosedAt        *time.Time
	Respondents     int
}

// Closed reports whether the round takes no more answers on day. Results
// are shown only for closed rounds, so nobody can work out one person's
// answers by comparing the results before and after they respond.
func (r *Round) Closed(day time.Time) bool {
	return r.ClosedAt != nil || (r.ClosesOn != nil && r.ClosesOn.Before(day))
}

const roundCols = `r.id, r.partnership_id, p.name, r.framework_id, r.title, r.opened_at, r.closes_on, r.closed_at,
	(SELECT COUNT(*) FROM assess_hc_responded x WHERE x.round_id = r.id)
	FROM assess_hc_rounds r JOIN partnerships p ON p.id = r.partnership_id`

func scanRounds(rows *sql.Rows, err error) ([]*Round, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Round
	for rows.Next() {
		var r Round
		var closes, closed sql.NullTime
		if err := rows.Scan(&r.ID, &r.PartnershipID, &r.PartnershipName, &r.FrameworkID, &r.Title, &r.OpenedAt, &closes, &closed, &r.Respondents); err != nil {
			return nil, err
		}
		if closes.Valid {
			r.ClosesOn = &closes.Time
		}
		if closed.Valid {
			r.ClosedAt = &closed.Time
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// RoundByID loads a round (no access check).
func RoundByID(ctx context.Context, q db.Querier, id int64) (*Round, error) {
	rs, err := scanRounds(q.QueryContext(ctx, `SELECT `+roundCols+` WHERE r.id = $1`, id))
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, apperr.NotFound("health check")
	}
	return rs[0], nil
}

// RoundsOf lists a partnership's rounds, oldest first.
func RoundsOf(ctx context.Context, q db.Querier, partnershipID int64) ([]*Round, error) {
	return scanRounds(q.QueryContext(ctx, `SELECT `+roundCols+` WHERE r.partnership_id = $1 ORDER BY r.opened_at, r.id`, partnershipID))
}

// RoundsFor lists rounds of partnerships the user's organisations belong
// to (all rounds for admins), newest first.
func RoundsFor(ctx context.Context, q db.Querier, userID int64, admin bool) ([]*Round, error) {
	if admin {
		return scanRounds(q.QueryContext(ctx, `SELECT `+roundCols+` ORDER BY r.opened_at DESC, r.id DESC LIMIT 200`))
	}
	return scanRounds(q.QueryContext(ctx, `SELECT `+roundCols+` WHERE r.partnership_id IN (SELECT pm.partnership_id FROM partnership_members pm
		JOIN memberships m ON m.organisation_id = pm.organisation_id WHERE m.user_id = $1 AND pm.left_on IS NULL) ORDER BY r.opened_at DESC, r.id DESC LIMIT 200`, userID))
}

// OpenRound starts a health check round on the current published health
// check framework.
func OpenRound(ctx context.Context, tx *db.Tx, partnershipID int64, title string, closesOn *time.Time) (*Round, error) {
	fw, err := CurrentFramework(ctx, tx, KeyHealthCheck)
	if err != nil {
		return nil, err
	}
	title = strings.TrimSpace(title)
	v := &apperr.Validation{}
	v.Check(title != "", "title", "Enter a title for the round, for example Spring 2026")
	v.Check(len(title) <= 200, "title", "The title must be 200 characters or fewer")
	v.Check(closesOn == nil || !closesOn.Before(Today(db.Now())), "closes_on", "The closing date must be today or in the future")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO assess_hc_rounds (partnership_id, framework_id, title, opened_at, closes_on, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		partnershipID, fw.ID, title, db.Now(), closesOn, db.NullID(audit.ActorFrom(ctx).UserID)).Scan(&id); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, 0, "healthcheck.open", "health_check", id, title); err != nil {
		return nil, err
	}
	return RoundByID(ctx, tx, id)
}

// TellRoundOpened emails the people of every current member organisation
// of r's partnership that the round is open (through notify: once per
// person and round, whatever number of member organisations they are in).
// It returns how many were told.
func TellRoundOpened(ctx context.Context, tx *db.Tx, r *Round, baseURL string) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT organisation_id FROM partnership_members WHERE partnership_id = $1 AND left_on IS NULL ORDER BY organisation_id`, r.PartnershipID)
	if err != nil {
		return 0, err
	}
	var orgs []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		orgs = append(orgs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	people, err := notify.OrgPeople(ctx, tx, orgs...)
	if err != nil {
		return 0, err
	}
	var who []notify.Recipient
	for _, id := range orgs {
		who = append(who, people[id]...)
	}
	closes := ""
	if r.ClosesOn != nil {
		closes = " It closes on " + r.ClosesOn.Format("2 January 2006") + "."
	}
	return notify.TellEach(ctx, tx, baseURL, who, notify.Notice{Kind: "healthcheck_round", Key: fmt.Sprintf("hc-round-%d", r.ID),
		Subject: "Health check open: " + r.PartnershipName + " (" + r.Title + ")",
		Text: fmt.Sprintf("The partnership health check \"%s\" of %s is open: please answer it for your organisation.%s\n\n%s/health-checks/%d\n",
			r.Title, r.PartnershipName, closes, baseURL, r.ID),
		Why: "You get these emails as a member of an organisation in " + r.PartnershipName + "."})
}

// CloseRound closes a round; its results can then be shown.
func CloseRound(ctx context.Context, tx *db.Tx, r *Round) error {
	if _, err := tx.ExecContext(ctx, `UPDATE assess_hc_rounds SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL`, db.Now(), r.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, 0, "healthcheck.close", "health_check", r.ID, r.Title)
}

// RespondentOrg returns an organisation through which the user represents
// a current member of the partnership, or 0 when they do not.
func RespondentOrg(ctx context.Context, q db.Querier, partnershipID, userID int64) (int64, error) {
	var org int64
	err := q.QueryRowContext(ctx, `SELECT pm.organisation_id FROM partnership_members pm JOIN memberships m ON m.organisation_id = pm.organisation_id
		WHERE pm.partnership_id = $1 AND pm.left_on IS NULL AND m.user_id = $2 ORDER BY pm.organisation_id LIMIT 1`, partnershipID, userID).Scan(&org)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return org, err
}

// HasResponded reports whether the user has answered the round.
func HasResponded(ctx context.Context, q db.Querier, roundID, userID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_hc_responded WHERE round_id = $1 AND user_id = $2`, roundID, userID).Scan(&n)
	return n > 0, err
}

// Respond stores one person's answers anonymously: the "has responded" row
// names the person; the answer rows carry only a random token, with no
// link between the two.
func Respond(ctx context.Context, tx *db.Tx, r *Round, f *Framework, userID, orgID int64, answers map[string]int) error {
	if r.Closed(Today(db.Now())) {
		return apperr.Errorf(apperr.ECONFLICT, "This health check has closed")
	}
	v := &apperr.Validation{}
	for _, a := range f.Areas {
		for _, in := range a.Indicators {
			val, ok := answers[in.Code]
			v.Check(ok && in.Valid(val), "s_"+in.Code, "Choose how far you agree with: "+in.Text)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assess_hc_responded (round_id, user_id, organisation_id) VALUES ($1, $2, $3)`, r.ID, userID, orgID); err != nil {
		if apperr.Is(db.Err(err, ""), apperr.ECONFLICT) {
			return apperr.Errorf(apperr.ECONFLICT, "You have already answered this health check")
		}
		return err
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return err
	}
	token := hex.EncodeToString(tok)
	for _, a := range f.Areas {
		for _, in := range a.Indicators {
			if _, err := tx.ExecContext(ctx, `INSERT INTO assess_hc_answers (round_id, token, statement, value) VALUES ($1, $2, $3, $4)`, r.ID, token, in.Code, answers[in.Code]); err != nil {
				return err
			}
		}
	}
	// The audit says who took part, never what they answered.
	return audit.Record(ctx, tx, 0, "healthcheck.respond", "health_check", r.ID, "")
}

// ResponseRate is how many people from each member organisation answered.
type ResponseRate struct {
	Organisation string
	Responded    int
}

// ResponseRates counts respondents by member organisation.
func ResponseRates(ctx context.Context, q db.Querier, roundID int64) ([]ResponseRate, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.name, COUNT(*) FROM assess_hc_responded x JOIN organisations o ON o.id = x.organisation_id
		WHERE x.round_id = $1 GROUP BY o.name ORDER BY o.name`, roundID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ResponseRate
	for rows.Next() {
		var r ResponseRate
		if err := rows.Scan(&r.Organisation, &r.Responded); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// loadResponses reads a round's answers grouped into responses (by the
// random token, which never leaves this function).
func loadResponses(ctx context.Context, q db.Querier, roundID int64) ([]map[string]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT token, statement, value FROM assess_hc_answers WHERE round_id = $1 ORDER BY token`, roundID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	by := map[string]map[string]int{}
	var order []string
	for rows.Next() {
		var tok, st string
		var v int
		if err := rows.Scan(&tok, &st, &v); err != nil {
			return nil, err
		}
		if by[tok] == nil {
			by[tok] = map[string]int{}
			order = append(order, tok)
		}
		by[tok][st] = v
	}
	out := make([]map[string]int, 0, len(order))
	for _, t := range order {
		out = append(out, by[t])
	}
	return out, rows.Err()
}

// StatementResult is the aggregate for one statement.
type StatementResult struct {
	Code, Text string
	Mean, SD   float64
}

// PrincipleResult is the aggregate for one principle.
type PrincipleResult struct {
	Code, Title  string
	Mean         float64 // 1-5
	SD           float64 // spread of respondents' principle averages
	AgreePct     float64 // share of respondents averaging 4 or more
	DisagreePct  float64 // share averaging 2 or less
	Spread       string  // agree, mixed, disagree
	Statements   []StatementResult
	Participants int
}

// HCResult is a round's aggregate. Shown is false (and nothing else is
// filled) with fewer than MinRespondents responses.
type HCResult struct {
	Respondents int
	Shown       bool
	Principles  []PrincipleResult
}

// Aggregate summarises responses per principle: the average, the standard
// deviation of respondents' averages and the shares agreeing and
// disagreeing. It is pure and never returns a single response.
func Aggregate(f *Framework, responses []map[string]int) HCResult {
	res := HCResult{Respondents: len(responses)}
	if len(responses) < MinRespondents {
		return res
	}
	res.Shown = true
	for _, a := range f.Areas {
		pr := PrincipleResult{Code: a.Code, Title: a.Title}
		var per []float64
		for _, r := range responses {
			sum, n := 0.0, 0
			for _, in := range a.Indicators {
				if v, ok := r[in.Code]; ok && in.Valid(v) {
					sum += float64(v)
					n++
				}
			}
			if n > 0 {
				per = append(per, sum/float64(n))
			}
		}
		pr.Participants = len(per)
		pr.Mean, pr.SD = meanSD(per)
		for _, x := range per {
			if x >= 4 {
				pr.AgreePct++
			}
			if x <= 2 {
				pr.DisagreePct++
			}
		}
		if len(per) > 0 {
			pr.AgreePct = round1(pr.AgreePct * 100 / float64(len(per)))
			pr.DisagreePct = round1(pr.DisagreePct * 100 / float64(len(per)))
		}
		switch {
		case pr.SD < 0.75:
			pr.Spread = "agree"
		case pr.SD < 1.25:
			pr.Spread = "mixed"
		default:
			pr.Spread = "disagree"
		}
		for _, in := range a.Indicators {
			var vals []float64
			for _, r := range responses {
				if v, ok := r[in.Code]; ok && in.Valid(v) {
					vals = append(vals, float64(v))
				}
			}
			m, sd := meanSD(vals)
			pr.Statements = append(pr.Statements, StatementResult{Code: in.Code, Text: in.Text, Mean: m, SD: sd})
		}
		res.Principles = append(res.Principles, pr)
	}
	return res
}

func meanSD(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	m := sum / float64(len(xs))
	ss := 0.0
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Round(m*100) / 100, math.Round(math.Sqrt(ss/float64(len(xs)))*100) / 100
}

// RoundResult aggregates a round; nothing is shown until it has closed
// with at least MinRespondents responses.
func RoundResult(ctx context.Context, q db.Querier, r *Round, f *Framework, day time.Time) (HCResult, error) {
	if !r.Closed(day) {
		return HCResult{Respondents: r.Respondents}, nil
	}
	resp, err := loadResponses(ctx, q, r.ID)
	if err != nil {
		return HCResult{}, err
	}
	return Aggregate(f, resp), nil
}

// Trend is one principle's averages across a partnership's rounds.
type Trend struct {
	Rounds     []string
	Principles []string
	Means      [][]float64 // [principle][round]
}

// Trends gathers the averages of every closed round with enough respondents.
func Trends(ctx context.Context, q db.Querier, partnershipID int64, day time.Time) (*Trend, error) {
	rounds, err := RoundsOf(ctx, q, partnershipID)
	if err != nil {
		return nil, err
	}
	t := &Trend{}
	for _, r := range rounds {
		fw, err := FrameworkByID(ctx, q, r.FrameworkID)
		if err != nil {
			return nil, err
		}
		res, err := RoundResult(ctx, q, r, fw.F, day)
		if err != nil {
			return nil, err
		}
		if !res.Shown {
			continue
		}
		if t.Principles == nil {
			for _, p := range res.Principles {
				t.Principles = append(t.Principles, p.Title)
			}
			t.Means = make([][]float64, len(t.Principles))
		}
		t.Rounds = append(t.Rounds, fmt.Sprintf("%s (%s)", r.Title, r.OpenedAt.Format("Jan 2006")))
		for i := range t.Principles {
			v := 0.0
			if i < len(res.Principles) {
				v = res.Principles[i].Mean
			}
			t.Means[i] = append(t.Means[i], v)
		}
	}
	return t, nil
}
