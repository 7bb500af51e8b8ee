package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"partnerhub/internal/clean"
	"sort"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
)

// demoEvent is one generated event.
type demoEvent struct {
	title, typ, summary, organiser string
	start                          time.Time
	hours                          float64
	capacity                       int
	themes                         []string
	audience                       string
	status                         string
	attend                         int // bookings to generate
	fair                           bool
}

var demoVenues = []struct{ name, address, postcode, access string }{
	{"Winter Gardens", "97 Church Street, Blackpool", "FY1 1HL", "Step-free access from Church Street; hearing loop in the Spanish Hall; accessible toilets on every floor."},
	{"Solaris Centre", "New South Promenade, Blackpool", "FY4 1RW", "Step-free throughout; accessible parking at the front; quiet room available."},
	{"Blackpool Central Library", "Queen Street, Blackpool", "FY1 1PX", "Lift to the first-floor meeting room; hearing loop; accessible toilet on the ground floor."},
	{"Grand Theatre Studio", "33 Church Street, Blackpool", "FY1 1HT", "Step-free entrance on Corporation Street; induction loop."},
	{"Bispham Community Centre", "Red Bank Road, Blackpool", "FY2 9HX", "Ground floor only; free parking; accessible toilet."},
	{"Layton Institute", "Westcliffe Drive, Blackpool", "FY3 7HE", "Ramp at the side entrance; accessible toilet."},
}

var feedbackComments = []string{
	"Really useful to meet the commissioners face to face.",
	"We met two organisations we will bid with next year.",
	"Too much time on slides, not enough on networking.",
	"The case studies from the consortium were the best part.",
	"Good venue, easy to get to by tram.",
	"Would like the slides sent round afterwards.",
	"Clearer on outcomes-based commissioning than before.",
	"",
	"",
	"",
}

var firstNames = []string{"Sam", "Alex", "Jo", "Priya", "Tom", "Aisha", "Gary", "Linda", "Mohammed", "Claire", "Dave", "Sue", "Ravi", "Karen", "Chris", "Fatima", "Steve", "Emma", "Ian", "Janet"}
var lastNames = []string{"Walsh", "Ahmed", "Taylor", "Patel", "Brown", "Hughes", "Singh", "Kelly", "Wright", "Murphy", "Clarke", "Green", "Hall", "Wood", "Shaw", "Khan"}

