package opportunities_test

import (
	"fmt"
	"net/url"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestPagesRender renders the pages no journey test reaches, so the view
// check (apptest) holds each template against its view struct.
func TestPagesRender(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEngage(t, d)
		e.User("admin@x.test", true)
		council := e.As("council@x.test")
		base := "/orgs/blackpool-council/opportunities"
		council.Get(base).Status(t, 200).Contains(t, "Shaping community wellbeing")
		council.Get(base+"/"+e.consult.Slug+"/questionnaire").Status(t, 200).Contains(t, "What works well?")
		council.PostForm(base+"/"+e.consult.Slug+"/questionnaire", url.Values{"kind": {"text"}, "prompt": {""}}).Status(t, 422)
		council.Get(fmt.Sprintf("%s/%s/questionnaire/%d/edit", base, e.consult.Slug, e.qs[0].ID)).Status(t, 200).Contains(t, "What works well?")
		e.As("owner@x.test").Get("/orgs/fylde-trust/opportunity-alerts").Status(t, 200)
		admin := e.As("admin@x.test")
		admin.Get("/admin/opportunities/settings").Status(t, 200)
		admin.PostForm("/admin/opportunities/settings", url.Values{"weeks": {"x"}}).Status(t, 422)
	})
}
