package privacy

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// A Request is one entry of the register of data-protection requests: a
// subject-access or erasure request received by email, post, phone or in
// person, answered within one calendar month of receipt (extendable by two
// further months, with a reason, for complex or numerous requests).
type Request struct {
	ID              int64
	Kind            string // access, erasure
	Email, Name     string
	Channel         string
	ReceivedOn      time.Time
	DueOn           time.Time
	ExtensionReason string
	Notes           string
	CreatedAt       time.Time
	ExportedAt      *time.Time
	CompletedAt     *time.Time
}

// Request kinds and channels.
var (
	RequestKinds    = []string{"access", "erasure"}
	RequestChannels = []string{"email", "post", "phone", "in_person", "web"}
)

// Status is what the register shows.
func (r Request) Status(today time.Time) string {
	switch {
	case r.CompletedAt != nil:
		return "completed"
	case today.After(r.DueOn):
		return "overdue"
	case r.ExtensionReason != "":
		return "extended"
	}
	return "open"
}

// DueAfter is the deadline for a request received on day: one month.
func DueAfter(day time.Time) time.Time { return day.AddDate(0, 1, 0) }

// Validate checks a new request.
func (r *Request) Validate(today time.Time) error {
	var v apperr.Validation
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	r.Name = strings.TrimSpace(r.Name)
	r.Notes = strings.TrimSpace(r.Notes)
	v.Check(contains(RequestKinds, r.Kind), "kind", "Choose what the person asked for")
	v.Check(strings.Contains(r.Email, "@") && len(r.Email) <= 254 && !strings.ContainsAny(r.Email, " \t\r\n"), "email", "Enter the person's email address, like name@example.org")
	v.Check(len(r.Name) <= 200, "name", "Enter a name of 200 characters or fewer")
	v.Check(contains(RequestChannels, r.Channel), "channel", "Choose how the request came")
	v.Check(!r.ReceivedOn.IsZero(), "received_on", "Enter the date the request was received, like 27 3 2026")
	v.Check(r.ReceivedOn.IsZero() || !r.ReceivedOn.After(today), "received_on", "The date received must be today or in the past")
	v.Check(len(r.Notes) <= 5000, "notes", "Enter notes of 5000 characters or fewer")
	return v.Err()
}

const requestCols = `id, kind, email, name, channel, received_on, due_on, extension_reason, notes, created_at, exported_at, completed_at`

func scanRequest(row interface{ Scan(...any) error }) (*Request, error) {
	var r Request
	err := row.Scan(&r.ID, &r.Kind, &r.Email, &r.Name, &r.Channel, &r.ReceivedOn, &r.DueOn, &r.ExtensionReason, &r.Notes, &r.CreatedAt, &r.ExportedAt, &r.CompletedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("request")
	}
	return &r, err
}

// CreateRequest logs a request received by other means, and audits it.
func CreateRequest(ctx context.Context, tx *db.Tx, r *Request, by int64) error {
	r.DueOn = DueAfter(r.ReceivedOn)
	var creator any
	if by != 0 {
		creator = by
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO privacy_requests (kind, email, name, channel, received_on, due_on, notes, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, r.Kind, r.Email, r.Name, r.Channel, r.ReceivedOn, r.DueOn, r.Notes, creator, db.Now()).Scan(&r.ID)
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, 0, "privacy.request_log", "privacy_request", r.ID, r.Kind+" request from "+r.Email+" due "+r.DueOn.Format("2006-01-02"))
}

// RequestByID returns one request.
func RequestByID(ctx context.Context, q db.Querier, id int64) (*Request, error) {
	return scanRequest(q.QueryRowContext(ctx, `SELECT `+requestCols+` FROM privacy_requests WHERE id = $1`, id))
}

// ListRequests returns the register, open requests first by due date.
func ListRequests(ctx context.Context, q db.Querier, limit, offset int) ([]Request, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM privacy_requests`).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+requestCols+` FROM privacy_requests
		ORDER BY CASE WHEN completed_at IS NULL THEN 0 ELSE 1 END, due_on, id LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, *r)
	}
	return out, total, rows.Err()
}

