package events

import (
	"fmt"
	"net/url"
	"partnerhub/internal/accounts"
	"partnerhub/internal/clean"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/directory"
	"partnerhub/internal/web"
)

// Event types. The home page links to /events?type=commissioning_workshop.
const (
	TypeNetworking    = "networking"
	TypeThemed        = "themed_workshop"
	TypeOutcome       = "outcome_workshop"
	TypeCommissioning = "commissioning_workshop"
	TypeTradeFair     = "trade_fair"
	TypeConference    = "conference"
	TypeOther         = "other"
)

// Types lists event types in display order.
var Types = []string{TypeNetworking, TypeThemed, TypeOutcome, TypeCommissioning, TypeTradeFair, TypeConference, TypeOther}

// Audiences: who may book.
const (
	AudienceEveryone      = "everyone"
	AudienceMembers       = "members"       // signed in with an organisation
	AudiencePublicSector  = "public_sector" // members of a public-sector organisation
	AudienceCommissioners = "commissioners" // commissioners (web.Identity.Commissioner)
)

// Audiences lists audiences in display order.
var Audiences = []string{AudienceEveryone, AudienceMembers, AudiencePublicSector, AudienceCommissioners}

// Statuses of an event.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusCancelled = "cancelled"
	StatusFinished  = "finished"
)

// Booking statuses.
const (
	BookingConfirmed = "confirmed"
	BookingWaiting   = "waiting"
	BookingCancelled = "cancelled"
)

var labels = map[string]string{
	TypeNetworking:         "Networking",
	TypeThemed:             "Themed workshop",
	TypeOutcome:            "Outcome-based workshop",
	TypeCommissioning:      "Commissioning workshop",
	TypeTradeFair:          "Trade fair",
	TypeConference:         "Conference",
	TypeOther:              "Other event",
	AudienceEveryone:       "Everyone",
	AudienceMembers:        "Members of an organisation",
	AudiencePublicSector:   "Public sector",
	AudienceCommissioners:  "Commissioners",
	StatusDraft:            "Draft",
	StatusPublished:        "Published",
	StatusCancelled:        "Cancelled",
	StatusFinished:         "Finished",
	BookingConfirmed:       "Confirmed",
	BookingWaiting:         "On the waiting list",
	"applied":              "Applied",
	"allocated":            "Stand allocated",
	"declined":             "Declined",
	"withdrawn":            "Withdrawn",
	"national_indicator":   "National indicator themed",
	"event_origin_unknown": "Event not recorded",
}

// ownCodes are codes other features also use with other words ("other"
// is an origin of a partnership and a kind of outcomes tool, "draft" an
// assessment in progress). The shared label table keeps their words; the
// events pages name them with Label.
// "members" is who may book an event here but who may see a partnership
// there.
var ownCodes = map[string]bool{TypeOther: true, StatusDraft: true, AudienceMembers: true}

// sharedLabels is labels without ownCodes, for web.AddLabels.
func sharedLabels() map[string]string {
	m := make(map[string]string, len(labels))
	for k, v := range labels {
		if !ownCodes[k] {
			m[k] = v
		}
	}
	return m
}

// Label is the events feature's words for a code.
func Label(code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return accounts.Label(code)
}

// AudienceLabel names who can book the event.
func (e *Event) AudienceLabel() string { return Label(e.Audience) }

// TypeLabel names the event's type.
func (e *Event) TypeLabel() string { return Label(e.Type) }

// StatusLabel names the event's status.
func (e *Event) StatusLabel() string { return Label(e.Status) }

// TypeLabel names the type of event the figures are for.
func (t TypeStat) TypeLabel() string { return Label(t.Type) }

