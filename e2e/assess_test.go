package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The "done when" journeys of the assessment engine (issue 7): the
// Consortia Quality Mark from application to award with a reviewer,
// commissioning readiness to the profile marker, and an anonymous
// partnership health check with five respondents. Helpers shared with
// accounts_test.go start with jr (journey).

// jrUnique is a short suffix that keeps names apart between runs.
func jrUnique() string { return fmt.Sprint(time.Now().UnixNano() % 1_000_000_000) }

// jrChecked remembers which distinct pages a test has run axe-core on, so
// a page visited many times (an area form, say) is checked once.
type jrChecked struct {
	mu   sync.Mutex
	seen map[string]bool
}

// page runs checkPage on the current page the first time name is seen.
func (c *jrChecked) page(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	c.mu.Lock()
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	done := c.seen[name]
	c.seen[name] = true
	c.mu.Unlock()
	if !done {
		checkPage(t, ctx, name)
	}
}

// jrFits320 fails the test when the current page is wider than a 320
// pixel screen (WCAG 1.4.10 reflow), naming what sticks out.
func jrFits320(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
	w := jrEval[[]int](t, ctx, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
	if w[0] > w[1] {
		wide := jrEval[[]string](t, ctx, `[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth && e.parentElement.getBoundingClientRect().right <= document.documentElement.clientWidth).slice(0, 3).map(e => e.outerHTML.slice(0, 120))`)
		t.Errorf("%s is %d pixels wide on a 320 pixel screen; sticking out: %q", name, w[0], wide)
	}
}

// jrSignedIn opens a new tab signed in as email (made with createUser).
func jrSignedIn(t testing.TB, email string) context.Context {
	t.Helper()
	ctx := newTab(t)
	signIn(t, ctx, email, Password)
	return ctx
}

// jrOK fails the test unless status is 200, saying what the page says.
func jrOK(t testing.TB, ctx context.Context, what string, status int) {
	t.Helper()
	if status != http.StatusOK {
		t.Fatalf("%s: status %d at %s: %s", what, status, location(t, ctx), text(t, ctx, "main"))
	}
}

// jrNewOrg adds an organisation through /orgs/new and returns its slug.
func jrNewOrg(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	jrOK(t, ctx, "GET /orgs/new", visit(t, ctx, "/orgs/new"))
	fill(t, ctx, "name", name)
	choose(t, ctx, "sector", "vcs")
	choose(t, ctx, "legal_form", "")
	jrOK(t, ctx, "create organisation "+name, submit(t, ctx, `main form[action="/orgs/new"] button[type=submit]`))
	return orgSlug(t, ctx, name)
}

// jrNewPartnership records a partnership led by the first organisation
// the user manages, through /partnerships/new, and returns its path.
func jrNewPartnership(t testing.TB, ctx context.Context, c *jrChecked, name, model string) string {
	t.Helper()
	jrOK(t, ctx, "GET /partnerships/new", visit(t, ctx, "/partnerships/new"))
	c.page(t, ctx, "new partnership form")
	fill(t, ctx, "name", name, "purpose", "Delivering services together across Blackpool.")
	choose(t, ctx, "lead", "")
	choose(t, ctx, "model", model)
	choose(t, ctx, "status", "forming")
	choose(t, ctx, "origin", "other")
	jrClick(t, ctx, "#visibility-public")
	jrOK(t, ctx, "record partnership "+name, submit(t, ctx, `main form[action="/partnerships"] button[type=submit]`))
	p := location(t, ctx).Path
	if !strings.HasPrefix(p, "/partnerships/") {
		t.Fatalf("after recording a partnership the page is %s: %s", p, text(t, ctx, "main"))
	}
	return p
}

// jrAddPartner adds an organisation, by name, as a member of a partnership.
func jrAddPartner(t testing.TB, ctx context.Context, path, org string) {
	t.Helper()
	if location(t, ctx).Path != path {
		jrOK(t, ctx, "GET "+path, visit(t, ctx, path))
	}
	fill(t, ctx, "organisation", org)
	jrOK(t, ctx, "add member "+org, submit(t, ctx, fmt.Sprintf(`main form[action=%q] button[type=submit]`, path+"/members")))
	if !strings.Contains(text(t, ctx, "main"), org) {
		t.Fatalf("after adding %s the partnership page does not list it: %s", org, text(t, ctx, ".ph-error-summary"))
	}
}

// jrClick clicks an element by CSS selector, without waiting for a page.
func jrClick(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// jrEval runs JavaScript that returns T.
func jrEval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	defer phase("read page")()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// jrChooseText selects the option of select#id whose text contains part.
func jrChooseText(t testing.TB, ctx context.Context, id, part string) {
	t.Helper()
	v := jrEval[string](t, ctx, fmt.Sprintf(`(() => { const o = [...document.querySelectorAll('select#%s option')].find(o => o.textContent.includes(%q)); return o ? o.value : ''; })()`, id, part))
	if v == "" {
		t.Fatalf("select #%s has no option containing %q", id, part)
	}
	choose(t, ctx, id, v)
}

// jrAnswerBest clicks, in every radio group of the page's main form, the
// option with the highest value (the best answer on every scale) and
// returns how many groups it answered.
func jrAnswerBest(t testing.TB, ctx context.Context) int {
	t.Helper()
	return jrEval[int](t, ctx, `(() => {
		const best = {};
		document.querySelectorAll('main input[type=radio]').forEach(r => {
			if (!(r.name in best) || +r.value > +best[r.name].value) best[r.name] = r;
		});
		Object.values(best).forEach(r => r.click());
		return Object.keys(best).length;
	})()`)
}

// jrMainText is the text of <main> in lower case.
func jrMainText(t testing.TB, ctx context.Context) string {
	t.Helper()
	return strings.ToLower(text(t, ctx, "main"))
}

// jrFetch reads another address of the server from inside the page (with
// the page's cookies) and returns its body.
func jrFetch(t testing.TB, ctx context.Context, path string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q, {credentials: 'same-origin'}).then(r => r.text())`, path), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", path, err)
	}
	return v
}

var jrAssessmentRE = regexp.MustCompile(`^/assessments/(\d+)`)

// jrAssessmentPath is /assessments/{id} of the current page.
func jrAssessmentPath(t testing.TB, ctx context.Context) string {
	t.Helper()
	m := jrAssessmentRE.FindStringSubmatch(location(t, ctx).Path)
	if m == nil {
		t.Fatalf("the page %s is not an assessment: %s", location(t, ctx), text(t, ctx, "main"))
	}
	return "/assessments/" + m[1]
}

// jrAreaLinks are the area pages linked from a task list on the page.
func jrAreaLinks(t testing.TB, ctx context.Context) []string {
	t.Helper()
	links := jrEval[[]string](t, ctx, `[...document.querySelectorAll('main ol.ph-task-list a')].map(a => a.getAttribute('href'))`)
	if len(links) == 0 {
		t.Fatalf("%s lists no areas", location(t, ctx))
	}
	return links
}

// jrEvidenceFiles writes a small real PNG and a small PDF for uploads.
func jrEvidenceFiles(t testing.TB) (pngPath, pdfPath string) {
	t.Helper()
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := 0; x < 8; x++ {
		img.Set(x, x, color.RGBA{0, 80, 160, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	pngPath = filepath.Join(dir, "board-minutes.png")
	pdfPath = filepath.Join(dir, "risk-register.pdf")
	pdf := "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
	if err := os.WriteFile(pngPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pdfPath, []byte(pdf), 0o644); err != nil {
		t.Fatal(err)
	}
	return pngPath, pdfPath
}

// jrUpload uploads file as evidence for an indicator on the current area
// page and checks that the page then lists it.
func jrUpload(t testing.TB, ctx context.Context, base, indicator, file string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(fmt.Sprintf(`main input[type=file]#file_%s`, indicator)), []string{file})); err != nil {
		t.Fatalf("choose the evidence file for %s: %v", indicator, err)
	}
	// The Upload button of the area's form (older pages: of its own form).
	button := fmt.Sprintf(`main button[formaction=%q][value=%q], main form[action=%q]:has(input[name=indicator][value=%q]) button[type=submit]`, base+"/evidence", indicator, base+"/evidence", indicator)
	jrOK(t, ctx, "upload evidence for "+indicator, submit(t, ctx, button))
	name := filepath.Base(file)
	if n := count(t, ctx, fmt.Sprintf(`main a[href^=%q]`, base+"/evidence/")); n == 0 || !strings.Contains(text(t, ctx, "main"), name) {
		t.Fatalf("after uploading %s the area page does not list it", name)
	}
}

