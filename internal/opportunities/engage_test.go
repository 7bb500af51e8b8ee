package opportunities

import (
	"context"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func mkUser(t testing.TB, d *db.DB, email string, orgID int64, role string) *accounts.User {
	t.Helper()
	ctx := context.Background()
	var u *accounts.User
	err := d.Write(ctx, func(tx *db.Tx) error {
		var err error
		if u, err = accounts.InsertUserHash(ctx, tx, "x", email, email, false, true); err != nil {
			return err
		}
		if orgID != 0 {
			return accounts.AddMember(ctx, tx, orgID, u.ID, role)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// outbox lists the queued emails to addr: subject + body.
func outbox(t testing.TB, d *db.DB, addr string) []string {
	t.Helper()
	rows, err := d.Q().QueryContext(context.Background(), `SELECT subject, body FROM outbox WHERE to_addr = $1 ORDER BY id`, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s, b string
		if err := rows.Scan(&s, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, s+"\n"+b)
	}
	return out
}

func publish(t testing.TB, d *db.DB, s *Store, o *Opportunity) {
	t.Helper()
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error {
		if err := s.Create(ctx, tx, o, 0); err != nil {
			return err
		}
		return s.Publish(ctx, tx, o.ID, 0)
	}); err != nil {
		t.Fatal(err)
	}
}

// consultation is a valid consultation closing in 30 days.
func consultation(buyer int64) *Opportunity {
	o := tender(buyer)
	o.Kind, o.Lots, o.Procedure, o.Requirements = KindConsultation, nil, "", o.Requirements[:2]
	o.Title = "Community wellbeing: shaping the service"
	return o
}

func TestAlertDigestSendsOnePersonOneEmailWithNewChangedAndNothingTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Store{}
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		ann := mkUser(t, d, "ann@example.org", 0, "")
		bob := mkUser(t, d, "bob@example.org", 0, "")
		for _, a := range []*Alert{
			{UserID: ann.ID, Name: "Advocacy", Query: "q=advocacy", Frequency: AlertImmediately},
			{UserID: ann.ID, Name: "Tenders", Query: "kind=tender", Frequency: AlertDaily},
			{UserID: bob.ID, Name: "Grants", Query: "kind=grant", Frequency: AlertImmediately},
		} {
			if err := d.Write(ctx, func(tx *db.Tx) error { return SaveAlert(ctx, tx, a) }); err != nil {
				t.Fatal(err)
			}
		}
		// The daily alert last ran two days ago.
		if _, err := d.W().ExecContext(ctx, `UPDATE opportunity_alerts SET last_run_at = $1`, db.Now().Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		o := tender(buyer.ID)
		publish(t, d, s, o)
		st, err := RunAlertDigest(ctx, d, "https://ph.test", db.Now())
		if err != nil {
			t.Fatal(err)
		}
		got := outbox(t, d, "ann@example.org")
		if len(got) != 1 || st.Emails != 1 {
			t.Fatalf("ann got %d emails (stats %+v), want one for both alerts", len(got), st)
		}
		if !strings.Contains(got[0], "Independent advocacy service (new)") || !strings.Contains(got[0], "“Advocacy” and “Tenders”") ||
			!strings.Contains(got[0], "/unsubscribe/") || !strings.Contains(got[0], "because you saved these alerts") {
			t.Fatalf("email:\n%s", got[0])
		}
		if n := len(outbox(t, d, "bob@example.org")); n != 0 {
			t.Fatalf("bob got %d emails for a tender on a grants alert", n)
		}
		// Nothing changed: the immediate alert sends nothing more.
		if _, err := RunAlertDigest(ctx, d, "https://ph.test", db.Now()); err != nil {
			t.Fatal(err)
		}
		if n := len(outbox(t, d, "ann@example.org")); n != 1 {
			t.Fatalf("ann has %d emails after a run with nothing new", n)
		}
		// A change is told as a change (the daily alert is not due again).
		time.Sleep(2 * time.Millisecond)
		o.Title = "Independent advocacy service 2027"
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Update(ctx, tx, o, 0, "Title changed") }); err != nil {
			t.Fatal(err)
		}
		if _, err := RunAlertDigest(ctx, d, "https://ph.test", db.Now()); err != nil {
			t.Fatal(err)
		}
		got = outbox(t, d, "ann@example.org")
		if len(got) != 2 || !strings.Contains(got[1], "Independent advocacy service 2027 (changed)") || strings.Contains(got[1], "“Tenders”") {
			t.Fatalf("after the change ann has %d emails; last:\n%s", len(got), got[len(got)-1])
		}
		// Not relevant: hidden from her alerts.
		if err := d.Write(ctx, func(tx *db.Tx) error { return Hide(ctx, tx, ann.ID, o.ID) }); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		o.Title = "Independent advocacy service 2028"
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Update(ctx, tx, o, 0, "Title changed") }); err != nil {
			t.Fatal(err)
		}
		if _, err := RunAlertDigest(ctx, d, "https://ph.test", db.Now()); err != nil {
			t.Fatal(err)
		}
		if n := len(outbox(t, d, "ann@example.org")); n != 2 {
			t.Fatalf("ann got an email about an opportunity she marked not relevant (%d emails)", n)
		}
	})
}