func valid(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Event is one event.
type Event struct {
	ID              int64
	UUID            string
	Slug            string
	OrganiserID     int64
	OrganiserName   string
	OrganiserSlug   string
	Title           string
	Type            string
	Summary         string
	Description     string
	Online          bool
	OnlineURL       string
	VenueName       string
	VenueAddress    string
	VenuePostcode   string
	Accessibility   string
	StartsAt        time.Time
	EndsAt          time.Time
	Capacity        int // 0 means no limit
	Booked          int
	BookingDeadline *time.Time
	Audience        string
	Status          string
	MeetingCap      int
	Sequence        int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ThemeIDs        []int64
	Themes          []ThemeRef
}

// ThemeRef is a theme tagged on an event.
type ThemeRef struct {
	ID      int64
	Code    string
	Name    string
	NICodes string
}

// NationalIndicator reports whether the event is a national indicator
// themed workshop: a workshop tagged with themes that carry NI codes.
func (e *Event) NationalIndicator() bool {
	if e.Type != TypeThemed && e.Type != TypeOutcome && e.Type != TypeCommissioning {
		return false
	}
	for _, t := range e.Themes {
		if strings.TrimSpace(t.NICodes) != "" {
			return true
		}
	}
	return false
}

// Places left; -1 when the event has no limit.
func (e *Event) Places() int {
	if e.Capacity == 0 {
		return -1
	}
	if n := e.Capacity - e.Booked; n > 0 {
		return n
	}
	return 0
}

// Full reports whether every place is taken.
func (e *Event) Full() bool { return e.Capacity > 0 && e.Booked >= e.Capacity }

// Deadline is the booking deadline (the start when none is set).
func (e *Event) Deadline() time.Time {
	if e.BookingDeadline != nil {
		return *e.BookingDeadline
	}
	return e.StartsAt
}

// BookingOpen reports whether bookings are accepted at now.
func (e *Event) BookingOpen(now time.Time) bool {
	return e.Status == StatusPublished && now.Before(e.Deadline())
}

// Past reports whether the event has ended.
func (e *Event) Past(now time.Time) bool { return !now.Before(e.EndsAt) }

// Location is the venue in one line.
func (e *Event) Location() string {
	if e.Online {
		return "Online"
	}
	parts := []string{}
	for _, p := range []string{e.VenueName, e.VenueAddress, e.VenuePostcode} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// IsTradeFair reports whether the event has stands and meetings.
func (e *Event) IsTradeFair() bool { return e.Type == TypeTradeFair }

// MayBook reports whether id is in the event's audience, with a message
// saying why not.
func MayBook(e *Event, id *web.Identity, orgSectors map[int64]string) (bool, string) {
	if id == nil {
		return false, "Sign in to book a place"
	}
	if id.Admin {
		return true, ""
	}
	switch e.Audience {
	case AudienceMembers:
		if len(id.Orgs) == 0 {
			return false, "This event is for members of an organisation on Partnerhub. Join or register your organisation to book"
		}
	case AudiencePublicSector:
		for org := range id.Orgs {
			if orgSectors[org] == "public" {
				return true, ""
			}
		}
		return false, "This event is for people from public sector organisations"
	case AudienceCommissioners:
		if !id.Commissioner {
			return false, "This event is for commissioners"
		}
	}
	return true, ""
}

// Input is what the event form sends. Dates and times are local
// (Europe/London) as typed.
type Input struct {
	Title, Type, Summary, Description                 string
	Online                                            bool
	OnlineURL, VenueName, VenueAddress, VenuePostcode string
	Accessibility                                     string
	StartDate, StartTime, EndDate, EndTime            string
	StartZone, EndZone                                string // "BST" or "GMT": which of a repeated hour's times is meant
	DeadlineDate, DeadlineTime                        string
	Capacity, MeetingCap                              string
	Audience                                          string
	ThemeIDs                                          []int64
}

// InputFromForm reads the event form.
func InputFromForm(f url.Values) Input {
	in := Input{
		Title: f.Get("title"), Type: f.Get("type"), Summary: f.Get("summary"), Description: f.Get("description"),
		Online: f.Get("online") == "yes", OnlineURL: f.Get("online_url"), VenueName: f.Get("venue_name"),
		VenueAddress: f.Get("venue_address"), VenuePostcode: f.Get("venue_postcode"), Accessibility: f.Get("accessibility"),
		StartDate: f.Get("start_date"), StartTime: f.Get("start_time"), EndDate: f.Get("end_date"), EndTime: f.Get("end_time"),
		StartZone: f.Get("start_zone"), EndZone: f.Get("end_zone"),
		DeadlineDate: f.Get("deadline_date"), DeadlineTime: f.Get("deadline_time"),
		Capacity: f.Get("capacity"), MeetingCap: f.Get("meeting_cap"), Audience: f.Get("audience"),
	}
	for _, s := range f["theme"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			in.ThemeIDs = append(in.ThemeIDs, id)
		}
	}
	return in
}

// FormValues turns an event back into form values (for editing).
func FormValues(e *Event) url.Values {
	lon := web.London()
	f := url.Values{}
	f.Set("title", e.Title)
	f.Set("type", e.Type)
	f.Set("summary", e.Summary)
	f.Set("description", e.Description)
	if e.Online {
		f.Set("online", "yes")
	} else {
		f.Set("online", "no")
	}
	f.Set("online_url", e.OnlineURL)
	f.Set("venue_name", e.VenueName)
	f.Set("venue_address", e.VenueAddress)
	f.Set("venue_postcode", e.VenuePostcode)
	f.Set("accessibility", e.Accessibility)
	f.Set("start_date", e.StartsAt.In(lon).Format("2006-01-02"))
	f.Set("start_time", e.StartsAt.In(lon).Format("15:04"))
	if repeatedHour(e.StartsAt) {
		f.Set("start_zone", e.StartsAt.In(lon).Format("MST"))
	}
	if repeatedHour(e.EndsAt) {
		f.Set("end_zone", e.EndsAt.In(lon).Format("MST"))
	}
	f.Set("end_date", e.EndsAt.In(lon).Format("2006-01-02"))
	f.Set("end_time", e.EndsAt.In(lon).Format("15:04"))
	if e.BookingDeadline != nil {
		f.Set("deadline_date", e.BookingDeadline.In(lon).Format("2006-01-02"))
		f.Set("deadline_time", e.BookingDeadline.In(lon).Format("15:04"))
	}
	f.Set("capacity", strconv.Itoa(e.Capacity))
	f.Set("meeting_cap", strconv.Itoa(e.MeetingCap))
	f.Set("audience", e.Audience)
	for _, id := range e.ThemeIDs {
		f.Add("theme", strconv.FormatInt(id, 10))
	}
	return f
}

// LocalTime turns a date (YYYY-MM-DD) and a time (HH:MM) typed in the UK
// into a UTC instant. Times that do not exist because the clocks go
// forward are refused; in the repeated hour when the clocks go back the
// first (BST) occurrence is used.
func LocalTime(date, clock string) (time.Time, string) {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	if date == "" {
		return time.Time{}, "Enter a date"
	}
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		return time.Time{}, "Enter a real date, for example 2027-03-18"
	}
	if clock == "" {
		return time.Time{}, "Enter a time"
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, "Enter a time in 24-hour format, for example 09:30"
	}
	lon := web.London()
	t := time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, lon)
	if t.Format("2006-01-02 15:04") != d.Format("2006-01-02")+" "+c.Format("15:04") {
		return time.Time{}, fmt.Sprintf("%s does not exist on %s because the clocks go forward; choose a later time", c.Format("15:04"), d.Format("2 January 2006"))
	}
	// In the repeated hour Go may pick either offset; prefer the earlier (BST).
	if earlier := t.Add(-time.Hour); earlier.In(lon).Format("15:04") == c.Format("15:04") && earlier.In(lon).Day() == d.Day() {
		t = earlier
	}
	return t.UTC(), ""
}

