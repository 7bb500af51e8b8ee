package events

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	editor := web.OrgRole(web.RoleEditor)
	rs := []web.Route{
		web.Get("/events", web.Public, s.list),
		web.Get("/events/stats", web.Public, s.stats),
		web.Get("/events/mine", web.SignedIn, s.mine),
		web.Get("/events/{event}", web.Public, s.show),
		web.Post("/events/{event}/book", web.SignedIn, s.book),
		web.Get("/events/{event}/bookings/{booking}/cancel", web.ObjectRole("booking", web.RoleOwner), s.cancelBookingForm),
		web.Post("/events/{event}/bookings/{booking}/cancel", web.ObjectRole("booking", web.RoleOwner), s.cancelBooking),
		web.Get("/events/{event}/feedback/{token}", web.Public, s.feedbackForm),
		web.Post("/events/{event}/feedback/{token}", web.Public, s.feedback),

		web.Get("/orgs/{org}/events", editor, s.orgEvents),
		web.Get("/orgs/{org}/events/new", editor, s.newForm),
		web.Post("/orgs/{org}/events/new", editor, s.create),
		web.Get("/orgs/{org}/events/{event}/edit", editor, s.editForm),
		web.Post("/orgs/{org}/events/{event}/edit", editor, s.update),
		web.Post("/orgs/{org}/events/{event}/publish", editor, s.publish),
		web.Get("/orgs/{org}/events/{event}/cancel", editor, s.cancelForm),
		web.Post("/orgs/{org}/events/{event}/cancel", editor, s.cancel),
		web.Get("/orgs/{org}/events/{event}/attendees", editor, s.attendees),
		web.Post("/orgs/{org}/events/{event}/attendance", editor, s.attendance),
		web.Get("/orgs/{org}/events/{event}/message", editor, s.messageForm),
		web.Post("/orgs/{org}/events/{event}/message", editor, s.message),
		web.Get("/orgs/{org}/events/{event}/feedback", editor, s.feedbackSummary),
	}
	rs = append(rs, s.calendarRoutes()...)
	rs = append(rs, s.fairRoutes()...)
	return rs
}

// visible loads an event the caller may see: drafts only for the
// organiser's editors and admins; everyone else gets "not found".
func (s *Service) visible(ctx context.Context, key string) (*Event, error) {
	e, err := GetEvent(ctx, s.DB.Q(), key)
	if err != nil {
		return nil, err
	}
	if e.Status == StatusDraft && !web.IdentityFrom(ctx).Can(e.OrganiserID, web.RoleEditor) {
		return nil, apperr.NotFound("Event")
	}
	return e, nil
}

// organised loads an event organised by the organisation in the path.
func (s *Service) organised(r *http.Request) (*Event, error) {
	e, err := GetEvent(r.Context(), s.DB.Q(), r.PathValue("event"))
	if err != nil {
		return nil, err
	}
	if e.OrganiserID != web.OrgFrom(r.Context()) {
		return nil, apperr.NotFound("Event")
	}
	return e, nil
}

// visibleForm parses a posted form and loads the event in the path that the
// caller may see (see visible), with the caller.
func (s *Service) visibleForm(r *http.Request) (*Event, *web.Identity, error) {
	if err := web.ParseForm(r); err != nil {
		return nil, nil, err
	}
	ctx := r.Context()
	e, err := s.visible(ctx, r.PathValue("event"))
	if err != nil {
		return nil, nil, err
	}
	return e, web.IdentityFrom(ctx), nil
}

// organisedForm parses a posted form and loads the event organised by the
// organisation in the path (see organised).
func (s *Service) organisedForm(r *http.Request) (*Event, error) {
	if err := web.ParseForm(r); err != nil {
		return nil, err
	}
	return s.organised(r)
}

