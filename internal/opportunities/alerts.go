package opportunities

// Alerts: saved searches of /opportunities that email their owner new and
// changed matching opportunities and deadlines coming up, immediately
// (each run of the job), daily or weekly; "not relevant" marks; and an
// organisation's "tell our editors about opportunities that fit us".

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partnerhub/internal/apperr"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Alert frequencies.
const (
	AlertImmediately = "immediately"
	AlertDaily       = "daily"
	AlertWeekly      = "weekly"
)

// AlertFrequencies are the choices, in the form's order.
var AlertFrequencies = []string{AlertImmediately, AlertDaily, AlertWeekly}

// AlertFrequencyLabels say what each choice means.
var AlertFrequencyLabels = map[string]string{
	AlertImmediately: "As soon as they appear (checked every 15 minutes)",
	AlertDaily:       "Once a day",
	AlertWeekly:      "Once a week",
}

// period is how long after its last run an alert is due again. A few
// minutes' slack keeps a daily alert daily when the job runs a little
// early.
func period(freq string) time.Duration {
	switch freq {
	case AlertDaily:
		return 24*time.Hour - 10*time.Minute
	case AlertWeekly:
		return 7*24*time.Hour - 10*time.Minute
	}
	return 0
}

// DeadlineWindow is how far ahead an alert tells of closing deadlines.
const DeadlineWindow = 7 * 24 * time.Hour

// Alert is a saved search.
type Alert struct {
	ID        int64
	UserID    int64
	Name      string
	Query     string // the listing's query string (Query.String())
	Frequency string
	LastRunAt time.Time
	CreatedAt time.Time
}

// URL is the listing the alert searches.
func (a Alert) URL() string {
	if a.Query == "" {
		return "/opportunities"
	}
	return "/opportunities?" + a.Query
}

// FrequencyLabel says how often it is sent.
func (a Alert) FrequencyLabel() string { return AlertFrequencyLabels[a.Frequency] }

// Describe says in words what the alert's search is.
func (a Alert) Describe() string {
	v, _ := url.ParseQuery(a.Query)
	q, _ := ParseQuery(v)
	return q.Describe()
}

// Describe says in words what a query searches for.
func (q Query) Describe() string {
	var parts []string
	if q.Words != "" {
		parts = append(parts, "words “"+q.Words+"”")
	}
	if q.Kind != "" {
		parts = append(parts, "kind: "+strings.ToLower(Label(q.Kind)))
	}
	switch q.Status {
	case "":
		parts = append(parts, "open or planned")
	case "all":
	default:
		parts = append(parts, "status: "+strings.ToLower(Label(q.Status)))
	}
	for _, x := range [][2]string{{"theme", q.Theme}, {"service", q.Service}, {"client group", q.ClientGroup}, {"ward", q.Ward}, {"buyer", q.Buyer}} {
		if x[1] != "" {
			parts = append(parts, x[0]+": "+x[1])
		}
	}
	if b, ok := band(q.ValueBand); ok {
		parts = append(parts, "value "+b.Label)
	}
	if q.ClosingDays > 0 {
		parts = append(parts, "closing within "+strconv.Itoa(q.ClosingDays)+" days")
	}
	if q.VCSE {
		parts = append(parts, "suitable for VCSE organisations")
	}
	return strings.Join(parts, "; ")
}

// ValidateAlert cleans and checks an alert's fields; q is the parsed
// search.
func ValidateAlert(a *Alert) error {
	var v apperr.Validation
	a.Name = clean.Line(a.Name)
	v.Check(a.Name != "", "name", "Enter a name for the alert, for example: Advocacy tenders")
	v.Check(utf8.RuneCountInString(a.Name) <= 120, "name", "The name must be 120 characters or fewer")
	if !valid(AlertFrequencies, a.Frequency) {
		v.Add("frequency", "Choose how often to get the email")
	}
	vals, err := url.ParseQuery(a.Query)
	if err != nil {
		v.Add("query", "The search could not be read; start again from the opportunities list")
	} else if q, err := ParseQuery(vals); err != nil {
		v.Add("query", "The search has a filter that cannot be used: "+apperr.Fields(err)[0].Message)
	} else {
		a.Query = q.String()
	}
	return v.Err()
}

// SaveAlert adds (ID 0) or updates one of userID's alerts.
func SaveAlert(ctx context.Context, q db.Querier, a *Alert) error {
	if err := ValidateAlert(a); err != nil {
		return err
	}
	now := db.Now()
	if a.ID == 0 {
		a.CreatedAt, a.LastRunAt = now, now
		return q.QueryRowContext(ctx, `INSERT INTO opportunity_alerts (user_id, name, query, frequency, last_run_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id`,
			a.UserID, a.Name, a.Query, a.Frequency, now).Scan(&a.ID)
	}
	res, err := q.ExecContext(ctx, `UPDATE opportunity_alerts SET name = $1, query = $2, frequency = $3, updated_at = $4 WHERE id = $5 AND user_id = $6`,
		a.Name, a.Query, a.Frequency, now, a.ID, a.UserID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("alert")
	}
	return nil
}