func TestAlertDigestTellsDeadlinesOnceWhenTheyComeWithinSevenDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Store{}
		buyer := mkOrg(t, d, "NHS Blackpool", "public")
		cat := mkUser(t, d, "cat@example.org", 0, "")
		o := tender(buyer.ID)
		o.QuestionsCloseAt = at(time.Now().UTC().AddDate(0, 0, 2))
		o.SubmissionDeadline = at(time.Now().UTC().AddDate(0, 0, 5))
		publish(t, d, s, o)
		a := &Alert{UserID: cat.ID, Name: "Everything", Frequency: AlertWeekly}
		if err := d.Write(ctx, func(tx *db.Tx) error { return SaveAlert(ctx, tx, a) }); err != nil {
			t.Fatal(err)
		}
		// The alert last ran 8 days ago, before the tender was published.
		if _, err := d.W().ExecContext(ctx, `UPDATE opportunity_alerts SET last_run_at = $1`, db.Now().AddDate(0, 0, -8)); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W().ExecContext(ctx, `UPDATE opportunities SET updated_at = $1, published_at = $1`, db.Now().AddDate(0, 0, -9)); err != nil {
			t.Fatal(err)
		}
		if _, err := RunAlertDigest(ctx, d, "https://ph.test", db.Now()); err != nil {
			t.Fatal(err)
		}
		got := outbox(t, d, "cat@example.org")
		if len(got) != 1 || !strings.Contains(got[0], "Closing in the next 7 days") || strings.Contains(got[0], "(new)") {
			t.Fatalf("emails: %q", got)
		}
		// A week later (deadline passed) nothing more.
		if _, err := RunAlertDigest(ctx, d, "https://ph.test", db.Now().AddDate(0, 0, 7)); err != nil {
			t.Fatal(err)
		}
		if n := len(outbox(t, d, "cat@example.org")); n != 1 {
			t.Fatalf("%d emails", n)
		}
	})
}

func TestAlertValidationKeepsOnlyUsableSearches(t *testing.T) {
	a := &Alert{Name: " ", Frequency: "hourly", Query: "kind=nonsense"}
	f := fieldsOf(ValidateAlert(a))
	if f["name"] == "" || f["frequency"] == "" || f["query"] == "" {
		t.Fatalf("errors = %v", f)
	}
	a = &Alert{Name: "Mine", Frequency: AlertWeekly, Query: "vcse=1&sort=closing&kind=grant"}
	if err := ValidateAlert(a); err != nil {
		t.Fatal(err)
	}
	if a.Query != "kind=grant&vcse=yes" {
		t.Fatalf("stored query = %q", a.Query)
	}
}

func TestConsultationCannotOpenWithoutQuestions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Store{}
		s.OnChange(consultationOpenCheck)
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		o := consultation(buyer.ID)
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Create(ctx, tx, o, 0) }); err != nil {
			t.Fatal(err)
		}
		err := d.Write(ctx, func(tx *db.Tx) error { return s.Publish(ctx, tx, o.ID, 0) })
		if err != ErrNoQuestions {
			t.Fatalf("publish without questions: %v", err)
		}
		if got, _ := GetByID(ctx, d.Q(), o.ID); got.Published() {
			t.Fatal("the refused publication was written")
		}
		q := &CQuestion{OpportunityID: o.ID, Kind: QScale, Prompt: "Should the service be borough-wide?"}
		if err := d.Write(ctx, func(tx *db.Tx) error { return SaveConsultationQuestion(ctx, tx, q) }); err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Publish(ctx, tx, o.ID, 0) }); err != nil {
			t.Fatalf("publish with a question: %v", err)
		}
	})
}

