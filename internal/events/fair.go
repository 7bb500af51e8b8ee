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

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/notify"
)

// Stand is a trade fair stand, with the organisation allocated to it.
type Stand struct {
	ID          int64
	Code        string
	Description string
	OrgName     string
	OrgSlug     string
}

// StandApplication is an organisation's request for a stand.
type StandApplication struct {
	ID        int64
	OrgID     int64
	OrgName   string
	OrgSlug   string
	Offer     string
	Status    string
	StandID   *int64
	StandCode string
	CreatedAt time.Time
}

// Slot is a meet-the-buyer meeting slot.
type Slot struct {
	ID            int64
	UUID          string
	EventID       int64
	EventSlug     string
	EventTitle    string
	BuyerOrgID    int64
	BuyerOrgName  string
	BuyerUserID   *int64
	BuyerName     string
	BuyerEmail    string
	Topic         string
	StartsAt      time.Time
	EndsAt        time.Time
	BookedOrgID   *int64
	BookedOrgName string
	BookedByEmail string
}

// Stands lists an event's stands in code order.
func Stands(ctx context.Context, q db.Querier, eventID int64) ([]Stand, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.code, s.description, COALESCE(o.name, ''), COALESCE(o.slug, '') FROM event_stands s
		LEFT JOIN event_stand_applications a ON a.stand_id = s.id AND a.status = 'allocated'
		LEFT JOIN organisations o ON o.id = a.organisation_id WHERE s.event_id = $1 ORDER BY s.code`, eventID)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []Stand
	for rows.Next() {
		var s Stand
		if err := rows.Scan(&s.ID, &s.Code, &s.Description, &s.OrgName, &s.OrgSlug); err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, s)
	}
	return out, db.Err(rows.Err(), "")
}

// Applications lists an event's stand applications, oldest first.
func Applications(ctx context.Context, q db.Querier, eventID int64) ([]StandApplication, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.organisation_id, o.name, o.slug, a.offer, a.status, a.stand_id, COALESCE(s.code, ''), a.created_at
		FROM event_stand_applications a JOIN organisations o ON o.id = a.organisation_id LEFT JOIN event_stands s ON s.id = a.stand_id
		WHERE a.event_id = $1 ORDER BY a.created_at, a.id`, eventID)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []StandApplication
	for rows.Next() {
		var a StandApplication
		var sid sql.NullInt64
		if err := rows.Scan(&a.ID, &a.OrgID, &a.OrgName, &a.OrgSlug, &a.Offer, &a.Status, &sid, &a.StandCode, &a.CreatedAt); err != nil {
			return nil, db.Err(err, "")
		}
		if sid.Valid {
			a.StandID = &sid.Int64
		}
		out = append(out, a)
	}
	return out, db.Err(rows.Err(), "")
}

func needFair(e *Event) error {
	if !e.IsTradeFair() {
		return apperr.NotFound("Trade fair")
	}
	return nil
}

// AddStands adds stands from lines "CODE description" (or "CODE - description").
// Codes already defined are reported, not duplicated.
func AddStands(ctx context.Context, tx *db.Tx, eventID int64, text string) (int, error) {
	e, err := lockEvent(ctx, tx, eventID)
	if err != nil {
		return 0, err
	}
	if err := needFair(e); err != nil {
		return 0, err
	}
	n := 0
	var v apperr.Validation
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		code, desc, _ := strings.Cut(line, " ")
		desc = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(desc), "-"))
		code = clean.Text(code)
		if len(code) > 20 {
			v.Add("stands", fmt.Sprintf("Line %d: a stand code must be 20 characters or fewer", i+1))
			continue
		}
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_stands WHERE event_id = $1 AND code = $2`, eventID, code).Scan(&exists); err != nil {
			return 0, err
		}
		if exists > 0 {
			v.Add("stands", fmt.Sprintf("Line %d: stand %s already exists", i+1, code))
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_stands (event_id, code, description) VALUES ($1,$2,$3)`, eventID, code, clean.Text(desc)); err != nil {
			return 0, err
		}
		n++
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fieldErr("stands", "Enter at least one stand, one per line, for example: A1 Corner stand by the entrance")
	}
	return n, audit.Record(ctx, tx, e.OrganiserID, "event.stands_add", "event", eventID, strconv.Itoa(n)+" stands")
}

