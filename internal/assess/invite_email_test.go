package assess_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

var assessInviteRE = regexp.MustCompile(`/assessment-invitations/([A-Za-z0-9_-]+)`)

func auditActions(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.Q().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// inviteToken is the token of the newest assessment invitation emailed to.
func inviteToken(t *testing.T, env *apptest.Env, to string) string {
	t.Helper()
	tok := ""
	for _, m := range env.Outbox(to) {
		if x := assessInviteRE.FindStringSubmatch(m.Body); x != nil {
			tok = x[1]
		}
	}
	if tok == "" {
		t.Fatalf("no assessment invitation emailed to %s", to)
	}
	return tok
}

// Someone without an account is invited to contribute by email, as
// organisation invitations work: a one-time link that expires, sign-up
// with the invited address, confirmation and sign-in lead back to it, and
// accepting lands in the assessment as a contributor. Used, expired and
// unknown links say so; another signed-in person cannot use it; the emails
// are throttled per address; every step is in the history and audit log.
func TestContributorInvitedByEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		for _, e := range []string{"lead@x.test", "member@x.test"} {
			env.User(e, false)
		}
		lead := env.Org("Lead Org", "vcs", map[string]string{"lead@x.test": "owner"})
		mem := env.Org("Member Org", "vcs", map[string]string{"member@x.test": "owner"})
		pid := partnership(t, env, "Fylde Care Consortium", "lead_contractor_consortium", lead, mem)
		leadC := env.As("lead@x.test")
		id := assessmentID(t, leadC.PostForm("/quality-mark/apply", url.Values{"subject": {fmt.Sprintf("partnership:%d", pid)}}).Status(t, 303).Location())
		base := fmt.Sprintf("/assessments/%d", id)
		add := base + "/contributors"

		// A malformed address is refused with the input kept.
		bad := url.Values{"email": {"fresh at x.test"}}
		leadC.PostForm(add, bad).Status(t, 422).Contains(t, "correct format").Kept(t, add, bad)

		// No account: an invitation is emailed (the form as a browser
		// sends it, once with an error), listed on the assessment.
		leadC.RoundTrip(t, base, add, func(v url.Values) { v.Set("email", "Fresh@X.test") },
			func(v url.Values) { v.Set("email", "fresh@") }, "correct format", "")
		leadC.Get(base).Status(t, 200).Contains(t, "we emailed them an invitation", "Invited by email", "fresh@x.test")
		tok := inviteToken(t, env, "fresh@x.test")
		inv := "/assessment-invitations/" + tok
		if n := auditActions(t, d, "assessment.invite_email"); n != 1 {
			t.Fatalf("%d invite_email audit entries", n)
		}

		// The link, signed out: what it offers and the way to sign up.
		anon := env.Anon()
		anon.Get(inv).Status(t, 200).Contains(t, "Fylde Care Consortium", "fresh@x.test", `href="/signup?next=`+strings.ReplaceAll(url.QueryEscape(inv), "%2F", "%2f"))
		anon.Get("/assessment-invitations/not-a-real-token").Status(t, 404).Contains(t, "This invitation link is not valid")
		// Someone else signed in cannot use it.
		env.As("member@x.test").PostForm(inv, nil).Status(t, 403).Contains(t, "was sent to fresh@x.test")

		// Sign up with the invited address, confirm, sign in: back at the link.
		anon.PostForm("/signup", url.Values{"name": {"Fresh Face"}, "email": {"fresh@x.test"}, "password": {"seaside donkey lantern"}, "next": {inv}}).Status(t, 200)
		var verify string
		for _, m := range env.Outbox("fresh@x.test") {
			if m.Kind == "verify" {
				verify = m.Body
			}
		}
		link := regexp.MustCompile(`/verify\?token=([A-Za-z0-9_-]+)&next=(\S+)`).FindStringSubmatch(verify)
		if link == nil {
			t.Fatalf("verification link without next:\n%s", verify)
		}
		next, _ := url.QueryUnescape(link[2])
		anon.PostForm("/verify", url.Values{"token": {link[1]}, "next": {next}}).Status(t, 303)
		if loc := anon.PostForm("/signin", url.Values{"email": {"fresh@x.test"}, "password": {"seaside donkey lantern"}, "next": {inv}}).Status(t, 303).Location(); loc != inv {
			t.Fatalf("after sign-in: %s", loc)
		}
		anon.Get(inv).Status(t, 200).Contains(t, "Accept and open the assessment")
		if loc := anon.PostForm(inv, nil).Status(t, 303).Location(); loc != base {
			t.Fatalf("accepted, then to %q", loc)
		}
		anon.Get(base).Status(t, 200).Contains(t, "Fresh Face (fresh@x.test)")
		leadC.Get(base).Status(t, 200).NotContains(t, "Invited by email")
		if n := auditActions(t, d, "assessment.invite_accept"); n != 1 {
			t.Fatalf("%d invite_accept audit entries", n)
		}
		// Used once.
		anon.Get(inv).Status(t, 404).Contains(t, "already been used")
		anon.PostForm(inv, nil).Status(t, 404).Contains(t, "already been used")

		// Expired.
		leadC.PostForm(add, url.Values{"email": {"late@x.test"}}).Status(t, 303)
		if _, err := d.W().ExecContext(t.Context(), `UPDATE assess_invitations SET expires_at = $1 WHERE email = 'late@x.test'`, db.Now().AddDate(0, 0, -1)); err != nil {
			t.Fatal(err)
		}
		late := "/assessment-invitations/" + inviteToken(t, env, "late@x.test")
		env.Anon().Get(late).Status(t, 404).Contains(t, "This invitation expired on")

		// Throttled like other emails to a typed address: three an hour.
		busy := url.Values{"email": {"busy@x.test"}}
		for range 3 {
			leadC.PostForm(add, busy).Status(t, 303)
		}
		leadC.PostForm(add, busy).Status(t, 429).Contains(t, "already sent 3 emails").Kept(t, add, busy)
		if n := len(env.Outbox("busy@x.test")); n != 3 {
			t.Fatalf("busy@x.test got %d emails", n)
		}
		var open int
		if err := d.Q().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM assess_invitations WHERE email = 'busy@x.test' AND accepted_at IS NULL`).Scan(&open); err != nil || open != 1 {
			t.Fatalf("%d open invitations of busy@x.test (%v): a new one replaces the last", open, err)
		}
		if !strings.Contains(env.Outbox("busy@x.test")[0].Body, "expires in 14 days") {
			t.Fatal("the email does not say when the invitation expires")
		}
	})
}
