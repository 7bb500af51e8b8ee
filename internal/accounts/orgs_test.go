package accounts_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func TestCreateOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("founder@example.org", false)
		env.User("admin@example.org", true)
		c := env.As("founder@example.org")
		c.Get("/orgs").Status(t, 200).Contains(t, "not a member of any organisation", `href="/orgs/new"`)
		c.Get("/orgs/new").Status(t, 200).Contains(t, `name="name"`, `name="sector"`, `name="legal_form"`).NotContains(t, `value="public"`)
		c.PostForm("/orgs/new", url.Values{}).Status(t, 422).Contains(t, `href="#name"`, `href="#sector"`, `href="#legal_form"`)
		c.PostForm("/orgs/new", url.Values{"name": {"Blackpool Council"}, "sector": {"public"}, "legal_form": {"public_body"}}).
			Status(t, 403).Contains(t, "Only Partnerhub administrators can add a public-sector organisation", `value="Blackpool Council"`)
		res := c.PostForm("/orgs/new", url.Values{"name": {"Fylde Food Bank"}, "sector": {"vcs"}, "legal_form": {"cio"}})
		if loc := res.Status(t, 303).Location(); loc != "/orgs/fylde-food-bank" {
			t.Fatalf("redirect %s", loc)
		}
		c.Get("/orgs").Status(t, 200).Contains(t, "Fylde Food Bank", "Owner")
		c.Get("/orgs/fylde-food-bank").Status(t, 200).Contains(t, "<h1", "Fylde Food Bank", "Owner", "/orgs/fylde-food-bank/members")
		// "new" is a page, never an organisation's slug.
		if loc := c.PostForm("/orgs/new", url.Values{"name": {"New"}, "sector": {"faith"}, "legal_form": {"unincorporated"}}).Status(t, 303).Location(); loc != "/orgs/new-2" {
			t.Fatalf("slug for New: %s", loc)
		}
		// Admins may add public bodies.
		env.As("admin@example.org").PostForm("/orgs/new", url.Values{"name": {"Blackpool Council"}, "sector": {"public"}, "legal_form": {"public_body"}}).Status(t, 303)
		if n := auditCount(t, env, "organisation.create"); n != 3 {
			t.Fatalf("audit rows: %d", n)
		}

		// An unconfirmed email address cannot add an organisation.
		err := d.Write(env.Ctx, func(tx *db.Tx) error {
			_, err := accounts.InsertUser(env.Ctx, tx, accounts.FastHasher, "Unconfirmed", "unconfirmed@example.org", apptest.Password, false, false)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		env.As("unconfirmed@example.org").PostForm("/orgs/new", url.Values{"name": {"Sneaky"}, "sector": {"vcs"}, "legal_form": {"cio"}}).
			Status(t, 403).Contains(t, "Confirm your email address")
	})
}

var inviteRe = regexp.MustCompile(`/invitations/([A-Za-z0-9_-]+)`)

