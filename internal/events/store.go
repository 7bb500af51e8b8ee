package events

import (
	"context"
	"database/sql"
	"fmt"
	"partnerhub/internal/clean"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

const eventCols = `e.id, e.uuid, e.slug, e.organiser_id, o.name, o.slug, e.title, e.type, e.summary, e.description,
	e.online, e.online_url, e.venue_name, e.venue_address, e.venue_postcode, e.accessibility,
	e.starts_at, e.ends_at, e.capacity, e.booked, e.booking_deadline, e.audience, e.status, e.meeting_cap,
	e.sequence, e.created_at, e.updated_at`

const eventFrom = ` FROM events e JOIN organisations o ON o.id = e.organiser_id`

func scanEvent(row interface{ Scan(...any) error }) (*Event, error) {
	var e Event
	var deadline sql.NullTime
	err := row.Scan(&e.ID, &e.UUID, &e.Slug, &e.OrganiserID, &e.OrganiserName, &e.OrganiserSlug, &e.Title, &e.Type,
		&e.Summary, &e.Description, &e.Online, &e.OnlineURL, &e.VenueName, &e.VenueAddress, &e.VenuePostcode,
		&e.Accessibility, &e.StartsAt, &e.EndsAt, &e.Capacity, &e.Booked, &deadline, &e.Audience, &e.Status,
		&e.MeetingCap, &e.Sequence, &e.CreatedAt, &e.UpdatedAt)
	if err != nil {
		return nil, err
	}
	e.StartsAt, e.EndsAt = e.StartsAt.UTC(), e.EndsAt.UTC()
	if deadline.Valid {
		d := deadline.Time.UTC()
		e.BookingDeadline = &d
	}
	return &e, nil
}

// GetEvent loads an event by id or slug (with its themes).
func GetEvent(ctx context.Context, q db.Querier, key string) (*Event, error) {
	where, arg := "e.slug = $1", any(key)
	if id, err := strconv.ParseInt(key, 10, 64); err == nil {
		where, arg = "e.id = $1", id
	}
	e, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventCols+eventFrom+` WHERE `+where, arg))
	if err != nil {
		return nil, db.Err(err, "Event")
	}
	return e, loadThemes(ctx, q, []*Event{e})
}

// lockEvent loads an event inside a write transaction, holding its row.
func lockEvent(ctx context.Context, tx *db.Tx, id int64) (*Event, error) {
	if tx.Dialect == db.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM events WHERE id = $1 FOR UPDATE`, id); err != nil {
			return nil, err
		}
	}
	e, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventCols+eventFrom+` WHERE e.id = $1`, id))
	if err != nil {
		return nil, db.Err(err, "Event")
	}
	return e, nil
}

func loadThemes(ctx context.Context, q db.Querier, evs []*Event) error {
	if len(evs) == 0 {
		return nil
	}
	byID := map[int64]*Event{}
	ph := make([]string, len(evs))
	args := make([]any, len(evs))
	for i, e := range evs {
		byID[e.ID] = e
		e.Themes, e.ThemeIDs = nil, nil
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = e.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT et.event_id, t.id, t.code, t.name, t.ni_codes FROM event_themes et
		JOIN taxonomy_terms t ON t.id = et.term_id WHERE et.event_id IN (`+strings.Join(ph, ",")+`) ORDER BY t.position, t.id`, args...)
	if err != nil {
		return db.Err(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var eid int64
		var t ThemeRef
		if err := rows.Scan(&eid, &t.ID, &t.Code, &t.Name, &t.NICodes); err != nil {
			return db.Err(err, "")
		}
		if e := byID[eid]; e != nil {
			e.Themes = append(e.Themes, t)
			e.ThemeIDs = append(e.ThemeIDs, t.ID)
		}
	}
	return db.Err(rows.Err(), "")
}

