package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// evPerson is a browser tab signed in as a new user.
type evPerson struct {
	Email string
	Ctx   context.Context
}

// evTag is a short tag that keeps names unique within a run (each run has
// a fresh database).
func evTag() string { return fmt.Sprintf("%06d", time.Now().UnixNano()/1000%1000000) }

// evPeople creates verified users with the CLI (all at once) and signs
// each in, in a tab of their own. tag keeps addresses unique between runs;
// the person called "admin" is an administrator.
func evPeople(t *testing.T, tag string, names ...string) map[string]evPerson {
	t.Helper()
	srv := app(t)
	errs := make(chan error, len(names))
	for _, n := range names {
		go func() {
			args := []string{"user", "create", "--email", fmt.Sprintf("%s-%s@example.org", n, tag), "--data-dir", srv.DataDir}
			if n == "admin" {
				args = append(args, "--admin")
			}
			cmd := exec.Command(srv.Bin, args...)
			cmd.Env = append(os.Environ(), "PARTNERHUB_PASSWORD_COST=test")
			cmd.Stdin = strings.NewReader(Password + "\n")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			phaseAdd("user create (CLI)", time.Since(start), cmd.ProcessState)
			if err != nil {
				errs <- fmt.Errorf("partnerhub user create %s: %v\n%s", n, err, out)
				return
			}
			errs <- nil
		}()
	}
	for range names {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]evPerson{}
	for _, n := range names {
		email := fmt.Sprintf("%s-%s@example.org", n, tag)
		ctx := newTab(t)
		signIn(t, ctx, email, Password)
		out[n] = evPerson{Email: email, Ctx: ctx}
	}
	return out
}

// evNewOrg creates an organisation through /orgs/new and returns its slug.
func evNewOrg(t *testing.T, ctx context.Context, name, sector string) string {
	t.Helper()
	if st := visit(t, ctx, "/orgs/new"); st != http.StatusOK {
		t.Fatalf("GET /orgs/new: status %d", st)
	}
	fill(t, ctx, "name", name)
	choose(t, ctx, "sector", sector)
	choose(t, ctx, "legal_form", "")
	if st := submit(t, ctx, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("create organisation %s: status %d: %s", name, st, text(t, ctx, "main"))
	}
	return orgSlug(t, ctx, name)
}

// evClick clicks sel and wants the page it leads to to answer 200.
func evClick(t *testing.T, ctx context.Context, sel, what string) {
	t.Helper()
	if count(t, ctx, sel) == 0 {
		t.Fatalf("%s: %s has no %s", what, location(t, ctx), sel)
	}
	if st := submit(t, ctx, sel); st != http.StatusOK {
		t.Fatalf("%s: status %d: %s", what, st, text(t, ctx, "main"))
	}
}

// evFetch fetches path from inside the page (with the tab's cookies)
// and returns the status, content type and body.
type evFetched struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Body   string `json:"body"`
}

func evFetch(t *testing.T, ctx context.Context, path string) evFetched {
	t.Helper()
	f, err := chromedp.Run(ctx, chromedp.Evaluate[evFetched](fmt.Sprintf(
		`fetch(%q, {credentials: 'same-origin'}).then(async r => ({status: r.status, type: r.headers.get('content-type') || '', body: await r.text()}))`, path),
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", path, err)
	}
	return f
}

// evICSEvents unfolds an iCalendar stream (RFC 5545 3.1) and returns each
// VEVENT as a map of property name (parameters kept after ';') to value,
// failing on a stream that is not one well-formed VCALENDAR.
func evICSEvents(t *testing.T, body string) []map[string]string {
	t.Helper()
	if strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		t.Fatalf("an iCalendar line does not end in CRLF:\n%s", body)
	}
	var lines []string
	for _, l := range strings.Split(body, "\r\n") {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				t.Fatal("iCalendar stream starts with a continuation line")
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 || lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Fatalf("not one VCALENDAR:\n%s", body)
	}
	var out []map[string]string
	var cur map[string]string
	depth := 0
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("iCalendar line without a colon: %q", l)
		}
		switch {
		case name == "BEGIN":
			depth++
			if value == "VEVENT" {
				cur = map[string]string{}
			}
		case name == "END":
			depth--
			if value == "VEVENT" {
				out = append(out, cur)
				cur = nil
			}
		case cur != nil:
			cur[name] = value
		}
	}
	if depth != 0 {
		t.Fatalf("unbalanced BEGIN/END in the iCalendar stream")
	}
	return out
}

