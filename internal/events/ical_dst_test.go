package events

import (
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apperr"
)

// TestRepeatedAutumnHourIsWrittenInUTC: 01:30 happens twice on the last
// Sunday of October; written as a TZID time, clients (ical.js,
// python-icalendar, khal, go-ical) read one instant for both. Each is
// written in UTC, and reads back as the instant meant; other times keep
// their London TZID.
func TestRepeatedAutumnHourIsWrittenInUTC(t *testing.T) {
	bst := time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC) // 01:30 BST
	gmt := bst.Add(time.Hour)                             // 01:30 GMT
	summer := time.Date(2027, 7, 1, 9, 30, 0, 0, londonLoc())
	c := &Calendar{Name: "Clocks", Host: "partnerhub.test", Events: []VEvent{
		{UID: "first@partnerhub", Start: bst, End: bst.Add(3 * time.Hour), Summary: "First 01:30"},
		{UID: "second@partnerhub", Start: gmt, End: gmt.Add(time.Hour), Summary: "Second 01:30"},
		{UID: "summer@partnerhub", Start: summer, End: summer.Add(time.Hour), Summary: "Summer"},
	}}
	b := c.Bytes()
	checkLines(t, b)
	for _, want := range []string{"DTSTART:20271031T003000Z", "DTSTART:20271031T013000Z", "DTEND;TZID=Europe/London:20271031T033000", "DTSTART;TZID=Europe/London:20270701T093000"} {
		if !strings.Contains(string(b), want+"\r\n") {
			t.Errorf("the feed lacks %s", want)
		}
	}
	evs := parseICS(t, b).Events()
	for i, want := range []time.Time{bst, gmt, summer} {
		got, err := evs[i].DateTimeStart(nil)
		if err != nil || !got.Equal(want) {
			t.Errorf("event %d starts %v (%v), want %v", i, got, err, want.UTC())
		}
	}
}

// TestFeedStampIsWhenGenerated: DTSTAMP is when the feed was made, never
// an event's (future) start or last change.
func TestFeedStampIsWhenGenerated(t *testing.T) {
	future := time.Now().Add(30 * 24 * time.Hour)
	c := &Calendar{Name: "Meetings", Host: "partnerhub.test", Events: []VEvent{{UID: "m@partnerhub", Start: future, End: future.Add(time.Hour), Summary: "Meeting", LastModified: future}}}
	before := time.Now().Add(-time.Second)
	stamp, err := parseICS(t, c.Bytes()).Events()[0].Props.DateTime("DTSTAMP", nil)
	if err != nil || stamp.Before(before.Truncate(time.Second)) || stamp.After(time.Now()) {
		t.Fatalf("DTSTAMP %v (%v), want the time the feed was generated", stamp, err)
	}
	gen := time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	c.Generated = gen
	if !strings.Contains(string(c.Bytes()), "DTSTAMP:20261206T180000Z\r\n") {
		t.Fatal("DTSTAMP is not the Generated time")
	}
}

// TestOrganizerIsARealAddress: ORGANIZER names the organiser's published
// contact address, and is left out without one (no invented mailto).
func TestOrganizerIsARealAddress(t *testing.T) {
	start := time.Date(2027, 7, 1, 9, 30, 0, 0, londonLoc())
	c := &Calendar{Name: "Org", Host: "partnerhub.test", Events: []VEvent{
		{UID: "a@partnerhub", Start: start, End: start.Add(time.Hour), Summary: "With contact", Organiser: "Bispham Carers", OrganiserEmail: "hello@bispham.example"},
		{UID: "b@partnerhub", Start: start, End: start.Add(time.Hour), Summary: "Without", Organiser: "Layton Lunch Club"},
	}}
	b := string(c.Bytes())
	if !strings.Contains(b, `ORGANIZER;CN="Bispham Carers":mailto:hello@bispham.example`+"\r\n") {
		t.Errorf("no ORGANIZER with the contact's address:\n%s", b)
	}
	if strings.Count(b, "ORGANIZER") != 1 || strings.Contains(b, "partnerhub.test\r\n") {
		t.Errorf("an ORGANIZER without a real address:\n%s", b)
	}
}

// TestRepeatedHourIsAskedAndShown: the event form asks which 01:30 is
// meant on the day the clocks go back (as it refuses the spring gap), uses
// the one chosen, and event times on a day the clocks change say BST or
// GMT.
func TestRepeatedHourIsAskedAndShown(t *testing.T) {
	in := Input{Title: "Night walk", Type: TypeNetworking, Online: true, OnlineURL: "https://meet.example.org/x",
		StartDate: "2027-10-31", StartTime: "01:30", EndDate: "2027-10-31", EndTime: "03:00", Capacity: "0", MeetingCap: "0"}
	_, err := in.Validate(0)
	if msg := fieldMessage(err, "start_zone"); !strings.Contains(msg, "01:30 happens twice on 31 October 2027") {
		t.Fatalf("ambiguous start not asked about: %v", err)
	}
	for zone, want := range map[string]time.Time{"BST": time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC), "GMT": time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC)} {
		in.StartZone = zone
		e, err := in.Validate(0)
		if err != nil || !e.StartsAt.Equal(want) {
			t.Fatalf("%s: %v %v, want %v", zone, e, err, want)
		}
		if f := FormValues(e); f.Get("start_zone") != zone {
			t.Errorf("%s: editing forgets the choice: %q", zone, f.Get("start_zone"))
		}
		if w := e.When(); !strings.Contains(w, "01:30 "+zone) || !strings.Contains(w, "03:00 GMT") {
			t.Errorf("%s: When %q does not say which 01:30", zone, w)
		}
	}
	summer := &Event{StartsAt: time.Date(2027, 7, 1, 8, 30, 0, 0, time.UTC), EndsAt: time.Date(2027, 7, 1, 10, 0, 0, 0, time.UTC)}
	if w := summer.When(); strings.Contains(w, "BST") || strings.Contains(w, "GMT") {
		t.Errorf("an ordinary day names the zone: %q", w)
	}
}

func fieldMessage(err error, field string) string {
	for _, fe := range apperr.Fields(err) {
		if fe.Field == field {
			return fe.Message
		}
	}
	return ""
}