func setThemes(ctx context.Context, tx *db.Tx, eventID int64, ids []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_themes WHERE event_id = $1`, eventID); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		var ok int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM taxonomy_terms WHERE id = $1 AND vocabulary = 'theme'`, id).Scan(&ok)
		if err != nil {
			return fieldErr("theme", "Select themes from the list")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_themes (event_id, term_id) VALUES ($1, $2)`, eventID, id); err != nil {
			return err
		}
	}
	return nil
}

// uniqueSlug returns a slug for an event: its title and start date.
func uniqueSlug(ctx context.Context, q db.Querier, title string, start time.Time) (string, error) {
	base := clean.Slug(title)
	if base == "" {
		base = "event"
	}
	if len(base) > 60 {
		base = strings.Trim(base[:60], "-")
	}
	return db.UniqueSlug(ctx, q, "events", base+"-"+start.Format("2006-01-02"), 0)
}

// CreateEvent stores a new draft (or published) event for organiser.
func CreateEvent(ctx context.Context, tx *db.Tx, organiserID, userID int64, e *Event, status string) error {
	now := db.Now()
	slug, err := uniqueSlug(ctx, tx, e.Title, e.StartsAt.In(londonLoc()))
	if err != nil {
		return err
	}
	e.UUID, e.Slug, e.OrganiserID, e.Status = uuid.NewString(), slug, organiserID, status
	var uid any
	if userID != 0 {
		uid = userID
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO events (uuid, slug, organiser_id, title, type, summary, description, online, online_url,
		venue_name, venue_address, venue_postcode, accessibility, starts_at, ends_at, capacity, booking_deadline, audience, status,
		meeting_cap, created_by, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$22) RETURNING id`,
		e.UUID, e.Slug, organiserID, e.Title, e.Type, e.Summary, e.Description, e.Online, e.OnlineURL, e.VenueName,
		e.VenueAddress, e.VenuePostcode, e.Accessibility, e.StartsAt, e.EndsAt, e.Capacity, e.BookingDeadline, e.Audience,
		status, e.MeetingCap, uid, now).Scan(&e.ID)
	if err != nil {
		return err
	}
	if err := setThemes(ctx, tx, e.ID, e.ThemeIDs); err != nil {
		return err
	}
	return audit.Record(ctx, tx, organiserID, "event.create", "event", e.ID, e.Title)
}

// UpdateEvent saves the organiser's changes, checking the capacity against
// the places already booked while holding the event row. Raising the
// capacity promotes people from the waiting list.
func UpdateEvent(ctx context.Context, tx *db.Tx, id int64, in Input) (*Event, error) {
	cur, err := lockEvent(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	e, err := in.Validate(cur.Booked)
	if err != nil {
		return nil, err
	}
	seq := cur.Sequence
	if !e.StartsAt.Equal(cur.StartsAt) || !e.EndsAt.Equal(cur.EndsAt) || e.Location() != cur.Location() {
		seq++
	}
	_, err = tx.ExecContext(ctx, `UPDATE events SET title=$1, type=$2, summary=$3, description=$4, online=$5, online_url=$6,
		venue_name=$7, venue_address=$8, venue_postcode=$9, accessibility=$10, starts_at=$11, ends_at=$12, capacity=$13,
		booking_deadline=$14, audience=$15, meeting_cap=$16, sequence=$17, updated_at=$18 WHERE id=$19`,
		e.Title, e.Type, e.Summary, e.Description, e.Online, e.OnlineURL, e.VenueName, e.VenueAddress, e.VenuePostcode,
		e.Accessibility, e.StartsAt, e.EndsAt, e.Capacity, e.BookingDeadline, e.Audience, e.MeetingCap, seq, db.Now(), id)
	if err != nil {
		return nil, err
	}
	if err := setThemes(ctx, tx, id, e.ThemeIDs); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, cur.OrganiserID, "event.update", "event", id, e.Title); err != nil {
		return nil, err
	}
	if e.Capacity == 0 || e.Capacity > cur.Capacity {
		if _, err := promote(ctx, tx, id); err != nil {
			return nil, err
		}
	}
	return lockEvent(ctx, tx, id)
}

