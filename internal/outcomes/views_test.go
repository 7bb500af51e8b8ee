package outcomes_test

import (
	"fmt"
	"net/url"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/outcomes"
)

// TestPagesRender renders the pages no journey test reaches, so the view
// check (apptest) holds each template against its view struct.
func TestPagesRender(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		env.User("owner@example.org", false)
		org := env.Org("Blackpool Befriending", "vcs", map[string]string{"owner@example.org": "owner"})
		c := env.As("owner@example.org")
		c.PostForm("/orgs/"+org.Slug+"/outcomes/new", planValues()).Status(t, 303)
		plans, err := outcomes.PlansFor(env.Ctx, d.Q(), outcomes.OwnerOrg, org.ID)
		if err != nil || len(plans) != 1 {
			t.Fatalf("plans = %v, %v; want one", plans, err)
		}
		base := fmt.Sprintf("/outcomes/plans/%d", plans[0].ID)

		env.As("").Get("/outcomes").Status(t, 200)
		c.Get("/orgs/"+org.Slug+"/outcomes").Status(t, 200).Contains(t, "Wellbeing 2026 to 2029")
		c.Get("/orgs/"+org.Slug+"/outcomes/system").Status(t, 200)
		c.PostForm("/orgs/"+org.Slug+"/outcomes/system", url.Values{"system": {""}}).Status(t, 422).Contains(t, "Enter the system you use")
		c.Get(base+"/steps/new?kind=output").Status(t, 200)
		c.PostForm(base+"/steps/new", url.Values{"kind": {"output"}}).Status(t, 422)
		c.Get(base+"/adopt").Status(t, 200)
		c.Get(base+"/measurements").Status(t, 200)
		c.Get(base+"/versions/0").Status(t, 404)
		c.Get(base+"/versions/x").Status(t, 404)
		env.As("admin@example.org").Get("/admin/outcomes/systems").Status(t, 200)
	})
}