// ApplyForStand records an organisation's application for a stand.
func ApplyForStand(ctx context.Context, tx *db.Tx, eventID, orgID, userID int64, offer string, now time.Time) error {
	e, err := lockEvent(ctx, tx, eventID)
	if err != nil {
		return err
	}
	if err := needFair(e); err != nil {
		return err
	}
	if err := bookable(e, now); err != nil {
		return err
	}
	if orgID == e.OrganiserID {
		return fieldErr("organisation", "The organiser does not need to apply for a stand")
	}
	offer = strings.TrimSpace(offer)
	var v apperr.Validation
	v.Check(offer != "", "offer", "Describe what your organisation offers")
	v.Check(len(offer) <= 600, "offer", "Description must be 600 characters or fewer")
	if err := v.Err(); err != nil {
		return err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO event_stand_applications (event_id, organisation_id, offer, status, applied_by, created_at)
		VALUES ($1,$2,$3,'applied',$4,$5) ON CONFLICT (event_id, organisation_id) DO NOTHING RETURNING id`, eventID, orgID, offer, userID, now).Scan(&id)
	if err == sql.ErrNoRows {
		return apperr.Errorf(apperr.ECONFLICT, "Your organisation has already applied for a stand at this trade fair")
	}
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, orgID, "event.stand_apply", "event_stand_application", id, e.Title)
}

// Allocate gives an application a stand (standID 0 declines it).
func Allocate(ctx context.Context, tx *db.Tx, eventID, appID, standID int64, baseURL string) error {
	e, err := lockEvent(ctx, tx, eventID)
	if err != nil {
		return err
	}
	var orgID int64
	var cur string
	if err := tx.QueryRowContext(ctx, `SELECT organisation_id, status FROM event_stand_applications WHERE id = $1 AND event_id = $2`, appID, eventID).Scan(&orgID, &cur); err != nil {
		return db.Err(err, "Application")
	}
	now := db.Now()
	subject, body := "", ""
	if standID == 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE event_stand_applications SET status = 'declined', stand_id = NULL, decided_at = $1 WHERE id = $2`, now, appID); err != nil {
			return err
		}
		subject = "Your stand application: " + e.Title
		body = fmt.Sprintf("Hello,\n\nThank you for applying for a stand at %s. We are sorry: there is no stand for your organisation this time.\n\nYou are still welcome to come and to book meet-the-buyer meetings:\n%s/events/%s\n", e.Title, baseURL, e.Slug)
	} else {
		var code string
		if err := tx.QueryRowContext(ctx, `SELECT code FROM event_stands WHERE id = $1 AND event_id = $2`, standID, eventID).Scan(&code); err != nil {
			return fieldErr("stand", "Select a stand from the list")
		}
		var taken string
		err := tx.QueryRowContext(ctx, `SELECT o.name FROM event_stand_applications a JOIN organisations o ON o.id = a.organisation_id WHERE a.stand_id = $1 AND a.id <> $2`, standID, appID).Scan(&taken)
		if err == nil {
			return fieldErr("stand", fmt.Sprintf("Stand %s is already allocated to %s", code, taken))
		} else if err != sql.ErrNoRows {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_stand_applications SET status = 'allocated', stand_id = $1, decided_at = $2 WHERE id = $3`, standID, now, appID); err != nil {
			return err
		}
		subject = "Stand " + code + " is yours: " + e.Title
		body = fmt.Sprintf("Hello,\n\nYour organisation has stand %s at %s.\n\nWhen: %s\nWhere: %s\n\n%s/events/%s\n", code, e.Title, whenText(e), e.Location(), baseURL, e.Slug)
	}
	if err := emailOrgEditors(ctx, tx, baseURL, orgID, subject, body, "event_stand"); err != nil {
		return err
	}
	return audit.Record(ctx, tx, e.OrganiserID, "event.stand_allocate", "event_stand_application", appID, fmt.Sprintf("stand %d", standID))
}

// emailOrgEditors tells the owners and editors of orgID (see notify).
func emailOrgEditors(ctx context.Context, tx *db.Tx, baseURL string, orgID int64, subject, body, kind string) error {
	_, err := notify.TellOrgEditors(ctx, tx, baseURL, orgID, notify.Notice{Kind: kind, Subject: subject, Text: body,
		Why: "You get these emails as an owner or editor of an organisation taking part in this event."})
	return err
}

const slotCols = `s.id, s.uuid, s.event_id, e.slug, e.title, s.buyer_org_id, bo.name, s.buyer_user_id, COALESCE(bu.name, ''), COALESCE(bu.email, ''),
	s.topic, s.starts_at, s.ends_at, s.booked_org_id, COALESCE(o.name, ''), COALESCE(u.email, '')`

const slotFrom = ` FROM event_meeting_slots s JOIN events e ON e.id = s.event_id JOIN organisations bo ON bo.id = s.buyer_org_id
	LEFT JOIN users bu ON bu.id = s.buyer_user_id LEFT JOIN organisations o ON o.id = s.booked_org_id LEFT JOIN users u ON u.id = s.booked_by`

func scanSlot(row interface{ Scan(...any) error }) (*Slot, error) {
	var s Slot
	var bu, bo sql.NullInt64
	if err := row.Scan(&s.ID, &s.UUID, &s.EventID, &s.EventSlug, &s.EventTitle, &s.BuyerOrgID, &s.BuyerOrgName, &bu, &s.BuyerName, &s.BuyerEmail,
		&s.Topic, &s.StartsAt, &s.EndsAt, &bo, &s.BookedOrgName, &s.BookedByEmail); err != nil {
		return nil, err
	}
	s.StartsAt, s.EndsAt = s.StartsAt.UTC(), s.EndsAt.UTC()
	if bu.Valid {
		s.BuyerUserID = &bu.Int64
	}
	if bo.Valid {
		s.BookedOrgID = &bo.Int64
	}
	return &s, nil
}

func querySlots(ctx context.Context, q db.Querier, where string, args ...any) ([]*Slot, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+slotCols+slotFrom+` WHERE `+where+` ORDER BY s.starts_at, bo.name, s.id`, args...)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []*Slot
	for rows.Next() {
		s, err := scanSlot(rows)
		if err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, s)
	}
	return out, db.Err(rows.Err(), "")
}

// Slots lists an event's meeting slots.
func Slots(ctx context.Context, q db.Querier, eventID int64) ([]*Slot, error) {
	return querySlots(ctx, q, "s.event_id = $1", eventID)
}

// MeetingsFor lists the booked meetings a person is in: as the buyer, or
// as a member of the organisation that booked.
func MeetingsFor(ctx context.Context, q db.Querier, userID int64) ([]*Slot, error) {
	return querySlots(ctx, q, `s.booked_org_id IS NOT NULL AND (s.buyer_user_id = $1 OR s.booked_org_id IN (SELECT organisation_id FROM memberships WHERE user_id = $1))`, userID)
}

// SlotRequest is a series of slots a commissioner publishes.
type SlotRequest struct {
	BuyerOrgID, BuyerUserID int64
	Topic                   string
	Date, Start             string // local date and first start time
	Count, Minutes          string
}

// PublishSlots adds consecutive slots for a buyer; a slot that overlaps
// another of the same buyer's slots is refused with a clear message.
func PublishSlots(ctx context.Context, tx *db.Tx, eventID int64, req SlotRequest) (int, error) {
	e, err := lockEvent(ctx, tx, eventID)
	if err != nil {
		return 0, err
	}
	if err := needFair(e); err != nil {
		return 0, err
	}
	if e.Status != StatusPublished {
		return 0, apperr.Errorf(apperr.ECONFLICT, "Meeting slots can only be added to a published trade fair that has not finished")
	}
	var v apperr.Validation
	topic := clean.Text(req.Topic)
	v.Check(topic != "", "topic", "Enter what you want to talk about, for example your commissioning plans")
	v.Check(len(topic) <= 200, "topic", "Topic must be 200 characters or fewer")
	start, msg := LocalTime(req.Date, req.Start)
	if msg != "" {
		v.Add("date", msg)
	}
	count, err := strconv.Atoi(strings.TrimSpace(req.Count))
	v.Check(err == nil && count >= 1 && count <= 24, "count", "Enter the number of slots, from 1 to 24")
	mins, err := strconv.Atoi(strings.TrimSpace(req.Minutes))
	v.Check(err == nil && mins >= 5 && mins <= 120, "minutes", "Enter the length of each meeting, from 5 to 120 minutes")
	if err := v.Err(); err != nil {
		return 0, err
	}
	end := start.Add(time.Duration(count*mins) * time.Minute)
	if start.Before(e.StartsAt) || end.After(e.EndsAt) {
		return 0, fieldErr("date", fmt.Sprintf("Meetings must be within the trade fair, %s", whenText(e)))
	}
	lon := londonLoc()
	now := db.Now()
	for i := 0; i < count; i++ {
		s := start.Add(time.Duration(i*mins) * time.Minute)
		en := s.Add(time.Duration(mins) * time.Minute)
		var other time.Time
		err := tx.QueryRowContext(ctx, `SELECT starts_at FROM event_meeting_slots WHERE event_id = $1 AND buyer_user_id = $2 AND starts_at < $3 AND ends_at > $4 ORDER BY starts_at LIMIT 1`,
			eventID, req.BuyerUserID, en, s).Scan(&other)
		if err == nil {
			return 0, fieldErr("date", fmt.Sprintf("The slot at %s overlaps your slot at %s; choose a time after your existing slots", s.In(lon).Format("15:04"), other.In(lon).Format("15:04")))
		} else if err != sql.ErrNoRows {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_meeting_slots (uuid, event_id, buyer_org_id, buyer_user_id, topic, starts_at, ends_at, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			uuid.NewString(), eventID, req.BuyerOrgID, req.BuyerUserID, topic, s, en, now); err != nil {
			return 0, err
		}
	}
	return count, audit.Record(ctx, tx, req.BuyerOrgID, "event.slots_publish", "event", eventID, fmt.Sprintf("%d slots from %s", count, start.In(lon).Format("15:04")))
}

// BookSlot books a meeting for an organisation: the slot must be free,
// the organisation under its cap and free at that time. Both sides get
// their schedule by email.
func BookSlot(ctx context.Context, tx *db.Tx, slotID, orgID, userID int64, now time.Time, baseURL string) error {
	var eventID int64
	if err := tx.QueryRowContext(ctx, `SELECT event_id FROM event_meeting_slots WHERE id = $1`, slotID).Scan(&eventID); err != nil {
		return db.Err(err, "Meeting slot")
	}
	e, err := lockEvent(ctx, tx, eventID)
	if err != nil {
		return err
	}
	if err := bookable(e, now); err != nil {
		return err
	}
	ss, err := querySlots(ctx, tx, "s.id = $1", slotID)
	if err != nil || len(ss) == 0 {
		return apperr.NotFound("Meeting slot")
	}
	s := ss[0]
	if s.BookedOrgID != nil {
		if *s.BookedOrgID == orgID {
			return apperr.Errorf(apperr.ECONFLICT, "Your organisation has already booked this meeting")
		}
		return apperr.Errorf(apperr.ECONFLICT, "Someone else has just booked this slot. Choose another")
	}
	if s.BuyerOrgID == orgID {
		return fieldErr("organisation", "An organisation cannot book a meeting with itself")
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_meeting_slots WHERE event_id = $1 AND booked_org_id = $2`, eventID, orgID).Scan(&n); err != nil {
		return err
	}
	if n >= e.MeetingCap {
		return apperr.Errorf(apperr.ECONFLICT, "Your organisation has already booked %d meetings, the most allowed at this trade fair", e.MeetingCap)
	}
	lon := londonLoc()
	var otherStart time.Time
	var otherBuyer string
	err = tx.QueryRowContext(ctx, `SELECT s.starts_at, o.name FROM event_meeting_slots s JOIN organisations o ON o.id = s.buyer_org_id
		WHERE s.event_id = $1 AND s.booked_org_id = $2 AND s.starts_at < $3 AND s.ends_at > $4 LIMIT 1`, eventID, orgID, s.EndsAt, s.StartsAt).Scan(&otherStart, &otherBuyer)
	if err == nil {
		return apperr.Errorf(apperr.ECONFLICT, "Your organisation already has a meeting with %s at %s, which overlaps this slot", otherBuyer, otherStart.In(lon).Format("15:04"))
	} else if err != sql.ErrNoRows {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE event_meeting_slots SET booked_org_id = $1, booked_by = $2, booked_at = $3 WHERE id = $4 AND booked_org_id IS NULL`, orgID, userID, now, slotID)
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return apperr.Errorf(apperr.ECONFLICT, "Someone else has just booked this slot. Choose another")
	}
	if err := audit.Record(ctx, tx, orgID, "event.meeting_book", "event_meeting_slot", slotID, e.Title); err != nil {
		return err
	}
	return sendSchedules(ctx, tx, e, s.BuyerUserID, orgID, userID, baseURL)
}

// CancelSlotBooking frees a booked meeting slot.
func CancelSlotBooking(ctx context.Context, tx *db.Tx, slotID int64, baseURL string) error {
	ss, err := querySlots(ctx, tx, "s.id = $1", slotID)
	if err != nil || len(ss) == 0 {
		return apperr.NotFound("Meeting slot")
	}
	s := ss[0]
	if s.BookedOrgID == nil {
		return nil
	}
	e, err := lockEvent(ctx, tx, s.EventID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE event_meeting_slots SET booked_org_id = NULL, booked_by = NULL, booked_at = NULL WHERE id = $1`, slotID); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, *s.BookedOrgID, "event.meeting_cancel", "event_meeting_slot", slotID, e.Title); err != nil {
		return err
	}
	return sendSchedules(ctx, tx, e, s.BuyerUserID, *s.BookedOrgID, 0, baseURL)
}