// evICSEvent finds the VEVENT whose SUMMARY is summary.
func evICSEvent(t *testing.T, evs []map[string]string, summary string) map[string]string {
	t.Helper()
	for _, e := range evs {
		if e["SUMMARY"] == summary {
			return e
		}
	}
	t.Fatalf("no VEVENT with SUMMARY %q among %d events", summary, len(evs))
	return nil
}

// evICSProp is the value of the first property whose name (before any
// parameters) is name, with the name and parameters.
func evICSProp(e map[string]string, name string) (string, string) {
	for k, v := range e {
		if k == name || strings.HasPrefix(k, name+";") {
			return k, v
		}
	}
	return "", ""
}

// evRawText is the textContent of the first element matching sel, trimmed
// (innerText would follow CSS text-transform).
func evRawText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return e ? e.textContent.trim() : ''; })()`, sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// evHTTPGet fetches a URL with a plain client.
func evHTTPGet(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	ctx, cancel := untilGiveUp(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestWorkshopEndToEnd: an organiser creates a themed workshop for two
// people, publishes it, three people book (the third waits), one cancels
// and the waiting one is promoted; the organiser exports and marks the
// attendance, messages attendees, and collects feedback after the event.
func TestWorkshopEndToEnd(t *testing.T) {
	t.Parallel()
	s := app(t)
	// A short tag: long unbreakable addresses would widen other pages' tables.
	tag := evTag()
	p := evPeople(t, tag, "organiser", "alice", "bob", "carol")
	org := p["organiser"].Ctx
	orgName := "Layton Voluntary Action " + tag
	slug := evNewOrg(t, org, orgName, "vcs")
	title := "Commissioning ready workshop " + tag
	var eventPath, themeCode string

	t.Run("create and publish a themed workshop", func(t *testing.T) {
		if st := visit(t, org, "/events"); st != http.StatusOK {
			t.Fatalf("GET /events: status %d", st)
		}
		evClick(t, org, fmt.Sprintf(`main a[href="/orgs/%s/events/new"]`, slug), "the events page's create-an-event link")
		checkPage(t, org, "new event form")
		if st := submit(t, org, `main form button[value=publish]`); st != http.StatusUnprocessableEntity {
			t.Fatalf("empty event form: status %d, want 422", st)
		}
		checkPage(t, org, "new event form with errors")
		links := summaryLinks(t, org)
		for _, want := range []string{"#title", "#type", "#start_date"} {
			if !links[want] {
				t.Errorf("the error summary does not link to %s (links %v)", want, links)
			}
		}
		for href := range links {
			if count(t, org, href) != 1 {
				t.Errorf("the error summary links to %s, which is not on the page", href)
			}
		}

		fill(t, org, "title", title, "summary", "Get ready to bid for contracts, together.",
			"description", "A morning on tendering.\n\nWith the council's commissioners.",
			"venue_name", "Layton Institute", "venue_address", "Westcliffe Drive, Blackpool", "venue_postcode", "FY3 7HR",
			"accessibility", "Step-free access and a hearing loop.", "capacity", "2")
		choose(t, org, "type", "themed_workshop")
		// 17 June 2027 is in British Summer Time: 10:00 in London is 09:00 UTC.
		evSetValues(t, org, "start_date", "2027-06-17", "start_time", "10:00", "end_date", "2027-06-17", "end_time", "12:30")
		picked, err := chromedp.Run(org, chromedp.Evaluate[string](`(() => {
			const i = [...document.querySelectorAll('input[name=theme]')].find(i => /\(NI/.test(i.parentElement.textContent));
			if (!i) return '';
			i.click();
			return i.parentElement.textContent.trim();
		})()`))
		if err != nil || picked == "" {
			t.Fatalf("no theme with national indicator codes to pick (%v)", err)
		}
		evClick(t, org, `main form button[value=draft]`, "save the event as a draft")
		eventPath = location(t, org).Path
		if h := text(t, org, "h1"); h != title {
			t.Fatalf("after saving, the page %s is headed %q", eventPath, h)
		}
		if tag := evRawText(t, org, "main .ph-tag"); tag != "Draft" {
			t.Errorf("a draft event is tagged %q, want Draft", tag)
		}
		if !strings.Contains(text(t, org, "main"), "National indicator themed") {
			t.Error("a workshop with national indicator themes does not say it is national indicator themed")
		}
		checkPage(t, org, "draft event")
		// Nobody else sees a draft.
		if st := visit(t, p["alice"].Ctx, eventPath); st != http.StatusNotFound {
			t.Errorf("another user opens the draft: status %d, want 404", st)
		}
		evClick(t, org, fmt.Sprintf(`main form[action="/orgs/%s/events%s/publish"] button`, slug, strings.TrimPrefix(eventPath, "/events")), "publish the event")
		if count(t, org, `main form[action$="/publish"]`) != 0 {
			t.Error("the published event still offers to publish it")
		}
		checkPage(t, org, "published event (organiser)")
		themeCode = strings.TrimPrefix(evAttr(t, org, `main a[href^="/events?theme="]`, "href"), "/events?theme=")
		themeCode, _, _ = strings.Cut(themeCode, "&")
		if themeCode == "" {
			t.Fatal("the event page does not link to its theme")
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("find it in the listing with filters", func(t *testing.T) {
		anon := newTab(t)
		if st := visit(t, anon, "/events"); st != http.StatusOK {
			t.Fatalf("GET /events: status %d", st)
		}
		checkPage(t, anon, "events")
		choose(t, anon, "type", "themed_workshop")
		choose(t, anon, "theme", themeCode)
		choose(t, anon, "organiser", slug)
		evClick(t, anon, `main form.ph-filters button[type=submit]`, "filter the events")
		if q := location(t, anon).Query(); q.Get("type") != "themed_workshop" || q.Get("theme") != themeCode || q.Get("organiser") != slug {
			t.Errorf("the filter form leads to %s", location(t, anon))
		}
		checkPage(t, anon, "events filtered by type and theme")
		if count(t, anon, fmt.Sprintf(`main .ph-result-list a[href=%q]`, eventPath)) != 1 {
			t.Fatalf("the filtered list does not show the workshop: %s", text(t, anon, "main"))
		}
		// A filter that excludes it.
		visit(t, anon, "/events?type=networking&theme="+themeCode)
		if count(t, anon, fmt.Sprintf(`main a[href=%q]`, eventPath)) != 0 {
			t.Error("the networking events list shows the workshop")
		}
		// A bad date is explained, not a crash.
		if st := visit(t, anon, "/events?from=2027-02-31"); st != http.StatusOK && st != http.StatusUnprocessableEntity {
			t.Errorf("a bad from date: status %d", st)
		}
		checkPage(t, anon, "events with a bad date filter")
		if !summaryLinks(t, anon)["#from"] {
			t.Error("a bad from date has no error linked to the field")
		}

		evClick(t, anon, `main .ph-result-list a[href="`+eventPath+`"]`, "open the event")
		visit(t, anon, "/events?type=themed_workshop&theme="+themeCode)
		evClick(t, anon, fmt.Sprintf(`main a[href=%q]`, eventPath), "open the event from the list")
		checkPage(t, anon, "event page (visitor)")
		ld, err := chromedp.Run(anon, chromedp.Evaluate[map[string]any](
			`JSON.parse(document.querySelector('script[type="application/ld+json"]').textContent)`))
		if err != nil {
			t.Fatalf("the event page's JSON-LD: %v", err)
		}
		if ld["@type"] != "Event" || ld["name"] != title || ld["startDate"] != "2027-06-17T10:00:00+01:00" {
			t.Errorf("JSON-LD @type %v, name %v, startDate %v; want Event, %q, 2027-06-17T10:00:00+01:00", ld["@type"], ld["name"], ld["startDate"], title)
		}
		if when := text(t, anon, "main dl"); !strings.Contains(when, "10:00") || !strings.Contains(when, "12:30") {
			t.Errorf("the event page does not show the London times 10:00 to 12:30:\n%s", when)
		}
		if count(t, anon, `link[rel=alternate][type="text/calendar"]`) != 1 {
			t.Error("the event page has no <link rel=alternate type=text/calendar>")
		}
		feed := evAttr(t, anon, `main a[href$=".ics"]`, "href")
		if !strings.HasPrefix(text(t, anon, `main a[href$=".ics"]`), "Subscribe") {
			t.Errorf("the event page's calendar link reads %q, want a Subscribe link", text(t, anon, `main a[href$=".ics"]`))
		}
		// The organiser's feed parses and carries the event in London time.
		resp, body := evHTTPGet(t, s.url(feed))
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("GET %s: status %d, type %q", feed, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		ev := evICSEvent(t, evICSEvents(t, body), title)
		if ev["UID"] == "" || ev["DTSTAMP"] == "" {
			t.Errorf("the VEVENT has no UID or DTSTAMP: %v", ev)
		}
		k, v := evICSProp(ev, "DTSTART")
		if !((k == "DTSTART;TZID=Europe/London" && v == "20270617T100000") || (k == "DTSTART" && v == "20270617T090000Z")) {
			t.Errorf("DTSTART is %s:%s, want 10:00 London time", k, v)
		}
		if k == "DTSTART;TZID=Europe/London" && !strings.Contains(body, "BEGIN:VTIMEZONE") {
			t.Error("the feed uses TZID=Europe/London without a VTIMEZONE")
		}
		// Signed out, booking means signing in first.
		if count(t, anon, `main a[href^="/signin?next=/events/"]`) != 1 {
			t.Error("a visitor is not offered to sign in to book")
		}
	})

	bookSel := fmt.Sprintf(`main form[action="%s/book"] button[type=submit]`, eventPath)
	t.Run("book two places, the third waits", func(t *testing.T) {
		for i, n := range []string{"alice", "bob", "carol"} {
			ctx := p[n].Ctx
			if st := visit(t, ctx, eventPath); st != http.StatusOK {
				t.Fatalf("%s opens the event: status %d", n, st)
			}
			if i == 0 {
				checkPage(t, ctx, "event page (signed in, places left)")
			}
			button := text(t, ctx, bookSel)
			if want := map[bool]string{true: "Join the waiting list", false: "Book a place"}[i == 2]; button != want {
				t.Errorf("%s is offered %q, want %q", n, button, want)
			}
			evClick(t, ctx, bookSel, n+" books")
			booking := evRawText(t, ctx, "#booking-title + p")
			want := "Booked"
			if i == 2 {
				want = "Waiting list"
			}
			if !strings.Contains(booking, want) {
				t.Errorf("after booking, %s's booking panel says %q, want %q", n, booking, want)
			}
			checkPage(t, ctx, n+"'s event page after booking")
		}
		if !strings.Contains(text(t, p["carol"].Ctx, "main"), "number 1 on the waiting list") {
			t.Error("carol is not told she is number 1 on the waiting list")
		}
		mailTo(t, p["alice"].Email, title)
	})

	t.Run("a cancellation promotes the waiting list", func(t *testing.T) {
		ctx := p["alice"].Ctx
		evClick(t, ctx, `main a[href*="/bookings/"][href$="/cancel"]`, "alice's cancel link")
		if h := text(t, ctx, "h1"); !strings.Contains(h, "Are you sure") {
			t.Errorf("the cancel link leads to %q, want a confirmation page", h)
		}
		checkPage(t, ctx, "cancel booking confirmation")
		evClick(t, ctx, `main form button[type=submit]`, "confirm the cancellation")
		if count(t, ctx, `main a[href*="/bookings/"][href$="/cancel"]`) != 0 {
			t.Error("alice still has a booking after cancelling")
		}
		checkPage(t, ctx, "event page after cancelling")
		m := mailTo(t, p["carol"].Email, "A place is now yours")
		if !strings.Contains(m.Subject, title) {
			t.Errorf("the promotion email's subject is %q", m.Subject)
		}
		visit(t, p["carol"].Ctx, eventPath)
		if !strings.Contains(evRawText(t, p["carol"].Ctx, "#booking-title + p"), "Booked") {
			t.Error("carol's event page does not show her confirmed place")
		}
	})

	attendees := fmt.Sprintf("/orgs/%s/events%s/attendees", slug, strings.TrimPrefix(eventPath, "/events"))
	t.Run("attendees, CSV, attendance and a message", func(t *testing.T) {
		visit(t, org, eventPath)
		evClick(t, org, fmt.Sprintf(`main nav a[href=%q]`, attendees), "the organiser's attendees link")
		checkPage(t, org, "attendees")
		list := text(t, org, "main table tbody")
		for _, n := range []string{"bob", "carol", "alice"} {
			if !strings.Contains(list, p[n].Email) {
				t.Errorf("the attendee list does not show %s:\n%s", p[n].Email, list)
			}
		}
		csvLink := evAttr(t, org, `main a[href$="format=csv"]`, "href")
		f := evFetch(t, org, csvLink)
		if f.Status != 200 || !strings.HasPrefix(f.Type, "text/csv") {
			t.Fatalf("the attendee CSV: status %d, type %q", f.Status, f.Type)
		}
		rows := strings.Split(strings.TrimSpace(f.Body), "\n")
		if len(rows) < 3 || !strings.Contains(rows[0], "mail") {
			t.Errorf("the attendee CSV has no header and rows:\n%s", f.Body)
		}
		for _, n := range []string{"bob", "carol"} {
			if !strings.Contains(f.Body, p[n].Email) {
				t.Errorf("the attendee CSV does not list %s", p[n].Email)
			}
		}
		// The CSV is only for the organiser.
		if f := evFetch(t, p["bob"].Ctx, csvLink); f.Status != http.StatusNotFound {
			t.Errorf("an attendee fetches the attendee CSV: status %d, want 404", f.Status)
		}

		// Bob came; carol did not.
		box := fmt.Sprintf(`(() => { const tr = [...document.querySelectorAll('main table tbody tr')].find(tr => tr.textContent.includes(%q)); const b = tr && tr.querySelector('input[name=attended]'); if (!b) return false; b.click(); return b.checked; })()`, p["bob"].Email)
		if ok, err := chromedp.Run(org, chromedp.Evaluate[bool](box)); err != nil || !ok {
			t.Fatalf("tick bob's attended box: %v", err)
		}
		evClick(t, org, `main form[action$="/attendance"] button[type=submit]`, "save attendance")
		checkPage(t, org, "attendees after saving attendance")
		if n := count(t, org, `main input[name=attended]:checked`); n != 1 {
			t.Errorf("%d attendees are marked as attended, want 1 (bob)", n)
		}

		evClick(t, org, `main nav a[href$="/message"]`, "the message attendees link")
		checkPage(t, org, "message attendees")
		// A message without text is refused (the subject starts filled in).
		if st := submit(t, org, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
			t.Errorf("an empty message: status %d, want 422", st)
		}
		checkPage(t, org, "message attendees with errors")
		if l := summaryLinks(t, org); !l["#body"] {
			t.Errorf("the error summary links to %v, want #body", l)
		}
		subject := "Parking at the Layton Institute " + tag
		fill(t, org, "subject", subject, "body", "Park on Westcliffe Drive; the car park is closed.")
		evClick(t, org, `main form button[type=submit]`, "send the message")
		checkPage(t, org, "after sending the message")
		for _, n := range []string{"bob", "carol"} {
			if m := mailTo(t, p[n].Email, subject); !strings.Contains(m.Body, "Westcliffe Drive") {
				t.Errorf("the message to %s lacks its text:\n%s", n, m.Body)
			}
		}
	})

	t.Run("personal calendar feed", func(t *testing.T) {
		ctx := p["bob"].Ctx
		visit(t, ctx, "/events/mine")
		checkPage(t, ctx, "your events")
		evClick(t, ctx, `main a[href="/calendar/personal"]`, "the personal calendar link")
		checkPage(t, ctx, "your calendar feed")
		evClick(t, ctx, `main form[action="/calendar/personal"] button`, "make a private link")
		checkPage(t, ctx, "your new calendar link")
		link, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#feed-url")))
		if err != nil || link == "" {
			t.Fatalf("no private link shown (%v)", err)
		}
		resp, body := evHTTPGet(t, s.local(t, link))
		if resp.StatusCode != 200 {
			t.Fatalf("GET the private feed: status %d", resp.StatusCode)
		}
		evICSEvent(t, evICSEvents(t, body), title)
	})

	t.Run("after the event: follow-up and feedback", func(t *testing.T) {
		// Move the workshop into the past, then run the follow-up job.
		visit(t, org, eventPath)
		evClick(t, org, `main nav a[href$="/edit"]`, "change details")
		checkPage(t, org, "change event details")
		yesterday := time.Now().In(time.UTC).AddDate(0, 0, -1).Format("2006-01-02")
		evSetValues(t, org, "start_date", yesterday, "end_date", yesterday)
		evClick(t, org, `main form button[type=submit]`, "save the new dates")
		job := exec.Command(s.Bin, "jobs", "run", "event-followups", "--data-dir", s.DataDir)
		job.Env = append(os.Environ(), "PARTNERHUB_PASSWORD_COST=test")
		if out, err := job.CombinedOutput(); err != nil {
			t.Fatalf("partnerhub jobs run event-followups: %v\n%s", err, out)
		}
		m := mailTo(t, p["bob"].Email, "How was")
		ctx := newTab(t) // the link works signed out
		link := s.local(t, m.Link(t, "/feedback/"))
		if st := visit(t, ctx, link); st != http.StatusOK {
			t.Fatalf("open the feedback link: status %d", st)
		}
		checkPage(t, ctx, "feedback form")
		if st := submit(t, ctx, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
			t.Errorf("feedback without a rating: status %d, want 422", st)
		} else {
			checkPage(t, ctx, "feedback form with errors")
			if !summaryLinks(t, ctx)["#rating"] {
				t.Error("the error summary does not link to the rating")
			}
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main input[name=rating][value="4"]`))); err != nil {
			t.Fatal(err)
		}
		fill(t, ctx, "comments", "Useful; more time for questions please.")
		evClick(t, ctx, `main form button[type=submit]`, "send feedback")
		if h := text(t, ctx, "h1"); !strings.Contains(h, "Thank you") {
			t.Errorf("after sending feedback the page says %q", h)
		}
		checkPage(t, ctx, "thanks for the feedback")

		visit(t, org, eventPath)
		if tag := evRawText(t, org, "main .ph-tag"); tag != "Finished" {
			t.Errorf("after the follow-up job the event is tagged %q, want Finished", tag)
		}
		evClick(t, org, `main nav a[href$="/feedback"]`, "the organiser's feedback link")
		checkPage(t, org, "feedback summary")
		summary := text(t, org, "main")
		if !strings.Contains(summary, "4.0 out of 5") || !strings.Contains(summary, "more time for questions") {
			t.Errorf("the feedback summary does not show the rating and comment:\n%s", summary)
		}
		// Carol, marked absent, got no follow-up.
		if n := evOutboxCount(t, p["carol"].Email, "How was"); n != 0 {
			t.Errorf("carol, who did not come, got %d follow-up emails", n)
		}
	})

	t.Run("the all-events feed parses", func(t *testing.T) {
		resp, body := evHTTPGet(t, s.url("/calendar/events.ics"))
		if resp.StatusCode != 200 {
			t.Fatalf("GET /calendar/events.ics: status %d", resp.StatusCode)
		}
		for _, ev := range evICSEvents(t, body) {
			if ev["UID"] == "" || ev["DTSTAMP"] == "" || ev["SUMMARY"] == "" {
				t.Errorf("a VEVENT lacks UID, DTSTAMP or SUMMARY: %v", ev)
			}
		}
	})
}

