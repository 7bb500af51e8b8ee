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