func TestMembersAndInvitations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		for _, e := range []string{"owner@example.org", "editor@example.org", "viewer@example.org", "other@example.org"} {
			env.User(e, false)
		}
		org := env.Org("Fylde Food Bank", "vcs", map[string]string{"owner@example.org": "owner", "editor@example.org": "editor", "viewer@example.org": "viewer"})
		base := "/orgs/" + org.Slug + "/members"
		owner := env.As("owner@example.org")

		env.As("viewer@example.org").Get(base).Status(t, 200).Contains(t, "editor@example.org").NotContains(t, "Send invitation", "Pending invitations")
		env.As("editor@example.org").PostForm(base+"/invite", url.Values{"email": {"x@example.org"}, "role": {"viewer"}}).Status(t, 403)
		owner.Get(base).Status(t, 200).Contains(t, "Send invitation", `name="email"`, `name="role"`, "Pending invitations")

		owner.PostForm(base+"/invite", url.Values{"email": {"nope"}, "role": {"boss"}}).Status(t, 422).Contains(t, `href="#email"`, `href="#role"`)
		owner.PostForm(base+"/invite", url.Values{"email": {"editor@example.org"}, "role": {"viewer"}}).Status(t, 409).Contains(t, "already a member")
		owner.PostForm(base+"/invite", url.Values{"email": {"New.Person@example.org"}, "role": {"editor"}}).Status(t, 303)
		msgs := env.Outbox("new.person@example.org")
		if len(msgs) != 1 || msgs[0].Kind != "invite" || !strings.Contains(msgs[0].Body, "http://partnerhub.test/invitations/") {
			t.Fatalf("invitation mail: %+v", msgs)
		}
		tok := inviteRe.FindStringSubmatch(msgs[0].Body)[1]
		owner.Get(base).Status(t, 200).Contains(t, "new.person@example.org")

		// Anonymous: shown the offer and sent to sign in with next.
		anon := env.Anon()
		anon.Get("/invitations/"+tok).Status(t, 200).Contains(t, "Fylde Food Bank", "Editor", "/signin?next=%2finvitations%2f"+tok)
		if loc := anon.PostForm("/invitations/"+tok, nil).Status(t, 303).Location(); !strings.HasPrefix(loc, "/signin?next=") {
			t.Fatalf("anonymous accept: %s", loc)
		}
		// Someone else signed in cannot take it.
		env.As("other@example.org").PostForm("/invitations/"+tok, nil).Status(t, 403).Contains(t, "This invitation was sent to new.person@example.org")
		env.User("new.person@example.org", false)
		np := env.As("new.person@example.org")
		np.Get("/invitations/"+tok).Status(t, 200).Contains(t, "Accept invitation")
		if loc := np.PostForm("/invitations/"+tok, nil).Status(t, 303).Location(); loc != "/orgs/"+org.Slug {
			t.Fatalf("accept redirect %s", loc)
		}
		np.Get("/orgs/"+org.Slug).Status(t, 200).Contains(t, "Editor")
		np.PostForm("/invitations/"+tok, nil).Status(t, 404).Contains(t, "cannot be used")
		anon.Get("/invitations/"+tok).Status(t, 404)

		// Revoke and expiry.
		owner.PostForm(base+"/invite", url.Values{"email": {"late@example.org"}, "role": {"viewer"}}).Status(t, 303)
		late := inviteRe.FindStringSubmatch(env.Outbox("late@example.org")[0].Body)[1]
		var invID int64
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT id FROM invitations WHERE email = 'late@example.org'`).Scan(&invID); err != nil {
			t.Fatal(err)
		}
		owner.PostForm("/orgs/"+org.Slug+"/invitations/revoke", url.Values{"invitation": {itoa(invID)}}).Status(t, 303)
		anon.Get("/invitations/"+late).Status(t, 404)
		owner.PostForm(base+"/invite", url.Values{"email": {"slow@example.org"}, "role": {"viewer"}}).Status(t, 303)
		slow := inviteRe.FindStringSubmatch(env.Outbox("slow@example.org")[0].Body)[1]
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE invitations SET expires_at = $1 WHERE email = 'slow@example.org'`, db.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		anon.Get("/invitations/"+slow).Status(t, 404).Contains(t, "expired")

		for _, a := range []string{"invitation.create", "invitation.accept", "invitation.revoke"} {
			if auditCount(t, env, a) == 0 {
				t.Fatalf("no audit row for %s", a)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestRolesAndLastOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ow, ed, vi := env.User("owner@example.org", false), env.User("editor@example.org", false), env.User("viewer@example.org", false)
		org := env.Org("Fylde Food Bank", "vcs", map[string]string{"owner@example.org": "owner", "editor@example.org": "editor", "viewer@example.org": "viewer"})
		base := "/orgs/" + org.Slug + "/members"
		owner := env.As("owner@example.org")
		// The last owner can be neither demoted nor removed.
		owner.PostForm(base+"/role", url.Values{"user": {itoa(ow.ID)}, "role": {"editor"}}).Status(t, 409).Contains(t, "at least one owner")
		owner.PostForm(base+"/remove", url.Values{"user": {itoa(ow.ID)}}).Status(t, 409).Contains(t, "at least one owner")
		owner.PostForm(base+"/role", url.Values{"user": {itoa(ed.ID)}, "role": {"emperor"}}).Status(t, 422)
		owner.PostForm(base+"/role", url.Values{"user": {"999999"}, "role": {"viewer"}}).Status(t, 404)
		owner.PostForm(base+"/role", url.Values{"user": {itoa(ed.ID)}, "role": {"owner"}}).Status(t, 303)
		owner.PostForm(base+"/role", url.Values{"user": {itoa(ow.ID)}, "role": {"viewer"}}).Status(t, 303)
		// Now a viewer: no longer allowed to manage.
		owner.PostForm(base+"/role", url.Values{"user": {itoa(ow.ID)}, "role": {"owner"}}).Status(t, 403)

		newOwner := env.As("editor@example.org")
		newOwner.Get(base+"/remove?user="+itoa(vi.ID)).Status(t, 200).Contains(t, "Are you sure you want to remove viewer?")
		newOwner.PostForm(base+"/remove", url.Values{"user": {itoa(vi.ID)}}).Status(t, 303)
		env.As("viewer@example.org").Get("/orgs/"+org.Slug).Status(t, 404)
		m, err := accounts.Members(env.Ctx, d.Q(), org.ID)
		if err != nil || len(m) != 2 {
			t.Fatalf("members: %+v %v", m, err)
		}
		if n := auditCount(t, env, "membership.remove"); n != 1 {
			t.Fatalf("audit remove: %d", n)
		}
	})
}

