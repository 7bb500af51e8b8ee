package directory_test

import (
	"context"
	"net/url"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

// TestDirectoryFormsKeepInput: the profile form and its quality-mark and
// contact forms keep every value sent on a 422, and the profile form stores
// what was sent.
func TestDirectoryFormsKeepInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ed@example.org", false)
		env.User("admin@example.org", true)
		org := env.Org("Talbot Youth Project", "vcs", map[string]string{"ed@example.org": "owner"})
		svc, _ := taxonomy.ByCode(context.Background(), d.Q(), "service", "youth-work")
		ed := env.As("ed@example.org")
		profile := "/orgs/" + org.Slug + "/profile"

		ed.RoundTrip(t, profile, profile, func(v url.Values) {
			v.Set("legal_form", "charity")
			v.Set("other_names", "Talbot Youth")
			v.Set("description", "Detached youth work and youth clubs in Talbot")
			v.Set("mission", "Young people in Talbot thrive")
			v.Set("postcode", "FY1 3AB")
			v.Set("address", "1 Talbot Road\nBlackpool")
			v.Set("website", "https://talbot.example.org")
			v.Set("identifiers", "GB-CHC-1090095")
			v.Set("staff", "12")
			v.Set("volunteers", "30")
			v["term"] = []string{itoa(svc.ID)}
			v.Set("published", "1")
		}, func(v url.Values) { v.Set("staff", "lots") }, "Staff must be a whole number", profile)

		qm := "/orgs/" + org.Slug + "/profile/quality-marks"
		bad := url.Values{"qm_name": {"PQASSO"}, "qm_level": {"Level 1"}, "qm_awarded": {"2024-02-30"}, "qm_expires": {"2027-01-31"}}
		ed.PostForm(qm, bad).Status(t, 422).Kept(t, qm, bad)
		contacts := "/orgs/" + org.Slug + "/profile/contacts"
		bad = url.Values{"contact_name": {"Sam Lead"}, "contact_role": {"Manager"}, "contact_email": {"not an email"}, "contact_phone": {"01253 000000"}, "publish_name": {"1"}, "publish_phone": {"1"}}
		ed.PostForm(contacts, bad).Status(t, 422).Kept(t, contacts, bad)

		// Administrators' term form.
		admin := env.As("admin@example.org")
		admin.RoundTrip(t, "/admin/taxonomy/new?vocabulary=theme", "/admin/taxonomy", func(v url.Values) {
			v.Set("vocabulary", "theme")
			v.Set("name", "Loneliness and isolation")
			v.Set("description", "Reducing loneliness")
			v.Set("ni_codes", "NI 119")
			v.Set("crosswalk", "ONS wellbeing")
			v.Set("position", "5")
		}, func(v url.Values) { v.Set("code", "Not A Code") }, "Code must be lower-case", "")
	})
}
