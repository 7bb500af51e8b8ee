package events

import (
	"context"
	"strings"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Todos is the events feature's line on a signed-in person's home: their
// active bookings (as booker or attendee) for events still to come.
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	n, err := UpcomingBookings(ctx, s.DB.Q(), id.UserID, id.Email)
	if err != nil || n == 0 {
		return nil, err
	}
	return []web.Todo{{Title: "Event bookings coming up", Count: n, Href: "/events/mine"}}, nil
}

// UpcomingBookings counts a person's confirmed or waiting bookings for
// events that have not ended and are not cancelled.
func UpcomingBookings(ctx context.Context, q db.Querier, userID int64, email string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_bookings b JOIN events e ON e.id = b.event_id
		WHERE (b.user_id = $1 OR b.attendee_email = $2) AND b.status <> 'cancelled' AND e.status <> $3 AND e.ends_at > $4`,
		userID, strings.ToLower(email), StatusCancelled, db.Now()).Scan(&n)
	return n, db.Err(err, "")
}
