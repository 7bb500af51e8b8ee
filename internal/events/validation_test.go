package events_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestEventFormsKeepInputAndCheckPostcodes: the event form refuses a venue
// postcode that is not a UK postcode, keeps every value on the 422, and
// stores what was sent once fixed.
func TestEventFormsKeepInputAndCheckPostcodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("organiser@example.org", false)
		org := env.Org("Third Sector Partnership", "vcs", map[string]string{"organiser@example.org": "owner"})
		c := env.As("organiser@example.org")
		start := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
		form := eventForm("Postcode workshop", "networking", start, 20)
		form.Set("venue_postcode", "NOTAPOSTCODE")
		c.PostForm("/orgs/"+org.Slug+"/events/new", form).Status(t, 422).Contains(t, "Enter a real UK postcode", `href="#venue_postcode"`).Kept(t, "", form, "action")
		form.Set("venue_postcode", "fy1  1hl")
		res := c.PostForm("/orgs/"+org.Slug+"/events/new", form).Status(t, 303)
		slug := strings.TrimPrefix(res.Location(), "/events/")
		form.Set("venue_postcode", "FY1 1HL") // stored in the standard form
		edit := "/orgs/" + org.Slug + "/events/" + slug + "/edit"
		c.Get(edit).Status(t, 200).Kept(t, "", form, "action")
		form.Set("venue_postcode", "FY1 1HLX")
		form.Set("title", "Postcode workshop (moved)")
		c.PostForm(edit, form).Status(t, 422).Contains(t, "Enter a real UK postcode").Kept(t, "", form, "action")

		// Messaging attendees: a message without a subject keeps the body and the box.
		msg := "/orgs/" + org.Slug + "/events/" + slug + "/message"
		bad := url.Values{"subject": {""}, "body": {"The room has changed to the Blue Room."}, "waiting": {"yes"}}
		c.PostForm(msg, bad).Status(t, 422).Kept(t, "", bad)
	})
}

// TestBookingForSomeoneElseNeedsTheirDetails: "someone else" with a blank
// name or email is asked for them (it used to book the booker, or tell them
// they were already booked), and details typed while "Me" is chosen are
// not silently dropped.
func TestBookingForSomeoneElseNeedsTheirDetails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("owner@example.org", false)
		org := env.Org("Third Sector Partnership", "vcs", map[string]string{"owner@example.org": "owner"})
		c := env.As("owner@example.org")
		start := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
		res := c.PostForm("/orgs/"+org.Slug+"/events/new", eventForm("Booking workshop", "networking", start, 20)).Status(t, 303)
		slug := strings.TrimPrefix(res.Location(), "/events/")
		book := "/events/" + slug + "/book"
		// The page fills in the booker's own name and email; sent as they
		// are with "Me" chosen, they book the booker (the browser journey
		// was refused here).
		asSent := c.Get("/events/"+slug).Status(t, 200).Form(t, book)
		if asSent.Get("attendee_email") != "owner@example.org" || asSent.Get("who") != "me" {
			t.Fatalf("the booking form as the page sends it: %v", asSent)
		}
		c.PostForm(book, asSent).Status(t, 303)

		form := url.Values{"who": {"colleague"}, "organisation": {strconv.FormatInt(org.ID, 10)}, "attendee_name": {""}, "attendee_email": {""}, "access_needs": {"Step-free access"}}
		c.PostForm(book, form).Status(t, 422).Contains(t, "Enter the name of the person you are booking for", "Enter the email address of the person you are booking for").
			NotContains(t, "already").Kept(t, book, form)
		form.Set("attendee_name", "Sam Colleague")
		c.PostForm(book, form).Status(t, 422).Contains(t, "Enter the email address of the person you are booking for").Kept(t, book, form)
		mine := url.Values{"who": {"me"}, "organisation": {""}, "attendee_name": {"Sam Colleague"}, "attendee_email": {"sam@example.org"}}
		c.PostForm(book, mine).Status(t, 422).Contains(t, "choose “Someone else from my organisation”", `href="#who"`).Kept(t, book, mine)
		form.Set("attendee_email", "sam@example.org")
		c.PostForm(book, form).Status(t, 303)
		c.Get("/events/"+slug).Status(t, 200).Contains(t, "Sam Colleague has a place")
	})
}
