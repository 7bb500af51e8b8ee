package partnerships_test

import (
	"net/url"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestActivePartnershipHasStarted: active (or dormant, or ended) means
// started, so a start date still to come is refused with a clear message;
// proposed and forming take one.
func TestActivePartnershipHasStarted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("lead@x.org", false)
		lead := env.Org("Hub Trust", "vcs", map[string]string{"lead@x.org": "owner"})
		c := env.As("lead@x.org")
		next := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
		form := url.Values{"name": {"Later Partnership"}, "model": {"joint_project"}, "status": {"active"}, "visibility": {"public"},
			"origin": {"other"}, "start_date": {next}, "lead": {itoa(lead.ID)}}
		c.PostForm("/partnerships", form).Status(t, 422).Contains(t, "a partnership that is active has started", `href="#start_date"`).Kept(t, "/partnerships", form)
		form.Set("status", "ended")
		form.Set("end_date", next)
		c.PostForm("/partnerships", form).Status(t, 422).Contains(t, "a partnership that is ended has started")
		form.Del("end_date")
		form.Set("status", "forming")
		c.PostForm("/partnerships", form).Status(t, 303)
		edit := url.Values{"name": {"Later Partnership"}, "model": {"joint_project"}, "status": {"active"}, "visibility": {"public"}, "origin": {"other"}, "start_date": {next}}
		c.PostForm("/partnerships/later-partnership/edit", edit).Status(t, 422).Contains(t, "a partnership that is active has started")
		edit.Set("start_date", time.Now().AddDate(0, 0, -1).Format(time.DateOnly))
		c.PostForm("/partnerships/later-partnership/edit", edit).Status(t, 303)
	})
}