// formError tells whether err is one the form page shows back to the user
// (invalid input, or a conflict such as a full event) rather than an error page.
func formError(err error) bool {
	c := apperr.Code(err)
	return c == apperr.EINVALID || c == apperr.ECONFLICT
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	var v apperr.Validation
	f := Filter{Type: q.Get("type")}
	if f.Type != "" && !valid(Types, f.Type) {
		v.Add("type", "Select a type of event from the list")
		f.Type = ""
	}
	themes, err := taxonomy.List(ctx, s.DB.Q(), taxonomy.Themes, false)
	if err != nil {
		return err
	}
	var theme *taxonomy.Term
	if code := q.Get("theme"); code != "" {
		t, err := taxonomy.ByCode(ctx, s.DB.Q(), taxonomy.Themes, code)
		if err != nil {
			v.Add("theme", "Select a theme from the list")
		} else {
			theme = &t
			f.ThemeID = t.ID
		}
	}
	var organiser *accounts.Organisation
	if slug := q.Get("organiser"); slug != "" {
		o, err := accounts.OrgBySlug(ctx, s.DB.Q(), slug)
		if err != nil {
			v.Add("organiser", "Select an organiser from the list")
		} else {
			organiser = o
			f.OrganiserID = o.ID
		}
	}
	lon := londonLoc()
	now := s.Now()
	when := q.Get("when")
	// The dates are days in the UK: from its first moment, to its last.
	if d := web.FormDate(&v, q, "from", "Enter the from date as a real date, for example 2027-01-31"); d != nil {
		du := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, lon).UTC()
		f.From = &du
	}
	if d := web.FormDate(&v, q, "to", "Enter the to date as a real date, for example 2027-12-31"); d != nil {
		du := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, lon).UTC()
		f.To = &du
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		v.Add("to", "The to date must be on or after the from date")
	}
	if f.From == nil && f.To == nil {
		switch when {
		case "past":
			f.To, f.Past = &now, true
		case "all":
		default:
			when = "upcoming"
			f.From = &now
		}
	}
	return web.ServeList(s.Web, w, r, web.List[*Event]{
		Name: "events", Columns: s.eventColumns(), Item: s.eventItem, Invalid: v.Err(),
		Fetch: func(ctx context.Context, limit, offset int) ([]*Event, int, error) {
			f.Limit, f.Offset = limit, offset
			return ListEvents(ctx, s.DB.Q(), f)
		},
		Render: func(p web.ListPage[*Event]) error {
			return s.renderList(w, r, p, listView{theme: theme, organiser: organiser, themes: themes, when: when, typ: f.Type, now: now})
		},
	})
}

// listView is what the events page shows beside the list.
type listView struct {
	theme     *taxonomy.Term
	organiser *accounts.Organisation
	themes    []taxonomy.Term
	when, typ string
	now       time.Time
}