// SetStatus publishes, cancels or finishes an event. Cancelling emails
// everyone booked or waiting.
func SetStatus(ctx context.Context, tx *db.Tx, id int64, status, baseURL string) error {
	e, err := lockEvent(ctx, tx, id)
	if err != nil {
		return err
	}
	switch {
	case e.Status == status:
		return nil
	case status == StatusPublished && e.Status != StatusDraft:
		return apperr.Errorf(apperr.ECONFLICT, "Only a draft event can be published")
	case status == StatusCancelled && (e.Status == StatusFinished):
		return apperr.Errorf(apperr.ECONFLICT, "A finished event cannot be cancelled")
	case status == StatusDraft:
		return apperr.Errorf(apperr.ECONFLICT, "A published event cannot go back to draft; cancel it instead")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE events SET status = $1, sequence = sequence + 1, updated_at = $2 WHERE id = $3`, status, db.Now(), id); err != nil {
		return err
	}
	if status == StatusCancelled {
		bs, err := Bookings(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, b := range bs {
			if b.Status == BookingCancelled {
				continue
			}
			if _, err := tellAttendee(ctx, tx, baseURL, e, b.AttendeeEmail, "event_cancelled", "Cancelled: "+e.Title, fmt.Sprintf(
				"Hello %s,\n\n%s on %s has been cancelled by %s. We are sorry for any inconvenience.\n\n%s/events/%s\n",
				b.AttendeeName, e.Title, whenText(e), e.OrganiserName, baseURL, e.Slug)); err != nil {
				return err
			}
		}
	}
	return audit.Record(ctx, tx, e.OrganiserID, "event."+status, "event", id, e.Title)
}

// Filter selects events for a listing.
type Filter struct {
	Type        string
	ThemeID     int64
	OrganiserID int64
	From, To    *time.Time // starts_at within [From, To)
	Statuses    []string   // default published + finished + cancelled
	Past        bool       // newest first
	Limit       int
	Offset      int
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	st := f.Statuses
	if len(st) == 0 {
		st = []string{StatusPublished, StatusFinished, StatusCancelled}
	}
	ph := []string{}
	for _, s := range st {
		ph = append(ph, arg(s))
	}
	conds = append(conds, "e.status IN ("+strings.Join(ph, ",")+")")
	if f.Type != "" {
		conds = append(conds, "e.type = "+arg(f.Type))
	}
	if f.ThemeID != 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM event_themes et WHERE et.event_id = e.id AND et.term_id = "+arg(f.ThemeID)+")")
	}
	if f.OrganiserID != 0 {
		conds = append(conds, "e.organiser_id = "+arg(f.OrganiserID))
	}
	if f.From != nil {
		conds = append(conds, "e.ends_at > "+arg(*f.From))
	}
	if f.To != nil {
		conds = append(conds, "e.starts_at < "+arg(*f.To))
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// OrganiserRef names an organisation that has organised a public event.
type OrganiserRef struct{ Slug, Name string }

// Organisers lists the organisations with at least one event that is not
// a draft, by name: the listing's organiser filter.
func Organisers(ctx context.Context, q db.Querier) ([]OrganiserRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.slug, o.name FROM (SELECT DISTINCT organiser_id FROM events WHERE status <> 'draft') e
		JOIN organisations o ON o.id = e.organiser_id ORDER BY o.name, o.slug`)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []OrganiserRef
	for rows.Next() {
		var o OrganiserRef
		if err := rows.Scan(&o.Slug, &o.Name); err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, o)
	}
	return out, db.Err(rows.Err(), "")
}

// ListEvents returns events matching f and the total count.
func ListEvents(ctx context.Context, q db.Querier, f Filter) ([]*Event, int, error) {
	where, args := f.where()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM events e`+where, args...).Scan(&total); err != nil {
		return nil, 0, db.Err(err, "")
	}
	order := " ORDER BY e.starts_at, e.id"
	if f.Past {
		order = " ORDER BY e.starts_at DESC, e.id DESC"
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	sqlText := `SELECT ` + eventCols + eventFrom + where + order + fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, f.Offset)
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, 0, db.Err(err, "")
	}
	defer rows.Close()
	var out []*Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, 0, db.Err(err, "")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, db.Err(err, "")
	}
	return out, total, loadThemes(ctx, q, out)
}

// SparkedCount is the number of partnerships recorded as introduced at an
// event (partnerships.origin = 'event').
func SparkedCount(ctx context.Context, q db.Querier, eventID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM partnerships WHERE origin = 'event' AND origin_event_id = $1`, eventID).Scan(&n)
	return n, db.Err(err, "")
}

// TypeStat is one row of the per-type measures.
type TypeStat struct {
	Type         string  `json:"type"`
	Events       int     `json:"events"`
	Attendees    int     `json:"attendees"`
	Partnerships int     `json:"partnerships_sparked"`
	AvgRating    float64 `json:"average_rating"`
	Ratings      int     `json:"ratings"`
}

