package assess_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// A health check round is seen by representatives of the partnership's
// current members (as the list of rounds shows): someone whose
// organisation has left gets the same 404 as an outsider.
func TestHealthCheckHiddenFromFormerMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("lead@x.test", false)
		env.User("gone@x.test", false)
		env.User("outsider@x.test", false)
		lead := env.Org("Lead Org", "vcs", map[string]string{"lead@x.test": "owner"})
		gone := env.Org("Gone Org", "vcs", map[string]string{"gone@x.test": "owner"})
		pid := partnership(t, env, "Seafront Alliance", "joint_project", lead, gone)
		loc := env.As("lead@x.test").PostForm("/health-checks", url.Values{"partnership": {fmt.Sprint(pid)}, "title": {"Spring"}}).Status(t, 303).Location()
		env.As("gone@x.test").Get(loc).Status(t, 200)
		left := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE partnership_members SET left_on = $1 WHERE partnership_id = $2 AND organisation_id = $3`, left, pid, gone.ID); err != nil {
			t.Fatal(err)
		}
		env.As("lead@x.test").Get(loc).Status(t, 200)
		env.As("gone@x.test").Get("/health-checks").Status(t, 200).NotContains(t, `href="`+loc+`"`)
		env.As("gone@x.test").Get(loc).Status(t, 404)
		env.As("gone@x.test").GetAccept(loc, "application/json").Status(t, 404)
		env.As("outsider@x.test").Get(loc).Status(t, 404)
		env.As("gone@x.test").PostForm(loc+"/respond", url.Values{}).Status(t, 404)
	})
}