// TestQualityMarkJourney: a consortium goes from application to award in
// the browser with an appointed reviewer who first asks for more evidence.
func TestQualityMarkJourney(t *testing.T) {
	t.Parallel()
	app(t)
	var c jrChecked
	u := jrUnique()
	admin, assessor := "qm-admin-"+u+"@example.org", "qm-assessor-"+u+"@example.org"
	lead, partner := "qm-lead-"+u+"@example.org", "qm-partner-"+u+"@example.org"
	createUser(t, admin, true)
	for _, e := range []string{assessor, lead, partner} {
		createUser(t, e, false)
	}
	leadOrg, partnerOrg := "Fylde Coast Lead Trust "+u, "Marton Partner Charity "+u
	consortium := "Blackpool Wellbeing Consortium " + u
	pngFile, pdfFile := jrEvidenceFiles(t)

	// The admin appoints the assessor.
	adm := jrSignedIn(t, admin)
	jrOK(t, adm, "GET /admin/assessors", visit(t, adm, "/admin/assessors"))
	c.page(t, adm, "assessors")
	if st := submit(t, adm, `main form[action="/admin/assessors"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("appointing an assessor with no email: status %d, want 422", st)
	} else {
		c.page(t, adm, "assessors with an error")
	}
	fill(t, adm, "email", assessor)
	jrOK(t, adm, "appoint assessor", submit(t, adm, `main form[action="/admin/assessors"] button[type=submit]`))
	if !strings.Contains(text(t, adm, "main table"), assessor) {
		t.Fatalf("the assessors table does not list %s", assessor)
	}

	// The partner's owner adds their organisation; the lead adds theirs and
	// records the consortium with the partner as a member.
	par := jrSignedIn(t, partner)
	jrNewOrg(t, par, partnerOrg)
	ld := jrSignedIn(t, lead)
	jrNewOrg(t, ld, leadOrg)
	pPath := jrNewPartnership(t, ld, &c, consortium, "lead_contractor_consortium")
	jrAddPartner(t, ld, pPath, partnerOrg)

	// Apply.
	jrOK(t, ld, "GET /quality-mark", visit(t, ld, "/quality-mark"))
	c.page(t, ld, "quality mark")
	jrOK(t, ld, "apply link", submit(t, ld, `main a[href="/quality-mark/apply"]`))
	c.page(t, ld, "apply for the quality mark")
	if st := submit(t, ld, `main form[action="/quality-mark/apply"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("applying without choosing: status %d, want 422", st)
	} else {
		c.page(t, ld, "apply with an error")
		if !summaryLinks(t, ld)["#subject"] {
			t.Error("the error summary does not link to the subject choice")
		}
	}
	jrEval[bool](t, ld, fmt.Sprintf(`(() => { const l = [...document.querySelectorAll('main label')].find(l => l.textContent.includes(%q)); if (!l) return false; document.getElementById(l.htmlFor).click(); return true; })()`, consortium))
	jrOK(t, ld, "start the application", submit(t, ld, `main form[action="/quality-mark/apply"] button[type=submit]`))
	base := jrAssessmentPath(t, ld)
	c.page(t, ld, "assessment overview")

	// Invite the partner as a contributor.
	fill(t, ld, "email", partner)
	jrOK(t, ld, "add contributor", submit(t, ld, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/contributors")))
	if !strings.Contains(text(t, ld, "main"), partner) {
		t.Fatalf("the overview does not list the contributor %s", partner)
	}
	mailTo(t, partner, "contribute to an assessment")

	// The lead answers every area but the last, with evidence in the first;
	// the contributor answers the last.
	areas := jrAreaLinks(t, ld)
	if len(areas) < 10 {
		t.Errorf("the Quality Mark has %d areas, want at least 10", len(areas))
	}
	answer := func(ctx context.Context, area string) {
		t.Helper()
		jrOK(t, ctx, "GET "+area, visit(t, ctx, area))
		c.page(t, ctx, "assessment area form")
		if n := jrAnswerBest(t, ctx); n == 0 {
			t.Fatalf("%s has no questions to answer", area)
		}
		jrOK(t, ctx, "save "+area, submit(t, ctx, fmt.Sprintf(`main form[action=%q] button[type=submit]`, area)))
		if p := location(t, ctx).Path; p != base {
			t.Fatalf("after saving %s the page is %s: %s", area, p, text(t, ctx, ".ph-error-summary"))
		}
	}
	jrOK(t, ld, "GET "+areas[0], visit(t, ld, areas[0]))
	firstIndicator := jrEval[string](t, ld, `document.querySelector('main [name=indicator]').value`)
	jrUpload(t, ld, base, firstIndicator, pngFile)
	c.page(t, ld, "assessment area with evidence")
	for _, a := range areas[:len(areas)-1] {
		answer(ld, a)
	}
	c.page(t, ld, "assessment overview in progress")
	jrFits320(t, ld, "assessment overview")
	// Submitting too early is refused, with the count of what is missing.
	jrOK(t, ld, "GET submit", visit(t, ld, base+"/submit"))
	c.page(t, ld, "check answers (incomplete)")
	if count(t, ld, fmt.Sprintf(`main form[action=%q]`, base+"/submit")) != 0 {
		t.Error("the check-answers page offers to submit an incomplete assessment")
	}

	ctb := par
	jrOK(t, ctb, "the contributor opens the assessment", visit(t, ctb, base))
	answer(ctb, areas[len(areas)-1])

	jrOK(t, ld, "GET submit", visit(t, ld, base+"/submit"))
	c.page(t, ld, "check answers")
	jrOK(t, ld, "submit", submit(t, ld, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/submit")))
	if !strings.Contains(jrMainText(t, ld), "awaiting review") {
		t.Errorf("after submitting the overview does not say it is awaiting review: %s", text(t, ld, "main"))
	}
	c.page(t, ld, "assessment overview submitted")

	// The admin finds it in the review queue and appoints the assessor.
	adm = jrSignedIn(t, admin)
	jrOK(t, adm, "GET /review", visit(t, adm, "/review"))
	c.page(t, adm, "review queue")
	jrOK(t, adm, "open from the queue", submit(t, adm, fmt.Sprintf(`main a[href=%q]`, base)))
	c.page(t, adm, "assessment overview (admin)")
	jrChooseText(t, adm, "reviewer", assessor)
	jrOK(t, adm, "appoint reviewer", submit(t, adm, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/reviewer")))
	if !strings.Contains(text(t, adm, "main"), "qm-assessor-"+u) {
		t.Errorf("the overview does not name the appointed reviewer")
	}
	link := app(t).local(t, mailTo(t, assessor, "review an assessment").Link(t, "/review"))

	// The reviewer asks for more evidence.
	rv := jrSignedIn(t, assessor)
	jrOK(t, rv, "the reviewer opens the link", visit(t, rv, link))
	c.page(t, rv, "review")
	if st := submit(t, rv, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/more-evidence")); st != http.StatusUnprocessableEntity {
		t.Errorf("asking for more evidence without saying what: status %d, want 422", st)
	} else {
		c.page(t, rv, "review with an error")
	}
	note := "Please add your risk register for financial management."
	fill(t, rv, "note", note)
	jrOK(t, rv, "ask for more evidence", submit(t, rv, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/more-evidence")))

	// The applicant sees the request, adds evidence and submits again.
	mailTo(t, lead, "More evidence")
	ld = jrSignedIn(t, lead)
	jrOK(t, ld, "GET overview", visit(t, ld, base))
	if !strings.Contains(text(t, ld, "main"), note) {
		t.Errorf("the overview does not show the reviewer's request for more evidence (%q): %s", note, text(t, ld, "main .ph-warning"))
	}
	c.page(t, ld, "assessment overview returned")
	var finance string
	for _, a := range areas {
		if strings.HasSuffix(a, "/finance") {
			finance = a
		}
	}
	if finance == "" {
		t.Fatal("no financial management area")
	}
	jrOK(t, ld, "GET "+finance, visit(t, ld, finance))
	jrUpload(t, ld, base, jrEval[string](t, ld, `document.querySelector('main [name=indicator]').value`), pdfFile)
	jrOK(t, ld, "GET submit", visit(t, ld, base+"/submit"))
	jrOK(t, ld, "submit again", submit(t, ld, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/submit")))

	// The reviewer rates every area and awards with conditions.
	rv = jrSignedIn(t, assessor)
	jrOK(t, rv, "GET review", visit(t, rv, base+"/review"))
	for _, a := range jrAreaLinks(t, rv) {
		jrOK(t, rv, "GET "+a, visit(t, rv, a))
		c.page(t, rv, "review area form")
		jrAnswerBest(t, rv)
		jrOK(t, rv, "save ratings "+a, submit(t, rv, fmt.Sprintf(`main form[action=%q] button[type=submit]`, a)))
		if p := location(t, rv).Path; p != base+"/review" {
			t.Fatalf("after rating %s the page is %s: %s", a, p, text(t, rv, ".ph-error-summary"))
		}
	}
	c.page(t, rv, "review, all rated")
	jrClick(t, rv, "#result-awarded_with_conditions")
	if st := submit(t, rv, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/decision")); st != http.StatusUnprocessableEntity {
		t.Errorf("awarding with conditions but none given: status %d, want 422", st)
	} else {
		c.page(t, rv, "decision with an error")
		if !summaryLinks(t, rv)["#conditions"] {
			t.Error("the error summary does not link to the conditions field")
		}
	}
	conditions := "Publish the conflicts of interest register within six months."
	jrClick(t, rv, "#result-awarded_with_conditions")
	decisionNote := "Strong governance; the register is the one gap."
	fill(t, rv, "conditions", conditions, "decision_note", decisionNote)
	jrOK(t, rv, "record decision", submit(t, rv, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/decision")))
	if p := location(t, rv).Path; p != base+"/results" {
		t.Fatalf("after the decision the page is %s: %s", p, text(t, rv, "main"))
	}
	c.page(t, rv, "results (reviewer)")

	// The applicant reads the result and the history.
	jrOK(t, ld, "GET results", visit(t, ld, base+"/results"))
	main := text(t, ld, "main")
	if !strings.Contains(strings.ToLower(main), "awarded with conditions") || !strings.Contains(main, conditions) || !strings.Contains(main, decisionNote) {
		t.Errorf("the results page does not show the award, its conditions and the reviewer's note: %s", main)
	}
	c.page(t, ld, "results")
	jrOK(t, ld, "GET history", visit(t, ld, base+"/history"))
	hist := text(t, ld, "main table")
	for _, want := range []string{"Submitted", "Reviewer appointed", "More evidence requested", note, "Decision recorded"} {
		if !strings.Contains(hist, want) {
			t.Errorf("the history does not record %q", want)
		}
	}
	c.page(t, ld, "history")
	jrOK(t, ld, "GET /assessments", visit(t, ld, "/assessments"))
	c.page(t, ld, "assessments hub")

	// Taking the assessor out of the pool asks first.
	adm = jrSignedIn(t, admin)
	jrOK(t, adm, "GET /admin/assessors", visit(t, adm, "/admin/assessors"))
	href := jrEval[string](t, adm, fmt.Sprintf(`(() => { const a = [...document.querySelectorAll('main a[href$="/remove"]')].find(a => a.closest('tr').textContent.includes(%q)); return a ? a.getAttribute('href') : ''; })()`, assessor))
	if href == "" {
		t.Fatal("the assessors table has no remove link for the assessor")
	}
	jrOK(t, adm, "remove assessor link", visit(t, adm, href))
	c.page(t, adm, "remove assessor confirmation")
	jrOK(t, adm, "remove assessor", submit(t, adm, fmt.Sprintf(`main form[action=%q] button[type=submit]`, href)))
	if strings.Contains(text(t, adm, "main table"), assessor) {
		t.Error("the removed assessor is still listed")
	}

	// The public register lists the consortium.
	pub := newTab(t)
	jrOK(t, pub, "GET /quality-mark", visit(t, pub, "/quality-mark"))
	reg := text(t, pub, "main table")
	if !strings.Contains(reg, consortium) || !strings.Contains(strings.ToLower(reg), "awarded with conditions") {
		t.Errorf("the public register does not list %s as awarded with conditions: %q", consortium, reg)
	}
	c.page(t, pub, "quality mark register (public)")
	// Nobody else can see the assessment: anonymous visitors are sent to
	// sign in, and a signed-in stranger gets "not found".
	visit(t, pub, base)
	if p := location(t, pub).Path; p != "/signin" {
		t.Errorf("an anonymous visitor opening %s sees %s", base, p)
	}
	stranger := "qm-stranger-" + u + "@example.org"
	createUser(t, stranger, false)
	if st := visit(t, jrSignedIn(t, stranger), base); st != http.StatusNotFound {
		t.Errorf("a signed-in stranger opening %s: status %d, want 404", base, st)
	}
}

// TestReadinessJourney: an organisation's owner completes the commissioning
// readiness self-assessment to a "ready" result, and the organisation's
// directory profile shows the "Commissioning ready" marker.
func TestReadinessJourney(t *testing.T) {
	t.Parallel()
	app(t)
	var c jrChecked
	u := jrUnique()
	owner := "rd-owner-" + u + "@example.org"
	createUser(t, owner, false)
	ctx := jrSignedIn(t, owner)
	org := "Claremont Community Kitchen " + u
	slug := jrNewOrg(t, ctx, org)

	jrOK(t, ctx, "GET /readiness", visit(t, ctx, "/readiness"))
	c.page(t, ctx, "readiness")
	choose(t, ctx, "subject", "")
	jrOK(t, ctx, "start readiness", submit(t, ctx, `main form[action="/readiness/start"] button[type=submit]`))
	base := jrAssessmentPath(t, ctx)
	c.page(t, ctx, "readiness overview")
	for _, a := range jrAreaLinks(t, ctx) {
		jrOK(t, ctx, "GET "+a, visit(t, ctx, a))
		c.page(t, ctx, "readiness area form")
		jrAnswerBest(t, ctx)
		jrOK(t, ctx, "save "+a, submit(t, ctx, fmt.Sprintf(`main form[action=%q] button[type=submit]`, a)))
		if p := location(t, ctx).Path; p != base {
			t.Fatalf("after saving %s the page is %s: %s", a, p, text(t, ctx, ".ph-error-summary"))
		}
	}
	jrOK(t, ctx, "GET submit", visit(t, ctx, base+"/submit"))
	c.page(t, ctx, "readiness check answers")
	jrOK(t, ctx, "submit readiness", submit(t, ctx, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/submit")))
	if p := location(t, ctx).Path; p != base+"/results" {
		t.Fatalf("after submitting the page is %s", p)
	}
	if m := jrMainText(t, ctx); !strings.Contains(m, "result: ready") {
		t.Errorf("the readiness result is not \"ready\": %s", m)
	}
	c.page(t, ctx, "readiness results")

	// The marker is on the organisation's directory profile.
	profile := "/directory/" + slug
	if st := visit(t, ctx, profile); st != http.StatusOK {
		t.Fatalf("GET %s as the owner: status %d", profile, st)
	}
	if m := jrMainText(t, ctx); !strings.Contains(m, "commissioning ready") {
		t.Errorf("the directory profile %s does not show the commissioning ready marker: %s", profile, m)
	}
	c.page(t, ctx, "directory profile with the marker")
}

// TestHealthCheckJourney: five representatives of a partnership's member
// organisations answer a health check, split on one principle. Nothing is
// shown until the round closes; then the results show where partners agree
// and where they disagree, and no page names who answered what.
func TestHealthCheckJourney(t *testing.T) {
	t.Parallel()
	app(t)
	var c jrChecked
	u := jrUnique()
	const n = 5
	var emails, names, orgs []string
	for i := 1; i <= n; i++ {
		e := fmt.Sprintf("hcr%d-%s@example.org", i, u)
		emails = append(emails, e)
		names = append(names, strings.TrimSuffix(e, "@example.org"))
		orgs = append(orgs, fmt.Sprintf("Layton Partner %c %s", 'A'+i-1, u))
		createUser(t, e, false)
	}
	admin := "hc-admin-" + u + "@example.org"
	createUser(t, admin, true)

	tabs := make([]context.Context, n)
	for i := range tabs {
		tabs[i] = jrSignedIn(t, emails[i])
		jrNewOrg(t, tabs[i], orgs[i])
	}
	lead := tabs[0]
	partnership := "Layton Health Partnership " + u
	pPath := jrNewPartnership(t, lead, &c, partnership, "joint_project")
	for _, o := range orgs[1:] {
		jrAddPartner(t, lead, pPath, o)
	}

	// The lead opens a round.
	jrOK(t, lead, "GET /health-checks", visit(t, lead, "/health-checks"))
	c.page(t, lead, "health checks")
	jrChooseText(t, lead, "partnership", partnership)
	fill(t, lead, "title", "Spring round")
	jrOK(t, lead, "open a health check", submit(t, lead, `main form[action="/health-checks"] button[type=submit]`))
	round := location(t, lead).Path
	if !strings.HasPrefix(round, "/health-checks/") {
		t.Fatalf("after opening a health check the page is %s: %s", round, text(t, lead, "main"))
	}
	c.page(t, lead, "health check round (open)")

	// Everyone agrees (4) on every statement but those on trust, where two
	// strongly disagree, two strongly agree and one is neutral.
	trust := []int{1, 1, 5, 5, 3}
	for i, ctx := range tabs {
		jrOK(t, ctx, "GET "+round, visit(t, ctx, round))
		if i == 0 {
			// A half-answered form is refused and keeps what was chosen.
			jrClick(t, ctx, "#s_need_value_4")
			if st := submit(t, ctx, fmt.Sprintf(`main form[action=%q] button[type=submit]`, round+"/respond")); st != http.StatusUnprocessableEntity {
				t.Errorf("half-answered health check: status %d, want 422", st)
			} else {
				c.page(t, ctx, "health check with errors")
				if count(t, ctx, "#s_need_value_4:checked") != 1 {
					t.Error("the answer chosen before the error was not kept")
				}
				// Each unanswered statement's group is described by its error.
				desc := jrEval[string](t, ctx, `(() => { const f = document.getElementById('s_need_recognised'); const ids = (f.getAttribute('aria-describedby') || '').split(' ').filter(Boolean); return ids.map(id => (document.getElementById(id) || {}).textContent || '').join(' '); })()`)
				if !strings.Contains(desc, "Error") {
					t.Errorf("an unanswered statement's group is not described by its error (described by %q)", desc)
				}
			}
		}
		got := jrEval[int](t, ctx, fmt.Sprintf(`(() => {
			const names = new Set([...document.querySelectorAll('main input[type=radio]')].map(r => r.name));
			names.forEach(name => {
				const v = name.startsWith('s_trust_') ? %d : 4;
				document.querySelector('input[name="' + name + '"][value="' + v + '"]').click();
			});
			return names.size;
		})()`, trust[i]))
		if got < 6 {
			t.Fatalf("the health check form has only %d statements", got)
		}
		jrOK(t, ctx, fmt.Sprintf("respondent %d answers", i+1), submit(t, ctx, fmt.Sprintf(`main form[action=%q] button[type=submit]`, round+"/respond")))
		if count(t, ctx, fmt.Sprintf(`main form[action=%q]`, round+"/respond")) != 0 {
			t.Errorf("respondent %d is offered the form again after answering", i+1)
		}
	}
	c.page(t, tabs[1], "health check round (answered)")

	// Nothing is shown before the round closes, on the page or its exports.
	lead = jrSignedIn(t, emails[0])
	jrOK(t, lead, "GET "+round, visit(t, lead, round))
	if m := jrMainText(t, lead); !strings.Contains(m, "results are shown when the round closes") || count(t, lead, "main table") != 0 {
		t.Errorf("results are shown before the round closes: %s", m)
	}
	if csv := jrFetch(t, lead, round+"?format=csv"); strings.Contains(csv, "Trust") {
		t.Errorf("the CSV export shows results before the round closes:\n%s", csv)
	}

	// The lead closes the round.
	jrOK(t, lead, "close link", submit(t, lead, fmt.Sprintf(`main a[href=%q]`, round+"/close")))
	c.page(t, lead, "close health check")
	jrOK(t, lead, "close", submit(t, lead, fmt.Sprintf(`main form[action=%q] button[type=submit]`, round+"/close")))
	c.page(t, lead, "health check results")

	rows := jrEval[[][]string](t, lead, `[...document.querySelectorAll('main table')[0].querySelectorAll('tbody tr')].map(tr => [...tr.children].map(td => td.innerText.trim()))`)
	if len(rows) != 6 {
		t.Fatalf("the results table has %d principles, want 6: %v", len(rows), rows)
	}
	for _, r := range rows {
		verdict := strings.ToLower(r[len(r)-1])
		if strings.HasPrefix(r[0], "Trust") {
			if r[1] != "3" || verdict != "partners disagree" {
				t.Errorf("trust: %v, want an average of 3 where partners disagree", r)
			}
		} else if r[1] != "4" || verdict != "partners agree" {
			t.Errorf("%s: %v, want an average of 4 where partners agree", r[0], r)
		}
	}

	// No page, for anyone, shows who answered what.
	adm, other := jrSignedIn(t, admin), jrSignedIn(t, emails[3])
	pages := []struct {
		ctx  context.Context
		path string
	}{
		{lead, round}, {lead, round + "?format=csv"}, {lead, round + "?format=json"}, {lead, "/health-checks"}, {lead, "/assessments"},
		{other, round}, {adm, round}, {adm, round + "?format=csv"}, {adm, "/health-checks"},
	}
	for _, p := range pages {
		var body string
		if strings.Contains(p.path, "?format=") {
			body = jrFetch(t, p.ctx, p.path)
		} else {
			jrOK(t, p.ctx, "GET "+p.path, visit(t, p.ctx, p.path))
			body = text(t, p.ctx, "main")
		}
		low := strings.ToLower(body)
		for i := range emails {
			if strings.Contains(low, strings.ToLower(names[i])) {
				t.Errorf("%s names respondent %s:\n%s", p.path, emails[i], body)
			}
		}
	}
	c.page(t, adm, "health check results (admin)")
}
