package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"partnerhub/internal/ocds"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// bidJS runs script in the page and fails the test unless it returns true.
func bidJS(t *testing.T, ctx context.Context, what, script string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script))
	if err != nil || !ok {
		t.Fatalf("%s: %v (%s)", what, err, location(t, ctx))
	}
}

// TestConsortiumBidJourney: three charities build a consortium bid for a
// tender that needs advice and advocacy, which none of the first two
// offers; the lead closes the gap by inviting the suggested partner in one
// click; shares that do not add up are refused with the form kept; every
// member's owner signs off from the emailed link; the lead submits; the
// commissioner awards it to the three members; the consortium's impact
// page shows the win. Every page passes axe-core.
func TestConsortiumBidJourney(t *testing.T) {
	t.Parallel()
	tag := evTag()
	people := evPeople(t, tag, "admin", "commissioner", "lead", "mind", "talbot")
	com, lead, mind, talbot, admin := people["commissioner"].Ctx, people["lead"].Ctx, people["mind"].Ctx, people["talbot"].Ctx, people["admin"].Ctx
	council := evNewOrg(t, admin, "Bay Council "+tag, "public")
	visit(t, admin, "/orgs/"+council+"/members")
	fill(t, admin, "email", people["commissioner"].Email)
	choose(t, admin, "role", "editor")
	evClick(t, admin, fmt.Sprintf(`main form[action="/orgs/%s/members/invite"] button[type=submit]`, council), "invite the commissioner")
	visit(t, com, app(t).local(t, mailTo(t, people["commissioner"].Email, "").Link(t, "/invitations/")))
	evClick(t, com, `main form[action^="/invitations/"] button[type=submit]`, "accept the invitation")
	leadName, mindName, talbotName := "Bay Advocacy "+tag, "Bay Mind "+tag, "Talbot Advice "+tag
	leadSlug := evNewOrg(t, lead, leadName, "vcs")
	mindSlug := evNewOrg(t, mind, mindName, "vcs")
	talbotSlug := evNewOrg(t, talbot, talbotName, "vcs")
	// Talbot offers advice and advocacy (on its directory profile).
	visit(t, talbot, "/orgs/"+talbotSlug+"/profile")
	bidJS(t, talbot, "tick advice and advocacy", `(() => { const l = [...document.querySelectorAll('label')].find(l => l.textContent.trim() === 'Advice and advocacy'); if (!l) return false; const c = document.getElementById(l.htmlFor); if (!c.checked) c.click(); return true; })()`)
	evClick(t, talbot, fmt.Sprintf(`main form[action="/orgs/%s/profile"] button[type=submit]`, talbotSlug), "save the profile")

	// The commissioner publishes a tender needing advice and advocacy.
	title := "Community advocacy " + tag
	visit(t, com, "/orgs/"+council+"/opportunities/new")
	fill(t, com, "title", title, "description", "Advocacy for adults in the borough.", "value_min", "200000", "value_max", "300000")
	opSet(t, com, "submission_deadline", time.Now().AddDate(0, 1, 0).Format(time.DateOnly), "submission_deadline_time", "12:00", "req_code_0", "advice-advocacy")
	choose(t, com, "req_kind_0", "service")
	if st := submit(t, com, `button[name=action][value=publish]`); st != http.StatusOK {
		t.Fatalf("publish: %d: %s", st, text(t, com, "main"))
	}
	oppPath := location(t, com).Path

	// The lead starts a consortium bid from the opportunity's page.
	visit(t, lead, oppPath)
	evClick(t, lead, fmt.Sprintf(`a[href^="/orgs/%s/bids/new"]`, leadSlug), "start a bid")
	checkPage(t, lead, "new bid")
	fill(t, lead, "consortium_name", "")
	if st := submit(t, lead, `main form[action$="/bids/new"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("bid without a consortium name: %d", st)
	}
	checkPage(t, lead, "new bid with errors")
	fill(t, lead, "consortium_name", "Bay Advocacy Together "+tag)
	if st := submit(t, lead, `main form[action$="/bids/new"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("start the bid: %d: %s", st, text(t, lead, "main"))
	}
	bidPath := location(t, lead).Path
	body := text(t, lead, "main")
	if !strings.Contains(body, "no member covers it") || !strings.Contains(body, "Invite "+talbotName) {
		t.Fatalf("the gap and its suggestion are missing: %s", body)
	}
	checkPage(t, lead, "bid builder with a gap")
	// One click closes the gap; Mind is invited by name.
	bidJS(t, lead, "find the suggestion", fmt.Sprintf(`(() => { const b = [...document.querySelectorAll('main form button')].find(b => b.textContent.startsWith(%q)); if (!b) return false; b.id = 'invite-suggested'; return true; })()`, "Invite "+talbotName))
	if st := submit(t, lead, `#invite-suggested`); st != http.StatusOK {
		t.Fatalf("invite the suggestion: %d: %s", st, text(t, lead, "main"))
	}
	if !strings.Contains(text(t, lead, "main"), "covered by "+talbotName) {
		t.Fatalf("the gap is not closed: %s", text(t, lead, "main"))
	}
	fill(t, lead, "organisation_name", mindName)
	if st := submit(t, lead, `main form[action$="/members"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("invite Mind: %d: %s", st, text(t, lead, "main"))
	}
	// Shares: the lead 50, the others 30 each (110%) is refused and kept.
	setShares := func(others string) {
		bidJS(t, lead, "set shares", fmt.Sprintf(`(() => { const w = [...document.querySelectorAll('input[name^=work_]')], v = [...document.querySelectorAll('input[name^=value_]')];
			if (w.length !== 3) return false; w.forEach((e, i) => e.value = i === 0 ? '50' : %q); v.forEach((e, i) => e.value = i === 0 ? '50' : %q); return true; })()`, others, others))
	}
	setShares("30")
	if st := submit(t, lead, `main form[action$="/shares"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("shares of 110%%: %d", st)
	}
	if !strings.Contains(text(t, lead, ".ph-error-summary"), "add up to 110%") {
		t.Fatalf("no error about the shares: %s", text(t, lead, "main"))
	}
	checkPage(t, lead, "bid builder with share errors")
	setShares("25")
	if st := submit(t, lead, `main form[action$="/shares"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("shares: %d: %s", st, text(t, lead, "main"))
	}

	// Every member's owner signs off from the emailed link.
	for _, p := range []struct {
		ctx   context.Context
		email string
	}{{lead, people["lead"].Email}, {mind, people["mind"].Email}, {talbot, people["talbot"].Email}} {
		visit(t, p.ctx, app(t).local(t, mailTo(t, p.email, "Sign off").Link(t, "/bid-invitations/")))
		checkPage(t, p.ctx, "sign-off")
		if _, err := chromedp.Run(p.ctx, chromedp.Click(`#decision-accept`)); err != nil {
			t.Fatal(err)
		}
		if st := submit(t, p.ctx, `main form button[type=submit]`); st != http.StatusOK {
			t.Fatalf("sign off: %d: %s", st, text(t, p.ctx, "main"))
		}
	}
	_ = mindSlug
	visit(t, lead, bidPath)
	if st := submit(t, lead, `main form[action$="/submit"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("submit: %d: %s", st, text(t, lead, "main"))
	}
	if !strings.Contains(strings.ToLower(text(t, lead, "main")), "record the outcome") {
		t.Fatalf("not submitted: %s", text(t, lead, "main"))
	}

	// The commissioner awards it to the three members.
	visit(t, com, oppPath)
	evClick(t, com, `a[href$="/award"]`, "record the award")
	checkPage(t, com, "award form")
	bidJS(t, com, "tick the suppliers", `(() => { const c = [...document.querySelectorAll('input[name=supplier]')]; if (c.length !== 3) return false; c.forEach(e => { if (!e.checked) e.click(); }); return true; })()`)
	fill(t, com, "value", "240000")
	opSet(t, com, "date", time.Now().Format(time.DateOnly))
	if st := submit(t, com, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("award: %d: %s", st, text(t, com, "main"))
	}
	if !strings.Contains(text(t, com, "main"), "3 of 3 supplier(s) matched") {
		t.Fatalf("award not matched: %s", text(t, com, "main"))
	}
	visit(t, lead, bidPath)
	if !strings.Contains(text(t, lead, "main"), "£240,000") {
		t.Fatalf("the bid does not show the win: %s", text(t, lead, "main"))
	}
	evClick(t, lead, `main a[href^="/partnerships/"]`, "the consortium")
	evClick(t, lead, `main a[href^="/consortia/impact/"]`, "the consortium's impact")
	checkPage(t, lead, "consortium impact")
	if !strings.Contains(text(t, lead, "main"), "£240,000") {
		t.Fatalf("the impact page does not show the win: %s", text(t, lead, "main"))
	}

	// The opportunity's open data record (linked from its page) validates
	// and names the bid and the award with its suppliers.
	visit(t, com, oppPath)
	href, err := chromedp.Run(com, chromedp.Evaluate[string](`(() => { const a = document.querySelector('main a[href^="/api/ocds/records/"]'); return a ? a.getAttribute('href') : ''; })()`))
	if err != nil || href == "" {
		t.Fatalf("no OCDS record link on the opportunity page (%v)", err)
	}
	resp, err := http.Get(app(t).url(href))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	record, _ := io.ReadAll(resp.Body)
	if probs := ocds.ValidateRecordPackage(record); resp.StatusCode != 200 || len(probs) > 0 {
		t.Fatalf("OCDS record: %d %v", resp.StatusCode, probs)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, record); err != nil {
		t.Fatal(err)
	}
	record = compact.Bytes()
	for _, want := range []string{`"submissionType":"bid"`, `"relatedBids"`, `"tenderer"`, `"supplier"`, leadName} {
		if !strings.Contains(string(record), want) {
			t.Errorf("the OCDS record lacks %s", want)
		}
	}
}