// sendSchedules emails the buyer and the booking organisation's editors
// their meeting schedule at the event.
func sendSchedules(ctx context.Context, tx *db.Tx, e *Event, buyerUserID *int64, orgID, bookerID int64, baseURL string) error {
	lon := londonLoc()
	line := func(s *Slot, buyerSide bool) string {
		who := s.BookedOrgName
		if !buyerSide {
			who = s.BuyerOrgName
			if s.BuyerName != "" {
				who = s.BuyerName + ", " + s.BuyerOrgName
			}
		}
		return fmt.Sprintf("  %s to %s  %s (%s)\n", s.StartsAt.In(lon).Format("15:04"), s.EndsAt.In(lon).Format("15:04"), who, s.Topic)
	}
	foot := fmt.Sprintf("\nThe meetings are also in your personal calendar feed (Your events on Partnerhub).\n%s/events/%s/meetings\n", baseURL, e.Slug)
	if buyerUserID != nil {
		ss, err := querySlots(ctx, tx, "s.event_id = $1 AND s.buyer_user_id = $2 AND s.booked_org_id IS NOT NULL", e.ID, *buyerUserID)
		if err != nil {
			return err
		}
		var email string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, *buyerUserID).Scan(&email); err == nil {
			var b strings.Builder
			fmt.Fprintf(&b, "Hello,\n\nYour meet-the-buyer schedule at %s on %s:\n\n", e.Title, e.StartsAt.In(lon).Format("Monday 2 January 2006"))
			for _, s := range ss {
				b.WriteString(line(s, true))
			}
			if len(ss) == 0 {
				b.WriteString("  No meetings booked yet.\n")
			}
			b.WriteString(foot)
			if _, err := notify.Send(ctx, tx, baseURL, notify.Notice{To: email, OrgID: e.OrganiserID, Kind: "event_meetings", Subject: "Your meetings at " + e.Title, Text: b.String(),
				Why: "You get these emails as a buyer holding meetings at " + e.Title + "."}); err != nil {
				return err
			}
		}
	}
	ss, err := querySlots(ctx, tx, "s.event_id = $1 AND s.booked_org_id = $2", e.ID, orgID)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\nYour organisation's meet-the-buyer schedule at %s on %s:\n\n", e.Title, e.StartsAt.In(lon).Format("Monday 2 January 2006"))
	for _, s := range ss {
		b.WriteString(line(s, false))
	}
	if len(ss) == 0 {
		b.WriteString("  No meetings booked.\n")
	}
	b.WriteString(foot)
	if err := emailOrgEditors(ctx, tx, baseURL, orgID, "Your meetings at "+e.Title, b.String(), "event_meetings"); err != nil {
		return err
	}
	if bookerID != 0 {
		// The booker may be a viewer, who emailOrgEditors skips.
		var role, email string
		err := tx.QueryRowContext(ctx, `SELECT m.role, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organisation_id = $1 AND m.user_id = $2`, orgID, bookerID).Scan(&role, &email)
		if err == nil && role == "viewer" {
			_, err := notify.Send(ctx, tx, baseURL, notify.Notice{To: email, OrgID: orgID, Kind: "event_meetings", Subject: "Your meetings at " + e.Title, Text: b.String(),
				Why: "You get these emails because you booked meetings at " + e.Title + " for your organisation."})
			return err
		}
	}
	return nil
}

// BookedOrg is the id of the organisation that booked, or 0.
func (s *Slot) BookedOrg() int64 {
	if s.BookedOrgID == nil {
		return 0
	}
	return *s.BookedOrgID
}

// BuyerUser is the id of the buyer, or 0.
func (s *Slot) BuyerUser() int64 {
	if s.BuyerUserID == nil {
		return 0
	}
	return *s.BuyerUserID
}
