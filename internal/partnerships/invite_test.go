package partnerships_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/partnerships"
)

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func newPartnership(t *testing.T, env *apptest.Env, name, status string, members ...partnerships.Member) *partnerships.Partnership {
	t.Helper()
	start, end := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	p := &partnerships.Partnership{Name: name, Model: "lead_contractor_consortium", Status: status, Visibility: "public", Origin: "other", Members: members, Start: &start}
	if status == "ended" {
		p.End = &end
	}
	if err := env.DB.Write(env.Ctx, func(tx *db.Tx) error { return partnerships.Insert(env.Ctx, tx, p, 0) }); err != nil {
		t.Fatal(err)
	}
	return p
}

func invitationID(t *testing.T, d *db.DB, pid, org int64) (int64, string) {
	t.Helper()
	var id int64
	var status string
	if err := d.Q().QueryRowContext(context.Background(), `SELECT id, status FROM partnership_invitations WHERE partnership_id = $1 AND organisation_id = $2 ORDER BY id DESC LIMIT 1`, pid, org).Scan(&id, &status); err != nil {
		t.Fatal(err)
	}
	return id, status
}

func outboxWith(t *testing.T, env *apptest.Env, to, subject string) int {
	t.Helper()
	n := 0
	for _, m := range env.Outbox(to) {
		if strings.Contains(m.Subject, subject) {
			n++
		}
	}
	return n
}