// ExtendRequest moves the deadline to three months after receipt (the
// most the UK GDPR allows), once, with a reason.
func ExtendRequest(ctx context.Context, tx *db.Tx, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	r, err := RequestByID(ctx, tx, id)
	if err != nil {
		return err
	}
	var v apperr.Validation
	v.Check(reason != "", "reason", "Say why the request needs more time (it is complex, or the person made several)")
	v.Check(len(reason) <= 2000, "reason", "Enter a reason of 2000 characters or fewer")
	v.Check(r.ExtensionReason == "", "reason", "This request has already been extended to the longest the law allows")
	v.Check(r.CompletedAt == nil, "reason", "This request is already completed")
	if err := v.Err(); err != nil {
		return err
	}
	due := r.ReceivedOn.AddDate(0, 3, 0)
	if _, err := tx.ExecContext(ctx, `UPDATE privacy_requests SET due_on = $1, extension_reason = $2 WHERE id = $3`, due, reason, id); err != nil {
		return err
	}
	return audit.Record(ctx, tx, 0, "privacy.request_extend", "privacy_request", id, "due "+due.Format("2006-01-02")+": "+reason)
}

// CompleteRequest marks a request answered.
func CompleteRequest(ctx context.Context, tx *db.Tx, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE privacy_requests SET completed_at = $1 WHERE id = $2 AND completed_at IS NULL`, db.Now(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := RequestByID(ctx, tx, id); err != nil {
			return err
		}
		return apperr.Errorf(apperr.ECONFLICT, "This request is already completed")
	}
	return audit.Record(ctx, tx, 0, "privacy.request_complete", "privacy_request", id, "")
}

// MarkExported records that the request's export was produced.
func MarkExported(ctx context.Context, tx *db.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE privacy_requests SET exported_at = $1 WHERE id = $2`, db.Now(), id); err != nil {
		return err
	}
	return audit.Record(ctx, tx, 0, "privacy.request_export", "privacy_request", id, "")
}

// A Hold keeps a person's records: erasure is refused while it is open.
type Hold struct {
	ID         int64
	Email      string
	Reason     string
	CreatedAt  time.Time
	ReleasedAt *time.Time
}

// AddHold places a legal hold on a person's records.
func AddHold(ctx context.Context, tx *db.Tx, email, reason string, by int64) (int64, error) {
	email, reason = strings.ToLower(strings.TrimSpace(email)), strings.TrimSpace(reason)
	var v apperr.Validation
	v.Check(strings.Contains(email, "@") && len(email) <= 254, "hold_email", "Enter the person's email address, like name@example.org")
	v.Check(reason != "" && len(reason) <= 2000, "hold_reason", "Say why their records must be kept, for example the claim or dispute")
	if err := v.Err(); err != nil {
		return 0, err
	}
	var creator any
	if by != 0 {
		creator = by
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO legal_holds (email, reason, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id`, email, reason, creator, db.Now()).Scan(&id); err != nil {
		return 0, err
	}
	return id, audit.Record(ctx, tx, 0, "privacy.hold_place", "legal_hold", id, email+": "+reason)
}

// ReleaseHold ends a legal hold.
func ReleaseHold(ctx context.Context, tx *db.Tx, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE legal_holds SET released_at = $1 WHERE id = $2 AND released_at IS NULL`, db.Now(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("legal hold")
	}
	return audit.Record(ctx, tx, 0, "privacy.hold_release", "legal_hold", id, "")
}

// OpenHolds lists the holds not released.
func OpenHolds(ctx context.Context, q db.Querier) ([]Hold, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, email, reason, created_at, released_at FROM legal_holds WHERE released_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Hold
	for rows.Next() {
		var h Hold
		if err := rows.Scan(&h.ID, &h.Email, &h.Reason, &h.CreatedAt, &h.ReleasedAt); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

var requestWords = map[string]string{"access": "Subject access (a copy of their data)", "erasure": "Erasure",
	"email": "Email", "post": "Post", "phone": "Phone", "in_person": "In person", "web": "Web form"}

// KindWords and ChannelWords name a request's codes for pages.
func (r Request) KindWords() string    { return requestWords[r.Kind] }
func (r Request) ChannelWords() string { return requestWords[r.Channel] }

// Words names a code for pages.
func Words(code string) string { return requestWords[code] }