// renderList is the HTML page of the events list.
func (s *Service) renderList(w http.ResponseWriter, r *http.Request, p web.ListPage[*Event], lv listView) error {
	ctx := r.Context()
	theme, organiser, when := lv.theme, lv.organiser, lv.when
	q := r.URL.Query()
	feed, feedTitle := "/calendar/events.ics", "All events"
	if theme != nil {
		feed, feedTitle = "/calendar/themes/"+theme.Code+"/events.ics", "Events about "+theme.Name
	} else if organiser != nil {
		feed, feedTitle = "/calendar/organisers/"+organiser.Slug+"/events.ics", "Events by "+organiser.Name
	}
	form := url.Values{}
	for _, k := range []string{"type", "theme", "organiser", "from", "to", "when"} {
		form.Set(k, q.Get(k))
	}
	form.Set("when", when)
	var organise []accounts.OrgWithRole
	var err error
	if id := web.IdentityFrom(ctx); id != nil {
		if organise, err = editorOrgs(ctx, s.DB.Q(), id); err != nil {
			return err
		}
	}
	organisers, err := Organisers(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	title := "Events"
	if lv.typ != "" {
		title = Label(lv.typ) + "s"
	}
	return s.Web.Render(w, r, 200, "events/list.html", listPageView{
		View:       web.View{Title: title, Form: form, Err: p.Err},
		Events:     p.Items,
		Types:      Types,
		Themes:     lv.themes,
		Theme:      theme,
		Organiser:  organiser,
		Organisers: organisers,
		Pager:      p.PagerData(r),
		Total:      p.Total,
		When:       when,
		CSV:        p.CSVURL,
		JSONURL:    p.JSONURL,
		Feed:       feed,
		FeedTitle:  feedTitle,
		Now:        lv.now,
		Organise:   organise,
	})
}

// bookingView is what the event page knows about the caller.
type bookingView struct {
	Mine      []*Booking
	MayBook   bool
	Why       string
	Orgs      []accounts.OrgWithRole
	Open      bool
	Sparked   int
	Attending int
}

func (s *Service) show(w http.ResponseWriter, r *http.Request) error {
	return s.renderEvent(w, r, 200, nil, nil)
}

func (s *Service) renderEvent(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) error {
	ctx := r.Context()
	e, err := s.visible(ctx, r.PathValue("event"))
	if err != nil {
		return err
	}
	if web.WantsJSON(r) {
		return web.JSON(w, 200, eventJSON(e, s.baseURL()))
	}
	id := web.IdentityFrom(ctx)
	now := s.Now()
	bv := bookingView{Open: e.BookingOpen(now)}
	if bv.Sparked, err = SparkedCount(ctx, s.DB.Q(), e.ID); err != nil {
		return err
	}
	if id != nil {
		var ids []int64
		for o := range id.Orgs {
			ids = append(ids, o)
		}
		sectors, err := OrgSectors(ctx, s.DB.Q(), ids)
		if err != nil {
			return err
		}
		bv.MayBook, bv.Why = MayBook(e, id, sectors)
		if bv.Orgs, err = accounts.OrgsForUser(ctx, s.DB.Q(), id.UserID); err != nil {
			return db.Err(err, "")
		}
		mine, err := UserBookings(ctx, s.DB.Q(), id.UserID, id.Email)
		if err != nil {
			return err
		}
		all, err := Bookings(ctx, s.DB.Q(), e.ID)
		if err != nil {
			return err
		}
		pos := map[int64]int{}
		for _, b := range all {
			pos[b.ID] = b.Position
		}
		for _, b := range mine {
			if b.EventID == e.ID {
				b.Position = pos[b.ID]
				bv.Mine = append(bv.Mine, b)
			}
		}
	} else {
		bv.Why = "Sign in to book a place"
	}
	ld, err := jsonLD(e, s.baseURL())
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
		if id != nil {
			form.Set("attendee_name", id.Name)
			form.Set("attendee_email", id.Email)
		}
	}
	var fair *fairView
	if e.IsTradeFair() {
		if fair, err = s.fairSummary(ctx, e); err != nil {
			return err
		}
	}
	related, err := s.Web.RelatedSections(ctx, s.DB.Q(), "event", e.ID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "events/event.html", eventView{
		View:      web.View{Title: e.Title, Description: cmp.Or(e.Summary, e.Description), Form: form, Err: formErr},
		Related:   related,
		Event:     e,
		B:         bv,
		JSONLD:    template.JS(ld),
		CanManage: id.Can(e.OrganiserID, web.RoleEditor),
		Now:       now,
		Fair:      fair,
		Feed:      "/calendar/organisers/" + e.OrganiserSlug + "/events.ics",
	})
}

