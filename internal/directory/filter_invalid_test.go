package directory_test

import (
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// A term filter that is not a term id (negative, or not a number) is a 422
// on both databases: on SQLite a negative id used to reach FTS5 as the
// token "zzt-1" and answer 500 ("fts5: phrase queries are not supported").
func TestInvalidTermFilterIs422OnBothDatabases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.Org("Talbot Youth Project", "vcs", nil)
		for _, k := range []string{"service", "theme", "client_group"} {
			for _, v := range []string{"-1", "abc"} {
				q := "?" + k + "=" + v
				env.Anon().Get("/directory"+q).Status(t, 422).Contains(t, "from the list")
				env.Anon().Get("/directory"+q+"&q=youth").Status(t, 422)
				env.Anon().GetAccept("/directory"+q, "application/json").Status(t, 422)
				isProblem(t, env.Anon().Get("/api/v1/organizations"+q), 422)
				isProblem(t, env.Anon().Get("/api/v1/organizations"+q+"&q=youth"), 422)
			}
		}
		env.Anon().Get("/directory?service=").Status(t, 200)
	})
}

// An unknown ward or local authority is a 422 naming the filter, on the
// page, its JSON and the API, alone or with words: Validate used to empty
// the unknown value, so the second validation on the way to Search passed
// and the page answered 200 with the whole directory.
func TestUnknownWardOrAuthorityIs422(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.Org("Talbot Youth Project", "vcs", nil)
		for _, c := range []struct{ q, msg string }{
			{"ward=Nowhere", "Select a ward from the list"},
			{"local_authority=XXXX", "Select a local authority from the list"},
		} {
			env.Anon().Get("/directory?"+c.q).Status(t, 422).Contains(t, c.msg)
			env.Anon().Get("/directory?"+c.q+"&q=youth").Status(t, 422).Contains(t, c.msg).
				Contains(t, "No search was made").NotContains(t, "organisations found").NotContains(t, "match every word")
			env.Anon().GetAccept("/directory?"+c.q, "application/json").Status(t, 422)
			isProblem(t, env.Anon().Get("/api/v1/organizations?"+c.q), 422)
		}
		// Known ones, in any case, still filter.
		env.Anon().Get("/directory?ward=talbot").Status(t, 200)
		env.Anon().Get("/directory?local_authority=BPL").Status(t, 200)
	})
}
