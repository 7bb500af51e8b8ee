package app_test

import (
	"net/url"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestPrivacyNoticeNamesTheDataController: an administrator records the
// data controller's name and contact; the privacy notice shows them (it
// used to say only "Contact the Partnerhub team").
func TestPrivacyNoticeNamesTheDataController(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		env.User("someone@x.org", false)
		env.Anon().Get("/privacy").Status(t, 200).Contains(t, "The data controller has not been named yet").NotContains(t, "Contact the Partnerhub team")

		admin := env.As("admin@x.org")
		admin.Get("/admin").Status(t, 200).Contains(t, `href="/admin/privacy"`)
		bad := url.Values{"controller_name": {"Blackpool CVS"}, "controller_contact": {""}}
		admin.PostForm("/admin/privacy", bad).Status(t, 422).Contains(t, "Enter how people can contact the data controller", `href="#controller_contact"`).Kept(t, "/admin/privacy", bad)
		env.As("someone@x.org").PostForm("/admin/privacy", url.Values{"controller_name": {"Mallory"}, "controller_contact": {"m@evil.test"}}).Status(t, 403)
		sent := url.Values{"controller_name": {"Blackpool CVS"}, "controller_contact": {"privacy@blackpoolcvs.org.uk\n95 Abingdon Street, Blackpool FY1 1PP"}}
		admin.PostForm("/admin/privacy", sent).Status(t, 303)
		admin.Get("/admin/privacy").Status(t, 200).Kept(t, "/admin/privacy", sent)
		env.Anon().Get("/privacy").Status(t, 200).Contains(t, "The data controller is <strong>Blackpool CVS</strong>", "privacy@blackpoolcvs.org.uk", "95 Abingdon Street").NotContains(t, "Mallory")
	})
}
