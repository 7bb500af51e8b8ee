package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// setValue sets a field's value by id with script (date inputs do not
// take typed ISO dates in every locale).
func setValue(t *testing.T, ctx context.Context, id, v string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).value = %q`, id, v))); err != nil {
		t.Fatalf("set #%s: %v", id, err)
	}
}

// clickID clicks a radio or checkbox by id.
func clickID(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+id))); err != nil {
		t.Fatalf("click #%s: %v", id, err)
	}
}

// TestConsultationQuestionsJourney: a commissioner drafts a consultation,
// cannot open it without questions, adds a question and opens it; a
// charity owner saves an alert, asks a clarification question, the
// commissioner answers and publishes it, the charity sees the answer and
// responds to the consultation, and the commissioner reads the summary.
// axe-core checks each page on the way.
func TestConsultationQuestionsJourney(t *testing.T) {
	t.Parallel()
	tag := evTag()
	// Only an administrator adds a public-sector organisation; they own it
	// and commission for it here.
	people := evPeople(t, tag, "admin", "charity")
	com, cha := people["admin"].Ctx, people["charity"].Ctx
	buyer := evNewOrg(t, com, "Fylde Coast Commissioning "+tag, "public")
	evNewOrg(t, cha, "Layton Recovery Café "+tag, "vcs")

	// The charity saves an alert for consultations; the form says it sends email.
	if st := visit(t, cha, "/alerts/new?kind=consultation"); st != http.StatusOK {
		t.Fatalf("alert form: %d", st)
	}
	if !strings.Contains(text(t, cha, "main"), "This alert sends you email") {
		t.Fatal("the alert form does not say it sends email")
	}
	checkA11y(t, cha, "alert form")
	fill(t, cha, "name", "Consultations")
	clickID(t, cha, "frequency-immediately")
	if st := submit(t, cha, `main form button[type=submit]`); st != http.StatusOK || !strings.Contains(text(t, cha, "main"), "Consultations") {
		t.Fatalf("save alert: %d: %s", st, text(t, cha, "main"))
	}
	checkA11y(t, cha, "your alerts")

	// The commissioner drafts a consultation.
	if st := visit(t, com, "/orgs/"+buyer+"/opportunities/new"); st != http.StatusOK {
		t.Fatalf("new opportunity form: %d", st)
	}
	title := "Shaping recovery support " + tag
	fill(t, com, "title", title)
	choose(t, com, "kind", "consultation")
	close := time.Now().AddDate(0, 4, 0).Format("2006-01-02")
	qclose := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	setValue(t, com, "submission_deadline", close)
	setValue(t, com, "questions_close", qclose)
	if st := submit(t, com, `main form button.ph-button[name=action][value=draft]`); st != http.StatusOK {
		t.Fatalf("save draft: %d: %s", st, text(t, com, "main"))
	}
	slug := strings.TrimPrefix(location(t, com).Path, "/opportunities/")
	if strings.Contains(slug, "/") || slug == "" {
		t.Fatalf("after saving the draft the page is %s", location(t, com))
	}
	// Opening without questions is refused with a clear message.
	submit(t, com, `form[action$="/publish"] button[type=submit]`)
	if !strings.Contains(text(t, com, "main"), "cannot open without questions") {
		t.Fatalf("publishing a consultation with no questions: %s", text(t, com, "main"))
	}
	// Add a question, then open it.
	base := "/orgs/" + buyer + "/opportunities/" + slug
	if st := visit(t, com, base+"/questionnaire"); st != http.StatusOK {
		t.Fatalf("questionnaire: %d", st)
	}
	checkA11y(t, com, "questionnaire")
	fill(t, com, "prompt", "Which kinds of recovery support should be funded?")
	clickID(t, com, "kind-multiple")
	fill(t, com, "options", "Peer mentors\nRecovery cafés\nMutual aid groups")
	if st := submit(t, com, `form[action$="/questionnaire"] button[type=submit]`); st != http.StatusOK || !strings.Contains(text(t, com, "main"), "Which kinds of recovery support") {
		t.Fatalf("add question: %d: %s", st, text(t, com, "main"))
	}
	visit(t, com, "/opportunities/"+slug)
	if st := submit(t, com, `form[action$="/publish"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("publish: %d", st)
	}
	if strings.Contains(text(t, com, "main"), "cannot open without questions") {
		t.Fatal("publishing with a question was refused")
	}

	// The alert digest emails the charity about it.
	runJob(t, "opportunity_alerts")
	m := mailTo(t, people["charity"].Email, "Opportunity alert")
	if !strings.Contains(m.Body, title) || !strings.Contains(m.Body, "/unsubscribe/") {
		t.Fatalf("alert email:\n%s", m.Body)
	}

	// The charity asks a question (an empty one first: an error, linked).
	visit(t, cha, app(t).local(t, m.Link(t, "/opportunities/"+slug))+"/questions")
	checkA11y(t, cha, "questions page")
	if st := submit(t, cha, `form[action$="/questions"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("empty question: %d", st)
	}
	if n := count(t, cha, `.ph-error-summary a[href="#question"]`); n != 1 {
		t.Fatal("the error summary does not link to the question field")
	}
	fill(t, cha, "question", "Can a consortium of small groups respond together?")
	if st := submit(t, cha, `form[action$="/questions"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("ask: %d", st)
	}

	// The commissioner answers and publishes.
	visit(t, com, "/opportunities/"+slug+"/questions")
	if !strings.Contains(text(t, com, "main"), "Layton Recovery Café "+tag) {
		t.Fatal("the buyer does not see who asked")
	}
	if err := chromedp.Do(com, chromedp.Click(chromedp.CSS(`a[href*="/answer"]`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(com, chromedp.WaitVisible(chromedp.CSS("#answer"))); err != nil {
		t.Fatal(err)
	}
	checkA11y(t, com, "answer form")
	fill(t, com, "answer", "Yes: one organisation responds for the group and names the others.")
	clickID(t, com, "publish")
	if st := submit(t, com, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("answer: %d", st)
	}
	visit(t, cha, "/opportunities/"+slug+"/questions")
	if got := text(t, cha, "main"); !strings.Contains(got, "one organisation responds for the group") {
		t.Fatalf("the charity does not see the published answer: %s", got)
	}

	// The charity responds to the consultation.
	visit(t, cha, "/opportunities/"+slug+"/consultation")
	checkA11y(t, cha, "consultation response form")
	clickID(t, cha, "q"+questionID(t, cha)+"-1")
	if st := submit(t, cha, `form[action$="/consultation"][method=post] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("respond: %d", st)
	}
	if !strings.Contains(text(t, cha, "main"), "You can change it until") {
		t.Fatalf("after responding: %s", text(t, cha, "main"))
	}

	// The commissioner reads the summary.
	visit(t, com, base+"/responses")
	if got := text(t, com, "main"); !strings.Contains(got, "1 organisation has responded") || !strings.Contains(got, "Recovery cafés") {
		t.Fatalf("responses page: %s", got)
	}
	checkA11y(t, com, "responses summary")
}

// questionID is the id of the first consultation question on the page.
func questionID(t *testing.T, ctx context.Context) string {
	t.Helper()
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const f = document.querySelector('main form[method=post] fieldset[id^="q"]'); return f ? f.id.slice(1) : ''; })()`))
	if err != nil || id == "" {
		t.Fatalf("no consultation question on the page (%v)", err)
	}
	return id
}

// runJob runs a background job once with the CLI, as the scheduler would.
func runJob(t *testing.T, name string) {
	t.Helper()
	s := app(t)
	job := exec.Command(s.Bin, "jobs", "run", name, "--data-dir", s.DataDir)
	job.Env = append(os.Environ(), "PARTNERHUB_PASSWORD_COST=test")
	if out, err := job.CombinedOutput(); err != nil {
		t.Fatalf("partnerhub jobs run %s: %v\n%s", name, err, out)
	}
}