// "Invite to a partnership" in one step: from a profile the lead's editor
// picks one of the partnerships they manage (or an open post of theirs),
// the invitation keeps its input on an error, emails the invited
// organisation's editors (Reply-To the inviter), is audited and
// rate-limited; the invited organisation's editors accept (the membership
// is recorded) or decline (the lead is told); viewers and other
// organisations cannot answer it.
func TestInviteToPartnership(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		for _, u := range []string{"lead@mine.example", "ed@target.example", "owner@target.example", "viewer@target.example", "owner@else.example"} {
			env.User(u, false)
		}
		mine := env.Org("Fylde Food Bank", "vcs", map[string]string{"lead@mine.example": "owner"})
		target := env.Org("Talbot Youth Project", "vcs", map[string]string{"ed@target.example": "editor", "owner@target.example": "owner", "viewer@target.example": "viewer"})
		elsewhere := env.Org("Someone Else Trust", "vcs", map[string]string{"owner@else.example": "owner"})
		lonely := env.Org("Nobody Runs Us", "vcs", nil)
		led := newPartnership(t, env, "Fylde Youth Consortium", "forming", partnerships.Member{OrgID: mine.ID, Role: "lead"})
		second := newPartnership(t, env, "Bispham Befriending", "active", partnerships.Member{OrgID: mine.ID, Role: "lead"})
		newPartnership(t, env, "Old Ended Project", "ended", partnerships.Member{OrgID: mine.ID, Role: "lead"})
		newPartnership(t, env, "Someone Else's Network", "active", partnerships.Member{OrgID: elsewhere.ID, Role: "lead"}, partnerships.Member{OrgID: mine.ID, Role: "member"})
		var postID int64
		now := db.Now()
		if err := d.W().QueryRowContext(env.Ctx, `INSERT INTO partner_posts (organisation_id, title, closes_on, created_at, updated_at) VALUES ($1, 'A youth work partner', $2, $3, $3) RETURNING id`,
			mine.ID, now.AddDate(0, 1, 0), now).Scan(&postID); err != nil {
			t.Fatal(err)
		}
		form := "/partnerships/invite?org=" + target.Slug
		lead := env.As("lead@mine.example")

		env.Anon().Get(form).Status(t, 303)
		lead.Get("/directory/"+target.Slug).Status(t, 200).Contains(t, `href="`+form+`"`)
		lead.Get(form).Status(t, 200).Contains(t, "Join Fylde Youth Consortium", "Join Bispham Befriending", "Respond to the post “A youth work partner”").
			NotContains(t, "Old Ended Project", "Someone Else&#39;s Network")

		// Nothing chosen: 422 with everything kept; then accepted.
		pv := "partnership:" + strconv.FormatInt(led.ID, 10)
		sent := lead.RoundTrip(t, form, "/partnerships/invite", func(v url.Values) {
			v.Set("to", pv)
			v.Set("role", "associate")
			v.Set("message", "We are bidding for the youth contract.")
		}, func(v url.Values) { v.Del("to") }, "Choose what to invite Talbot Youth Project to", "")
		id, status := invitationID(t, d, led.ID, target.ID)
		if status != "pending" {
			t.Fatalf("invitation %s", status)
		}
		link := "/orgs/" + target.Slug + "/partnership-invitations/" + strconv.FormatInt(id, 10)
		for _, to := range []string{"ed@target.example", "owner@target.example"} {
			msgs := env.Outbox(to)
			if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "Invitation to join Fylde Youth Consortium") || !strings.Contains(msgs[0].Body, link) ||
				!strings.Contains(msgs[0].Body, "We are bidding for the youth contract.") || msgs[0].ReplyTo != "lead@mine.example" {
				t.Fatalf("%s got %+v", to, msgs)
			}
		}
		if n := len(env.Outbox("viewer@target.example")); n != 0 {
			t.Fatalf("the viewer got %d emails", n)
		}
		if n := auditCount(t, d, "partnership.invite"); n != 1 {
			t.Fatalf("%d partnership.invite audit entries", n)
		}
		lead.Get("/partnerships/"+led.Slug).Status(t, 200).Contains(t, "Invitations", "Talbot Youth Project, invited", "waiting for an answer")
		// The same again: refused while the first waits, input kept.
		lead.PostForm("/partnerships/invite", sent).Status(t, 409).Contains(t, "already has an invitation").Kept(t, "/partnerships/invite", sent)

		// Only the invited organisation's editors answer it.
		env.As("viewer@target.example").Get(link).Status(t, 403)
		env.As("viewer@target.example").PostForm(link+"/accept", nil).Status(t, 403)
		env.As("owner@else.example").Get(link).Status(t, 404)
		lead.PostForm(link+"/accept", nil).Status(t, 404)
		if _, st := invitationID(t, d, led.ID, target.ID); st != "pending" {
			t.Fatalf("after refused answers: %s", st)
		}
		ed := env.As("ed@target.example")
		ed.Get("/orgs/"+target.Slug).Status(t, 200).Contains(t, "Invitations to join partnerships", `href="`+link+`"`)
		ed.Get(link).Status(t, 200).Contains(t, "Fylde Youth Consortium", "Associate", "We are bidding for the youth contract.", "Accept and join")
		if loc := ed.PostForm(link+"/accept", nil).Status(t, 303).Location(); loc != "/partnerships/"+led.Slug+"#members" {
			t.Fatalf("accepted, then to %q", loc)
		}
		ed.PostForm(link+"/accept", nil).Status(t, 409).Contains(t, "already answered")
		p, err := partnerships.ByID(env.Ctx, d.Q(), led.ID)
		if err != nil {
			t.Fatal(err)
		}
		var role string
		for _, m := range p.Members {
			if m.OrgID == target.ID {
				role = m.Role
			}
		}
		if role != "associate" {
			t.Fatalf("the invited organisation's role after accepting: %q", role)
		}
		if outboxWith(t, env, "lead@mine.example", "accepted your invitation") != 1 || auditCount(t, d, "partnership.member_add") != 1 {
			t.Fatal("the lead was not told of the acceptance, or it was not audited")
		}
		// A member now: not offered again.
		lead.Get(form).Status(t, 200).NotContains(t, "Join Fylde Youth Consortium").Contains(t, "Join Bispham Befriending")

		// Invite to respond to a post: an email with its link.
		if loc := lead.PostForm("/partnerships/invite", url.Values{"org": {target.Slug}, "to": {"post:" + strconv.FormatInt(postID, 10)}, "message": {"Have a look"}}).
			Status(t, 303).Location(); loc != "/looking-for-partners/"+strconv.FormatInt(postID, 10) {
			t.Fatalf("post invitation, then to %q", loc)
		}
		if outboxWith(t, env, "ed@target.example", "invites you to respond to: A youth work partner") != 1 || auditCount(t, d, "post.invite") != 1 {
			t.Fatal("no post invitation email or audit entry")
		}

		// Decline: the lead is told, nothing joins.
		lead.PostForm("/partnerships/invite", url.Values{"org": {target.Slug}, "to": {"partnership:" + strconv.FormatInt(second.ID, 10)}, "role": {"member"}}).Status(t, 303)
		id2, _ := invitationID(t, d, second.ID, target.ID)
		link2 := "/orgs/" + target.Slug + "/partnership-invitations/" + strconv.FormatInt(id2, 10)
		env.As("owner@target.example").PostForm(link2+"/decline", nil).Status(t, 303)
		if _, st := invitationID(t, d, second.ID, target.ID); st != "declined" {
			t.Fatalf("declined invitation is %s", st)
		}
		if outboxWith(t, env, "lead@mine.example", "declined your invitation") != 1 {
			t.Fatal("the lead was not told of the decline")
		}
		lead.Get("/partnerships/"+second.Slug).Status(t, 200).Contains(t, "Talbot Youth Project, invited", "declined")
		if ms, _ := partnerships.MembersOf(env.Ctx, d.Q(), second.ID); len(ms) != 1 {
			t.Fatalf("%d members after a decline", len(ms))
		}

		// Rate-limited like messages: three to one organisation an hour.
		lead.PostForm("/partnerships/invite", url.Values{"org": {target.Slug}, "to": {"partnership:" + strconv.FormatInt(second.ID, 10)}, "role": {"member"}}).
			Status(t, 429).Contains(t, "already sent 3 messages")

		// Someone who manages none of them cannot invite into them.
		other := env.As("owner@else.example")
		other.Get(form).Status(t, 200).Contains(t, "Join Someone Else&#39;s Network").NotContains(t, "Bispham Befriending", "A youth work partner")
		env.User("nobody@none.example", false)
		env.As("nobody@none.example").Get(form).Status(t, 200).Contains(t, "You do not manage a partnership").NotContains(t, `action="/partnerships/invite"`)
		other.PostForm("/partnerships/invite", url.Values{"org": {target.Slug}, "to": {"partnership:" + strconv.FormatInt(second.ID, 10)}, "role": {"member"}}).
			Status(t, 422).Contains(t, "Choose what to invite")
		// An organisation nobody manages: nobody to answer.
		lead.PostForm("/partnerships/invite", url.Values{"org": {lonely.Slug}, "to": {"partnership:" + strconv.FormatInt(second.ID, 10)}, "role": {"member"}}).
			Status(t, 409).Contains(t, "Nobody manages Nobody Runs Us")
		var n int
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM partnership_invitations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("%d invitations, want 2", n)
		}
	})
}
