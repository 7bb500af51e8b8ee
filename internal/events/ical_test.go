package events

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// parseICS decodes a feed with an independent RFC 5545 parser.
func parseICS(t *testing.T, b []byte) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(b)).Decode()
	if err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, b)
	}
	return cal
}

func checkLines(t *testing.T, b []byte) {
	t.Helper()
	s := string(b)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatal("feed does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Fatalf("line %d is %d octets (max 75): %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Fatalf("line %d splits a UTF-8 character: %q", i+1, line)
		}
	}
}

func TestCalendarParsesWithTimeZonesFoldingAndEscaping(t *testing.T) {
	lon := londonLoc()
	summer := time.Date(2027, 7, 1, 9, 30, 0, 0, lon)  // BST, UTC+1
	winter := time.Date(2027, 1, 14, 18, 0, 0, 0, lon) // GMT
	long := strings.Repeat("Café société, outcomes; partnerships\\ ", 12) + "\nSecond line"
	c := &Calendar{Name: "Test, feed", Host: "partnerhub.test", Generated: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), Events: []VEvent{
		{UID: "a1@partnerhub", Start: summer, End: summer.Add(2 * time.Hour),
			Summary: "Good Practice Guide launch; State of the Sector", Description: long, Location: "Winter Gardens, 97 Church Street", Organiser: `Third "Sector" Partnership`,
			Categories: []string{"Conference", "Health, wellbeing"}, Sequence: 2},
		{UID: "b2@partnerhub", Start: winter, End: winter.Add(time.Hour), Summary: "Cancelled workshop", Cancelled: true},
	}}
	b := c.Bytes()
	checkLines(t, b)
	cal := parseICS(t, b)
	evs := cal.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	var tzs int
	for _, ch := range cal.Children {
		if ch.Name == ical.CompTimezone {
			tzs++
		}
	}
	if tzs != 1 {
		t.Fatalf("want one VTIMEZONE, got %d", tzs)
	}
	e := evs[0]
	if uid, _ := e.Props.Text(ical.PropUID); uid != "a1@partnerhub" {
		t.Fatalf("UID %q", uid)
	}
	if s, _ := e.Props.Text(ical.PropSummary); s != "Good Practice Guide launch; State of the Sector" {
		t.Fatalf("summary round trip: %q", s)
	}
	if d, _ := e.Props.Text(ical.PropDescription); d != long {
		t.Fatalf("description round trip:\n%q\n%q", d, long)
	}
	p := e.Props.Get(ical.PropDateTimeStart)
	if p.Params.Get(ical.ParamTimezoneID) != "Europe/London" {
		t.Fatalf("DTSTART has no TZID: %+v", p)
	}
	st, err := e.DateTimeStart(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Equal(summer) || st.UTC().Hour() != 8 {
		t.Fatalf("summer start %v, want %v (08:30 UTC)", st, summer.UTC())
	}
	wst, err := evs[1].DateTimeStart(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !wst.Equal(winter) || wst.UTC().Hour() != 18 {
		t.Fatalf("winter start %v, want 18:00 UTC", wst)
	}
	if st, _ := evs[1].Props.Text(ical.PropStatus); st != "CANCELLED" {
		t.Fatalf("status %q", st)
	}
	if st, _ := e.Props.Text(ical.PropStatus); st != "CONFIRMED" {
		t.Fatalf("status %q", st)
	}
	if e.Props.Get(ical.PropDateTimeStamp) == nil {
		t.Fatal("no DTSTAMP")
	}
	stamp, err := e.Props.DateTime(ical.PropDateTimeStamp, nil)
	if err != nil || !stamp.Equal(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("DTSTAMP %v %v", stamp, err)
	}
}

func TestFoldKeepsCharactersWhole(t *testing.T) {
	for n := 70; n < 160; n++ {
		line := "DESCRIPTION:" + strings.Repeat("é", n) + "x"
		folded := fold(line)
		checkLines(t, []byte(folded))
		unfolded := strings.ReplaceAll(strings.TrimSuffix(folded, "\r\n"), "\r\n ", "")
		if unfolded != line {
			t.Fatalf("fold/unfold changed the line at n=%d", n)
		}
	}
}

func TestLocalTimeHandlesDaylightSaving(t *testing.T) {
	// Clocks go forward at 01:00 on 28 March 2027: 01:30 does not exist.
	if _, msg := LocalTime("2027-03-28", "01:30"); !strings.Contains(msg, "clocks go forward") {
		t.Fatalf("missing local time accepted: %q", msg)
	}
	got, msg := LocalTime("2027-03-28", "10:00")
	if msg != "" || !got.Equal(time.Date(2027, 3, 28, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("BST 10:00 = %v %q", got, msg)
	}
	got, _ = LocalTime("2027-03-27", "10:00")
	if !got.Equal(time.Date(2027, 3, 27, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("GMT 10:00 = %v", got)
	}
	// Clocks go back at 02:00 BST on 31 October 2027: 01:30 happens twice; the first (BST) is used.
	got, _ = LocalTime("2027-10-31", "01:30")
	if !got.Equal(time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC)) {
		t.Fatalf("ambiguous 01:30 = %v", got)
	}
	for _, c := range []struct{ d, t, want string }{
		{"", "10:00", "Enter a date"}, {"2027-02-30", "10:00", "real date"}, {"2027-02-01", "25:00", "24-hour"},
	} {
		if _, msg := LocalTime(c.d, c.t); !strings.Contains(msg, c.want) {
			t.Fatalf("%q %q: %q", c.d, c.t, msg)
		}
	}
}

func TestValidateEventInput(t *testing.T) {
	base := Input{Title: "Workshop", Type: TypeThemed, VenueName: "Hall", VenueAddress: "1 Road", StartDate: "2027-01-10", StartTime: "10:00",
		EndDate: "2027-01-10", EndTime: "12:00", Capacity: "20", Audience: AudienceMembers}
	if _, err := base.Validate(0); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		mod   func(*Input)
		field string
		msg   string
	}{
		{func(i *Input) { i.EndTime = "09:00" }, "end_date", "The event must end after it starts"},
		{func(i *Input) { i.Capacity = "5" }, "capacity", "cannot be less than the 10 already booked"},
		{func(i *Input) { i.Type = "party" }, "type", "Select the type of event"},
		{func(i *Input) { i.Audience = "friends" }, "audience", "Select who the event is for"},
		{func(i *Input) { i.VenueName = "" }, "venue_name", "Enter the venue"},
		{func(i *Input) { i.DeadlineDate = "2027-01-11" }, "deadline_date", "before the event starts"},
		{func(i *Input) { i.Online, i.OnlineURL = true, "javascript:alert(1)" }, "online_url", "https://"},
	}
	for _, c := range cases {
		in := base
		c.mod(&in)
		_, err := in.Validate(10)
		found := false
		for _, f := range fieldsOf(err) {
			if f.Field == c.field && strings.Contains(f.Message, c.msg) {
				found = true
			}
		}
		if !found {
			t.Fatalf("want %s: %q, got %v", c.field, c.msg, err)
		}
	}
}
