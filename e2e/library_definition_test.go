package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestDefinitionLibraryJourney: an administrator adopts a version of the
// consortium definition; it reads as the library's document, with its
// criteria as a checklist linking to the consortia, and the definition page
// links back to it. axe-core checks both pages.
func TestDefinitionLibraryJourney(t *testing.T) {
	t.Parallel()
	app(t)
	u := jrUnique()
	admin := "dl-admin-" + u + "@example.org"
	createUser(t, admin, true)
	actx := jrSignedIn(t, admin)
	jrOK(t, actx, "GET the definition form", visit(t, actx, "/admin/consortium-definition"))
	evSetValues(t, actx, "adopted_on", time.Now().Format(time.DateOnly), "next_review_on", time.Now().AddDate(2, 0, 0).Format(time.DateOnly))
	evSetValues(t, actx, "criteria", "Written agreement "+u+"\nThree or more members "+u)
	jrOK(t, actx, "save the definition", submit(t, actx, `main form[action="/admin/consortium-definition"] button[type=submit]`))

	jrOK(t, actx, "GET the definition's library document", visit(t, actx, "/library/consortium-definition"))
	checkA11y(t, actx, "consortium definition in the library")
	if m := text(t, actx, "main"); !strings.Contains(m, "The checklist") || !strings.Contains(m, "Public consortia confirming it") {
		t.Errorf("the library document has no checklist: %s", m)
	}
	jrOK(t, actx, "GET /consortia/definition", visit(t, actx, "/consortia/definition"))
	checkA11y(t, actx, "consortium definition linking to the library")
	if m := text(t, actx, "main"); !strings.Contains(m, "the town's library") {
		t.Errorf("the definition page does not link to the library: %s", m)
	}
}
