package library_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/library"
	"partnerhub/internal/partnerships"
)

func count(t *testing.T, env *apptest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.Q().QueryRowContext(env.Ctx, query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConsortiumDefinitionIsALibraryDocument: the consortium definition's
// versions, kept once by partnerships, read as a library document's: the
// page shows the criteria checklist with how many consortia confirm each and
// links to the consortia; versions compare in the diff; its review date is
// the version in force's; the owner set in the library shows on the
// definition page; a version is adopted only with its criteria.
func TestConsortiumDefinitionIsALibraryDocument(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		env.User("lead@x.org", false)
		env.User("keeper@x.org", false)
		lead := env.Org("Hub Trust", "vcs", map[string]string{"lead@x.org": "owner"})
		admin, c := env.As("admin@x.org"), env.As("lead@x.org")
		doc := "/library/" + library.DefinitionSlug
		env.Anon().Get(doc).Status(t, 404)

		admin.PostForm("/admin/consortium-definition", url.Values{"adopted_on": {"2020-01-01"}, "next_review_on": {"2021-01-01"}, "notes": {"Agreed at the Compact forum."},
			"criteria": {"Has a written agreement.\nMeets twice a year\nHas three or more members"}}).Status(t, 303)
		c.PostForm("/partnerships", url.Values{"name": {"Hub Consortium"}, "model": {"hub_and_spoke_consortium"}, "status": {"active"}, "visibility": {"public"},
			"origin": {"other"}, "start_date": {"2020-01-01"}, "lead": {strconv.FormatInt(lead.ID, 10)}}).Status(t, 303)
		body := c.Get("/partnerships/hub-consortium").Body
		var crit []string
		for _, part := range strings.Split(body, `name="criterion" value="`)[1:] {
			crit = append(crit, part[:strings.Index(part, `"`)])
		}
		c.PostForm("/partnerships/hub-consortium/consortium", url.Values{"criterion": {crit[0], crit[2]}}).Status(t, 303)

		env.Anon().Get(doc).Status(t, 200).Contains(t, "The town&#39;s definition of a consortium", "Agreed at the Compact forum.",
			"This document is overdue for review", "next review due by 1 January 2021",
			`Has a written agreement.</td><td class="num">1</td>`, `Meets twice a year</td><td class="num">0</td>`, `href="/consortia"`)

		// A second version: the library shows both, compares them, and takes
		// the new review date; nothing is copied into the library's versions.
		next := time.Now().AddDate(2, 0, 0)
		admin.PostForm("/admin/consortium-definition", url.Values{"adopted_on": {time.Now().Format(time.DateOnly)}, "next_review_on": {next.Format(time.DateOnly)},
			"criteria": {"has a written  agreement\nMeets at least four times a year\nHas three or more members"}}).Status(t, 303)
		env.Anon().Get(doc).Status(t, 200).Contains(t, ">2, adopted on", "/versions/1", "Meets at least four times a year").NotContains(t, "overdue for review")
		env.Anon().Get(doc+"/diff?from=1&to=2").Status(t, 200).Contains(t, "Meets twice a year</del>", "Meets at least four times a year")
		env.Anon().Get(doc+"/versions/1").Status(t, 200).Contains(t, "Meets twice a year")
		// A version that is not a number is missing too (it showed the current one).
		env.Anon().Get(doc+"/versions/abc").Status(t, 404)
		env.Anon().Get(doc+"/versions/99").Status(t, 404)
		if n := count(t, env, `SELECT COUNT(*) FROM library_versions`); n != 0 {
			t.Fatalf("%d definition versions were copied into the library", n)
		}
		var list struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal([]byte(env.Anon().Get("/library?format=json").Status(t, 200).Body), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 || list.Items[0]["next_review_on"] != next.Format(time.DateOnly) {
			t.Fatalf("library list %v, want the definition due %s", list.Items, next.Format(time.DateOnly))
		}

		// The owner is set in the library and named on the definition page;
		// a review date sent with the settings does not replace the version's.
		admin.PostForm(doc+"/settings", url.Values{"title": {library.DefinitionTitle}, "summary": {"Checklist."}, "status": {"adopted"},
			"owner_email": {"keeper@x.org"}, "review_months": {"24"}, "review_due_on": {"2030-01-01"}}).Status(t, 303)
		env.Anon().Get("/consortia/definition").Status(t, 200).Contains(t, `href="`+doc+`"`, "owned by keeper", doc+"/diff")
		env.Anon().Get(doc).Status(t, 200).Contains(t, "next review due by "+next.Format("2 January 2006"))
		// The owner manages it, but a version comes with its criteria.
		keeper := env.As("keeper@x.org")
		keeper.Get(doc+"/edit").Status(t, 200).Contains(t, `href="/admin/consortium-definition"`).NotContains(t, `action="`+doc+`/versions"`)
		if loc := keeper.PostForm(doc+"/versions", url.Values{"body": {"text"}, "adopted_on": {time.Now().Format(time.DateOnly)}}).Status(t, 303).Location(); loc != "/admin/consortium-definition" {
			t.Fatalf("a version posted to the library went to %q", loc)
		}
		if n := count(t, env, `SELECT COUNT(*) FROM library_versions`) + count(t, env, `SELECT COUNT(*) FROM consortium_definitions`); n != 2 {
			t.Fatalf("%d versions after a version posted to the library, want the 2 definitions", n)
		}
		// No other document takes the definition's address.
		loc := admin.PostForm("/library/new", url.Values{"kind": {"guide"}, "title": {"Consortium definition"}, "owner_email": {"keeper@x.org"}, "review_months": {"12"}, "body": {"Text"}, "adopted_on": {"2024-01-01"}}).Status(t, 303).Location()
		if loc == doc {
			t.Fatal("a new document took the definition's address")
		}
	})
}

// TestDefinitionMigration: migration 0710 makes the library document of an
// install's existing definition, once, and the library reads every version.
func TestDefinitionMigration(t *testing.T) {
	sqlText, err := os.ReadFile("../db/migrations/0710_library_definition.sql")
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		for i, on := range []string{"2019-05-01", "2022-05-01"} {
			day, _ := time.Parse(time.DateOnly, on)
			def := &partnerships.Definition{AdoptedOn: day, NextReviewOn: day.AddDate(1, 0, 0)}
			if err := d.Write(env.Ctx, func(tx *db.Tx) error {
				return partnerships.AddDefinition(env.Ctx, tx, def, []string{"Has a written agreement", "Criterion of version " + strconv.Itoa(i+1)})
			}); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if err := d.Write(env.Ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(env.Ctx, string(sqlText)); return err }); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, env, `SELECT COUNT(*) FROM library_documents WHERE slug = $1`, library.DefinitionSlug); n != 1 {
			t.Fatalf("%d definition documents", n)
		}
		got, err := library.DocumentBySlug(env.Ctx, d.Q(), library.DefinitionSlug)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Versions) != 2 || got.Versions[0].Version != 2 || !strings.Contains(got.Versions[1].Body, "Criterion of version 1") ||
			got.Versions[1].AdoptedOn.Format(time.DateOnly) != "2019-05-01" || got.NextReviewOn.Format(time.DateOnly) != "2023-05-01" || got.UpdatedAt.IsZero() {
			t.Fatalf("definition document %+v", got)
		}
		env.Anon().Get("/library/"+library.DefinitionSlug+"/diff?from=1&to=2").Status(t, 200).Contains(t, "Criterion of version 2")
	})
}
