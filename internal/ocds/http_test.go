package ocds_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/ocds"
	"partnerhub/internal/opportunities"
)

func upload(t *testing.T, c *apptest.Client, name string, content []byte) *apptest.Response {
	t.Helper()
	return c.Upload("/admin/ocds/import", "file", name, content, nil)
}

func countRows(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAdminOCDSImportPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		env.User("ed@example.org", false)
		admin := env.As("admin@example.org")
		fts, err := os.ReadFile("testdata/find-a-tender-style.json")
		if err != nil {
			t.Fatal(err)
		}
		env.As("ed@example.org").Get("/admin/ocds/import").Status(t, 403)
		upload(t, env.As("ed@example.org"), "fts.json", fts).Status(t, 403)
		admin.Get("/admin/ocds/import").Status(t, 200).Contains(t, "Import OCDS notices", `type="file"`, "partnerhub import ocds FILE")

		// Bad files: a clear message on the form, linked from the error
		// summary, and nothing written.
		orgs := countRows(t, d, "organisations")
		upload(t, admin, "bad.json", []byte(`{"releases": [}`)).Status(t, 422).
			Contains(t, "There is a problem", `href="#file"`, "not JSON", "line 1, column 15")
		upload(t, admin, "list.json", []byte(`[1, 2]`)).Status(t, 422).Contains(t, "not an OCDS package")
		upload(t, admin, "broken.json", bytes.Replace(fts, []byte(`"version": "1.1"`), []byte(`"version": "one"`), 1)).Status(t, 422).
			Contains(t, "$.version")
		upload(t, admin, "notes.pdf", []byte("%PDF-1.4 nothing")).Status(t, 422)
		admin.Do("POST", "/admin/ocds/import", strings.NewReader("x=1"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}).Status(t, 422)

		// Preview: the notice, its buyer added; nothing written.
		page := upload(t, admin, "fts.json", fts).Status(t, 200).
			Contains(t, "Check the OCDS import", "Independent advocacy services for adults", "Blackpool Borough Council", "Added to the directory", "GB-LAE-BPL").Body
		if countRows(t, d, "opportunities") != 0 || countRows(t, d, "ocds_releases") != 0 || countRows(t, d, "organisations") != orgs {
			t.Fatal("the preview wrote something")
		}
		form := url.Values{}
		for _, k := range []string{"upload", "sha256", "filename"} {
			m := regexp.MustCompile(`name="` + k + `" value="([^"]*)"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no %s in the confirm form", k)
			}
			form.Set(k, m[1])
		}
		env.As("ed@example.org").PostForm("/admin/ocds/import/confirm", form).Status(t, 403)
		tampered := url.Values{"upload": {form.Get("upload")}, "sha256": {strings.Repeat("0", 64)}, "filename": {"fts.json"}}
		admin.PostForm("/admin/ocds/import/confirm", tampered).Status(t, 409)
		admin.PostForm("/admin/ocds/import/confirm", form).Status(t, 200).Contains(t, "OCDS import finished", "1 opportunities added")
		if countRows(t, d, "opportunities") != 1 || countRows(t, d, "ocds_releases") != 1 || countRows(t, d, "organisations") != orgs+1 {
			t.Fatal("the confirmed import did not write the notice and its buyer")
		}
		admin.PostForm("/admin/ocds/import/confirm", form).Status(t, 404).Contains(t, "Upload the file again")
		// The same file again: nothing to import.
		upload(t, admin, "fts.json", fts).Status(t, 200).Contains(t, "Already imported", "There is nothing to import")
		o, err := opportunities.GetByOCID(context.Background(), d.Q(), "ocds-h6vhtk-0a1b2c")
		if err != nil || o.BuyerName != "Blackpool Borough Council" || len(o.Lots) != 2 {
			t.Fatalf("imported %+v %v", o, err)
		}
		env.Anon().Get("/opportunities/"+o.Slug).Status(t, 200).Contains(t, "Independent advocacy services for adults", "IMHA advocacy")
	})
}

func TestOCDSAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		buyer := env.Org("Blackpool Council", "public", nil)
		store := env.App.Opportunities.Store
		var ocids []string
		err := d.Write(ctx, func(tx *db.Tx) error {
			for i, title := range []string{"Advocacy", "Wellbeing grants", "Recovery service"} {
				now := time.Now().UTC()
				close := now.AddDate(0, 1, i)
				o := &opportunities.Opportunity{Kind: "tender", Title: title, BuyerID: buyer.ID, SubmissionDeadline: &close, Procedure: "open"}
				if err := store.Create(ctx, tx, o, 0); err != nil {
					return err
				}
				if err := store.Publish(ctx, tx, o.ID, 0); err != nil {
					return err
				}
				ocids = append(ocids, o.OCID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		anon := env.Anon()
		r := anon.Get("/api/ocds/releases?limit=2").Status(t, 200)
		if r.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Error("no CORS header")
		}
		if probs := ocds.ValidateReleasePackage([]byte(r.Body)); probs != nil {
			t.Fatalf("invalid package: %v", probs)
		}
		var pkg ocds.ReleasePackage
		r.JSON(t, &pkg)
		if len(pkg.Releases) != 2 || pkg.Links == nil || !strings.HasPrefix(pkg.Links.Next, "http://partnerhub.test/api/ocds/releases?") {
			t.Fatalf("first page: %s", r.Body)
		}
		if !strings.Contains(strings.Join(pkg.Extensions, " "), "ocds_uk_extension") {
			t.Errorf("extensions not declared: %v", pkg.Extensions)
		}
		// Newest first: the last published comes first.
		if !strings.Contains(string(pkg.Releases[0]), ocids[2]) {
			t.Errorf("first release is not the newest: %s", pkg.Releases[0])
		}
		next := anon.Get(strings.TrimPrefix(pkg.Links.Next, "http://partnerhub.test")).Status(t, 200)
		var page2 ocds.ReleasePackage
		next.JSON(t, &page2)
		if len(page2.Releases) != 1 || page2.Links != nil || !strings.Contains(string(page2.Releases[0]), ocids[0]) {
			t.Fatalf("second page: %s", next.Body)
		}
		// updatedFrom: none after tomorrow, all since yesterday.
		tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
		var none ocds.ReleasePackage
		anon.Get("/api/ocds/releases?updatedFrom="+tomorrow).Status(t, 200).JSON(t, &none)
		if len(none.Releases) != 0 {
			t.Errorf("updatedFrom tomorrow gave %d releases", len(none.Releases))
		}
		var all ocds.ReleasePackage
		anon.Get("/api/ocds/releases?updatedFrom="+time.Now().UTC().AddDate(0, 0, -1).Format(time.RFC3339)).Status(t, 200).JSON(t, &all)
		if len(all.Releases) != 3 {
			t.Errorf("updatedFrom yesterday gave %d releases", len(all.Releases))
		}
		anon.Get("/api/ocds/releases?limit=0").Status(t, 422).Contains(t, "limit must be")
		anon.Get("/api/ocds/releases?updatedFrom=soon").Status(t, 422).Contains(t, "updatedFrom must be")
		anon.Get("/api/ocds/releases?cursor=abc").Status(t, 422).Contains(t, "links.next")

		rec := anon.Get("/api/ocds/records/"+ocids[1]).Status(t, 200)
		if probs := ocds.ValidateRecordPackage([]byte(rec.Body)); probs != nil {
			t.Fatalf("invalid record package: %v", probs)
		}
		rec.Contains(t, `"compiledRelease"`, "Wellbeing grants", `"compiled"`)
		anon.Get("/api/ocds/records/ocds-nothing-here").Status(t, 404)
	})
}