// DeleteAlert removes one of userID's alerts.
func DeleteAlert(ctx context.Context, q db.Querier, userID, id int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM opportunity_alerts WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("alert")
	}
	return nil
}

const alertCols = `id, user_id, name, query, frequency, last_run_at, created_at`

func scanAlert(rows interface{ Scan(...any) error }) (Alert, error) {
	var a Alert
	err := rows.Scan(&a.ID, &a.UserID, &a.Name, &a.Query, &a.Frequency, &a.LastRunAt, &a.CreatedAt)
	a.LastRunAt, a.CreatedAt = a.LastRunAt.UTC(), a.CreatedAt.UTC()
	return a, err
}

// AlertsOf lists userID's alerts, newest first, limit from offset, and
// how many there are.
func AlertsOf(ctx context.Context, q db.Querier, userID int64, limit, offset int) ([]Alert, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunity_alerts WHERE user_id = $1`, userID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+alertCols+` FROM opportunity_alerts WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, userID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// AlertOf is alert id when it is userID's (ENOTFOUND otherwise).
func AlertOf(ctx context.Context, q db.Querier, userID, id int64) (*Alert, error) {
	a, err := scanAlert(q.QueryRowContext(ctx, `SELECT `+alertCols+` FROM opportunity_alerts WHERE id = $1 AND user_id = $2`, id, userID))
	if err != nil {
		return nil, db.Err(err, "alert")
	}
	return &a, nil
}

// Hide marks an opportunity "not relevant" for userID.
func Hide(ctx context.Context, q db.Querier, userID, oppID int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO opportunity_hidden (user_id, opportunity_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, userID, oppID, db.Now())
	return err
}

// Unhide takes the mark away again.
func Unhide(ctx context.Context, q db.Querier, userID, oppID int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM opportunity_hidden WHERE user_id = $1 AND opportunity_id = $2`, userID, oppID)
	return err
}

// Hidden is the set of opportunities userID marked not relevant.
func Hidden(ctx context.Context, q db.Querier, userID int64) (map[int64]bool, error) {
	ids, err := db.Column[int64](ctx, q, `SELECT opportunity_id FROM opportunity_hidden WHERE user_id = $1`, userID)
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// OrgAlertOn reports whether an organisation's editors are told about
// opportunities that fit it.
func OrgAlertOn(ctx context.Context, q db.Querier, orgID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunity_org_alerts WHERE organisation_id = $1`, orgID).Scan(&n)
	return n > 0, err
}

// SetOrgAlert switches the organisation's alert on or off.
func SetOrgAlert(ctx context.Context, q db.Querier, orgID, userID int64, on bool) error {
	if !on {
		_, err := q.ExecContext(ctx, `DELETE FROM opportunity_org_alerts WHERE organisation_id = $1`, orgID)
		return err
	}
	now := db.Now()
	_, err := q.ExecContext(ctx, `INSERT INTO opportunity_org_alerts (organisation_id, last_run_at, created_by, created_at) VALUES ($1, $2, $3, $2) ON CONFLICT (organisation_id) DO NOTHING`,
		orgID, now, db.NullID(userID))
	return err
}

// HiddenOpp is an opportunity a person marked not relevant.
type HiddenOpp struct {
	ID          int64
	Slug, Title string
	BuyerName   string
}

// HiddenList lists the opportunities userID marked not relevant, most
// recent first (at most 200).
func HiddenList(ctx context.Context, q db.Querier, userID int64) ([]HiddenOpp, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.slug, p.title, o.name FROM opportunity_hidden h JOIN opportunities p ON p.id = h.opportunity_id
		JOIN organisations o ON o.id = p.buyer_org_id WHERE h.user_id = $1 ORDER BY h.created_at DESC, p.id DESC LIMIT 200`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HiddenOpp
	for rows.Next() {
		var h HiddenOpp
		if err := rows.Scan(&h.ID, &h.Slug, &h.Title, &h.BuyerName); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// withoutHidden drops the fits the signed-in person marked not relevant
// and keeps at most limit.
func (s *Service) withoutHidden(ctx context.Context, fits []Fit, limit int) ([]Fit, error) {
	var hidden map[int64]bool
	if id := web.IdentityFrom(ctx); id != nil {
		var err error
		if hidden, err = Hidden(ctx, s.q(), id.UserID); err != nil {
			return nil, err
		}
	}
	out := fits[:0]
	for _, f := range fits {
		if !hidden[f.O.ID] && len(out) < limit {
			out = append(out, f)
		}
	}
	return out, nil
}