// eventsDemo adds the events feature's part of the demo town: the
// strategy's milestone events (the Good Practice Guide launch at the State
// of the Sector conference in March 2010, national indicator themed
// workshops in March 2011, commissioning-ready workshops in November 2011,
// the trade fairs), regular events going back to 2010 with attendance and
// feedback, and upcoming events to book (December 2026 and 2027). Some
// partnerships introduced at an event get the event that sparked them.
func eventsDemo(ctx context.Context, t *Town) error {
	lon, err := time.LoadLocation("Europe/London")
	if err != nil {
		return err
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, lon) }
	infra := "Third Sector Strategic Partnership"
	var evs []demoEvent
	add := func(e demoEvent) {
		if e.organiser == "" {
			e.organiser = infra
		}
		if e.audience == "" {
			e.audience = "everyone"
		}
		if e.hours == 0 {
			e.hours = 2.5
		}
		evs = append(evs, e)
	}
	// Milestones from the strategy.
	add(demoEvent{title: "State of the Sector 2010: launch of the Good Practice Guide", typ: "conference", start: at(2010, 3, 18, 9, 30), hours: 6.5, capacity: 180,
		summary: "The annual State of the Sector conference, launching the Good Practice Guide to consortia and partnership working.", attend: 150,
		themes: []string{"volunteering", "health-wellbeing"}})
	niThemes := [][]string{{"drugs-alcohol"}, {"mental-health"}, {"children-young-people"}, {"housing-homelessness"}, {"older-people", "carers"}}
	for i, th := range niThemes {
		add(demoEvent{title: "National indicator workshop: " + map[string]string{"drugs-alcohol": "drug and alcohol recovery (NI 39, NI 40)", "mental-health": "mental health (NI 150)",
			"children-young-people": "children and young people (NI 110, NI 117)", "housing-homelessness": "housing and homelessness (NI 156)", "older-people": "older people and carers (NI 139, NI 135)"}[th[0]],
			typ: "themed_workshop", start: at(2011, 3, 8+i*3, 10, 0), capacity: 40, themes: th, attend: 25 + t.Rand.IntN(14),
			summary: "How third sector services contribute to the national indicator, and who could deliver it together."})
	}
	for i, th := range []string{"health-wellbeing", "employment-skills", "families"} {
		add(demoEvent{title: fmt.Sprintf("Commissioning-ready workshop %d: tendering as a consortium", i+1), typ: "commissioning_workshop", start: at(2011, 11, 9+i*7, 9, 30), hours: 3,
			capacity: 35, themes: []string{th}, attend: 28 + t.Rand.IntN(7), summary: "Getting ready for commissioning: contracts, full cost recovery, and bidding with partners."})
	}
	add(demoEvent{title: "Third Sector Trade Fair 2012", typ: "trade_fair", start: at(2012, 6, 14, 10, 0), hours: 6, capacity: 250, attend: 160, fair: true,
		summary: "Exhibitor stands from local organisations and meet-the-buyer sessions with commissioners."})
	// Regular events from 2010 to October 2026.
	types := []string{"networking", "networking", "themed_workshop", "outcome_workshop", "commissioning_workshop"}
	themeCodes := []string{"health-wellbeing", "mental-health", "drugs-alcohol", "children-young-people", "older-people", "employment-skills", "housing-homelessness", "community-safety", "domestic-abuse", "financial-inclusion", "volunteering", "carers", "disability", "families"}
	organisers := []string{infra, infra, infra, "Blackpool Council", "NHS Blackpool", "Blackpool Advocacy", "Enterprise Solutions"}
	for y := 2010; y <= 2026; y++ {
		add(demoEvent{title: fmt.Sprintf("State of the Sector %d", y), typ: "conference", start: at(y, 3, 20-t.Rand.IntN(6), 9, 30), hours: 6.5, capacity: 150 + t.Rand.IntN(60),
			summary: "The annual conference: the state of the local third sector, and the year's partnership awards.", attend: 90 + t.Rand.IntN(50)})
		for m := 1; m <= 12; m += 2 {
			start := at(y, time.Month(m+t.Rand.IntN(2)), 2+t.Rand.IntN(24), []int{8, 10, 13, 14}[t.Rand.IntN(4)], 0)
			if !start.Before(at(2026, 10, 25, 0, 0)) {
				continue
			}
			typ := Pick(t, types)
			e := demoEvent{typ: typ, start: start, capacity: 20 + 5*t.Rand.IntN(8), organiser: Pick(t, organisers)}
			th := Pick(t, themeCodes)
			e.themes = []string{th}
			switch typ {
			case "networking":
				e.title, e.hours, e.themes = Pick(t, []string{"Networking breakfast", "Partnership speed networking", "Third sector networking lunch", "Meet your neighbours: ward networking"}), 2, nil
				e.summary = "Meet other organisations and find partners."
			case "themed_workshop":
				e.title = "Themed workshop: " + strings.ReplaceAll(th, "-", " ")
				e.summary = "A workshop on one of the shared outcomes."
			case "outcome_workshop":
				e.title = "Outcome-based workshop: measuring what matters in " + strings.ReplaceAll(th, "-", " ")
				e.summary = "Designing services around outcomes and evidencing them."
			default:
				e.title = "Commissioning workshop: " + strings.ReplaceAll(th, "-", " ") + " services"
				e.summary = "Commissioners share plans; providers ask questions."
				if e.organiser == infra {
					e.organiser = Pick(t, []string{"Blackpool Council", "NHS Blackpool"})
				}
			}
			e.attend = e.capacity*6/10 + t.Rand.IntN(e.capacity*4/10+1)
			if t.Rand.IntN(40) == 0 {
				e.status = "cancelled"
			}
			add(e)
		}
	}
	// Upcoming events to book (the demo runs on the real date; these are after it).
	add(demoEvent{title: "Winter networking breakfast", typ: "networking", start: at(2026, 12, 3, 8, 0), hours: 1.5, capacity: 40, attend: 31, summary: "Coffee, bacon rolls and new partners before work."})
	add(demoEvent{title: "Commissioning workshop: mental health prevention 2027-2030", typ: "commissioning_workshop", organiser: "NHS Blackpool", start: at(2026, 12, 10, 13, 30), hours: 3, capacity: 30, attend: 34,
		themes: []string{"mental-health"}, summary: "NHS Blackpool's commissioning intentions for prevention services, and how to bid in partnership."})
	add(demoEvent{title: "Outcome-based workshop: evidencing impact for older people's services", typ: "outcome_workshop", start: at(2027, 1, 21, 10, 0), capacity: 35, attend: 12, themes: []string{"older-people"}})
	add(demoEvent{title: "National indicator themed workshop: drugs and alcohol recovery", typ: "themed_workshop", start: at(2027, 2, 11, 10, 0), capacity: 30, attend: 9, themes: []string{"drugs-alcohol"}, audience: "members"})
	add(demoEvent{title: "State of the Sector 2027", typ: "conference", start: at(2027, 3, 18, 9, 30), hours: 6.5, capacity: 200, attend: 64, summary: "The annual conference, with the consortium of the year award."})
	add(demoEvent{title: "Third Sector Trade Fair 2027", typ: "trade_fair", start: at(2027, 4, 22, 10, 0), hours: 6, capacity: 300, attend: 40, fair: true,
		summary: "Stands from local organisations and meet-the-buyer meetings with Blackpool Council and NHS Blackpool."})
	add(demoEvent{title: "Commissioners' briefing: the 2027 social value framework", typ: "commissioning_workshop", organiser: "Blackpool Council", start: at(2027, 5, 13, 14, 0), capacity: 25, attend: 3, audience: "public_sector"})
	add(demoEvent{title: "Summer partnership speed networking", typ: "networking", start: at(2027, 6, 24, 17, 30), hours: 2, capacity: 60, attend: 5})
	add(demoEvent{title: "Consortium governance clinic (draft)", typ: "other", start: at(2027, 9, 9, 10, 0), capacity: 15, status: "draft"})

	ref := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		themeIDs, err := idsByName(ctx, tx, `SELECT id, code FROM taxonomy_terms WHERE vocabulary = 'theme'`)
		if err != nil {
			return err
		}
		insE, err := tx.PrepareContext(ctx, `INSERT INTO events (uuid, slug, organiser_id, title, type, summary, description, venue_name, venue_address, venue_postcode,
			accessibility, starts_at, ends_at, capacity, booked, audience, status, meeting_cap, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19) RETURNING id`)
		if err != nil {
			return err
		}
		defer insE.Close()
		insT, err := tx.PrepareContext(ctx, `INSERT INTO event_themes (event_id, term_id) VALUES ($1, $2)`)
		if err != nil {
			return err
		}
		defer insT.Close()
		slugs := map[string]bool{}
		type made struct {
			id    int64
			start time.Time
			typ   string
		}
		var past []made
		counts := map[string]int{}
		var fairs []int64
		var fairStarts []time.Time
		for _, e := range evs {
			org := t.ByName[e.organiser]
			if org == nil {
				return fmt.Errorf("demo events: no organisation %q", e.organiser)
			}
			end := e.start.Add(time.Duration(e.hours * float64(time.Hour)))
			status := e.status
			if status == "" {
				status = "published"
				if end.Before(ref) {
					status = "finished"
				}
			}
			slug := clean.Slug(e.title) + "-" + e.start.Format("2006-01-02")
			for i := 2; slugs[slug]; i++ {
				slug = fmt.Sprintf("%s-%s-%d", clean.Slug(e.title), e.start.Format("2006-01-02"), i)
			}
			slugs[slug] = true
			v := demoVenues[t.Rand.IntN(len(demoVenues))]
			if e.typ == "conference" || e.fair {
				v = demoVenues[0]
			}
			isPast := end.Before(ref)
			booked := 0
			n := min(e.attend, e.capacity)
			if status == "draft" {
				n = 0
			}
			if status != "cancelled" {
				booked = n
			}
			created := e.start.AddDate(0, -2, 0).UTC()
			desc := e.summary + "\n\nOrganised by " + e.organiser + " as part of the Consortia and Partnership Strategy."
			var id int64
			if err := insE.QueryRowContext(ctx, NewUUID(t), slug, org.ID, e.title, e.typ, e.summary, desc, v.name, v.address, v.postcode, v.access,
				e.start.UTC(), end.UTC(), e.capacity, booked, e.audience, status, 3, created).Scan(&id); err != nil {
				return fmt.Errorf("demo event %s: %w", e.title, err)
			}
			counts[status]++
			for _, th := range e.themes {
				if _, err := insT.ExecContext(ctx, id, themeIDs[th]); err != nil {
					return err
				}
			}
			if e.fair {
				fairs = append(fairs, id)
				fairStarts = append(fairStarts, e.start)
			}
			if isPast && status == "finished" {
				past = append(past, made{id, e.start, e.typ})
			}
			// Bookings: demo users on some, generated attendees from organisations on the rest.
			seen := map[string]bool{}
			bstatus := "confirmed"
			if status == "cancelled" {
				bstatus = "cancelled"
			}
			// An event's bookings go in a few hundred rows a statement (one
			// statement a row was most of the demo town's statements), then
			// its feedback, which names the bookings by attendee email
			// (unique within an event): the same rows and ids as before.
			var bookings [][]any
			var feedback []demoFeedback
			waiting := 0
			if !isPast && e.attend > e.capacity {
				waiting = e.attend - e.capacity
			}
			for i := 0; i < n+waiting; i++ {
				var uid, oid any
				var name, email string
				if i < 3 && !isPast {
					demo := []string{"editor@demo.partnerhub.test", "brian@demo.partnerhub.test", "linda@demo.partnerhub.test"}[i]
					u := t.Users[demo]
					if u == nil {
						continue
					}
					uid, name, email = u.ID, u.Name, u.Email
				} else {
					o := t.Orgs[t.Rand.IntN(len(t.Orgs))]
					oid = o.ID
					fn, ln := Pick(t, firstNames), Pick(t, lastNames)
					name = fn + " " + ln
					email = strings.ToLower(fn+"."+ln) + "@" + o.Slug + ".example"
				}
				if seen[email] {
					continue
				}
				seen[email] = true
				st := bstatus
				if i >= n {
					st = "waiting"
				}
				bookedAt := e.start.Add(-time.Duration(1+t.Rand.IntN(40*24)) * time.Hour).UTC()
				if bookedAt.After(ref) {
					bookedAt = ref.Add(-time.Duration(t.Rand.IntN(72)+1) * time.Hour)
				}
				var attended, conf, rem, fol any
				if st == "confirmed" {
					conf = bookedAt
				}
				if isPast && st == "confirmed" {
					came := t.Rand.IntN(10) < 8
					attended = came
					rem = e.start.Add(-20 * time.Hour).UTC()
					if came {
						fol = end.Add(2 * time.Hour).UTC()
					}
				}
				bookings = append(bookings, []any{id, uid, oid, name, email, st, attended, bookedAt, conf, rem, fol})
				counts["bookings"]++
				if fol != nil && t.Rand.IntN(3) == 0 {
					rating := 3 + t.Rand.IntN(3)
					if t.Rand.IntN(8) == 0 {
						rating = 1 + t.Rand.IntN(2)
					}
					feedback = append(feedback, demoFeedback{email, rating, Pick(t, feedbackComments), end.Add(time.Duration(20+t.Rand.IntN(100)) * time.Hour).UTC()})
					counts["feedback"]++
				}
			}
			if err := insertBookings(ctx, tx, id, bookings, feedback); err != nil {
				return fmt.Errorf("demo bookings of %s: %w", e.title, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET booked = (SELECT COUNT(*) FROM event_bookings b WHERE b.event_id = events.id AND b.status = 'confirmed')`); err != nil {
			return err
		}
		if err := demoFairs(ctx, t, tx, fairs, fairStarts, ref); err != nil {
			return err
		}
		// Partnerships introduced at an event: link each to an event held
		// before it started (the partnerships demo step sets origin).
		sort.Slice(past, func(i, j int) bool { return past[i].start.Before(past[j].start) })
		prow, err := tx.QueryContext(ctx, `SELECT id, start_date, created_at FROM partnerships WHERE origin = 'event' AND origin_event_id IS NULL ORDER BY id`)
		if err != nil {
			return err
		}
		type pl struct {
			id    int64
			start time.Time
		}
		var pls []pl
		for prow.Next() {
			var p pl
			var sd sql.NullTime
			if err := prow.Scan(&p.id, &sd, &p.start); err != nil {
				prow.Close()
				return err
			}
			if sd.Valid {
				p.start = sd.Time
			}
			pls = append(pls, p)
		}
		prow.Close()
		linked := 0
		for _, p := range pls {
			var cands []made
			for _, m := range past {
				if m.start.Before(p.start) && m.start.After(p.start.AddDate(-2, 0, 0)) {
					cands = append(cands, m)
				}
			}
			if len(cands) == 0 || t.Rand.IntN(5) == 0 { // some stay "event not recorded"
				continue
			}
			// Workshops and trade fairs spark more partnerships than breakfasts.
			pick := cands[t.Rand.IntN(len(cands))]
			for k := 0; k < 2 && pick.typ == "networking"; k++ {
				pick = cands[t.Rand.IntN(len(cands))]
			}
			if _, err := tx.ExecContext(ctx, `UPDATE partnerships SET origin_event_id = $1 WHERE id = $2`, pick.id, p.id); err != nil {
				return err
			}
			linked++
		}
		t.Result.Counts["events"] = len(evs)
		t.Result.Counts["event bookings"] = counts["bookings"]
		t.Result.Counts["event feedback"] = counts["feedback"]
		t.Result.Counts["partnerships from events"] = linked
		return nil
	})
}

// demoFeedback is a feedback row of an event's demo booking.
type demoFeedback struct {
	email    string
	rating   int
	comments string
	at       time.Time
}

// insertBookings inserts event's bookings (rows of event_id, user_id,
// organisation_id, attendee_name, attendee_email, status, attended,
// created_at, confirmed_at, reminder_sent_at, followup_sent_at) in order,
// then the feedback of the bookings it names.
func insertBookings(ctx context.Context, tx *db.Tx, event int64, bookings [][]any, feedback []demoFeedback) error {
	if err := insertRows(ctx, tx, `event_bookings (event_id, user_id, organisation_id, attendee_name, attendee_email, status, attended, created_at, confirmed_at, reminder_sent_at, followup_sent_at)`, bookings); err != nil {
		return err
	}
	if len(feedback) == 0 {
		return nil
	}
	ids, err := idsByName(ctx, tx, `SELECT id, attendee_email FROM event_bookings WHERE event_id = $1`, event)
	if err != nil {
		return err
	}
	fb := make([][]any, len(feedback))
	for i, f := range feedback {
		if ids[f.email] == 0 {
			return fmt.Errorf("no booking for %s's feedback", f.email)
		}
		fb[i] = []any{event, ids[f.email], f.rating, f.comments, f.at}
	}
	return insertRows(ctx, tx, `event_feedback (event_id, booking_id, rating, comments, created_at)`, fb)
}

// idsByName runs a query of (id, name) rows and maps each name to its id.
func idsByName(ctx context.Context, tx *db.Tx, query string, args ...any) (map[string]int64, error) {
	ids := map[string]int64{}
	err := db.EachRow(ctx, tx, query, args, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		ids[name] = id
		return nil
	})
	return ids, err
}

// demoFairs gives the trade fairs stands, exhibitors and meet-the-buyer slots.
func demoFairs(ctx context.Context, t *Town, tx *db.Tx, fairs []int64, starts []time.Time, ref time.Time) error {
	buyers := []string{"Blackpool Council", "NHS Blackpool"}
	buyerUsers := map[string]string{"Blackpool Council": "council@demo.partnerhub.test", "NHS Blackpool": "commissioner@demo.partnerhub.test"}
	var third []*accounts.Organisation
	for i := range t.Orgs {
		if accounts.IsThirdSector(t.Orgs[i].Sector) {
			third = append(third, &t.Orgs[i])
		}
	}
	offers := []string{"Befriending for older people across the north of the town", "Peer support for people in recovery", "Youth work, mentoring and holiday clubs",
		"Debt and benefits advice, with home visits", "Community transport for people who cannot use buses", "Training for volunteers and trustees", "Catering with trainees in supported employment"}
	for fi, ev := range fairs {
		past := starts[fi].Before(ref)
		used := map[int64]bool{}
		booked := map[int64]int{} // one meeting per organisation per fair: never double booked
		for s := 1; s <= 24; s++ {
			var sid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO event_stands (event_id, code, description) VALUES ($1,$2,$3) RETURNING id`,
				ev, fmt.Sprintf("%c%d", 'A'+(s-1)/8, (s-1)%8+1), Pick(t, []string{"Standard stand, one table", "Corner stand", "Double stand near the stage"})).Scan(&sid); err != nil {
				return err
			}
			apps := 20
			if !past {
				apps = 14
			}
			if s > apps {
				continue
			}
			o := third[t.Rand.IntN(len(third))]
			if used[o.ID] {
				continue
			}
			used[o.ID] = true
			status, stand := "allocated", any(sid)
			if !past && s > 10 {
				status, stand = "applied", nil
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_stand_applications (event_id, organisation_id, offer, status, stand_id, created_at, decided_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
				ev, o.ID, Pick(t, offers), status, stand, starts[fi].AddDate(0, -1, 0).UTC(), starts[fi].AddDate(0, 0, -20).UTC()); err != nil {
				return err
			}
		}
		for bi, b := range buyers {
			bo := t.ByName[b]
			bu := t.Users[buyerUsers[b]]
			var buid any
			if bu != nil {
				buid = bu.ID
			}
			for k := 0; k < 9; k++ {
				st := starts[fi].Add(time.Duration(30+bi*10+k*20) * time.Minute)
				var org any
				if k%3 != 2 || past {
					o := third[t.Rand.IntN(len(third))]
					if booked[o.ID] == 0 {
						org = o.ID
						booked[o.ID]++
					}
				}
				var at any
				if org != nil {
					at = starts[fi].AddDate(0, 0, -10).UTC()
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO event_meeting_slots (uuid, event_id, buyer_org_id, buyer_user_id, topic, starts_at, ends_at, booked_org_id, booked_at, created_at)
					VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, NewUUID(t), ev, bo.ID, buid, Pick(t, []string{"Commissioning intentions for prevention services", "Social value in contracts", "Grants and small contracts"}),
					st.UTC(), st.Add(20*time.Minute).UTC(), org, at, starts[fi].AddDate(0, -1, 0).UTC()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
