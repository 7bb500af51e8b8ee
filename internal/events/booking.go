package events

import (
	"context"
	"database/sql"
	"fmt"
	"partnerhub/internal/clean"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
	"partnerhub/internal/notify"
)

// Booking is one place (or waiting-list entry) on an event.
type Booking struct {
	ID            int64
	EventID       int64
	UserID        *int64
	OrgID         *int64
	OrgName       string
	AttendeeName  string
	AttendeeEmail string
	AccessNeeds   string
	Status        string
	Attended      *bool
	CreatedAt     time.Time
	ConfirmedAt   *time.Time
	CancelledAt   *time.Time
	Position      int // place on the waiting list (1 = next), 0 otherwise
}

// BookRequest is a booking to make.
type BookRequest struct {
	UserID      int64 // who is booking
	OrgID       int64 // on behalf of (0 = none)
	Name        string
	Email       string
	AccessNeeds string
}

const bookingCols = `b.id, b.event_id, b.user_id, b.organisation_id, COALESCE(o.name, ''), b.attendee_name, b.attendee_email,
	b.access_needs, b.status, b.attended, b.created_at, b.confirmed_at, b.cancelled_at`

func scanBooking(row interface{ Scan(...any) error }) (*Booking, error) {
	var b Booking
	var uid, oid sql.NullInt64
	var att sql.NullBool
	var conf, canc sql.NullTime
	if err := row.Scan(&b.ID, &b.EventID, &uid, &oid, &b.OrgName, &b.AttendeeName, &b.AttendeeEmail, &b.AccessNeeds,
		&b.Status, &att, &b.CreatedAt, &conf, &canc); err != nil {
		return nil, err
	}
	if uid.Valid {
		b.UserID = &uid.Int64
	}
	if oid.Valid {
		b.OrgID = &oid.Int64
	}
	if att.Valid {
		b.Attended = &att.Bool
	}
	if conf.Valid {
		b.ConfirmedAt = &conf.Time
	}
	if canc.Valid {
		b.CancelledAt = &canc.Time
	}
	return &b, nil
}

// Bookings lists an event's bookings: confirmed, then waiting in order, then cancelled.
func Bookings(ctx context.Context, q db.Querier, eventID int64) ([]*Booking, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+bookingCols+` FROM event_bookings b LEFT JOIN organisations o ON o.id = b.organisation_id
		WHERE b.event_id = $1 ORDER BY CASE b.status WHEN 'confirmed' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, b.created_at, b.id`, eventID)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []*Booking
	pos := 0
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, db.Err(err, "")
		}
		if b.Status == BookingWaiting {
			pos++
			b.Position = pos
		}
		out = append(out, b)
	}
	return out, db.Err(rows.Err(), "")
}

// GetBooking loads one booking.
func GetBooking(ctx context.Context, q db.Querier, id int64) (*Booking, error) {
	b, err := scanBooking(q.QueryRowContext(ctx, `SELECT `+bookingCols+` FROM event_bookings b LEFT JOIN organisations o ON o.id = b.organisation_id WHERE b.id = $1`, id))
	return b, db.Err(err, "Booking")
}

// UserBookings lists a person's active bookings (as booker or attendee).
func UserBookings(ctx context.Context, q db.Querier, userID int64, email string) ([]*Booking, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+bookingCols+` FROM event_bookings b LEFT JOIN organisations o ON o.id = b.organisation_id
		JOIN events e ON e.id = b.event_id
		WHERE (b.user_id = $1 OR b.attendee_email = $2) AND b.status <> 'cancelled' ORDER BY e.starts_at DESC, b.id`, userID, strings.ToLower(email))
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []*Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, b)
	}
	return out, db.Err(rows.Err(), "")
}

// tellBooker sends a notice about a booking to the person it is for,
// through notify: the booking kinds (event_booking, event_booking_cancelled,
// event_promoted) are mandatory there, answering what they asked for, so
// they carry the why-you-got-this line but no unsubscribe link.
func tellBooker(ctx context.Context, q db.Querier, baseURL string, e *Event, to, kind, subject, body string) error {
	_, err := notify.Send(ctx, q, baseURL, notify.Notice{To: to, OrgID: e.OrganiserID, Kind: kind, Subject: subject, Text: body,
		Why: "You get this email because of your booking for " + e.Title + ", run by " + e.OrganiserName + "."})
	return err
}

// tellAttendee sends a notice about e to one attendee through notify: it
// says why they get it and carries a one-click unsubscribe for kind. It
// reports whether a message was queued (not when they turned kind off).
func tellAttendee(ctx context.Context, q db.Querier, baseURL string, e *Event, to, kind, subject, body string) (bool, error) {
	return notify.Send(ctx, q, baseURL, notify.Notice{To: to, OrgID: e.OrganiserID, Kind: kind, Subject: subject, Text: body,
		Why: "You get this email because you booked for " + e.Title + ", run by " + e.OrganiserName + "."})
}

