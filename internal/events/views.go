package events

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"html/template"
	"partnerhub/internal/accounts"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
	"time"
)

// attendeesView is the data of events/attendees.html.
type attendeesView struct {
	web.View
	Event    *Event
	Bookings []*Booking
	CSV      string
	JSONURL  string
}

// calendarView is the data of events/calendar.html.
type calendarView struct {
	web.View
	Created *time.Time
	FeedURL string
}

// eventView is the data of events/event.html.
type eventView struct {
	web.View
	Related   []web.RelatedSection
	Event     *Event
	B         bookingView
	JSONLD    template.JS
	CanManage bool
	Now       time.Time
	Fair      *fairView
	Feed      string
}

// feedbackView is the data of events/feedback.html.
type feedbackView struct {
	web.View
	Event   *Event
	Booking *Booking
	Done    bool
	Thanks  bool
}

// feedbackSummaryView is the data of events/feedback_summary.html.
type feedbackSummaryView struct {
	web.View
	Event *Event
	S     *FeedbackSummary
	Chart template.HTML
}

// formView is the data of events/form.html.
type formView struct {
	web.View
	Org       *accounts.Organisation
	Event     *Event
	Types     []string
	Audiences []string
	Themes    []taxonomy.Term
}

// listPageView is the data of events/list.html.
type listPageView struct {
	web.View
	Events     []*Event
	Types      []string
	Themes     []taxonomy.Term
	Theme      *taxonomy.Term
	Organiser  *accounts.Organisation
	Organisers []OrganiserRef
	Pager      map[string]any
	Total      int
	When       string
	CSV        string
	JSONURL    string
	Feed       string
	FeedTitle  string
	Now        time.Time
	Organise   []accounts.OrgWithRole
}

// meetingsView is the data of events/meetings.html.
type meetingsView struct {
	web.View
	Event      *Event
	Slots      []*Slot
	Orgs       []accounts.OrgWithRole
	BookFor    map[int64][]accounts.OrgWithRole
	BuyerOrgs  []accounts.OrgWithRole
	MyOrgs     map[int64]bool
	UserID     int64
	CanPublish bool
	Open       bool
}

// messageView is the data of events/message.html.
type messageView struct {
	web.View
	Event *Event
}

// mineView is the data of events/mine.html.
type mineView struct {
	web.View
	Upcoming []myBooking
	Past     []myBooking
	Meetings []*Slot
	CSV      string
	JSONURL  string
}

// orgEventsView is the data of events/org_events.html.
type orgEventsView struct {
	web.View
	Org     *accounts.Organisation
	Events  []*Event
	Pager   map[string]any
	CSV     string
	JSONURL string
}

// standApplyView is the data of events/stand_apply.html.
type standApplyView struct {
	web.View
	Event *Event
	Orgs  []accounts.OrgWithRole
}

// standsView is the data of events/stands.html.
type standsView struct {
	web.View
	Event  *Event
	Stands []Stand
	Apps   []StandApplication
}

// statsView is the data of events/stats.html.
type statsView struct {
	web.View
	Stats   []TypeStat
	Unknown int
	Top     []SparkedEvent
	Chart   template.HTML
	CSV     string
	JSONURL string
}
