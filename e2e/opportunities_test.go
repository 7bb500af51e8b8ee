package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// opSet sets form fields by id from script (date and time inputs take
// typed keys in the browser's locale; the value is what a browser sends).
func opSet(t *testing.T, ctx context.Context, fields ...string) {
	t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		js := fmt.Sprintf(`(() => { const e = document.getElementById(%q); if (!e) return false; e.value = %q; return true; })()`, fields[i], fields[i+1])
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil || !ok {
			t.Fatalf("set #%s: %v", fields[i], err)
		}
	}
}

// TestOpportunityJourney: a commissioner publishes a tender (a first try
// with the values the wrong way round is refused with the form kept), a
// charity owner finds it with the VCSE filter and registers interest, and
// the commissioner sees the charity in the expressions of interest; every
// page passes axe-core.
func TestOpportunityJourney(t *testing.T) {
	t.Parallel()
	tag := evTag()
	people := evPeople(t, tag, "admin", "commissioner", "charity")
	com, ch, admin := people["commissioner"].Ctx, people["charity"].Ctx, people["admin"].Ctx
	// Public-sector organisations are added by an administrator, who
	// invites the commissioner.
	council := evNewOrg(t, admin, "Borough Council "+tag, "public")
	visit(t, admin, "/orgs/"+council+"/members")
	fill(t, admin, "email", people["commissioner"].Email)
	choose(t, admin, "role", "editor")
	evClick(t, admin, fmt.Sprintf(`main form[action="/orgs/%s/members/invite"] button[type=submit]`, council), "invite the commissioner")
	visit(t, com, app(t).local(t, mailTo(t, people["commissioner"].Email, "").Link(t, "/invitations/")))
	evClick(t, com, `main form[action^="/invitations/"] button[type=submit]`, "accept the invitation")
	charityName := "Advocacy Together " + tag
	evNewOrg(t, ch, charityName, "vcs")

	title := "Independent advocacy service " + tag
	if st := visit(t, com, "/orgs/"+council+"/opportunities/new"); st != http.StatusOK {
		t.Fatalf("new opportunity form: %d", st)
	}
	checkPage(t, com, "opportunity form")
	closes := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	fill(t, com, "title", title, "description", "Advocacy for adults in the borough.", "value_min", "400000", "value_max", "320000",
		"lot_title_0", "Care Act advocacy", "cpv", "85311000-2")
	opSet(t, com, "submission_deadline", closes, "submission_deadline_time", "12:00", "req_code_0", "advice-advocacy")
	choose(t, com, "req_kind_0", "service")
	if _, err := chromedp.Run(com, chromedp.Click(`input[name=suitable_vcse]`)); err != nil {
		t.Fatal(err)
	}
	if st := submit(t, com, `button[name=action][value=publish]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("min above max: status %d", st)
	}
	if !strings.Contains(text(t, com, ".ph-error-summary"), "maximum value") {
		t.Fatalf("no error about the values: %s", text(t, com, "main"))
	}
	checkPage(t, com, "opportunity form with errors")
	fill(t, com, "value_min", "250000")
	if st := submit(t, com, `button[name=action][value=publish]`); st != http.StatusOK {
		t.Fatalf("publish: status %d: %s", st, text(t, com, "main"))
	}
	if !strings.Contains(text(t, com, "main"), "£250,000 to £320,000") {
		t.Fatalf("published page: %s", text(t, com, "main"))
	}
	checkPage(t, com, "opportunity page (buyer)")

	if st := visit(t, ch, "/opportunities?vcse=yes&service=advice-advocacy"); st != http.StatusOK {
		t.Fatalf("list: %d", st)
	}
	checkPage(t, ch, "opportunities list")
	if !strings.Contains(text(t, ch, "main"), title) {
		t.Fatalf("the tender is not in the filtered list: %s", text(t, ch, "main"))
	}
	evClick(t, ch, fmt.Sprintf(`a[href^="/opportunities/independent-advocacy-service-%s"]`, tag), "open the tender")
	checkPage(t, ch, "opportunity page (bidder)")
	fill(t, ch, "note", "We lead a consortium of three advocacy charities.")
	if st := submit(t, ch, `button[name=action][value=register]`); st != http.StatusOK {
		t.Fatalf("register interest: %d: %s", st, text(t, ch, "main"))
	}
	if !strings.Contains(text(t, ch, "main"), "registered interest") {
		t.Fatalf("no interest shown: %s", text(t, ch, "main"))
	}

	evClick(t, com, `a[href$="/interests"]`, "expressions of interest")
	if !strings.Contains(text(t, com, "main"), charityName) {
		t.Fatalf("the buyer does not see the charity: %s", text(t, com, "main"))
	}
	checkPage(t, com, "expressions of interest")
}
