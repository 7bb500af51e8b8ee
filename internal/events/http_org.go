package events

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

func (s *Service) orgEvents(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	f := Filter{OrganiserID: org.ID, Statuses: []string{StatusDraft, StatusPublished, StatusCancelled, StatusFinished}, Past: true}
	return web.ServeList(s.Web, w, r, web.List[*Event]{
		Name: org.Slug + "-events", PerPage: 50, Columns: s.eventColumns(), Item: s.eventItem,
		Fetch: func(ctx context.Context, limit, offset int) ([]*Event, int, error) {
			f.Limit, f.Offset = limit, offset
			return ListEvents(ctx, s.DB.Q(), f)
		},
		Render: func(p web.ListPage[*Event]) error {
			return s.Web.Render(w, r, 200, "events/org_events.html", orgEventsView{
				View:    web.View{Title: "Events organised by " + org.Name},
				Org:     org,
				Events:  p.Items,
				Pager:   p.PagerData(r),
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

func (s *Service) formPage(w http.ResponseWriter, r *http.Request, status int, org *accounts.Organisation, e *Event, form url.Values, err error) error {
	themes, terr := taxonomy.List(r.Context(), s.DB.Q(), taxonomy.Themes, false)
	if terr != nil {
		return terr
	}
	title := "Create an event"
	if e != nil {
		title = "Change " + e.Title
	}
	return s.Web.Render(w, r, status, "events/form.html", formView{
		View:      web.View{Title: title, Form: form, Err: err},
		Org:       org,
		Event:     e,
		Types:     Types,
		Audiences: Audiences,
		Themes:    themes,
	})
}

func (s *Service) newForm(w http.ResponseWriter, r *http.Request) error {
	org, err := accounts.OrgByID(r.Context(), s.DB.Q(), web.OrgFrom(r.Context()))
	if err != nil {
		return err
	}
	f := url.Values{"online": {"no"}, "audience": {AudienceEveryone}, "capacity": {"40"}, "meeting_cap": {"3"}, "start_time": {"10:00"}, "end_time": {"12:00"}}
	if t := r.URL.Query().Get("type"); valid(Types, t) {
		f.Set("type", t)
	}
	return s.formPage(w, r, 200, org, nil, f, nil)
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	e, err := InputFromForm(r.PostForm).Validate(0)
	if err == nil {
		status := StatusDraft
		if r.PostForm.Get("action") == "publish" {
			status = StatusPublished
		}
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return CreateEvent(ctx, tx, org.ID, web.IdentityFrom(ctx).UserID, e, status) })
	}
	if err != nil {
		if apperr.Is(err, apperr.EINVALID) {
			return s.formPage(w, r, 422, org, nil, r.PostForm, err)
		}
		return err
	}
	msg := "Event saved as a draft. Publish it when it is ready."
	if e.Status == StatusPublished {
		msg = "Event published."
	}
	return web.Redirect(w, r, "/events/"+e.Slug, msg)
}

func (s *Service) editForm(w http.ResponseWriter, r *http.Request) error {
	e, err := s.organised(r)
	if err != nil {
		return err
	}
	org, err := accounts.OrgByID(r.Context(), s.DB.Q(), e.OrganiserID)
	if err != nil {
		return err
	}
	return s.formPage(w, r, 200, org, e, FormValues(e), nil)
}

func (s *Service) update(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := s.organisedForm(r)
	if err != nil {
		return err
	}
	if e.Status == StatusCancelled || e.Status == StatusFinished {
		return apperr.Errorf(apperr.ECONFLICT, "A %s event cannot be changed", e.Status)
	}
	var updated *Event
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		updated, err = UpdateEvent(ctx, tx, e.ID, InputFromForm(r.PostForm))
		return err
	})
	if err != nil {
		if apperr.Is(err, apperr.EINVALID) {
			org, oerr := accounts.OrgByID(ctx, s.DB.Q(), e.OrganiserID)
			if oerr != nil {
				return oerr
			}
			return s.formPage(w, r, 422, org, e, r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, "/events/"+updated.Slug, "Event updated.")
}

func (s *Service) publish(w http.ResponseWriter, r *http.Request) error {
	return s.setStatus(w, r, StatusPublished, "Event published.")
}

// setStatus moves the organiser's event in the path to status and goes
// back to the event page with msg.
func (s *Service) setStatus(w http.ResponseWriter, r *http.Request, status, msg string) error {
	e, err := s.organised(r)
	if err != nil {
		return err
	}
	if err := s.DB.Write(r.Context(), func(tx *db.Tx) error { return SetStatus(r.Context(), tx, e.ID, status, s.baseURL()) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/events/"+e.Slug, msg)
}

func (s *Service) cancelForm(w http.ResponseWriter, r *http.Request) error {
	e, err := s.organised(r)
	if err != nil {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Cancel " + e.Title,
		Question: "Are you sure you want to cancel " + e.Title + "?",
		Detail: fmt.Sprintf("%s. Everyone booked or waiting (%d confirmed) will be emailed, and calendar feeds will show the event as cancelled. You cannot undo this.",
			e.When(), e.Booked),
		Button: "Yes, cancel the event", Back: "/events/" + e.Slug, BackText: "No, go back to the event"})
}

func (s *Service) cancel(w http.ResponseWriter, r *http.Request) error {
	return s.setStatus(w, r, StatusCancelled, "Event cancelled. Everyone booked has been emailed.")
}

func (s *Service) attendees(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := s.organised(r)
	if err != nil {
		return err
	}
	bs, err := Bookings(ctx, s.DB.Q(), e.ID)
	if err != nil {
		return err
	}
	att := func(b *Booking) string {
		if b.Attended == nil {
			return ""
		}
		return map[bool]string{true: "yes", false: "no"}[*b.Attended]
	}
	return web.ServeList(s.Web, w, r, web.List[*Booking]{
		Name: e.Slug + "-attendees", PerPage: web.Unpaged, Fetch: web.Rows(bs),
		Columns: []web.Column[*Booking]{
			{Header: "Name", Cell: func(b *Booking) string { return b.AttendeeName }},
			{Header: "Email", Cell: func(b *Booking) string { return b.AttendeeEmail }},
			{Header: "Organisation", Cell: func(b *Booking) string { return b.OrgName }},
			{Header: "Status", Cell: func(b *Booking) string { return b.Status }},
			{Header: "Waiting list position", Cell: func(b *Booking) string {
				if b.Position == 0 {
					return ""
				}
				return strconv.Itoa(b.Position)
			}},
			{Header: "Access needs", Cell: func(b *Booking) string { return b.AccessNeeds }},
			{Header: "Attended", Cell: att},
			{Header: "Booked at", Cell: func(b *Booking) string { return b.CreatedAt.In(londonLoc()).Format("2006-01-02 15:04") }},
		},
		Meta: func() map[string]any { return map[string]any{"event": e.Slug} },
		Render: func(p web.ListPage[*Booking]) error {
			return s.Web.Render(w, r, 200, "events/attendees.html", attendeesView{
				View:     web.View{Title: "Attendees: " + e.Title},
				Event:    e,
				Bookings: p.Items,
				CSV:      p.CSVURL,
				JSONURL:  p.JSONURL,
			})
		},
	})
}

func (s *Service) attendance(w http.ResponseWriter, r *http.Request) error {
	e, err := s.organisedForm(r)
	if err != nil {
		return err
	}
	att := map[int64]bool{}
	for _, v := range r.PostForm["attended"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			att[id] = true
		}
	}
	if err := s.DB.Write(r.Context(), func(tx *db.Tx) error { return MarkAttendance(r.Context(), tx, e.ID, att) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+e.OrganiserSlug+"/events/"+e.Slug+"/attendees", "Attendance saved.")
}

func (s *Service) messageForm(w http.ResponseWriter, r *http.Request) error {
	e, err := s.organised(r)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "events/message.html", messageView{
		View:  web.View{Title: "Message attendees", Form: url.Values{"subject": {"About " + e.Title}}},
		Event: e,
	})
}

func (s *Service) message(w http.ResponseWriter, r *http.Request) error {
	e, err := s.organisedForm(r)
	if err != nil {
		return err
	}
	var n int
	err = s.DB.Write(r.Context(), func(tx *db.Tx) error {
		var err error
		n, err = MessageAttendees(r.Context(), tx, e.ID, r.PostForm.Get("subject"), r.PostForm.Get("body"), r.PostForm.Get("waiting") == "yes", s.baseURL())
		return err
	})
	if err != nil {
		if apperr.Is(err, apperr.EINVALID) {
			return s.Web.Render(w, r, 422, "events/message.html", messageView{View: web.View{Title: "Message attendees", Form: r.PostForm, Err: err}, Event: e})
		}
		return err
	}
	return web.Redirect(w, r, "/orgs/"+e.OrganiserSlug+"/events/"+e.Slug+"/attendees", "Message sent to "+strconv.Itoa(n)+" people.")
}
