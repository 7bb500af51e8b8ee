package events

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

func (s *Service) calendarRoutes() []web.Route {
	return []web.Route{
		web.Get("/calendar/events.ics", web.Public, s.feedAll),
		web.Get("/calendar/themes/{theme}/events.ics", web.Public, s.feedTheme),
		web.Get("/calendar/organisers/{organiser}/events.ics", web.Public, s.feedOrganiser),
		web.Get("/calendar/personal/{token}/events.ics", web.Public, s.feedPersonal),
		web.Get("/calendar/personal", web.SignedIn, s.personalPage),
		web.Post("/calendar/personal", web.SignedIn, s.resetPersonal),
	}
}

// feedWindow: feeds carry events from a year ago onwards.
const feedWindow = 365 * 24 * time.Hour

func (s *Service) writeCalendar(w http.ResponseWriter, c *Calendar, private bool) error {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="events.ics"`)
	if private {
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	_, err := w.Write(c.Bytes())
	return err
}

func (s *Service) feed(ctx context.Context, name string, f Filter) (*Calendar, error) {
	from := s.Now().Add(-feedWindow)
	f.From = &from
	f.Statuses = []string{StatusPublished, StatusCancelled, StatusFinished}
	f.Limit = 2000
	evs, _, err := ListEvents(ctx, s.DB.Q(), f)
	if err != nil {
		return nil, err
	}
	c := &Calendar{Name: name, Host: hostOf(s.baseURL()), Generated: s.Now()}
	for _, e := range evs {
		c.Events = append(c.Events, eventEntry(e, s.baseURL()))
	}
	return c, addOrganiserEmails(ctx, s.DB.Q(), c)
}

func (s *Service) feedAll(w http.ResponseWriter, r *http.Request) error {
	c, err := s.feed(r.Context(), "Partnerhub events", Filter{})
	if err != nil {
		return err
	}
	return s.writeCalendar(w, c, false)
}

func (s *Service) feedTheme(w http.ResponseWriter, r *http.Request) error {
	t, err := taxonomy.ByCode(r.Context(), s.DB.Q(), taxonomy.Themes, r.PathValue("theme"))
	if err != nil {
		return db.Err(err, "Theme")
	}
	c, err := s.feed(r.Context(), "Partnerhub events: "+t.Name, Filter{ThemeID: t.ID})
	if err != nil {
		return err
	}
	return s.writeCalendar(w, c, false)
}

func (s *Service) feedOrganiser(w http.ResponseWriter, r *http.Request) error {
	o, err := accounts.OrgBySlug(r.Context(), s.DB.Q(), r.PathValue("organiser"))
	if err != nil {
		return err
	}
	c, err := s.feed(r.Context(), "Events by "+o.Name, Filter{OrganiserID: o.ID})
	if err != nil {
		return err
	}
	return s.writeCalendar(w, c, false)
}

// PersonalCalendar is a person's bookings and meetings.
func PersonalCalendar(ctx context.Context, q db.Querier, userID int64, email, baseURL string) (*Calendar, error) {
	c := &Calendar{Name: "My Partnerhub events", Host: hostOf(baseURL)}
	bs, err := UserBookings(ctx, q, userID, email)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for _, b := range bs {
		if seen[b.EventID] {
			continue
		}
		seen[b.EventID] = true
		e, err := GetEvent(ctx, q, strconv.FormatInt(b.EventID, 10))
		if err != nil {
			return nil, err
		}
		if e.Status == StatusDraft {
			continue
		}
		v := eventEntry(e, baseURL)
		if b.Status == BookingWaiting {
			v.Summary = "(Waiting list) " + v.Summary
		}
		c.Events = append(c.Events, v)
	}
	ms, err := MeetingsFor(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		with := m.BookedOrgName
		if m.BuyerUserID == nil || *m.BuyerUserID != userID {
			with = m.BuyerOrgName
		}
		c.Events = append(c.Events, VEvent{
			UID: m.UUID + "@partnerhub", Start: m.StartsAt, End: m.EndsAt,
			Summary: "Meeting with " + with, Description: m.Topic + "\n\nAt " + m.EventTitle + ": " + baseURL + "/events/" + m.EventSlug + "/meetings",
			URL: baseURL + "/events/" + m.EventSlug + "/meetings", Categories: []string{"Meet the buyer"},
		})
	}
	return c, addOrganiserEmails(ctx, q, c)
}

func (s *Service) feedPersonal(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	uid, email, err := CalendarTokenOwner(ctx, s.DB.Q(), r.PathValue("token"))
	if err != nil {
		return err
	}
	c, err := PersonalCalendar(ctx, s.DB.Q(), uid, email, s.baseURL())
	if err != nil {
		return err
	}
	return s.writeCalendar(w, c, true)
}

func (s *Service) personalPage(w http.ResponseWriter, r *http.Request) error {
	id := web.IdentityFrom(r.Context())
	created, err := CalendarTokenCreated(r.Context(), s.DB.Q(), id.UserID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "events/calendar.html", calendarView{View: web.View{Title: "Your calendar feed"}, Created: created})
}

func (s *Service) resetPersonal(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	var tok string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		tok, err = ResetCalendarToken(ctx, tx, id.UserID)
		return err
	})
	if err != nil {
		return err
	}
	now := db.Now()
	feed := s.baseURL() + "/calendar/personal/" + tok + "/events.ics"
	w.Header().Set("Cache-Control", "no-store")
	return s.Web.Render(w, r, 200, "events/calendar.html", calendarView{View: web.View{Title: "Your calendar feed"}, Created: &now, FeedURL: feed})
}
