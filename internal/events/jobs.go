package events

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/jobs"
	"partnerhub/internal/web"
)

// Jobs are the reminder (a day before) and follow-up (after) emails.
func (s *Service) Jobs() []jobs.Job {
	return []jobs.Job{
		{Name: "event-reminders", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
			_, err := SendReminders(ctx, s.DB, s.Now(), s.baseURL())
			return err
		}},
		{Name: "event-followups", Every: 30 * time.Minute, Run: func(ctx context.Context) error {
			_, err := SendFollowUps(ctx, s.DB, s.Now(), s.baseURL())
			return err
		}},
	}
}

// claimSuffix makes a claiming SELECT skip booking rows another process holds.
func claimSuffix(d *db.DB) string { return d.SkipLocked("b") }

const claimBatch = 200

// dueBooking is a booking a job has claimed, with whom to write to.
type dueBooking struct {
	id, event   int64
	name, email string
}

// claimAndSend runs a job in batches. Each batch, in one write transaction,
// claims up to claimBatch confirmed bookings matching where (a condition on
// b = event_bookings and e = events, with args) in booking order (FOR UPDATE
// SKIP LOCKED on PostgreSQL; the single writer on SQLite) and hands them to
// send, which marks each one done with a conditional update, queues its
// email and returns how many it sent. A short batch ends the run.
func claimAndSend(ctx context.Context, d *db.DB, where string, args []any, send func(tx *db.Tx, ds []dueBooking) (int, error)) (int, error) {
	total := 0
	for {
		n := 0
		err := d.Write(ctx, func(tx *db.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT b.id, b.attendee_name, b.attendee_email, e.id FROM event_bookings b JOIN events e ON e.id = b.event_id
				WHERE `+where+`
				ORDER BY b.id LIMIT `+strconv.Itoa(claimBatch)+claimSuffix(d), args...)
			if err != nil {
				return err
			}
			var ds []dueBooking
			for rows.Next() {
				var x dueBooking
				if err := rows.Scan(&x.id, &x.name, &x.email, &x.event); err != nil {
					rows.Close()
					return err
				}
				ds = append(ds, x)
			}
			rows.Close()
			n, err = send(tx, ds)
			return err
		})
		total += n
		if err != nil || n < claimBatch {
			return total, err
		}
	}
}

// SendReminders emails every confirmed attendee of a published event that
// starts within the next 24 hours, once. Each batch claims its rows in the
// transaction that queues the emails (FOR UPDATE SKIP LOCKED on
// PostgreSQL; the single writer on SQLite), and marks them sent with a
// conditional update, so two processes never send the same reminder.
func SendReminders(ctx context.Context, d *db.DB, now time.Time, baseURL string) (int, error) {
	return claimAndSend(ctx, d, `b.status = 'confirmed' AND b.reminder_sent_at IS NULL AND e.status = 'published' AND e.starts_at > $1 AND e.starts_at <= $2`,
		[]any{now, now.Add(24 * time.Hour)}, func(tx *db.Tx, ds []dueBooking) (int, error) {
			n := 0
			evs := map[int64]*Event{}
			for _, x := range ds {
				res, err := tx.ExecContext(ctx, `UPDATE event_bookings SET reminder_sent_at = $1 WHERE id = $2 AND reminder_sent_at IS NULL`, now, x.id)
				if err != nil {
					return n, err
				}
				if k, _ := res.RowsAffected(); k != 1 {
					continue
				}
				e := evs[x.event]
				if e == nil {
					if e, err = GetEvent(ctx, tx, strconv.FormatInt(x.event, 10)); err != nil {
						return n, err
					}
					evs[x.event] = e
				}
				where := e.Location()
				if e.Accessibility != "" {
					where += "\nAccess: " + e.Accessibility
				}
				body := fmt.Sprintf("Hello %s,\n\nA reminder that %s is tomorrow.\n\nWhen: %s\nWhere: %s\n\nIf you can no longer come, please cancel so your place can go to someone on the waiting list:\n%s/events/%s\n",
					x.name, e.Title, whenText(e), where, baseURL, e.Slug)
				if _, err := tellAttendee(ctx, tx, baseURL, e, x.email, "event_reminder", "Reminder: "+e.Title+" is tomorrow", body); err != nil {
					return n, err
				}
				n++
			}
			return n, nil
		})
}

// SendFollowUps marks ended events finished and emails each confirmed
// attendee (who did not miss it) a link to the feedback form, once, in the
// 14 days after the event.
func SendFollowUps(ctx context.Context, d *db.DB, now time.Time, baseURL string) (int, error) {
	if _, err := d.W().ExecContext(ctx, `UPDATE events SET status = 'finished', updated_at = $1 WHERE status = 'published' AND ends_at <= $1`, now); err != nil {
		return 0, db.Err(err, "")
	}
	return claimAndSend(ctx, d, `b.status = 'confirmed' AND b.followup_sent_at IS NULL AND (b.attended IS NULL OR b.attended = TRUE)
				AND e.status = 'finished' AND e.ends_at <= $1 AND e.ends_at > $2`,
		[]any{now, now.Add(-14 * 24 * time.Hour)}, func(tx *db.Tx, ds []dueBooking) (int, error) {
			n := 0
			for _, x := range ds {
				tok, hash := accounts.NewToken()
				res, err := tx.ExecContext(ctx, `UPDATE event_bookings SET followup_sent_at = $1, feedback_token_hash = $2 WHERE id = $3 AND followup_sent_at IS NULL`, now, hash, x.id)
				if err != nil {
					return n, err
				}
				if k, _ := res.RowsAffected(); k != 1 {
					continue
				}
				e, err := GetEvent(ctx, tx, strconv.FormatInt(x.event, 10))
				if err != nil {
					return n, err
				}
				body := fmt.Sprintf("Hello %s,\n\nThank you for coming to %s. Please tell %s how it went: two questions, one minute.\n\n%s/events/%s/feedback/%s\n\nIf you made a new partnership at the event, record it on Partnerhub as introduced at this event so it counts towards the strategy.\n",
					x.name, e.Title, e.OrganiserName, baseURL, e.Slug, tok)
				if _, err := tellAttendee(ctx, tx, baseURL, e, x.email, "event_followup", "How was "+e.Title+"?", body); err != nil {
					return n, err
				}
				n++
			}
			return n, nil
		})
}

// feedbackBooking resolves a feedback link.
func (s *Service) feedbackBooking(r *http.Request) (*Event, *Booking, bool, error) {
	ctx := r.Context()
	e, err := GetEvent(ctx, s.DB.Q(), r.PathValue("event"))
	if err != nil {
		return nil, nil, false, err
	}
	var bid int64
	err = s.DB.Q().QueryRowContext(ctx, `SELECT id FROM event_bookings WHERE feedback_token_hash = $1 AND event_id = $2`, accounts.HashToken(r.PathValue("token")), e.ID).Scan(&bid)
	if err != nil {
		return nil, nil, false, db.Err(err, "Feedback link")
	}
	b, err := GetBooking(ctx, s.DB.Q(), bid)
	if err != nil {
		return nil, nil, false, err
	}
	var n int
	if err := s.DB.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_feedback WHERE booking_id = $1`, bid).Scan(&n); err != nil {
		return nil, nil, false, db.Err(err, "")
	}
	return e, b, n > 0, nil
}

func (s *Service) feedbackForm(w http.ResponseWriter, r *http.Request) error {
	e, b, done, err := s.feedbackBooking(r)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "events/feedback.html", feedbackView{View: web.View{Title: "Feedback: " + e.Title}, Event: e, Booking: b, Done: done})
}

// SaveFeedback stores one rating per booking.
func SaveFeedback(ctx context.Context, tx *db.Tx, e *Event, bookingID int64, rating, comments string) error {
	var v apperr.Validation
	n, err := strconv.Atoi(rating)
	v.Check(err == nil && n >= 1 && n <= 5, "rating", "Select a rating from 1 to 5")
	comments = strings.TrimSpace(comments)
	v.Check(len(comments) <= 5000, "comments", "Comments must be 5,000 characters or fewer")
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO event_feedback (event_id, booking_id, rating, comments, created_at) VALUES ($1,$2,$3,$4,$5)`, e.ID, bookingID, n, comments, db.Now()); err != nil {
		if apperr.Is(db.Err(err, ""), apperr.ECONFLICT) {
			return apperr.Errorf(apperr.ECONFLICT, "You have already given feedback on this event. Thank you")
		}
		return err
	}
	return audit.Record(ctx, tx, e.OrganiserID, "event.feedback", "event", e.ID, "rating "+strconv.Itoa(n))
}

func (s *Service) feedback(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	e, b, done, err := s.feedbackBooking(r)
	if err != nil {
		return err
	}
	if !done {
		err = s.DB.Write(r.Context(), func(tx *db.Tx) error {
			return SaveFeedback(r.Context(), tx, e, b.ID, r.PostForm.Get("rating"), r.PostForm.Get("comments"))
		})
		if apperr.Is(err, apperr.EINVALID) {
			return s.Web.Render(w, r, 422, "events/feedback.html", feedbackView{View: web.View{Title: "Feedback: " + e.Title, Form: r.PostForm, Err: err}, Event: e, Booking: b})
		}
		if err != nil && !apperr.Is(err, apperr.ECONFLICT) {
			return err
		}
	}
	return s.Web.Render(w, r, 200, "events/feedback.html", feedbackView{View: web.View{Title: "Thank you"}, Event: e, Booking: b, Done: true, Thanks: true})
}

// FeedbackSummary is what the organiser sees.
type FeedbackSummary struct {
	Count    int
	Average  float64
	ByRating [5]int
	Comments []FeedbackComment
	Booked   int
	Attended int
}

// FeedbackComment is one comment with its rating.
type FeedbackComment struct {
	Rating   int
	Comments string
	At       time.Time
}

// Summarise collects an event's feedback.
func Summarise(ctx context.Context, q db.Querier, eventID int64) (*FeedbackSummary, error) {
	rows, err := q.QueryContext(ctx, `SELECT rating, comments, created_at FROM event_feedback WHERE event_id = $1 ORDER BY created_at DESC, id DESC`, eventID)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	fs := &FeedbackSummary{}
	sum := 0
	for rows.Next() {
		var c FeedbackComment
		if err := rows.Scan(&c.Rating, &c.Comments, &c.At); err != nil {
			return nil, db.Err(err, "")
		}
		fs.Count++
		sum += c.Rating
		if c.Rating >= 1 && c.Rating <= 5 {
			fs.ByRating[c.Rating-1]++
		}
		if c.Comments != "" {
			fs.Comments = append(fs.Comments, c)
		}
	}
	if fs.Count > 0 {
		fs.Average = float64(sum) / float64(fs.Count)
	}
	err = q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN attended = TRUE THEN 1 ELSE 0 END), 0) FROM event_bookings WHERE event_id = $1 AND status = 'confirmed'`, eventID).Scan(&fs.Booked, &fs.Attended)
	return fs, db.Err(err, "")
}

