package events

import (
	"net/http"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/web"
)

// The object-level policies of the routes that cancel what a person made:
//
//   - a booking (/events/{event}/bookings/{booking}/cancel): ObjectRole
//     ("booking", owner). It is personal: only the user who made it and its
//     attendee (by email) hold a role on it; everyone else, platform admins
//     and the event's organisers too, gets 404;
//   - a booked meet-the-buyer meeting (/events/{event}/meetings/{slot}/
//     cancel): ObjectRole("meeting-slot", editor). The buyer who offers
//     the slot, and the editors of the organisation that booked it (so
//     admins, who act in every organisation) may cancel; everyone else gets
//     404, and nobody but the buyer may touch a slot nobody booked.
//
// Both are private and personal (web.Object.Private, Personal). A draft
// event's bookings and slots look missing to all but its organiser's
// editors, as the event does.

// eventItem is a booking or a slot with its event.
type eventItem[T any] struct {
	E    *Event
	Item T
}

// item is the object of a route with the "booking" or "meeting-slot" policy.
func item[T any](r *http.Request) (*Event, T) {
	o := web.ObjectFrom(r.Context()).(*eventItem[T])
	return o.E, o.Item
}

func (s *Service) resolveBooking(r *http.Request) (*web.Object, error) {
	ctx := r.Context()
	e, err := s.visible(ctx, r.PathValue("event"))
	if err != nil {
		return nil, err
	}
	bid, err := web.PathID(r, "booking", "Booking")
	if err != nil {
		return nil, err
	}
	b, err := GetBooking(ctx, s.DB.Q(), bid)
	if err != nil {
		return nil, err
	}
	if b.EventID != e.ID {
		return nil, apperr.NotFound("Booking")
	}
	o := &web.Object{Value: &eventItem[*Booking]{e, b}, Users: map[int64]web.Role{}, Private: true, Personal: true}
	if b.UserID != nil {
		o.Users[*b.UserID] = web.RoleOwner
	}
	// The attendee is known by email: the caller holds the role when the
	// email is theirs.
	if id := web.IdentityFrom(ctx); id != nil && b.AttendeeEmail == accounts.NormaliseEmail(id.Email) {
		o.Users[id.UserID] = web.RoleOwner
	}
	return o, nil
}

func (s *Service) resolveSlot(r *http.Request) (*web.Object, error) {
	e, err := s.visible(r.Context(), r.PathValue("event"))
	if err != nil {
		return nil, err
	}
	sl, err := s.slotOf(r, e)
	if err != nil {
		return nil, err
	}
	o := &web.Object{Value: &eventItem[*Slot]{e, sl}, Users: map[int64]web.Role{}, Private: true, Personal: true}
	if sl.BuyerUserID != nil {
		o.Users[*sl.BuyerUserID] = web.RoleOwner
	}
	if sl.BookedOrgID != nil {
		o.Owners = []int64{*sl.BookedOrgID}
	}
	return o, nil
}
