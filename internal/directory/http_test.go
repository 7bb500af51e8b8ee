package directory_test

import (
	"context"
	"encoding/csv"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

func TestDirectoryPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ed@example.org", false)
		env.User("admin@example.org", true)
		env.User("claimer@example.org", false)
		org := env.Org("Talbot Youth Project", "vcs", map[string]string{"ed@example.org": "editor"})
		lonely := env.Org("Unclaimed Food Bank", "vcs", nil)
		svc, _ := taxonomy.ByCode(context.Background(), d.Q(), "service", "youth-work")
		ed := env.As("ed@example.org")

		// Bad input: every message names its field.
		bad := url.Values{"name": {"Talbot Youth Project"}, "sector": {"vcs"}, "legal_form": {"charity"}, "postcode": {"NOT A POSTCODE"},
			"identifiers": {"GB-XXX-1"}, "website": {"javascript:alert(1)"}, "staff": {"lots"}}
		ed.PostForm("/orgs/"+org.Slug+"/profile", bad).Status(t, 422).Contains(t, "Enter a real postcode", "GB-XXX is not a known", "starting https://", "Staff must be a whole number")

		good := url.Values{"name": {"Talbot Youth Project"}, "sector": {"vcs"}, "legal_form": {"charity"}, "postcode": {"fy1 3ab"},
			"identifiers": {"GB-CHC-1090095"}, "description": {"<b>Detached youth work</b> and youth clubs in Talbot"}, "wards": {"Talbot"},
			"term": {itoa(svc.ID)}, "published": {"1"}, "website": {"https://talbot.example.org"}}
		res := ed.PostForm("/orgs/"+org.Slug+"/profile", good)
		res.Status(t, 303)
		env.Anon().Get("/directory/"+org.Slug).Status(t, 200).Contains(t, "&lt;b&gt;Detached youth work&lt;/b&gt;", "FY1 3AB", "GB-CHC-1090095", "Youth work").NotContains(t, "<b>Detached")

		// Search: HTML, JSON and CSV of the same query.
		env.Anon().Get("/directory?q=detached+youth").Status(t, 200).Contains(t, "Talbot Youth Project").NotContains(t, "Unclaimed Food Bank")
		var js struct {
			Total int
			Items []struct{ Name string }
		}
		env.Anon().GetAccept("/directory?q=youth&ward=Talbot", "application/json").Status(t, 200).JSON(t, &js)
		if js.Total != 1 || js.Items[0].Name != "Talbot Youth Project" {
			t.Fatalf("json search: %+v", js)
		}
		body := env.Anon().Get("/directory?format=csv&service="+itoa(svc.ID)).Status(t, 200).Body
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(recs) != 2 || recs[1][0] != "Talbot Youth Project" {
			t.Fatalf("csv: %v %q", err, body)
		}
		env.Anon().GetAccept("/directory?sector=nonsense", "application/json").Status(t, 422)

		// Not a member: the edit page looks missing.
		env.As("claimer@example.org").Get("/orgs/"+org.Slug+"/profile").Status(t, 404)

		// Claim an organisation with no members; an admin approves.
		cl := env.As("claimer@example.org")
		cl.PostForm("/directory/"+lonely.Slug+"/claim", url.Values{"message": {""}}).Status(t, 422).Contains(t, "Tell us your role")
		cl.PostForm("/directory/"+lonely.Slug+"/claim", url.Values{"message": {"I am the chair"}}).Status(t, 303)
		env.As("ed@example.org").Get("/admin/claims").Status(t, 403)
		page := env.As("admin@example.org").Get("/admin/claims").Status(t, 200).Contains(t, "Unclaimed Food Bank", "I am the chair").Body
		i := strings.Index(page, `action="/admin/claims/`)
		action := page[i+8 : i+8+strings.Index(page[i+8:], `"`)]
		env.As("admin@example.org").PostForm(action, url.Values{"decision": {"approved"}}).Status(t, 303)
		env.As("claimer@example.org").Get("/orgs/"+lonely.Slug+"/profile").Status(t, 200)
		if len(env.Outbox("claimer@example.org")) == 0 {
			t.Error("no email about the claim")
		}
		cl.Get("/directory/"+org.Slug+"/claim").Status(t, 409)

		// History for admins only.
		env.As("admin@example.org").Get("/directory/"+org.Slug+"/history").Status(t, 200).Contains(t, "directory.profile_update", "postcode")
		ed.Get("/directory/"+org.Slug+"/history").Status(t, 403)

		// Finder page explains matches.
		env.Anon().Get("/partners/find?find=1&service="+itoa(svc.ID)+"&ward=Talbot").Status(t, 200).Contains(t, "Talbot Youth Project", "Covers 1 of 1 needs", "Works in Talbot").
			Contains(t, `href="/directory/`+org.Slug+`/message"`)
		// The results as CSV: a header and the one match, with its reasons and address.
		fc := env.Anon().Get("/partners/find?format=csv&find=1&service="+itoa(svc.ID)+"&ward=Talbot").Status(t, 200).Body
		recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(fc, "\ufeff"))).ReadAll()
		if err != nil || len(recs) != 2 || recs[0][0] != "name" || recs[1][0] != "Talbot Youth Project" || !strings.Contains(strings.Join(recs[1], ","), "/directory/"+org.Slug) {
			t.Fatalf("finder CSV %q (%v)", fc, err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
