package events

import (
	"bytes"
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"partnerhub/internal/db"
)

// Calendar writes an iCalendar (RFC 5545) stream: CRLF line ends, lines
// folded at 75 octets without splitting a UTF-8 character, TEXT values
// escaped, times with TZID=Europe/London and a matching VTIMEZONE.
type Calendar struct {
	Name string
	Host string // for UIDs of records without a UUID
	// Generated is when the feed is generated: every entry's DTSTAMP
	// (RFC 5545 3.8.7.2, for a feed without METHOD:REQUEST); zero means now.
	Generated time.Time
	Events    []VEvent
}

// VEvent is one calendar entry.
type VEvent struct {
	UID         string
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	URL         string
	Organiser   string
	// OrganiserEmail is the organiser's published contact address: the
	// ORGANIZER property is written only with a real address.
	OrganiserEmail string
	organiserID    int64
	Cancelled      bool
	Sequence       int
	Categories     []string
	LastModified   time.Time
}

// vtimezone describes Europe/London with the EU rules in force since 1996
// (BST from 01:00 UTC on the last Sunday in March to 01:00 UTC on the last
// Sunday in October).
const vtimezone = "BEGIN:VTIMEZONE\r\n" +
	"TZID:Europe/London\r\n" +
	"X-LIC-LOCATION:Europe/London\r\n" +
	"BEGIN:DAYLIGHT\r\n" +
	"TZOFFSETFROM:+0000\r\n" +
	"TZOFFSETTO:+0100\r\n" +
	"TZNAME:BST\r\n" +
	"DTSTART:19700329T010000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" +
	"END:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\n" +
	"TZOFFSETFROM:+0100\r\n" +
	"TZOFFSETTO:+0000\r\n" +
	"TZNAME:GMT\r\n" +
	"DTSTART:19701025T020000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" +
	"END:STANDARD\r\n" +
	"END:VTIMEZONE\r\n"

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)
	return r.Replace(s)
}

// fold splits a content line into lines of at most 75 octets; each
// continuation starts with one space (RFC 5545 3.1).
// paramText makes s safe inside a quoted property parameter (RFC 5545
// 3.1: no control characters, no DQUOTE). Organisation names stored before
// names were made one line may hold line breaks, which would otherwise
// start new properties in everyone's feed.
func paramText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func fold(line string) string {
	if len(line) <= 75 {
		return line + "\r\n"
	}
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}

func utcStamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func localStamp(t time.Time) string { return t.In(londonLoc()).Format("20060102T150405") }

// repeatedHour reports whether t's London wall-clock time happens twice
// (the hour repeated when the clocks go back): a TZID time there is read
// as either occurrence, and ical.js, python-icalendar and khal take the
// other one.
func repeatedHour(t time.Time) bool {
	s := localStamp(t)
	return localStamp(t.Add(time.Hour)) == s || localStamp(t.Add(-time.Hour)) == s
}

// dateTime is a DTSTART or DTEND line: London time with its TZID, or UTC
// in the repeated hour, which every client reads as the same instant.
func dateTime(name string, t time.Time) string {
	if repeatedHour(t) {
		return name + ":" + utcStamp(t)
	}
	return name + ";TZID=Europe/London:" + localStamp(t)
}

// Bytes renders the calendar.
func (c *Calendar) Bytes() []byte {
	var b bytes.Buffer
	w := func(line string) { b.WriteString(fold(line)) }
	w("BEGIN:VCALENDAR")
	w("VERSION:2.0")
	w("PRODID:-//Partnerhub//Events//EN")
	w("CALSCALE:GREGORIAN")
	w("METHOD:PUBLISH")
	if c.Name != "" {
		w("X-WR-CALNAME:" + escapeText(c.Name))
	}
	w("X-WR-TIMEZONE:Europe/London")
	b.WriteString(vtimezone)
	generated := c.Generated
	if generated.IsZero() {
		generated = time.Now()
	}
	for _, e := range c.Events {
		w("BEGIN:VEVENT")
		w("UID:" + e.UID)
		w("DTSTAMP:" + utcStamp(generated))
		w(dateTime("DTSTART", e.Start))
		w(dateTime("DTEND", e.End))
		w("SUMMARY:" + escapeText(e.Summary))
		if e.Description != "" {
			w("DESCRIPTION:" + escapeText(e.Description))
		}
		if e.Location != "" {
			w("LOCATION:" + escapeText(e.Location))
		}
		if e.URL != "" {
			w("URL:" + e.URL)
		}
		if e.Organiser != "" && e.OrganiserEmail != "" {
			// ORGANIZER is a CAL-ADDRESS (a real one); the name goes in CN.
			w(`ORGANIZER;CN="` + paramText(e.Organiser) + `":mailto:` + paramText(e.OrganiserEmail))
		}
		if len(e.Categories) > 0 {
			cs := make([]string, len(e.Categories))
			for i, x := range e.Categories {
				cs[i] = escapeText(x)
			}
			w("CATEGORIES:" + strings.Join(cs, ","))
		}
		if e.Cancelled {
			w("STATUS:CANCELLED")
		} else {
			w("STATUS:CONFIRMED")
		}
		w("SEQUENCE:" + strconv.Itoa(e.Sequence))
		if !e.LastModified.IsZero() {
			w("LAST-MODIFIED:" + utcStamp(e.LastModified))
		}
		w("END:VEVENT")
	}
	w("END:VCALENDAR")
	return b.Bytes()
}

// eventEntry turns an event into a calendar entry.
func eventEntry(e *Event, base string) VEvent {
	desc := e.Summary
	if desc == "" {
		desc = e.Description
	}
	if e.Accessibility != "" {
		desc += "\n\nAccess: " + e.Accessibility
	}
	desc += "\n\nDetails and booking: " + base + "/events/" + e.Slug
	cats := []string{labels[e.Type]}
	for _, t := range e.Themes {
		cats = append(cats, t.Name)
	}
	return VEvent{
		UID: e.UUID + "@partnerhub", LastModified: e.UpdatedAt, Start: e.StartsAt, End: e.EndsAt,
		Summary: e.Title, Description: strings.TrimSpace(desc), Location: e.Location(), URL: base + "/events/" + e.Slug,
		Organiser: e.OrganiserName, organiserID: e.OrganiserID, Cancelled: e.Status == StatusCancelled, Sequence: e.Sequence, Categories: cats,
	}
}

func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "partnerhub.invalid"
}

// addOrganiserEmails sets each entry's OrganiserEmail to its organiser's
// first contact whose address the organisation publishes (with consent).
func addOrganiserEmails(ctx context.Context, q db.Querier, c *Calendar) error {
	emails := map[int64]string{}
	for i := range c.Events {
		id := c.Events[i].organiserID
		if id == 0 {
			continue
		}
		if _, ok := emails[id]; !ok {
			list, err := db.Column[string](ctx, q, `SELECT email FROM org_contacts WHERE organisation_id = $1 AND publish_email AND consent_at IS NOT NULL AND email <> '' ORDER BY id LIMIT 1`, id)
			if err != nil {
				return err
			}
			emails[id] = ""
			if len(list) > 0 {
				emails[id] = list[0]
			}
		}
		c.Events[i].OrganiserEmail = emails[id]
	}
	return nil
}