func (s *Service) book(w http.ResponseWriter, r *http.Request) error {
	e, id, err := s.visibleForm(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var ids []int64
	for o := range id.Orgs {
		ids = append(ids, o)
	}
	sectors, err := OrgSectors(ctx, s.DB.Q(), ids)
	if err != nil {
		return err
	}
	if ok, why := MayBook(e, id, sectors); !ok {
		return s.renderEvent(w, r, http.StatusForbidden, r.PostForm, apperr.Errorf(apperr.EFORBIDDEN, "%s", why))
	}
	req := BookRequest{UserID: id.UserID, Name: id.Name, Email: id.Email, AccessNeeds: r.PostForm.Get("access_needs")}
	if err := attendee(r.PostForm, &req); err != nil {
		return s.renderEvent(w, r, 422, r.PostForm, err)
	}
	if o := r.PostForm.Get("organisation"); o != "" {
		oid, err := strconv.ParseInt(o, 10, 64)
		if err != nil || id.RoleIn(oid) == web.RoleNone {
			return s.renderEvent(w, r, 422, r.PostForm, fieldErr("organisation", "Select one of your organisations"))
		}
		req.OrgID = oid
	}
	if r.PostForm.Get("who") == "colleague" && req.OrgID == 0 {
		return s.renderEvent(w, r, 422, r.PostForm, fieldErr("organisation", "Select the organisation you are booking for"))
	}
	var b *Booking
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		b, err = Book(ctx, tx, e.ID, req, s.Now(), s.baseURL())
		return err
	})
	if err != nil {
		if formError(err) {
			return s.renderEvent(w, r, 422, r.PostForm, err)
		}
		return err
	}
	msg := "You have booked a place for " + b.AttendeeName + ". We have sent a confirmation email."
	if b.Status == BookingWaiting {
		msg = "The event is full, so " + b.AttendeeName + " is on the waiting list. We will email if a place becomes free."
	}
	return web.Redirect(w, r, "/events/"+e.Slug, msg)
}

// attendee reads who a booking is for. Booking for someone else needs
// their name and email address (blank ones used to fall back to the booker,
// who was then told they were already booked); an attendee's details typed
// while "Me" is chosen are refused rather than silently dropped (the
// booker's own, which the page fills in, are not someone else's).
func attendee(form url.Values, req *BookRequest) error {
	name, email := strings.TrimSpace(form.Get("attendee_name")), strings.TrimSpace(form.Get("attendee_email"))
	var v apperr.Validation
	own := (name == "" || name == req.Name) && (email == "" || strings.EqualFold(email, req.Email))
	if form.Get("who") == "colleague" {
		v.Check(name != "", "attendee_name", "Enter the name of the person you are booking for")
		v.Check(email != "", "attendee_email", "Enter the email address of the person you are booking for")
		req.Name, req.Email = name, email
	} else if !own {
		v.Add("who", "You entered an attendee's name or email: choose “Someone else from my organisation” to book for them, or clear those boxes to book for yourself")
	}
	return v.Err()
}

func (s *Service) cancelBookingForm(w http.ResponseWriter, r *http.Request) error {
	e, b := item[*Booking](r)
	c := web.Confirm{Title: "Cancel booking", Question: "Are you sure you want to cancel this booking?",
		Button: "Yes, cancel the booking", Back: "/events/" + e.Slug, BackText: "No, go back to the event"}
	switch b.Status {
	case "cancelled":
		c.Detail, c.NoAction = "This booking is already cancelled.", true
	case "waiting":
		c.Detail = fmt.Sprintf("%s will lose their place on the waiting list on %s (%s).", b.AttendeeName, e.Title, e.When())
	default:
		c.Detail = fmt.Sprintf("%s will lose their place on %s (%s).", b.AttendeeName, e.Title, e.When())
		if b.Status == "confirmed" {
			c.Detail += " The place goes to the next person on the waiting list."
		}
	}
	return s.Web.Confirm(w, r, c)
}