// bookable checks the event accepts bookings at now.
func bookable(e *Event, now time.Time) error {
	switch {
	case e.Status == StatusDraft:
		return apperr.NotFound("Event")
	case e.Status == StatusCancelled:
		return apperr.Errorf(apperr.ECONFLICT, "This event has been cancelled, so it cannot be booked")
	case e.Status == StatusFinished || !now.Before(e.EndsAt):
		return apperr.Errorf(apperr.ECONFLICT, "This event has finished, so it cannot be booked")
	case !now.Before(e.Deadline()):
		return apperr.Errorf(apperr.ECONFLICT, "Booking for this event closed on %s", e.Deadline().In(londonLoc()).Format("2 January 2006 at 15:04"))
	}
	return nil
}

// Book takes a place on the event, or a place on the waiting list when the
// event is full. It holds the event row, so capacity is never exceeded.
func Book(ctx context.Context, tx *db.Tx, eventID int64, req BookRequest, now time.Time, baseURL string) (*Booking, error) {
	var v apperr.Validation
	name := clean.Text(req.Name)
	email := accounts.NormaliseEmail(req.Email)
	v.Check(name != "", "attendee_name", "Enter the attendee's name")
	v.Check(len(name) <= 200, "attendee_name", "Name must be 200 characters or fewer")
	v.Check(mail.ValidAddress(email), "attendee_email", "Enter the attendee's email address, like name@example.org")
	access := strings.TrimSpace(req.AccessNeeds)
	v.Check(len(access) <= 2000, "access_needs", "Access needs must be 2,000 characters or fewer")
	if err := v.Err(); err != nil {
		return nil, err
	}
	e, err := lockEvent(ctx, tx, eventID)
	if err != nil {
		return nil, err
	}
	if err := bookable(e, now); err != nil {
		return nil, err
	}
	var existing string
	err = tx.QueryRowContext(ctx, `SELECT status FROM event_bookings WHERE event_id = $1 AND attendee_email = $2 AND status <> 'cancelled'`, eventID, email).Scan(&existing)
	if err == nil {
		if existing == BookingWaiting {
			return nil, apperr.Errorf(apperr.ECONFLICT, "%s is already on the waiting list for this event", email)
		}
		return nil, apperr.Errorf(apperr.ECONFLICT, "%s already has a place on this event", email)
	} else if err != sql.ErrNoRows {
		return nil, err
	}
	status := BookingConfirmed
	if e.Full() {
		status = BookingWaiting
	}
	b := &Booking{EventID: eventID, AttendeeName: name, AttendeeEmail: email, AccessNeeds: access, Status: status, CreatedAt: now}
	var uid, oid, conf any
	if req.UserID != 0 {
		uid = req.UserID
		b.UserID = &req.UserID
	}
	if req.OrgID != 0 {
		oid = req.OrgID
		b.OrgID = &req.OrgID
	}
	if status == BookingConfirmed {
		conf = now
		b.ConfirmedAt = &now
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO event_bookings (event_id, user_id, organisation_id, attendee_name, attendee_email, access_needs, status, created_at, confirmed_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`, eventID, uid, oid, name, email, access, status, now, conf).Scan(&b.ID); err != nil {
		return nil, err
	}
	if status == BookingConfirmed {
		if _, err := tx.ExecContext(ctx, `UPDATE events SET booked = booked + 1 WHERE id = $1`, eventID); err != nil {
			return nil, err
		}
	}
	subject, body := "Booking confirmed: "+e.Title, fmt.Sprintf("Hello %s,\n\nYou have a place on %s.\n\nWhen: %s\nWhere: %s\n\nEvent details and cancellation: %s/events/%s\n",
		name, e.Title, whenText(e), e.Location(), baseURL, e.Slug)
	if status == BookingWaiting {
		subject, body = "Waiting list: "+e.Title, fmt.Sprintf("Hello %s,\n\n%s is full, so you are on the waiting list. If a place becomes free we will give it to you automatically and email you.\n\nWhen: %s\n\n%s/events/%s\n",
			name, e.Title, whenText(e), baseURL, e.Slug)
	}
	if err := tellBooker(ctx, tx, baseURL, e, email, "event_booking", subject, body); err != nil {
		return nil, err
	}
	return b, audit.Record(ctx, tx, e.OrganiserID, "event.book", "event_booking", b.ID, status+" "+email)
}

// CancelBooking cancels a booking; a freed place goes to the waiting list.
func CancelBooking(ctx context.Context, tx *db.Tx, bookingID int64, baseURL string) error {
	b, err := GetBooking(ctx, tx, bookingID)
	if err != nil {
		return err
	}
	e, err := lockEvent(ctx, tx, b.EventID)
	if err != nil {
		return err
	}
	var was string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM event_bookings WHERE id = $1`, bookingID).Scan(&was); err != nil {
		return err
	}
	if was == BookingCancelled {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE event_bookings SET status = 'cancelled', cancelled_at = $1 WHERE id = $2`, db.Now(), bookingID); err != nil {
		return err
	}
	if was == BookingConfirmed {
		if _, err := tx.ExecContext(ctx, `UPDATE events SET booked = booked - 1 WHERE id = $1`, b.EventID); err != nil {
			return err
		}
		if _, err := promoteWith(ctx, tx, e.ID, baseURL); err != nil {
			return err
		}
	}
	if err := tellBooker(ctx, tx, baseURL, e, b.AttendeeEmail, "event_booking_cancelled", "Booking cancelled: "+e.Title, fmt.Sprintf("Hello %s,\n\nYour booking for %s (%s) is cancelled.\n", b.AttendeeName, e.Title, whenText(e))); err != nil {
		return err
	}
	return audit.Record(ctx, tx, e.OrganiserID, "event.booking_cancel", "event_booking", bookingID, b.AttendeeEmail)
}

func promote(ctx context.Context, tx *db.Tx, eventID int64) (int, error) {
	return promoteWith(ctx, tx, eventID, "")
}

// promoteWith fills free places from the waiting list, oldest first,
// emailing each person promoted. The caller holds the event row.
func promoteWith(ctx context.Context, tx *db.Tx, eventID int64, baseURL string) (int, error) {
	e, err := lockEvent(ctx, tx, eventID)
	if err != nil {
		return 0, err
	}
	if e.Status != StatusPublished {
		return 0, nil
	}
	n := 0
	for !e.Full() {
		var id int64
		var name, email string
		err := tx.QueryRowContext(ctx, `SELECT id, attendee_name, attendee_email FROM event_bookings WHERE event_id = $1 AND status = 'waiting' ORDER BY created_at, id LIMIT 1`, eventID).Scan(&id, &name, &email)
		if err == sql.ErrNoRows {
			break
		}
		if err != nil {
			return n, err
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE event_bookings SET status = 'confirmed', confirmed_at = $1 WHERE id = $2`, now, id); err != nil {
			return n, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET booked = booked + 1 WHERE id = $1`, eventID); err != nil {
			return n, err
		}
		e.Booked++
		n++
		link := ""
		if baseURL != "" {
			link = fmt.Sprintf("\nEvent details and cancellation: %s/events/%s\n", baseURL, e.Slug)
		}
		if err := tellBooker(ctx, tx, baseURL, e, email, "event_promoted", "A place is now yours: "+e.Title, fmt.Sprintf("Hello %s,\n\nA place has become free on %s and it is now yours: you have moved from the waiting list to a confirmed place.\n\nWhen: %s\nWhere: %s\n%s\nIf you can no longer come, please cancel so the place can go to someone else.\n",
			name, e.Title, whenText(e), e.Location(), link)); err != nil {
			return n, err
		}
		if err := audit.Record(ctx, tx, e.OrganiserID, "event.booking_promote", "event_booking", id, email); err != nil {
			return n, err
		}
	}
	return n, nil
}

// MarkAttendance records who came (ids present in attended) among the
// event's confirmed bookings.
func MarkAttendance(ctx context.Context, tx *db.Tx, eventID int64, attended map[int64]bool) error {
	e, err := lockEvent(ctx, tx, eventID)
	if err != nil {
		return err
	}
	bs, err := Bookings(ctx, tx, eventID)
	if err != nil {
		return err
	}
	n := 0
	for _, b := range bs {
		if b.Status != BookingConfirmed {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_bookings SET attended = $1 WHERE id = $2`, attended[b.ID], b.ID); err != nil {
			return err
		}
		if attended[b.ID] {
			n++
		}
	}
	return audit.Record(ctx, tx, e.OrganiserID, "event.attendance", "event", eventID, fmt.Sprintf("%d attended", n))
}

