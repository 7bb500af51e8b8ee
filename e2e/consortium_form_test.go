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

// formState is every value of a form as the browser holds it: text and
// selects by id, ticked boxes by id.
func formState(t testing.TB, ctx context.Context, formSel string) map[string]string {
	t.Helper()
	m, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](fmt.Sprintf(`(() => {
		const out = {};
		for (const e of document.querySelector(%q).elements) {
			if (!e.id || e.type === 'submit' || e.type === 'file') continue;
			out[e.id] = (e.type === 'checkbox' || e.type === 'radio') ? String(e.checked) : e.value;
		}
		return out; })()`, formSel)))
	if err != nil {
		t.Fatalf("read the form %s: %v", formSel, err)
	}
	return m
}

// TestConsortiumDetailsFormKeepsInput: the consortium details form, sent
// with one tier refused, comes back with every tier, criterion and the
// readiness rule as sent (it came back blank, and saving it then stored
// defaults), and once the tier is fixed what is stored is what was sent.
// On the way the administrator names the data controller on the privacy
// notice (issue 13 item 14), through a form that keeps its input too.
func TestConsortiumDetailsFormKeepsInput(t *testing.T) {
	t.Parallel()
	app(t)
	u := jrUnique()
	admin, owner := "cf-admin-"+u+"@example.org", "cf-owner-"+u+"@example.org"
	createUser(t, admin, true)
	createUser(t, owner, false)

	actx := jrSignedIn(t, admin)
	jrOK(t, actx, "GET the definition form", visit(t, actx, "/admin/consortium-definition"))
	evSetValues(t, actx, "adopted_on", time.Now().Format(time.DateOnly), "next_review_on", time.Now().AddDate(2, 0, 0).Format(time.DateOnly))
	criteria := []string{"Written agreement " + u, "Three or more members " + u, "Meets quarterly " + u, "Shared outcomes " + u, "Published accounts " + u}
	evSetValues(t, actx, "criteria", strings.Join(criteria, "\n"))
	jrOK(t, actx, "save the definition", submit(t, actx, `main form[action="/admin/consortium-definition"] button[type=submit]`))

	// The data controller on the privacy notice, set by the administrator.
	jrOK(t, actx, "GET /admin/privacy", visit(t, actx, "/admin/privacy"))
	checkPage(t, actx, "data controller form")
	fill(t, actx, "controller_name", "Blackpool CVS "+u)
	if st := submit(t, actx, `main form[action="/admin/privacy"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("data controller without a contact: status %d, want 422", st)
	}
	checkPage(t, actx, "data controller form with an error")
	if v := formState(t, actx, `main form[action="/admin/privacy"]`)["controller_name"]; v != "Blackpool CVS "+u {
		t.Errorf("the 422 page lost the name: %q", v)
	}
	evSetValues(t, actx, "controller_contact", "privacy@example.org")
	jrOK(t, actx, "save the data controller", submit(t, actx, `main form[action="/admin/privacy"] button[type=submit]`))
	checkPage(t, actx, "privacy notice with the data controller")
	if m := text(t, actx, "main"); !strings.Contains(m, "Blackpool CVS "+u) || !strings.Contains(m, "privacy@example.org") {
		t.Errorf("the privacy notice does not name the data controller: %s", m)
	}

	ctx := jrSignedIn(t, owner)
	jrNewOrg(t, ctx, "Hub Trust "+u)
	jrNewOrg(t, ctx, "Spoke Project "+u)
	var c jrChecked
	path := jrNewPartnership(t, ctx, &c, "Hub Consortium "+u, "hub_and_spoke_consortium")
	jrAddPartner(t, ctx, path, "Spoke Project "+u)

	form := fmt.Sprintf(`main form[action=%q]`, path+"/consortium")
	jrClick(t, ctx, `main details summary`)
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.querySelectorAll('%s select[id^="tier-"]')].map(s => s.id)`, form)))
	if err != nil || len(ids) != 2 {
		t.Fatalf("tier selects %v (%v)", ids, err)
	}
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.querySelectorAll('%s input[name=criterion]')].map(s => s.id)`, form)))
	if err != nil || len(boxes) != 5 {
		t.Fatalf("criteria boxes %v (%v)", boxes, err)
	}
	choose(t, ctx, "legal_structure", "cic")
	fill(t, ctx, "registered_id", "CIC"+u, "full_eligibility", "Third-sector organisations in Blackpool", "associate_eligibility", "Anyone who shares the aims")
	// The lead is an associate; the spoke (not commissioning ready) full.
	choose(t, ctx, ids[0], "associate")
	choose(t, ctx, ids[1], "full")
	for _, id := range append([]string{"requires_readiness"}, boxes[:4]...) {
		jrClick(t, ctx, "#"+id)
	}
	sent := formState(t, ctx, form)
	if st := submit(t, ctx, form+` button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("a full tier for an organisation that is not ready: status %d, want 422", st)
	}
	checkPage(t, ctx, "consortium details with an error")
	if !summaryLinks(t, ctx)["#"+ids[1]] {
		t.Error("the error summary does not link to the refused tier")
	}
	if got := formState(t, ctx, form); fmt.Sprint(got) != fmt.Sprint(sent) {
		t.Fatalf("the 422 page lost input:\nsent %v\ngot  %v", sent, got)
	}

	choose(t, ctx, ids[1], "associate")
	sent = formState(t, ctx, form)
	jrOK(t, ctx, "save the consortium details", submit(t, ctx, form+` button[type=submit]`))
	jrOK(t, ctx, "GET "+path, visit(t, ctx, path))
	if got := formState(t, ctx, form); fmt.Sprint(got) != fmt.Sprint(sent) {
		t.Fatalf("stored details differ from what was sent:\nsent %v\ngot  %v", sent, got)
	}
	m := text(t, ctx, "main")
	for _, want := range []string{"It meets 4 of the 5 criteria", "CIC" + u, "an organisation needs a current commissioning readiness result"} {
		if !strings.Contains(m, want) {
			t.Errorf("the consortium page does not say %q", want)
		}
	}
}