// A person without an account follows the invitation through sign-up,
// email confirmation and sign-in, and lands back on the invitation.
func TestInvitationNewAccountFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("owner@example.org", false)
		org := env.Org("Fylde Food Bank", "vcs", map[string]string{"owner@example.org": "owner"})
		env.As("owner@example.org").PostForm("/orgs/"+org.Slug+"/members/invite", url.Values{"email": {"fresh@example.org"}, "role": {"viewer"}}).Status(t, 303)
		tok := inviteRe.FindStringSubmatch(env.Outbox("fresh@example.org")[0].Body)[1]
		inv := "/invitations/" + tok
		anon := env.Anon()
		anon.Get("/signup?next="+url.QueryEscape(inv)).Status(t, 200).Contains(t, `name="next"`)
		anon.PostForm("/signup", url.Values{"name": {"Fresh Face"}, "email": {"fresh@example.org"}, "password": {"seaside donkey lantern"}, "next": {inv}}).Status(t, 200)
		var verifyMail string
		for _, m := range env.Outbox("fresh@example.org") {
			if m.Kind == "verify" {
				verifyMail = m.Body
			}
		}
		link := regexp.MustCompile(`/verify\?token=([A-Za-z0-9_-]+)&next=(\S+)`).FindStringSubmatch(verifyMail)
		if link == nil {
			t.Fatalf("verification link without next:\n%s", verifyMail)
		}
		next, _ := url.QueryUnescape(link[2])
		anon.Get("/verify?token="+link[1]+"&next="+link[2]).Status(t, 200).Contains(t, `name="next"`)
		loc := anon.PostForm("/verify", url.Values{"token": {link[1]}, "next": {next}}).Status(t, 303).Location()
		if loc != "/signin?next="+url.QueryEscape(inv) {
			t.Fatalf("after verify: %s", loc)
		}
		loc = anon.PostForm("/signin", url.Values{"email": {"fresh@example.org"}, "password": {"seaside donkey lantern"}, "next": {inv}}).Status(t, 303).Location()
		if loc != inv {
			t.Fatalf("after sign-in: %s", loc)
		}
		anon.PostForm(inv, nil).Status(t, 303)
		anon.Get("/orgs").Status(t, 200).Contains(t, "Fylde Food Bank", "Viewer")
	})
}

// Names are one line: an organisation or person named with line breaks
// (a form field cannot hold one, a crafted request can) used to put raw
// line breaks into calendar feeds (ORGANIZER;CN=...) and email subjects.
func TestNamesAreOneLine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("founder@example.org", false)
		c := env.As("founder@example.org")
		res := c.PostForm("/orgs/new", url.Values{"name": {"Evil Org\r\nBEGIN:VALARM\nX-INJ:1\t "}, "sector": {"vcs"}, "legal_form": {"cio"}})
		loc := res.Status(t, 303).Location()
		var name string
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT name FROM organisations WHERE slug = $1`, strings.TrimPrefix(loc, "/orgs/")).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name != "Evil Org BEGIN:VALARM X-INJ:1" {
			t.Fatalf("organisation name %q", name)
		}
		env.Anon().PostForm("/signup", url.Values{"name": {"Jo\nBloggs"}, "email": {"jo@example.org"}, "password": {"seaside donkey lantern"}}).Status(t, 200)
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT name FROM users WHERE email = 'jo@example.org'`).Scan(&name); err != nil || name != "Jo Bloggs" {
			t.Fatalf("user name %q %v", name, err)
		}
	})
}

// TestInsertOrgSlugs: InsertOrg numbers a taken slug and never hands out a
// reserved one ("new" is the /orgs/new page), on both databases.
func TestInsertOrgSlugs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var got []string
		for _, name := range []string{"New", "New", "Fylde Food Bank", "Fylde Food Bank"} {
			o := &accounts.Organisation{Name: name, Sector: "vcs", LegalForm: "charity"}
			if err := d.Write(ctx, func(tx *db.Tx) error { return accounts.InsertOrg(ctx, tx, o, 0) }); err != nil {
				t.Fatalf("InsertOrg(%s): %v", name, err)
			}
			got = append(got, o.Slug)
		}
		if want := []string{"new-2", "new-3", "fylde-food-bank", "fylde-food-bank-2"}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("slugs %v, want %v", got, want)
		}
	})
}
