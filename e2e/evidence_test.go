package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestEvidenceUploadKeepsTypedAnswers: answers and a comment typed on an
// assessment area page, not yet saved, survive uploading evidence from
// the same page (issue 13.2: the upload used to discard them).
func TestEvidenceUploadKeepsTypedAnswers(t *testing.T) {
	t.Parallel()
	app(t)
	var c jrChecked
	u := jrUnique()
	owner := "ev-owner-" + u + "@example.org"
	createUser(t, owner, false)
	ctx := jrSignedIn(t, owner)
	jrNewOrg(t, ctx, "Layton Evidence Trust "+u)
	jrOK(t, ctx, "GET /readiness", visit(t, ctx, "/readiness"))
	choose(t, ctx, "subject", "")
	jrOK(t, ctx, "start readiness", submit(t, ctx, `main form[action="/readiness/start"] button[type=submit]`))
	base := jrAssessmentPath(t, ctx)
	area := jrAreaLinks(t, ctx)[0]
	jrOK(t, ctx, "GET "+area, visit(t, ctx, area))

	// Answer every question and comment on the first, without saving.
	answered := jrAnswerBest(t, ctx)
	if answered == 0 {
		t.Fatalf("%s has no questions", area)
	}
	comment := "Typed before uploading " + u
	textarea := jrEval[string](t, ctx, `document.querySelector('main textarea').id`)
	fill(t, ctx, textarea, comment)
	indicator := jrEval[string](t, ctx, `document.querySelector('main [name=indicator]').value`)
	_, pdf := jrEvidenceFiles(t)
	jrUpload(t, ctx, base, indicator, pdf)
	c.page(t, ctx, "assessment area after an upload")

	// The page after the upload, and the page loaded afresh, show them.
	for _, when := range []string{"after the upload", "reloaded"} {
		if when == "reloaded" {
			jrOK(t, ctx, "GET "+area, visit(t, ctx, area))
		}
		if n := count(t, ctx, `main input[type=radio]:checked`); n != answered {
			t.Errorf("%s: %d of %d answers are kept", when, n, answered)
		}
		if got := jrEval[string](t, ctx, fmt.Sprintf(`document.getElementById(%q).value`, textarea)); got != comment {
			t.Errorf("%s: the comment is %q, want %q", when, got, comment)
		}
	}
	if !strings.Contains(text(t, ctx, "main"), "risk-register.pdf") {
		t.Error("the evidence is not listed")
	}
}
