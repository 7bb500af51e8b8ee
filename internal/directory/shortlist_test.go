package directory_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

func countAudit(t *testing.T, d *db.DB, action string, org int64) int {
	t.Helper()
	var n int
	if err := d.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND organisation_id = $2`, action, org).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func shortlistIDs(t *testing.T, d *db.DB, org int64) []int64 {
	t.Helper()
	rows, err := d.Q().QueryContext(context.Background(), `SELECT id FROM org_shortlist WHERE organisation_id = $1 ORDER BY id`, org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// An organisation's shortlist: its editors add an organisation from its
// profile (one POST button, back to the page with a flash, an optional
// note; an error keeps the input), every member sees the list (page, CSV,
// JSON), viewers change nothing, editors remove after a confirmation,
// every change is audited, and another organisation's shortlist looks
// missing.
func TestShortlist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		for _, u := range []string{"owner@mine.example", "editor@mine.example", "viewer@mine.example", "owner@else.example"} {
			env.User(u, false)
		}
		mine := env.Org("Fylde Food Bank", "vcs", map[string]string{"owner@mine.example": "owner", "editor@mine.example": "editor", "viewer@mine.example": "viewer"})
		second := env.Org("Layton Lunch Club", "vcs", map[string]string{"editor@mine.example": "owner"})
		target := env.Org("Talbot Youth Project", "vcs", nil)
		env.Org("Someone Else Trust", "vcs", map[string]string{"owner@else.example": "owner"})
		profile := "/directory/" + target.Slug
		list := "/orgs/" + mine.Slug + "/shortlist"

		owner := env.As("owner@mine.example")
		owner.Get(list).Status(t, 200).Contains(t, "shortlist is empty", "/partners/find")
		owner.Get("/orgs/"+mine.Slug).Status(t, 200).Contains(t, `href="`+list+`"`)

		// From the profile: a note too long is refused with everything
		// kept, then the same form is accepted and lands back on the profile.
		sent := owner.RoundTrip(t, profile, "/shortlist",
			func(v url.Values) { v.Set("note", "Met at the networking breakfast") },
			func(v url.Values) { v.Set("note", strings.Repeat("x", 501)) },
			"The note must be 500 characters or fewer", "")
		if sent.Get("org") != strconv.FormatInt(mine.ID, 10) || sent.Get("candidate") != target.Slug || sent.Get("back") != profile {
			t.Fatalf("the profile's form sent %v", sent)
		}
		page := owner.Get(profile).Status(t, 200).Contains(t, "is on Fylde Food Bank&#39;s shortlist", "On the shortlist of", `href="`+list+`"`)
		_ = page
		owner.Get(list).Status(t, 200).Contains(t, "Talbot Youth Project", "Met at the networking breakfast", "/shortlist/", "/remove", `href="/partnerships/invite?org=`+target.Slug+`"`)
		csv := owner.Get(list+"?format=csv").Status(t, 200).Body
		if !strings.Contains(csv, "Talbot Youth Project") || !strings.Contains(csv, "Met at the networking breakfast") {
			t.Fatalf("CSV: %s", csv)
		}
		var js struct {
			Total int
			Items []struct{ Name, Note string }
		}
		owner.GetAccept(list+"?format=json", "application/json").Status(t, 200).JSON(t, &js)
		if js.Total != 1 || len(js.Items) != 1 || js.Items[0].Name != "Talbot Youth Project" || js.Items[0].Note != "Met at the networking breakfast" {
			t.Fatalf("JSON: %+v", js)
		}
		if n := countAudit(t, d, "shortlist.add", mine.ID); n != 1 {
			t.Fatalf("%d shortlist.add audit entries", n)
		}
		// Again without a note: still one entry, the note kept.
		owner.PostForm("/shortlist", url.Values{"org": {sent.Get("org")}, "candidate": {target.Slug}, "back": {"/partners/find?find=1"}}).Status(t, 303)
		owner.Get(list).Status(t, 200).Contains(t, "Met at the networking breakfast")
		if ids := shortlistIDs(t, d, mine.ID); len(ids) != 1 {
			t.Fatalf("%d entries after adding twice", len(ids))
		}
		// A back address off the site is not followed.
		r := owner.PostForm("/shortlist", url.Values{"candidate": {target.Slug}, "back": {"//evil.example/"}}).Status(t, 303)
		if r.Location() != profile {
			t.Fatalf("redirected to %q", r.Location())
		}

		// Someone who edits two organisations chooses; not choosing is an error that keeps the input.
		ed := env.As("editor@mine.example")
		ed.Get(profile).Status(t, 200).Contains(t, "Shortlist for", "Layton Lunch Club")
		bad := url.Values{"candidate": {target.Slug}, "back": {profile}, "note": {"For the youth bid"}}
		ed.PostForm("/shortlist", bad).Status(t, 422).Contains(t, "Choose whose shortlist").Kept(t, "/shortlist", bad)
		ed.PostForm("/shortlist", url.Values{"org": {strconv.FormatInt(second.ID, 10)}, "candidate": {target.Slug}, "back": {profile}}).Status(t, 303)
		if ids := shortlistIDs(t, d, second.ID); len(ids) != 1 {
			t.Fatalf("second org has %d entries", len(ids))
		}

		// A viewer sees the list but cannot change it.
		v := env.As("viewer@mine.example")
		v.Get(list).Status(t, 200).Contains(t, "Talbot Youth Project").NotContains(t, "/remove")
		v.Get(profile).Status(t, 200).NotContains(t, `action="/shortlist"`)
		v.PostForm("/shortlist", url.Values{"org": {strconv.FormatInt(mine.ID, 10)}, "candidate": {target.Slug}}).Status(t, 403)
		entry := shortlistIDs(t, d, mine.ID)[0]
		remove := list + "/" + strconv.FormatInt(entry, 10) + "/remove"
		v.Get(remove).Status(t, 403)
		v.PostForm(remove, nil).Status(t, 403)

		// Another organisation: its list and entries look missing; it cannot add to ours.
		other := env.As("owner@else.example")
		other.Get(list).Status(t, 404)
		other.Get(remove).Status(t, 404)
		other.PostForm(remove, nil).Status(t, 404)
		other.PostForm("/shortlist", url.Values{"org": {strconv.FormatInt(mine.ID, 10)}, "candidate": {target.Slug}, "back": {profile}}).Status(t, 422)
		// An entry of another organisation's shortlist, named under ours, is missing too.
		owner.Get(list+"/"+strconv.FormatInt(shortlistIDs(t, d, second.ID)[0], 10)+"/remove").Status(t, 404)
		if ids := shortlistIDs(t, d, mine.ID); len(ids) != 1 {
			t.Fatalf("%d entries after refused changes", len(ids))
		}
		env.Anon().Get(list).Status(t, 303)

		// From a partner-finder result: the same button, back to the results.
		env.User("ed@target.example", false)
		if _, err := d.W().ExecContext(context.Background(), `INSERT INTO memberships (user_id, organisation_id, role, created_at) SELECT u.id, $1, 'editor', $2 FROM users u WHERE u.email = 'ed@target.example'`, target.ID, db.Now()); err != nil {
			t.Fatal(err)
		}
		svc, err := taxonomy.ByCode(context.Background(), d.Q(), "service", "youth-work")
		if err != nil {
			t.Fatal(err)
		}
		env.As("ed@target.example").PostForm("/orgs/"+target.Slug+"/profile", url.Values{"name": {target.Name}, "sector": {"vcs"}, "legal_form": {"charity"},
			"wards": {"Talbot"}, "term": {strconv.FormatInt(svc.ID, 10)}, "published": {"1"}}).Status(t, 303)
		finder := "/partners/find?find=1&service=" + strconv.FormatInt(svc.ID, 10) + "&ward=Talbot"
		res := owner.Get(finder).Status(t, 200).Contains(t, "Talbot Youth Project", "Your shortlists", `href="`+list+`"`, `href="/partnerships/invite?org=`+target.Slug+`"`)
		form := res.Form(t, "/shortlist")
		if form.Get("candidate") != target.Slug || form.Get("back") != finder {
			t.Fatalf("finder's shortlist form: %v", form)
		}
		form.Set("note", "Ask about the summer scheme")
		if loc := owner.PostForm("/shortlist", form).Status(t, 303).Location(); loc != finder {
			t.Fatalf("back to %q, want the results", loc)
		}
		owner.Get(finder).Status(t, 200).Contains(t, "was already on Fylde Food Bank&#39;s shortlist: its note is changed")
		owner.Get(list).Status(t, 200).Contains(t, "Ask about the summer scheme")
		if n := countAudit(t, d, "shortlist.note", mine.ID); n != 1 {
			t.Fatalf("%d shortlist.note audit entries", n)
		}
		// Nobody signed in: no button.
		env.Anon().Get(finder).Status(t, 200).NotContains(t, `action="/shortlist"`)

		// Remove: confirm, then gone, audited, and the empty state again.
		owner.Get(remove).Status(t, 200).Contains(t, "Are you sure you want to remove Talbot Youth Project")
		if loc := owner.PostForm(remove, nil).Status(t, 303).Location(); loc != list {
			t.Fatalf("removed, then to %q", loc)
		}
		owner.Get(list).Status(t, 200).Contains(t, "shortlist is empty")
		if n := countAudit(t, d, "shortlist.remove", mine.ID); n != 1 {
			t.Fatalf("%d shortlist.remove audit entries", n)
		}
	})
}

// TestUnlistedOrganisationLooksMissing: an organisation whose profile is
// not published cannot be shortlisted or invited by outsiders (404, as a
// missing one); its own members and admins can (directory.VisibleProfile,
// the one check both forms use).
func TestUnlistedOrganisationLooksMissing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		for _, u := range []string{"owner@mine.example", "owner@hidden.example"} {
			env.User(u, false)
		}
		env.User("admin@example.test", true)
		mine := env.Org("Fylde Food Bank", "vcs", map[string]string{"owner@mine.example": "owner", "owner@hidden.example": "owner"})
		hidden := env.Org("Quiet Trust", "vcs", map[string]string{"owner@hidden.example": "owner"})
		unlist(t, d, hidden.ID)
		add := url.Values{"candidate": {hidden.Slug}, "org": {strconv.FormatInt(mine.ID, 10)}}
		env.As("owner@mine.example").PostForm("/shortlist", add).Status(t, 404)
		env.As("owner@mine.example").Get("/partnerships/invite?org="+hidden.Slug).Status(t, 404)
		if n := len(shortlistIDs(t, d, mine.ID)); n != 0 {
			t.Fatalf("%d entries shortlisted", n)
		}
		// Its own member sees it; so does an admin.
		env.As("owner@hidden.example").PostForm("/shortlist", add).Status(t, 303)
		env.As("admin@example.test").Get("/partnerships/invite?org="+hidden.Slug).Status(t, 200)
	})
}