// whichRepeated: for a time in the hour repeated when the clocks go back
// (t is its first, BST, occurrence as LocalTime gives it), the occurrence
// zone ("BST" or "GMT") names, or a message asking which one is meant.
// Other times are returned as they are.
func whichRepeated(t time.Time, zone string) (time.Time, string) {
	if !repeatedHour(t) {
		return t, ""
	}
	switch zone {
	case "BST":
		return t, ""
	case "GMT":
		return t.Add(time.Hour), ""
	}
	l := t.In(web.London())
	return t, fmt.Sprintf("%s happens twice on %s because the clocks go back: choose %s BST (the first time) or %s GMT (an hour later)",
		l.Format("15:04"), l.Format("2 January 2006"), l.Format("15:04"), l.Format("15:04"))
}

// Validate checks the input and returns the event fields it sets. booked
// is the number of confirmed places already taken (0 for a new event).
func (in Input) Validate(booked int) (*Event, error) {
	var v apperr.Validation
	e := &Event{
		Title:         clean.Line(in.Title),
		Type:          in.Type,
		Summary:       clean.Text(in.Summary),
		Description:   strings.TrimSpace(in.Description),
		Online:        in.Online,
		OnlineURL:     strings.TrimSpace(in.OnlineURL),
		VenueName:     clean.Line(in.VenueName),
		VenueAddress:  clean.Text(in.VenueAddress),
		VenuePostcode: strings.ToUpper(clean.Text(in.VenuePostcode)),
		Accessibility: strings.TrimSpace(in.Accessibility),
		Audience:      in.Audience,
		ThemeIDs:      in.ThemeIDs,
	}
	v.Check(e.Title != "", "title", "Enter the event title")
	v.Check(len(e.Title) <= 200, "title", "Event title must be 200 characters or fewer")
	v.Check(valid(Types, e.Type), "type", "Select the type of event")
	v.Check(len(e.Summary) <= 300, "summary", "Summary must be 300 characters or fewer")
	v.Check(len(e.Description) <= 20000, "description", "Description must be 20,000 characters or fewer")
	if e.Online {
		u, err := url.Parse(e.OnlineURL)
		v.Check(e.OnlineURL == "" || (err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""), "online_url", "Enter the joining link as a web address starting https://")
	} else {
		v.Check(e.VenueName != "", "venue_name", "Enter the venue, or choose online")
		v.Check(e.VenueAddress != "", "venue_address", "Enter the venue address")
	}
	if e.VenuePostcode != "" {
		pc, ok := directory.NormalisePostcode(e.VenuePostcode)
		v.Check(ok, "venue_postcode", "Enter a real UK postcode, like FY1 1HL")
		if ok {
			e.VenuePostcode = pc
		}
	}
	if e.Audience == "" {
		e.Audience = AudienceEveryone
	}
	v.Check(valid(Audiences, e.Audience), "audience", "Select who the event is for")
	start, msg := LocalTime(in.StartDate, in.StartTime)
	if msg != "" {
		v.Add("start_date", strings.Replace(msg, "Enter a date", "Enter the start date", 1))
	} else if start, msg = whichRepeated(start, in.StartZone); msg != "" {
		v.Add("start_zone", msg)
	}
	end, msg2 := LocalTime(in.EndDate, in.EndTime)
	if msg2 != "" {
		v.Add("end_date", strings.Replace(msg2, "Enter a date", "Enter the end date", 1))
	} else if end, msg2 = whichRepeated(end, in.EndZone); msg2 != "" {
		v.Add("end_zone", msg2)
	}
	if msg == "" && msg2 == "" {
		v.Check(end.After(start), "end_date", "The event must end after it starts")
		v.Check(end.Sub(start) <= 14*24*time.Hour, "end_date", "An event can last at most 14 days")
	}
	e.StartsAt, e.EndsAt = start, end
	if strings.TrimSpace(in.DeadlineDate) != "" || strings.TrimSpace(in.DeadlineTime) != "" {
		clock := in.DeadlineTime
		if strings.TrimSpace(clock) == "" {
			clock = "23:59"
		}
		d, m := LocalTime(in.DeadlineDate, clock)
		if m != "" {
			v.Add("deadline_date", strings.Replace(m, "Enter a date", "Enter the booking deadline date", 1))
		} else {
			v.Check(msg != "" || !d.After(start), "deadline_date", "The booking deadline must be before the event starts")
			e.BookingDeadline = &d
		}
	}
	capStr := strings.TrimSpace(in.Capacity)
	if capStr == "" {
		capStr = "0"
	}
	c, err := strconv.Atoi(capStr)
	switch {
	case err != nil || c < 0:
		v.Add("capacity", "Enter the number of places as a whole number, or 0 for no limit")
	case c > 100000:
		v.Add("capacity", "Number of places must be 100,000 or fewer")
	case c > 0 && c < booked:
		v.Add("capacity", fmt.Sprintf("Number of places cannot be less than the %d already booked", booked))
	}
	e.Capacity = c
	mc := strings.TrimSpace(in.MeetingCap)
	if mc == "" {
		mc = "3"
	}
	n, err := strconv.Atoi(mc)
	v.Check(err == nil && n >= 0 && n <= 50, "meeting_cap", "Enter the meetings each organisation may book, from 0 to 50")
	e.MeetingCap = n
	return e, v.Err()
}

// fieldErr is a validation error for one field.
func fieldErr(field, msg string) error {
	var v apperr.Validation
	v.Add(field, msg)
	return v.Err()
}

// When is the event's date and time in words (UK time).
func (e *Event) When() string { return whenText(e) }

// StatusTag is the CSS modifier for the status tag.
func (e *Event) StatusTag() string {
	switch e.Status {
	case StatusCancelled:
		return "ph-tag--red"
	case StatusDraft:
		return "ph-tag--yellow"
	case StatusFinished:
		return "ph-tag--grey"
	}
	return "ph-tag--green"
}

// Paragraphs splits the description at blank lines.
func (e *Event) Paragraphs() []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(e.Description, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