// evOutboxCount counts outbox messages to addr whose subject contains
// subject, read from the server's SQLite file as mailTo does.
func evOutboxCount(t *testing.T, addr, subject string) int {
	t.Helper()
	s := app(t)
	d, err := sql.Open("sqlite", "file:"+filepath.Join(s.DataDir, "partnerhub.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(`SELECT COUNT(*) FROM outbox WHERE lower(to_addr) = lower($1) AND subject LIKE $2`, addr, "%"+subject+"%").Scan(&n); err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	return n
}

// evChooseByText selects the option of <select id> whose text is label and
// returns its value.
func evChooseByText(t *testing.T, ctx context.Context, id, label string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const o = [...document.querySelectorAll('select#%s option')].find(o => o.textContent.trim() === %q); return o ? o.value : ''; })()`, id, label)))
	if err != nil || v == "" {
		t.Fatalf("select #%s has no option %q (%v)", id, label, err)
	}
	return choose(t, ctx, id, v)
}

// TestTradeFairEndToEnd: an organiser creates a trade fair with stands, an
// organisation applies for a stand and is allocated one, a commissioner
// (invited into a public-sector organisation that an administrator added)
// publishes meet-the-buyer slots, the organisation books one, and both
// sides see the schedule on Partnerhub and by email.
func TestTradeFairEndToEnd(t *testing.T) {
	t.Parallel()
	s := app(t)
	tag := evTag()
	short := tag
	p := evPeople(t, tag, "fairorganiser", "exhibitor", "admin", "buyer")
	org, ex, buyer := p["fairorganiser"].Ctx, p["exhibitor"].Ctx, p["buyer"].Ctx
	orgSlugName := evNewOrg(t, org, "Fylde Coast Trade Fair Trust "+short, "vcs")
	exName := "Bispham Community Cafe " + short
	evNewOrg(t, ex, exName, "social_enterprise")
	title := "Blackpool Trade Fair " + short
	var eventPath string

	t.Run("an administrator adds a public-sector organisation and invites a commissioner", func(t *testing.T) {
		// Others cannot add one.
		visit(t, ex, "/orgs/new")
		if n := count(t, ex, `select#sector option[value=public]`); n != 0 {
			t.Error("a user who is not an administrator is offered the public sector")
		}
		nhsName := "NHS Blackpool Place " + short
		nhs := evNewOrg(t, p["admin"].Ctx, nhsName, "public")
		admin := p["admin"].Ctx
		visit(t, admin, "/orgs/"+nhs+"/members")
		fill(t, admin, "email", p["buyer"].Email)
		choose(t, admin, "role", "editor")
		evClick(t, admin, fmt.Sprintf(`main form[action="/orgs/%s/members/invite"] button[type=submit]`, nhs), "invite the commissioner")
		link := s.local(t, mailTo(t, p["buyer"].Email, "").Link(t, "/invitations/"))
		visit(t, buyer, link)
		evClick(t, buyer, `main form[action^="/invitations/"] button[type=submit]`, "accept the invitation")
	})

	t.Run("create a trade fair with stands", func(t *testing.T) {
		visit(t, org, "/orgs/"+orgSlugName+"/events/new")
		fill(t, org, "title", title, "summary", "Stands, and meet the buyers from the NHS and the council.",
			"venue_name", "Winter Gardens", "venue_address", "97 Church Street, Blackpool", "capacity", "0", "meeting_cap", "2")
		choose(t, org, "type", "trade_fair")
		// 18 March 2027 is in Greenwich Mean Time.
		evSetValues(t, org, "start_date", "2027-03-18", "start_time", "09:30", "end_date", "2027-03-18", "end_time", "15:30")
		evClick(t, org, `main form button[value=publish]`, "publish the trade fair")
		eventPath = location(t, org).Path
		if !strings.HasPrefix(eventPath, "/events/") || count(t, org, `main a[href$="/stands/apply"]`) != 1 {
			t.Fatalf("after publishing, %s offers no stand applications: %s", eventPath, text(t, org, "main"))
		}
		checkPage(t, org, "trade fair page (organiser)")
		evClick(t, org, `main nav a[href$="/stands"]`, "the organiser's stands link")
		checkPage(t, org, "stands (none yet)")
		fill(t, org, "stands", "A1 Corner stand by the entrance\nA2 Beside the stage\nB1 Upstairs, by the lift")
		evClick(t, org, `main form[action$="/stands"] button[type=submit]`, "add stands")
		checkPage(t, org, "stands")
		if n := count(t, org, `main table tbody tr`); n != 3 {
			t.Errorf("the stand list has %d rows after adding three", n)
		}
	})
	if eventPath == "" {
		t.FailNow()
	}

	t.Run("an organisation applies for a stand and the organiser allocates one", func(t *testing.T) {
		visit(t, ex, eventPath)
		checkPage(t, ex, "trade fair page (exhibitor)")
		evClick(t, ex, `main a[href$="/stands/apply"]`, "apply for a stand")
		checkPage(t, ex, "apply for a stand")
		if st := submit(t, ex, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
			t.Errorf("an application without an offer: status %d, want 422", st)
		}
		checkPage(t, ex, "apply for a stand with errors")
		if !summaryLinks(t, ex)["#offer"] {
			t.Error("the error summary does not link to the offer")
		}
		fill(t, ex, "offer", "Coffee, cake and a community room for hire.")
		evClick(t, ex, `main form button[type=submit]`, "send the application")

		visit(t, org, strings.Replace(eventPath, "/events/", "/orgs/"+orgSlugName+"/events/", 1)+"/stands")
		id := evAttr(t, org, `main form[action$="/stands/allocate"] select`, "id")
		if id == "" {
			t.Fatalf("the stands page offers no application to decide: %s", text(t, org, "main"))
		}
		evChooseByText(t, org, id, "A1")
		evClick(t, org, fmt.Sprintf(`main form[action$="/stands/allocate"]:has(#%s) button[type=submit]`, id), "allocate stand A1")
		checkPage(t, org, "stands after allocating")
		row := text(t, org, `main table tbody tr`)
		if !strings.Contains(row, exName) {
			t.Errorf("stand A1 is not allocated to %s: %q", exName, row)
		}
		if m := mailTo(t, p["exhibitor"].Email, "Stand A1"); !strings.Contains(m.Subject, title) {
			t.Errorf("the allocation email's subject is %q", m.Subject)
		}
		visit(t, ex, eventPath)
		if !strings.Contains(text(t, ex, "main"), "Stand A1: "+exName) {
			t.Error("the trade fair page does not list the exhibitor")
		}
	})

	meetings := eventPath + "/meetings"
	t.Run("a commissioner publishes meeting slots", func(t *testing.T) {
		visit(t, buyer, eventPath)
		evClick(t, buyer, fmt.Sprintf(`main a[href=%q]`, meetings), "the meet-the-buyer link")
		checkPage(t, buyer, "meet the buyer (commissioner, no slots)")
		fill(t, buyer, "topic", "Community mental health, 2027 to 2030", "count", "3", "minutes", "20")
		evClick(t, buyer, `main form[action$="/meetings"] button[type=submit]`, "publish slots")
		checkPage(t, buyer, "meet the buyer with slots (commissioner)")
		if n := count(t, buyer, `main table tbody tr`); n != 3 {
			t.Errorf("%d slots listed after publishing three", n)
		}
		// Their organisation cannot meet itself, so they are not offered to book.
		if n := count(t, buyer, `main form[action$="/book"]`); n != 0 {
			t.Errorf("the commissioner is offered %d bookings of meetings with their own organisation", n)
		}
		// The exhibitor cannot publish slots.
		visit(t, ex, meetings)
		if count(t, ex, `main form[action$="/meetings"]`) != 0 {
			t.Error("a third-sector organisation is offered to publish buyer slots")
		}
	})

	t.Run("the organisation books a slot and both get the schedule", func(t *testing.T) {
		visit(t, ex, meetings)
		checkPage(t, ex, "meet the buyer (exhibitor)")
		evClick(t, ex, `main form[action$="/book"] button[type=submit]`, "book the first slot")
		checkPage(t, ex, "meet the buyer after booking")
		first := text(t, ex, `main table tbody tr`)
		if !strings.Contains(first, exName) || !strings.Contains(first, "09:30") {
			t.Errorf("the first slot does not show the booking at 09:30 by %s: %q", exName, first)
		}
		for _, n := range []string{"exhibitor", "buyer"} {
			m := mailTo(t, p[n].Email, "Your meetings at "+title)
			if !strings.Contains(m.Body, "09:30 to 09:50") {
				t.Errorf("%s's schedule email lacks the 09:30 meeting:\n%s", n, m.Body)
			}
		}
		if m := mailTo(t, p["buyer"].Email, "Your meetings at "+title); !strings.Contains(m.Body, exName) {
			t.Errorf("the commissioner's schedule does not name %s:\n%s", exName, m.Body)
		}
		for _, n := range []string{"exhibitor", "buyer"} {
			ctx := p[n].Ctx
			visit(t, ctx, meetings)
			if !strings.Contains(text(t, ctx, "main table"), exName) {
				t.Errorf("%s's meetings page does not show the booking", n)
			}
		}
		// Cancelling asks first; going back keeps the meeting.
		evClick(t, ex, `main table a[href$="/cancel"]`, "the cancel meeting link")
		checkPage(t, ex, "cancel the meeting: are you sure")
		evClick(t, ex, fmt.Sprintf(`main a[href=%q]`, meetings), "no, go back")
		if !strings.Contains(text(t, ex, "main table"), exName) {
			t.Error("going back from cancelling lost the meeting")
		}
		visit(t, ex, "/events/mine")
		checkPage(t, ex, "your events with a meeting")
		if !strings.Contains(text(t, ex, "main"), "Community mental health") {
			t.Error("the exhibitor's events page does not list the meeting")
		}
	})

	t.Run("the organiser cancels the fair, and the feeds say so", func(t *testing.T) {
		visit(t, org, "/orgs/"+orgSlugName+"/events")
		checkPage(t, org, "the organisation's events")
		if count(t, org, fmt.Sprintf(`main table a[href=%q]`, eventPath)) != 1 {
			t.Error("the organisation's events page does not list the fair")
		}
		visit(t, org, eventPath)
		evClick(t, org, `main nav a[href$="/cancel"]`, "the cancel event link")
		if h := text(t, org, "h1"); !strings.Contains(h, "Are you sure") {
			t.Errorf("cancelling leads to %q, want a confirmation page", h)
		}
		checkPage(t, org, "cancel the event: are you sure")
		evClick(t, org, `main form button[type=submit]`, "confirm cancelling the event")
		if tag := evRawText(t, org, "main .ph-tag"); tag != "Cancelled" {
			t.Errorf("the cancelled event is tagged %q", tag)
		}
		checkPage(t, org, "cancelled event")
		resp, body := evHTTPGet(t, s.url("/calendar/organisers/"+orgSlugName+"/events.ics"))
		if resp.StatusCode != 200 {
			t.Fatalf("the organiser's feed: status %d", resp.StatusCode)
		}
		if ev := evICSEvent(t, evICSEvents(t, body), title); ev["STATUS"] != "CANCELLED" {
			t.Errorf("the cancelled fair's VEVENT has STATUS %q, want CANCELLED", ev["STATUS"])
		}
	})
}