// StatsByType counts events (held or published), attended places,
// partnerships sparked and feedback per event type.
func StatsByType(ctx context.Context, q db.Querier) ([]TypeStat, int, error) {
	byType := map[string]*TypeStat{}
	for _, t := range Types {
		byType[t] = &TypeStat{Type: t}
	}
	rows, err := q.QueryContext(ctx, `SELECT e.type, COUNT(*),
		COALESCE(SUM((SELECT COUNT(*) FROM event_bookings b WHERE b.event_id = e.id AND b.status = 'confirmed' AND (b.attended IS NULL OR b.attended = TRUE))), 0)
		FROM events e WHERE e.status IN ('published','finished') GROUP BY e.type`)
	if err != nil {
		return nil, 0, db.Err(err, "")
	}
	for rows.Next() {
		var t string
		var n, a int
		if err := rows.Scan(&t, &n, &a); err != nil {
			rows.Close()
			return nil, 0, db.Err(err, "")
		}
		if s := byType[t]; s != nil {
			s.Events, s.Attendees = n, a
		}
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT e.type, COUNT(*) FROM partnerships p JOIN events e ON e.id = p.origin_event_id
		WHERE p.origin = 'event' GROUP BY e.type`)
	if err != nil {
		return nil, 0, db.Err(err, "")
	}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			rows.Close()
			return nil, 0, db.Err(err, "")
		}
		if s := byType[t]; s != nil {
			s.Partnerships = n
		}
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT e.type, COUNT(*), AVG(f.rating * 1.0) FROM event_feedback f JOIN events e ON e.id = f.event_id GROUP BY e.type`)
	if err != nil {
		return nil, 0, db.Err(err, "")
	}
	for rows.Next() {
		var t string
		var n int
		var avg float64
		if err := rows.Scan(&t, &n, &avg); err != nil {
			rows.Close()
			return nil, 0, db.Err(err, "")
		}
		if s := byType[t]; s != nil {
			s.Ratings, s.AvgRating = n, avg
		}
	}
	rows.Close()
	var unknown int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM partnerships WHERE origin = 'event' AND origin_event_id IS NULL`).Scan(&unknown); err != nil {
		return nil, 0, db.Err(err, "")
	}
	out := make([]TypeStat, 0, len(Types))
	for _, t := range Types {
		out = append(out, *byType[t])
	}
	return out, unknown, nil
}

// OrgSectors maps the identity's organisations to their sectors.
func OrgSectors(ctx context.Context, q db.Querier, orgIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, id := range orgIDs {
		var s string
		if err := q.QueryRowContext(ctx, `SELECT sector FROM organisations WHERE id = $1`, id).Scan(&s); err != nil {
			return nil, db.Err(err, "organisation")
		}
		out[id] = s
	}
	return out, nil
}

func londonLoc() *time.Location { return web.London() }

func whenText(e *Event) string {
	lon := londonLoc()
	s, en := e.StartsAt.In(lon), e.EndsAt.In(lon)
	if s.Format("2006-01-02") == en.Format("2006-01-02") {
		return s.Format("Monday 2 January 2006, 15:04") + zoneNote(s) + " to " + en.Format("15:04") + zoneNote(en)
	}
	return s.Format("Monday 2 January 2006, 15:04") + zoneNote(s) + " to " + en.Format("Monday 2 January 2006, 15:04") + zoneNote(en)
}

// zoneNote is " BST" or " GMT" for a London time on a day the clocks
// change (when 01:30 may mean two times, or none), else "".
func zoneNote(l time.Time) string {
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, l.Location())
	_, before := day.Zone()
	_, after := day.AddDate(0, 0, 1).Zone()
	if before == after {
		return ""
	}
	return " " + l.Format("MST")
}

// CalendarTokenOwner is the user (id and email) whose personal calendar
// feed token is tok; a token unknown or of a disabled account is not found.
func CalendarTokenOwner(ctx context.Context, q db.Querier, tok string) (int64, string, error) {
	var uid int64
	var email string
	err := q.QueryRowContext(ctx, `SELECT t.user_id, u.email FROM event_calendar_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND u.disabled_at IS NULL`, accounts.HashToken(tok)).Scan(&uid, &email)
	if err != nil {
		return 0, "", db.Err(err, "Calendar")
	}
	return uid, email, nil
}

// CalendarTokenCreated is when the user's calendar feed token was made,
// or nil when they have none.
func CalendarTokenCreated(ctx context.Context, q db.Querier, userID int64) (*time.Time, error) {
	var t time.Time
	err := q.QueryRowContext(ctx, `SELECT created_at FROM event_calendar_tokens WHERE user_id = $1`, userID).Scan(&t)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ResetCalendarToken makes a new secret feed URL for the user; the old one
// stops working.
func ResetCalendarToken(ctx context.Context, tx *db.Tx, userID int64) (string, error) {
	tok, hash := accounts.NewToken()
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_calendar_tokens WHERE user_id = $1`, userID); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO event_calendar_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)`, userID, hash, db.Now()); err != nil {
		return "", err
	}
	return tok, audit.Record(ctx, tx, 0, "event.calendar_token_reset", "user", userID, "")
}