func (s *Service) feedbackSummary(w http.ResponseWriter, r *http.Request) error {
	e, err := s.organised(r)
	if err != nil {
		return err
	}
	fs, err := Summarise(r.Context(), s.DB.Q(), e.ID)
	if err != nil {
		return err
	}
	if web.WantsJSON(r) {
		return web.JSON(w, 200, fs)
	}
	labelsX := []string{"1", "2", "3", "4", "5"}
	vals := make([]float64, 5)
	for i, n := range fs.ByRating {
		vals[i] = float64(n)
	}
	chart := web.BarChart("Ratings (1 = poor, 5 = excellent)", labelsX, web.Series{Name: "Responses", Values: vals})
	return s.Web.Render(w, r, 200, "events/feedback_summary.html", feedbackSummaryView{View: web.View{Title: "Feedback: " + e.Title}, Event: e, S: fs, Chart: chart})
}

// SparkedEvent is an event with the partnerships it sparked.
type SparkedEvent struct {
	Slug         string    `json:"slug"`
	Title        string    `json:"title"`
	Type         string    `json:"type"`
	StartsAt     time.Time `json:"starts_at"`
	Partnerships int       `json:"partnerships_sparked"`
}

// TopSparking lists the events that sparked the most partnerships.
func TopSparking(ctx context.Context, q db.Querier, limit int) ([]SparkedEvent, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.slug, e.title, e.type, e.starts_at, COUNT(*) FROM partnerships p JOIN events e ON e.id = p.origin_event_id
		WHERE p.origin = 'event' GROUP BY e.id, e.slug, e.title, e.type, e.starts_at ORDER BY COUNT(*) DESC, e.starts_at DESC LIMIT `+strconv.Itoa(limit))
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []SparkedEvent
	for rows.Next() {
		var x SparkedEvent
		if err := rows.Scan(&x.Slug, &x.Title, &x.Type, &x.StartsAt, &x.Partnerships); err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, x)
	}
	return out, db.Err(rows.Err(), "")
}