func TestOneResponsePerOrganisationReplacedWhenChanged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Store{}
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		org := mkOrg(t, d, "Fylde Trust", "vcs")
		o := consultation(buyer.ID)
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Create(ctx, tx, o, 0) }); err != nil {
			t.Fatal(err)
		}
		q1 := &CQuestion{OpportunityID: o.ID, Kind: QText, Prompt: "What works?"}
		q2 := &CQuestion{OpportunityID: o.ID, Kind: QMultiple, Prompt: "Where?", Options: []string{"Talbot", "Bloomfield"}}
		for _, q := range []*CQuestion{q1, q2} {
			if err := d.Write(ctx, func(tx *db.Tx) error { return SaveConsultationQuestion(ctx, tx, q) }); err != nil {
				t.Fatal(err)
			}
		}
		save := func(a Answers) bool {
			var created bool
			if err := d.Write(ctx, func(tx *db.Tx) error {
				var err error
				created, err = SaveResponse(ctx, tx, o.ID, org.ID, 0, a, db.Now())
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return created
		}
		if !save(Answers{q1.ID: {"Drop-ins"}, q2.ID: {"Talbot", "Bloomfield"}}) {
			t.Fatal("first response not new")
		}
		if save(Answers{q2.ID: {"Bloomfield"}}) {
			t.Fatal("second response counted as new")
		}
		rs, err := Responses(ctx, d.Q(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || len(rs[0].Answers) != 1 || strings.Join(rs[0].Answers[q2.ID], ",") != "Bloomfield" {
			t.Fatalf("responses = %+v", rs)
		}
	})
}

func TestOrgsInServiceDesignCountsThirdSectorOnceEach(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Store{}
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		vcs := mkOrg(t, d, "Fylde Trust", "vcs")
		faith := mkOrg(t, d, "St John's", "faith")
		pub := mkOrg(t, d, "NHS Blackpool", "public")
		o := consultation(buyer.ID)
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Create(ctx, tx, o, 0) }); err != nil {
			t.Fatal(err)
		}
		now := db.Now()
		for _, org := range []int64{vcs.ID, pub.ID} {
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := SaveResponse(ctx, tx, o.ID, org, 0, Answers{}, now); return err }); err != nil {
				t.Fatal(err)
			}
		}
		// vcs and faith came to a commissioning workshop last week; faith also to a networking event.
		for _, ev := range []struct {
			typ  string
			orgs []int64
		}{{"commissioning_workshop", []int64{vcs.ID, faith.ID}}, {"networking", []int64{faith.ID, vcs.ID}}} {
			var eid int64
			if err := d.W().QueryRowContext(ctx, `INSERT INTO events (uuid, slug, organiser_id, title, type, starts_at, ends_at, capacity, status, created_at, updated_at)
				VALUES ($1, $1, $2, 'E', $3, $4, $5, 10, 'published', $6, $6) RETURNING id`, ev.typ, buyer.ID, ev.typ, now.AddDate(0, 0, -7), now.AddDate(0, 0, -7).Add(time.Hour), now).Scan(&eid); err != nil {
				t.Fatal(err)
			}
			for i, org := range ev.orgs {
				if _, err := d.W().ExecContext(ctx, `INSERT INTO event_bookings (event_id, organisation_id, attendee_name, attendee_email, status, created_at) VALUES ($1, $2, 'A', $3, 'confirmed', $4)`,
					eid, org, ev.typ+string(rune('a'+i))+"@x.test", now); err != nil {
					t.Fatal(err)
				}
			}
		}
		n, err := CountOrgsInServiceDesign(ctx, d.Q(), now.AddDate(0, -1, 0), now.AddDate(0, 1, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("counted %d, want 2 (Fylde Trust once, St John's)", n)
		}
		if n, _ := CountOrgsInServiceDesign(ctx, d.Q(), now.AddDate(0, 1, 0), now.AddDate(0, 2, 0), now); n != 0 {
			t.Fatalf("next month counted %d", n)
		}
	})
}

func TestClarificationsShowAskersOnlyToBuyersAndOwnOrganisations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Store{}
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		a, b := mkOrg(t, d, "Fylde Trust", "vcs"), mkOrg(t, d, "Bispham Care", "vcs")
		o := tender(buyer.ID)
		publish(t, d, s, o)
		var qa, qb Clarification
		for _, x := range []struct {
			c   *Clarification
			org int64
		}{{&qa, a.ID}, {&qb, b.ID}} {
			*x.c = Clarification{OpportunityID: o.ID, OrgID: x.org, Question: "Is TUPE likely?"}
			if err := d.Write(ctx, func(tx *db.Tx) error { return AddClarification(ctx, tx, x.c) }); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return AnswerClarification(ctx, tx, o.ID, qa.ID, 0, "No.", true) }); err != nil {
			t.Fatal(err)
		}
		public, _ := Clarifications(ctx, d.Q(), ClarificationFilter{OpportunityID: o.ID, PublishedOnly: true})
		asB, _ := Clarifications(ctx, d.Q(), ClarificationFilter{OpportunityID: o.ID, PublishedOnly: true, OrgIDs: []int64{b.ID}})
		all, _ := Clarifications(ctx, d.Q(), ClarificationFilter{OpportunityID: o.ID})
		if len(public) != 1 || public[0].ID != qa.ID || len(asB) != 2 || len(all) != 2 {
			t.Fatalf("public %d, as b %d, all %d", len(public), len(asB), len(all))
		}
		if err := AnswerClarification(ctx, d.W(), o.ID+1, qa.ID, 0, "x", true); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Fatalf("answering through another opportunity: %v", err)
		}
	})
}