// MessageAttendees emails everyone confirmed (and, if asked, waiting).
func MessageAttendees(ctx context.Context, tx *db.Tx, eventID int64, subject, body string, includeWaiting bool, baseURL string) (int, error) {
	var v apperr.Validation
	subject = clean.Text(subject)
	body = strings.TrimSpace(body)
	v.Check(subject != "", "subject", "Enter a subject")
	v.Check(len(subject) <= 150, "subject", "Subject must be 150 characters or fewer")
	v.Check(body != "", "body", "Enter your message")
	v.Check(len(body) <= 10000, "body", "Message must be 10,000 characters or fewer")
	if err := v.Err(); err != nil {
		return 0, err
	}
	e, err := lockEvent(ctx, tx, eventID)
	if err != nil {
		return 0, err
	}
	bs, err := Bookings(ctx, tx, eventID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range bs {
		if b.Status == BookingConfirmed || (includeWaiting && b.Status == BookingWaiting) {
			if _, err := tellAttendee(ctx, tx, baseURL, e, b.AttendeeEmail, "event_message", subject,
				fmt.Sprintf("Hello %s,\n\nA message from %s about %s (%s):\n\n%s\n", b.AttendeeName, e.OrganiserName, e.Title, whenText(e), body)); err != nil {
				return n, err
			}
			n++
		}
	}
	if n == 0 {
		return 0, apperr.Errorf(apperr.EINVALID, "Nobody is booked on this event yet, so there is nobody to message")
	}
	return n, audit.Record(ctx, tx, e.OrganiserID, "event.message", "event", eventID, fmt.Sprintf("%d recipients: %s", n, subject))
}

// Came reports whether the organiser marked the attendee as present.
func (b *Booking) Came() bool { return b.Attended != nil && *b.Attended }
