package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// fwOnPage fails the test unless the current page is path (no query).
func fwOnPage(t testing.TB, ctx context.Context, what, path string) {
	t.Helper()
	if p := location(t, ctx).Path; p != path {
		t.Fatalf("after %s the page is %s, want %s: %s", what, p, path, text(t, ctx, ".ph-error-summary"))
	}
}

// fwAreaOrder is the order of the area headings on a framework page.
func fwAreaOrder(t testing.TB, ctx context.Context) []string {
	t.Helper()
	return jrEval[[]string](t, ctx, `[...document.querySelectorAll('main section.ph-card h3')].map(h => h.id)`)
}

// TestFrameworkEditorA11y runs axe-core over the admin framework editor
// (list, a published version, a new draft of the readiness framework and
// every form of the editor, empty and in its error state) and over the
// consortium section "Full members must be commissioning ready".
func TestFrameworkEditorA11y(t *testing.T) {
	t.Parallel()
	app(t)
	var c jrChecked
	u := jrUnique()
	admin := "fw-admin-" + u + "@example.org"
	createUser(t, admin, true)
	adm := jrSignedIn(t, admin)

	// The list and the published readiness framework (read-only).
	jrOK(t, adm, "GET /admin/frameworks", visit(t, adm, "/admin/frameworks"))
	c.page(t, adm, "framework list")
	pub := jrEval[string](t, adm, `(() => { const tr = [...document.querySelectorAll('main table tbody tr')].find(tr => tr.children[1].textContent.trim() === 'commissioning_readiness' && /published/i.test(tr.children[3].textContent)); return tr ? tr.querySelector('a').getAttribute('href') : ''; })()`)
	if pub == "" {
		t.Fatalf("the framework list has no published commissioning readiness version: %s", text(t, adm, "main table"))
	}
	jrOK(t, adm, "GET "+pub, visit(t, adm, pub))
	c.page(t, adm, "framework version (published)")
	if n := count(t, adm, `main a[href*="/edit/"]`); n != 0 {
		t.Errorf("the published version offers %d edit links", n)
	}

	// Create a new version: a draft with the editor's links.
	jrOK(t, adm, "create a new version", submit(t, adm, fmt.Sprintf(`main form[action=%q] button[type=submit]`, pub+"/new-version")))
	draft := location(t, adm).Path
	if draft == pub || !strings.HasPrefix(draft, "/admin/frameworks/") {
		t.Fatalf("after creating a new version the page is %s", draft)
	}
	if !strings.Contains(jrMainText(t, adm), "this version is a draft") {
		t.Fatalf("the new version is not a draft: %s", text(t, adm, "main"))
	}
	c.page(t, adm, "framework version (draft)")
	base := draft + "/edit"

	// Name: empty, then valid.
	jrOK(t, adm, "GET name", visit(t, adm, base+"/name"))
	c.page(t, adm, "framework name form")
	fill(t, adm, "name", " ")
	nameForm := fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/name")
	if st := submit(t, adm, nameForm); st != http.StatusUnprocessableEntity {
		t.Errorf("saving an empty framework name: status %d, want 422", st)
	} else {
		c.page(t, adm, "framework name form with an error")
		if !summaryLinks(t, adm)["#name"] {
			t.Error("the error summary does not link to the name field")
		}
	}
	fill(t, adm, "name", "Commissioning Readiness "+u)
	jrOK(t, adm, "save name", submit(t, adm, nameForm))
	fwOnPage(t, adm, "saving the name", draft)

	// A new area with its first indicator: empty, then valid with level
	// descriptors.
	jrOK(t, adm, "GET new area", visit(t, adm, base+"/areas/new"))
	c.page(t, adm, "new area form")
	areaForm := fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/areas/new")
	if st := submit(t, adm, areaForm); st != http.StatusUnprocessableEntity {
		t.Errorf("saving an empty area: status %d, want 422", st)
	} else {
		c.page(t, adm, "new area form with errors")
		links := summaryLinks(t, adm)
		for _, want := range []string{"#title", "#scale", "#text"} {
			if !links[want] {
				t.Errorf("the error summary does not link to %s (links %v)", want, links)
			}
		}
	}
	fill(t, adm, "title", "Social value", "weight", "2", "text", "How well do we measure social value?", "ind_weight", "1")
	evSetValues(t, adm, "levels", "Not at all\nSome of it\nAll of it")
	jrClick(t, adm, "#scale-levels")
	jrOK(t, adm, "save area", submit(t, adm, areaForm))
	fwOnPage(t, adm, "saving the new area", draft)
	order := fwAreaOrder(t, adm)
	if len(order) < 2 || order[len(order)-1] != "a-social_value" {
		t.Fatalf("the new area is not the last one: %v", order)
	}

	// The indicator edit page shows its level descriptors.
	ind := jrEval[string](t, adm, fmt.Sprintf(`(() => { const a = [...document.querySelectorAll('main a[href^=%q]')].find(a => !/\/(new|remove)$/.test(a.getAttribute('href'))); return a ? a.getAttribute('href') : ''; })()`, base+"/areas/social_value/indicators/"))
	if ind == "" {
		t.Fatal("the draft has no change link for the new area's indicator")
	}
	jrOK(t, adm, "GET "+ind, visit(t, adm, ind))
	c.page(t, adm, "indicator form with level descriptors")
	if got := jrEval[string](t, adm, `document.getElementById('levels').value`); got != "Not at all\nSome of it\nAll of it" {
		t.Errorf("the indicator form's level descriptors are %q", got)
	}
	if count(t, adm, "#scale-levels:checked") != 1 {
		t.Error("the indicator form does not show the level descriptors scale as chosen")
	}
	evSetValues(t, adm, "levels", "Only one")
	if st := submit(t, adm, fmt.Sprintf(`main form[action=%q] button[type=submit]`, ind)); st != http.StatusUnprocessableEntity {
		t.Errorf("saving one level descriptor: status %d, want 422", st)
	} else {
		c.page(t, adm, "indicator form with an error")
	}

	// The move links: the new area up, the first area's first indicator down.
	jrOK(t, adm, "GET draft", visit(t, adm, draft))
	jrOK(t, adm, "move area up", submit(t, adm, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/areas/social_value/move")))
	fwOnPage(t, adm, "moving the area", draft)
	if got := fwAreaOrder(t, adm); len(got) != len(order) || got[len(got)-2] != "a-social_value" {
		t.Errorf("after moving the new area up the order is %v", got)
	}
	first := strings.TrimPrefix(order[0], "a-")
	firstInd := jrEval[string](t, adm, fmt.Sprintf(`(() => { const f = document.querySelector('main form[action^=%q][action$="/move"]'); return f ? f.getAttribute('action') : ''; })()`, base+"/areas/"+first+"/indicators/"))
	if firstInd == "" {
		t.Fatalf("the first area %s has no indicator move links", first)
	}
	jrOK(t, adm, "move indicator", submit(t, adm, fmt.Sprintf(`main form[action=%q] button[type=submit]`, firstInd)))
	fwOnPage(t, adm, "moving an indicator", draft)
	c.page(t, adm, "framework version (draft, after moves)")

	// Removing an area asks first.
	jrOK(t, adm, "GET remove area", visit(t, adm, base+"/areas/social_value/remove"))
	c.page(t, adm, "remove area confirmation")
	jrOK(t, adm, "remove area", submit(t, adm, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/areas/social_value/remove")))
	fwOnPage(t, adm, "removing the area", draft)
	if count(t, adm, "#a-social_value") != 0 {
		t.Error("the removed area is still shown")
	}

	// The result band form: new (empty, then an error), and an existing band.
	jrOK(t, adm, "GET new result band", visit(t, adm, base+"/results/new"))
	c.page(t, adm, "new result band form")
	if st := submit(t, adm, fmt.Sprintf(`main form[action=%q] button[type=submit]`, base+"/results/new")); st != http.StatusUnprocessableEntity {
		t.Errorf("saving an empty result band: status %d, want 422", st)
	} else {
		c.page(t, adm, "new result band form with errors")
	}
	jrOK(t, adm, "GET draft", visit(t, adm, draft))
	band := jrEval[string](t, adm, fmt.Sprintf(`(() => { const a = [...document.querySelectorAll('main a[href^=%q]')].find(a => !/\/(new|remove)$/.test(a.getAttribute('href'))); return a ? a.getAttribute('href') : ''; })()`, base+"/results/"))
	if band == "" {
		t.Fatal("the draft has no change link for a result band")
	}
	jrOK(t, adm, "GET "+band, visit(t, adm, band))
	c.page(t, adm, "result band form")
	jrOK(t, adm, "GET remove band", visit(t, adm, band+"/remove"))
	c.page(t, adm, "remove result band confirmation")

	// The consortium section: a lead records a consortium with a partner
	// and requires full members to be commissioning ready.
	lead, partner := "fw-lead-"+u+"@example.org", "fw-partner-"+u+"@example.org"
	createUser(t, lead, false)
	createUser(t, partner, false)
	partnerOrg := "Bispham Partner Charity " + u
	par := jrSignedIn(t, partner)
	jrNewOrg(t, par, partnerOrg)
	ld := jrSignedIn(t, lead)
	jrNewOrg(t, ld, "Bloomfield Lead Trust "+u)
	pPath := jrNewPartnership(t, ld, &c, "Blackpool Ready Consortium "+u, "lead_contractor_consortium")
	jrAddPartner(t, ld, pPath, partnerOrg)
	jrOK(t, ld, "GET "+pPath, visit(t, ld, pPath))
	if !strings.Contains(text(t, ld, "main"), "Full members must be commissioning ready") {
		t.Fatalf("the consortium page has no \"Full members must be commissioning ready\" row: %s", text(t, ld, "main"))
	}
	jrEval[bool](t, ld, `(() => { document.querySelectorAll('main details').forEach(d => d.open = true); return true; })()`)
	c.page(t, ld, "consortium page with its details form open")

	// The partner is not commissioning ready: the full tier is refused.
	jrClick(t, ld, "#requires_readiness")
	tier := jrEval[string](t, ld, fmt.Sprintf(`(() => { const l = [...document.querySelectorAll('main label[for^="tier-"]')].find(l => l.textContent.includes(%q)); return l ? l.htmlFor : ''; })()`, partnerOrg))
	if tier == "" {
		t.Fatalf("the consortium form has no tier for %s", partnerOrg)
	}
	choose(t, ld, tier, "full")
	consForm := fmt.Sprintf(`main form[action=%q] button[type=submit]`, pPath+"/consortium")
	if st := submit(t, ld, consForm); st != http.StatusUnprocessableEntity {
		t.Errorf("a full tier for an organisation that is not commissioning ready: status %d, want 422", st)
	} else {
		if !summaryLinks(t, ld)["#"+tier] {
			t.Errorf("the error summary does not link to #%s", tier)
		}
		if !jrEval[bool](t, ld, fmt.Sprintf(`!!document.getElementById(%q).closest('details').open`, tier)) {
			t.Error("the consortium details form with an error is closed")
		}
		c.page(t, ld, "consortium page with a tier error")
	}
	jrEval[bool](t, ld, `document.getElementById('requires_readiness').checked = true`)
	choose(t, ld, tier, "associate")
	jrOK(t, ld, "save consortium details", submit(t, ld, consForm))
	fwOnPage(t, ld, "saving the consortium details", pPath)
	if m := text(t, ld, "main"); !strings.Contains(m, "an organisation needs a current commissioning readiness result of ready") {
		t.Errorf("the consortium page does not say full members must be commissioning ready: %s", m)
	}
	c.page(t, ld, "consortium page requiring readiness")
}
