package opportunities_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/opportunities"
)

// engageEnv is a buyer (council@, an editor of the council), two
// charities (owner@ of Fylde Trust, other@ of Bispham Care) and a
// follower, with a published tender and an open consultation.
type engageEnv struct {
	*apptest.Env
	tender, consult *opportunities.Opportunity
	qs              []opportunities.CQuestion
}

func newEngage(t *testing.T, d *db.DB) *engageEnv {
	env := apptest.New(t, d)
	for _, u := range []string{"council@x.test", "owner@x.test", "other@x.test", "fan@x.test"} {
		env.User(u, false)
	}
	council := env.Org("Blackpool Council", "public", map[string]string{"council@x.test": "editor"})
	env.Org("Fylde Trust", "vcs", map[string]string{"owner@x.test": "owner"})
	env.Org("Bispham Care", "vcs", map[string]string{"other@x.test": "owner"})
	now := time.Now().UTC()
	e := &engageEnv{Env: env}
	store := env.App.Opportunities.Store
	e.tender = &opportunities.Opportunity{Kind: opportunities.KindTender, Title: "Independent advocacy service", BuyerID: council.ID,
		QuestionsCloseAt: ptr(now.AddDate(0, 0, 10)), SubmissionDeadline: ptr(now.AddDate(0, 0, 30))}
	e.consult = &opportunities.Opportunity{Kind: opportunities.KindConsultation, Title: "Shaping community wellbeing", BuyerID: council.ID,
		SubmissionDeadline: ptr(now.AddDate(0, 0, 40))}
	err := d.Write(env.Ctx, func(tx *db.Tx) error {
		for _, o := range []*opportunities.Opportunity{e.tender, e.consult} {
			if err := store.Create(env.Ctx, tx, o, 0); err != nil {
				return err
			}
		}
		for _, q := range []opportunities.CQuestion{
			{OpportunityID: e.consult.ID, Kind: opportunities.QText, Prompt: "What works well?", Required: true},
			{OpportunityID: e.consult.ID, Kind: opportunities.QMultiple, Prompt: "Which wards?", Options: []string{"Talbot", "Bloomfield", "Claremont"}},
			{OpportunityID: e.consult.ID, Kind: opportunities.QScale, Prompt: "Referrals are easy"},
		} {
			if err := opportunities.SaveConsultationQuestion(env.Ctx, tx, &q); err != nil {
				return err
			}
			e.qs = append(e.qs, q)
		}
		for _, o := range []*opportunities.Opportunity{e.tender, e.consult} {
			if err := store.Publish(env.Ctx, tx, o.ID, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func ptr(t time.Time) *time.Time { return &t }

func TestClarificationQuestionAskedAnsweredAndPublished(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngage(t, d)
		page := "/opportunities/" + e.tender.Slug + "/questions"
		owner := e.As("owner@x.test")
		owner.RoundTrip(t, page, page, func(v url.Values) { v.Set("question", "Will TUPE apply to staff of the current provider?") },
			func(v url.Values) { v.Set("question", "  ") }, "Enter your question", "")
		e.As("fan@x.test").PostForm("/opportunities/"+e.tender.Slug+"/follow", url.Values{"follow": {"yes"}}).Status(t, 303)
		// The buyer sees who asked; another charity and the public see nothing yet.
		buyer := e.As("council@x.test").Get(page).Status(t, 200).Contains(t, "Will TUPE apply", "Fylde Trust")
		e.As("other@x.test").Get(page).Status(t, 200).NotContains(t, "Will TUPE apply", "Fylde Trust")
		e.Anon().Get(page).Status(t, 200).NotContains(t, "Will TUPE apply")
		if len(e.Outbox("council@x.test")) != 1 {
			t.Fatal("the buyer was not told of the question")
		}
		i := strings.Index(buyer.Body, "/questions/")
		qid := strings.SplitN(buyer.Body[i+len("/questions/"):], "/", 2)[0]
		answer := "/orgs/blackpool-council/opportunities/" + e.tender.Slug + "/questions/" + qid + "/answer"
		// Another charity cannot reach the buyer's answer form.
		e.As("owner@x.test").Get(answer).Status(t, 404)
		e.As("council@x.test").RoundTrip(t, answer, answer, func(v url.Values) {
			v.Set("answer", "Yes: TUPE information goes to shortlisted bidders.")
			v.Set("publish", "yes")
		},
			func(v url.Values) { v.Set("answer", "") }, "Enter the answer", answer)
		e.Anon().Get(page).Status(t, 200).Contains(t, "Will TUPE apply", "TUPE information goes to shortlisted bidders").NotContains(t, "Fylde Trust")
		fan := e.Outbox("fan@x.test")
		if len(fan) != 1 || !strings.Contains(fan[0].Body, "TUPE information goes to shortlisted bidders") || !strings.Contains(fan[0].Body, "/unsubscribe/") {
			t.Fatalf("follower's emails: %+v", fan)
		}
		// After the deadline: a clear refusal, the question kept, nothing stored.
		if _, err := d.W().ExecContext(e.Ctx, `UPDATE opportunities SET questions_close_at = $1 WHERE id = $2`, db.Now().Add(-time.Hour), e.tender.ID); err != nil {
			t.Fatal(err)
		}
		var org string
		if err := d.Q().QueryRowContext(e.Ctx, `SELECT CAST(id AS TEXT) FROM organisations WHERE name = 'Fylde Trust'`).Scan(&org); err != nil {
			t.Fatal(err)
		}
		late := url.Values{"organisation": {org}, "question": {"One more?"}}
		owner.PostForm(page, late).Status(t, 422).Contains(t, "Clarification questions for this opportunity are closed")
		var n int
		if err := d.Q().QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM opportunity_questions`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d questions stored (%v)", n, err)
		}
	})
}

func TestConsultationResponseEditableUntilCloseThenYouSaidWeDid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngage(t, d)
		page := "/opportunities/" + e.consult.Slug + "/consultation"
		owner := e.As("owner@x.test")
		f := func(i int) string { return "q" + strconv.FormatInt(e.qs[i].ID, 10) }
		owner.RoundTrip(t, page, page, func(v url.Values) {
			v.Set(f(0), "Drop-ins at the community centre")
			v[f(1)] = []string{"Talbot", "Claremont"}
			v.Set(f(2), "2")
		}, func(v url.Values) { v.Del(f(0)) }, "Answer “What works well?”", page)
		// Changed: still one response.
		sent := owner.Get(page).Form(t, page)
		sent[f(1)] = []string{"Bloomfield"}
		owner.PostForm(page, sent).Status(t, 303)
		buyerBase := "/orgs/blackpool-council/opportunities/" + e.consult.Slug
		csv := e.As("council@x.test").Get(buyerBase+"/responses?format=csv").Status(t, 200).Body
		if strings.Count(csv, "Fylde Trust") != 1 || !strings.Contains(csv, "Bloomfield") || strings.Contains(csv, "Claremont") {
			t.Fatalf("responses CSV:\n%s", csv)
		}
		e.As("council@x.test").Get(buyerBase+"/responses").Status(t, 200).Contains(t, "1 of 1 answered", "<svg")
		e.As("other@x.test").Get(buyerBase+"/responses").Status(t, 404)
		// "You said, we did" waits for the close.
		yousaid := buyerBase + "/you-said"
		e.As("council@x.test").PostForm(yousaid, url.Values{"you_said": {"You said drop-ins work; we fund them."}}).Status(t, 422).Contains(t, "once the consultation has closed")
		if _, err := d.W().ExecContext(e.Ctx, `UPDATE opportunities SET submission_deadline = $1, closes_at = $1 WHERE id = $2`, db.Now().Add(-time.Hour), e.consult.ID); err != nil {
			t.Fatal(err)
		}
		owner.PostForm(page, sent).Status(t, 422).Contains(t, "This consultation is closed")
		e.As("council@x.test").RoundTrip(t, yousaid, yousaid, func(v url.Values) { v.Set("you_said", "You said drop-ins work; we fund them.") },
			func(v url.Values) { v.Set("you_said", "") }, "Enter what respondents said", yousaid)
		mails := e.Outbox("owner@x.test")
		if len(mails) != 1 || !strings.Contains(mails[0].Subject, "You said, we did") {
			t.Fatalf("respondent's emails: %+v", mails)
		}
		e.Anon().Get(page).Status(t, 200).Contains(t, "You said drop-ins work; we fund them.")
	})
}

func TestConsultationWithoutQuestionsCannotOpenFromTheBuyersPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngage(t, d)
		o := &opportunities.Opportunity{Kind: opportunities.KindConsultation, Title: "Empty", BuyerID: e.consult.BuyerID, SubmissionDeadline: ptr(time.Now().AddDate(0, 0, 100))}
		if err := d.Write(e.Ctx, func(tx *db.Tx) error { return e.App.Opportunities.Store.Create(e.Ctx, tx, o, 0) }); err != nil {
			t.Fatal(err)
		}
		res := e.As("council@x.test").PostForm("/orgs/blackpool-council/opportunities/"+o.Slug+"/publish", url.Values{})
		if res.Code == 303 || res.Code >= 500 {
			t.Fatalf("publishing a consultation without questions answered %d", res.Code)
		}
		res.Contains(t, "cannot open without questions")
	})
}

func TestAlertSavedFromASearchSaysItEmailsAndCanBeDeleted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngage(t, d)
		owner := e.As("owner@x.test")
		form := "/alerts/new?q=advocacy&kind=tender&page=2"
		owner.Get(form).Status(t, 200).Contains(t, "This alert sends you email", "owner@x.test", "words “advocacy”")
		owner.RoundTrip(t, form, "/alerts/new", func(v url.Values) { v.Set("name", "Advocacy tenders"); v.Set("frequency", "weekly") },
			func(v url.Values) { v.Set("name", "") }, "Enter a name for the alert", "")
		owner.PostForm("/alerts/new", url.Values{"name": {"X"}, "frequency": {"hourly"}, "query": {"kind=tender"}}).Status(t, 422).Contains(t, "Choose how often")
		list := owner.Get("/alerts").Status(t, 200).Contains(t, "Advocacy tenders", "Once a week")
		i := strings.Index(list.Body, "/alerts/")
		id := strings.SplitN(list.Body[i+len("/alerts/"):], "/", 2)[0]
		edit := "/alerts/" + id + "/edit"
		owner.Get(edit).Status(t, 200).Kept(t, edit, url.Values{"name": {"Advocacy tenders"}, "frequency": {"weekly"}, "query": {"kind=tender&q=advocacy"}})
		e.As("other@x.test").Get(edit).Status(t, 404)
		e.As("other@x.test").PostForm("/alerts/"+id+"/delete", nil).Status(t, 404)
		owner.Get("/alerts/"+id+"/delete").Status(t, 200).Contains(t, "Are you sure you want to delete the alert “Advocacy tenders”?")
		owner.PostForm("/alerts/"+id+"/delete", nil).Status(t, 303)
		owner.Get("/alerts").Status(t, 200).Contains(t, "You have no alerts yet").NotContains(t, ">Advocacy tenders</a>")
		// "Not relevant", listed with the alerts, and shown again.
		if loc := owner.PostForm("/opportunities/"+e.tender.Slug+"/not-relevant", url.Values{"next": {"https://evil.example/"}}).Status(t, 303).Location(); loc != "/opportunities/"+e.tender.Slug {
			t.Fatalf("not relevant redirected to %q", loc)
		}
		owner.Get("/alerts").Status(t, 200).Contains(t, ">Independent advocacy service</a>")
		owner.PostForm("/opportunities/"+e.tender.Slug+"/not-relevant", url.Values{"undo": {"yes"}}).Status(t, 303)
		owner.Get("/alerts").Status(t, 200).NotContains(t, ">Independent advocacy service</a>")
	})
}

func TestNotRelevantLeavesTheDashboardFits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngage(t, d)
		if _, err := d.W().ExecContext(e.Ctx, `INSERT INTO org_terms (organisation_id, term_id) SELECT o.id, t.id FROM organisations o, taxonomy_terms t
			WHERE o.name = 'Fylde Trust' AND t.code = 'advice-advocacy'`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W().ExecContext(e.Ctx, `INSERT INTO opportunity_requirements (opportunity_id, kind, code, term_id, mandatory)
			SELECT $1, 'service', code, id, TRUE FROM taxonomy_terms WHERE code = 'advice-advocacy'`, e.tender.ID); err != nil {
			t.Fatal(err)
		}
		owner := e.As("owner@x.test")
		owner.Get("/orgs/fylde-trust").Status(t, 200).Contains(t, ">Independent advocacy service<")
		owner.PostForm("/opportunities/"+e.tender.Slug+"/not-relevant", nil).Status(t, 303)
		owner.Get("/orgs/fylde-trust").Status(t, 200).NotContains(t, ">Independent advocacy service<")
	})
}

func TestListingOffersToSaveTheSameSearchAsAnAlert(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngage(t, d)
		e.As("owner@x.test").Get("/opportunities?kind=tender&q=advocacy&page=1").Status(t, 200).Contains(t, `href="/alerts/new?kind=tender&amp;q=advocacy"`)
	})
}