func (s *Service) cancelBooking(w http.ResponseWriter, r *http.Request) error {
	e, b := item[*Booking](r)
	if err := s.DB.Write(r.Context(), func(tx *db.Tx) error { return CancelBooking(r.Context(), tx, b.ID, s.baseURL()) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/events/"+e.Slug, "The booking for "+b.AttendeeName+" is cancelled.")
}

// myBooking is one of the caller's bookings with its event.
type myBooking struct {
	B *Booking
	E *Event
}

func (s *Service) mine(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	bs, err := UserBookings(ctx, s.DB.Q(), id.UserID, id.Email)
	if err != nil {
		return err
	}
	rows := make([]myBooking, 0, len(bs))
	for _, b := range bs {
		e, err := GetEvent(ctx, s.DB.Q(), strconv.FormatInt(b.EventID, 10))
		if err != nil {
			return err
		}
		rows = append(rows, myBooking{b, e})
	}
	lon := londonLoc()
	return web.ServeList(s.Web, w, r, web.List[myBooking]{
		Name: "my-events", PerPage: web.Unpaged, Fetch: web.Rows(rows),
		Columns: []web.Column[myBooking]{
			{Header: "Event", Cell: func(m myBooking) string { return m.E.Title }},
			{Header: "Starts", Cell: func(m myBooking) string { return m.E.StartsAt.In(lon).Format("2006-01-02 15:04") }},
			{Header: "Ends", Cell: func(m myBooking) string { return m.E.EndsAt.In(lon).Format("2006-01-02 15:04") }},
			{Header: "Where", Cell: func(m myBooking) string { return m.E.Location() }},
			{Header: "Event status", Cell: func(m myBooking) string { return Label(m.E.Status) }},
			{Header: "Booking", Cell: func(m myBooking) string { return m.B.Status }},
			{Header: "Attendee", Cell: func(m myBooking) string { return m.B.AttendeeName }},
			{Header: "Organisation", Cell: func(m myBooking) string { return m.B.OrgName }},
			{Header: "Link", Cell: func(m myBooking) string { return s.baseURL() + "/events/" + m.E.Slug }},
		},
		Item: func(m myBooking) any {
			return map[string]any{"booking_id": m.B.ID, "status": m.B.Status, "attendee": m.B.AttendeeName, "organisation": m.B.OrgName,
				"booked_at": m.B.CreatedAt, "event": eventJSON(m.E, s.baseURL())}
		},
		Render: func(p web.ListPage[myBooking]) error {
			var upcoming, past []myBooking
			now := s.Now()
			for _, m := range p.Items {
				if m.E.Past(now) {
					past = append(past, m)
				} else {
					upcoming = append(upcoming, m)
				}
			}
			meetings, err := MeetingsFor(ctx, s.DB.Q(), id.UserID)
			if err != nil {
				return err
			}
			return s.Web.Render(w, r, 200, "events/mine.html", mineView{
				View:     web.View{Title: "Your events"},
				Upcoming: upcoming,
				Past:     past,
				Meetings: meetings,
				CSV:      p.CSVURL,
				JSONURL:  p.JSONURL,
			})
		},
	})
}

func (s *Service) stats(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, unknown, err := StatsByType(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	top, err := TopSparking(ctx, s.DB.Q(), 10)
	if err != nil {
		return err
	}
	labelsX := []string{}
	series := []float64{}
	for _, t := range st {
		labelsX = append(labelsX, Label(t.Type))
		series = append(series, float64(t.Partnerships))
	}
	count := func(n int) string { return strconv.Itoa(n) }
	return web.ServeList(s.Web, w, r, web.List[TypeStat]{
		Name: "event-measures", PerPage: web.Unpaged, Fetch: web.Rows(st),
		Columns: []web.Column[TypeStat]{
			{Header: "Type", Cell: func(t TypeStat) string { return Label(t.Type) }},
			{Header: "Events", Cell: func(t TypeStat) string { return count(t.Events) }},
			{Header: "Attendees", Cell: func(t TypeStat) string { return count(t.Attendees) }},
			{Header: "Partnerships sparked", Cell: func(t TypeStat) string { return count(t.Partnerships) }},
			{Header: "Average rating", Cell: func(t TypeStat) string { return fmt.Sprintf("%.1f", t.AvgRating) }},
		},
		Meta: func() map[string]any {
			return map[string]any{"partnerships_event_not_recorded": unknown, "top_events": top}
		},
		Render: func(p web.ListPage[TypeStat]) error {
			chart := web.BarChart("Partnerships sparked by type of event", labelsX, web.Series{Name: "Partnerships", Values: series})
			return s.Web.Render(w, r, 200, "events/stats.html", statsView{
				View:    web.View{Title: "Event measures"},
				Stats:   p.Items,
				Unknown: unknown,
				Top:     top,
				Chart:   chart,
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

func eventJSON(e *Event, base string) map[string]any {
	themes := []string{}
	for _, t := range e.Themes {
		themes = append(themes, t.Code)
	}
	m := map[string]any{
		"id": e.UUID, "slug": e.Slug, "title": e.Title, "type": e.Type, "summary": e.Summary, "status": e.Status,
		"starts_at": e.StartsAt, "ends_at": e.EndsAt, "organiser": e.OrganiserName, "organiser_slug": e.OrganiserSlug,
		"online": e.Online, "location": e.Location(), "accessibility": e.Accessibility, "capacity": e.Capacity, "booked": e.Booked,
		"audience": e.Audience, "themes": themes, "url": base + "/events/" + e.Slug,
	}
	if e.BookingDeadline != nil {
		m["booking_deadline"] = *e.BookingDeadline
	}
	return m
}

// jsonLD is the schema.org Event for the page (validated in tests
// against the schema.org 30.0 vocabulary).
func jsonLD(e *Event, base string) (string, error) {
	lon := londonLoc()
	status := "https://schema.org/EventScheduled"
	if e.Status == StatusCancelled {
		status = "https://schema.org/EventCancelled"
	}
	m := map[string]any{
		"@context":    "https://schema.org",
		"@type":       "Event",
		"name":        e.Title,
		"url":         base + "/events/" + e.Slug,
		"identifier":  e.UUID,
		"startDate":   e.StartsAt.In(lon).Format(time.RFC3339),
		"endDate":     e.EndsAt.In(lon).Format(time.RFC3339),
		"eventStatus": status,
		"organizer":   map[string]any{"@type": "Organization", "name": e.OrganiserName, "url": base + "/events?organiser=" + url.QueryEscape(e.OrganiserSlug)},
		"inLanguage":  "en-GB",
	}
	if d := e.Summary; d != "" {
		m["description"] = d
	} else if e.Description != "" {
		m["description"] = e.Description
	}
	if e.Online {
		m["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
		m["location"] = map[string]any{"@type": "VirtualLocation", "url": base + "/events/" + e.Slug}
	} else {
		m["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
		m["location"] = map[string]any{"@type": "Place", "name": e.VenueName, "address": map[string]any{
			"@type": "PostalAddress", "streetAddress": e.VenueAddress, "postalCode": e.VenuePostcode, "addressCountry": "GB"}}
	}
	if e.Capacity > 0 {
		m["maximumAttendeeCapacity"] = e.Capacity
		m["remainingAttendeeCapacity"] = e.Places()
	}
	if len(e.Themes) > 0 {
		kw := []string{}
		for _, t := range e.Themes {
			kw = append(kw, t.Name)
		}
		m["keywords"] = kw
	}
	b, err := json.Marshal(m) // escapes <, > and & so it cannot close the script element
	return string(b), err
}

// eventColumns are the CSV columns of an events list.
func (s *Service) eventColumns() []web.Column[*Event] {
	lon := londonLoc()
	return []web.Column[*Event]{
		{Header: "Title", Cell: func(e *Event) string { return e.Title }},
		{Header: "Type", Cell: func(e *Event) string { return Label(e.Type) }},
		{Header: "Starts", Cell: func(e *Event) string { return e.StartsAt.In(lon).Format("2006-01-02 15:04") }},
		{Header: "Ends", Cell: func(e *Event) string { return e.EndsAt.In(lon).Format("2006-01-02 15:04") }},
		{Header: "Organiser", Cell: func(e *Event) string { return e.OrganiserName }},
		{Header: "Where", Cell: func(e *Event) string { return e.Location() }},
		{Header: "Status", Cell: func(e *Event) string { return Label(e.Status) }},
		{Header: "Places", Cell: func(e *Event) string { return strconv.Itoa(e.Capacity) }},
		{Header: "Booked", Cell: func(e *Event) string { return strconv.Itoa(e.Booked) }},
		{Header: "Link", Cell: func(e *Event) string { return s.baseURL() + "/events/" + e.Slug }},
	}
}

// eventItem is an event as a JSON list item.
func (s *Service) eventItem(e *Event) any { return eventJSON(e, s.baseURL()) }
