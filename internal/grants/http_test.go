package grants_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func upload(t *testing.T, c *apptest.Client, name string, content []byte) *apptest.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return c.Do("POST", "/admin/grants/import", &b, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

const csvFile = "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,Recipient Org:Postal Code,Funding Org:Identifier,Funding Org:Name,Beneficiary Location:Name,Grant Programme:Title\n" +
	"360G-W-1,Lunch club,Hot lunches,GBP,2500,2012-05-01,GB-CHC-1090095,Layton Lunch Club,FY3 7AA,GB-CHC-1000147,Fylde Fund,,Older people\n" +
	"360G-W-2,Shed tools,Tools,GBP,1200,2011-03-01,360G-W-ORG-7,Marton Mens Shed,FY4 4AA,GB-CHC-1000147,Fylde Fund,Marton,Men's health\n" +
	"360G-W-3,Exchange,Dollars,USD,900,2012-06-01,GB-CHC-1090095,Layton Lunch Club,FY3 7AA,GB-CHC-1000147,Fylde Fund,,\n" +
	"360G-W-4,Bad,Bad date,GBP,10,01/02/2012,GB-CHC-1090095,Layton Lunch Club,FY3 7AA,GB-CHC-1000147,Fylde Fund,,\n"

// TestUploadPreviewConfirmMatchAndPages: an admin uploads a CSV, sees the
// preview (nothing written), confirms it, confirms the proposed match,
// and the public pages show the grants by funder, ward, theme and on the
// organisation's page, the USD grant outside the GBP totals.
func TestUploadPreviewConfirmMatchAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		env.User("ed@example.org", false)
		lunch := env.Org("Layton Lunch Club", "vcs", nil)
		shed := env.Org("Marton Men's Shed", "vcs", nil)
		if _, err := d.W().ExecContext(ctx, `INSERT INTO org_identifiers (identifier, organisation_id, scheme) VALUES ('GB-CHC-1090095', $1, 'GB-CHC')`, lunch.ID); err != nil {
			t.Fatal(err)
		}
		d.W().ExecContext(ctx, `INSERT INTO org_profiles (organisation_id, postcode, updated_at) VALUES ($1, 'FY4 4AA', $2)`, shed.ID, db.Now())
		d.W().ExecContext(ctx, `INSERT INTO org_areas (organisation_id, kind, code) VALUES ($1, 'ward', 'Layton')`, lunch.ID)
		admin := env.As("admin@example.org")
		count := func(q string) int {
			var n int
			d.Q().QueryRowContext(ctx, q).Scan(&n)
			return n
		}

		env.As("ed@example.org").Get("/admin/grants/import").Status(t, 403)
		upload(t, admin, "notes.pdf", []byte("%PDF-1.4")).Status(t, 422).Contains(t, "There is a problem")
		upload(t, admin, "broken.json", []byte(`{"grants": [{"id": "x"}]}`)).Status(t, 422).Contains(t, "none of its 1 grants", "/grants/0: missing")
		res := upload(t, admin, "grants.csv", []byte(csvFile)).Status(t, 200).
			Contains(t, "360Giving CSV", "Grants that would be added</dt><dd>3", "Award Date: &#34;01/02/2012&#34; is not a date", "not counted in GBP totals")
		if n := count(`SELECT COUNT(*) FROM grants`); n != 0 {
			t.Fatalf("the preview wrote %d grants", n)
		}
		form := res.Form(t, "/admin/grants/import/confirm")
		tampered := url.Values{"upload": form["upload"], "sha256": {strings.Repeat("0", 64)}}
		admin.PostForm("/admin/grants/import/confirm", tampered).Status(t, 422).Contains(t, "changed after it was checked")
		r := admin.PostForm("/admin/grants/import/confirm", form).Status(t, 303)
		if r.Location() != "/admin/grants/matches" {
			t.Fatalf("confirm went to %q", r.Location())
		}
		if n := count(`SELECT COUNT(*) FROM grants`); n != 3 {
			t.Fatalf("%d grants imported", n)
		}
		page := admin.Get("/admin/grants/matches").Status(t, 200).Contains(t, "Marton Mens Shed", "Marton Men&#39;s Shed", "same postcode FY4 4AA")
		id := regexp.MustCompile(`/admin/grants/matches/(\d+)"`).FindStringSubmatch(page.Body)
		if id == nil {
			t.Fatal("no proposal form")
		}
		admin.PostForm("/admin/grants/matches/"+id[1], url.Values{"decision": {"confirm"}}).Status(t, 303)
		if n := count(`SELECT COUNT(*) FROM grants WHERE match_method = 'confirmed'`); n != 1 {
			t.Fatalf("%d grants matched by confirmation", n)
		}
		admin.PostForm("/admin/grants/matches/"+id[1], url.Values{"decision": {"reject"}}).Status(t, 303)
		if n := count(`SELECT COUNT(*) FROM grant_match_proposals WHERE status = 'confirmed'`); n != 1 {
			t.Fatalf("a decided match changed")
		}
		// Re-importing the same file changes nothing, the confirmed match included.
		upload(t, admin, "grants.csv", []byte(csvFile)).Status(t, 200).Contains(t, "Already up to date</dt><dd>3", "nothing to import")

		anon := env.Anon()
		anon.Get("/funding").Status(t, 200).Contains(t, "Fylde Fund", "£3,700", "1 grants were awarded in another currency")
		anon.Get("/funding/wards").Status(t, 200).Contains(t, "Marton", "Beneficiary location", "Layton", "Recipient's wards in the directory")
		anon.Get("/funding/themes").Status(t, 200).Contains(t, "Older people and independent living")
		anon.Get("/funding/organisations/"+lunch.Slug).Status(t, 200).Contains(t, "Lunch club", "£2,500", "900 USD")
		anon.Get("/funding/grants?ward=Marton").Status(t, 200).Contains(t, "Shed tools").NotContains(t, "Lunch club")
		anon.Get("/funding/grants?ward=Atlantis&year=12").Status(t, 200).Contains(t, "Select a ward from the list", "Enter a year as four digits")
		anon.Get("/funding/grants?ward=Atlantis&format=csv").Status(t, 422)
		csv := anon.Get("/funding/grants?funder=GB-CHC-1000147&format=csv").Status(t, 200)
		if strings.Count(csv.Body, "\n360G-W-") != 3 {
			t.Errorf("CSV:\n%s", csv.Body)
		}
		anon.Get("/directory/"+lunch.Slug).Status(t, 200).Contains(t, "/funding/organisations/"+lunch.Slug)
	})
}
