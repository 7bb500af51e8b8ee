package directory_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

func TestAdminTaxonomy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		env.User("ed@example.org", false)
		org := env.Org("Talbot Youth Project", "vcs", map[string]string{"ed@example.org": "owner"})
		admin := env.As("admin@example.org")
		env.As("ed@example.org").Get("/admin/taxonomy").Status(t, 403)
		env.As("ed@example.org").PostForm("/admin/taxonomy", url.Values{"vocabulary": {"service"}, "name": {"Sneaky"}}).Status(t, 403)
		admin.Get("/admin/taxonomy").Status(t, 200).Contains(t, "Themes", "Services", "Client groups", "Mental health", "NI 150", "PHOF 2.23", "mental-health")
		admin.Get("/admin/taxonomy/new?vocabulary=nonsense").Status(t, 404)
		admin.Get("/admin/taxonomy/new?vocabulary=service").Status(t, 200).Contains(t, "Add a service")

		// Add a service: bad input names its fields; then the code comes from the name.
		admin.PostForm("/admin/taxonomy", url.Values{"vocabulary": {"service"}, "name": {""}, "code": {"Not A Code"}, "ni_codes": {"NI 1"}, "position": {"x"}}).
			Status(t, 422).Contains(t, "Position must be a whole number", "Enter the term&#39;s name")
		admin.PostForm("/admin/taxonomy", url.Values{"vocabulary": {"service"}, "name": {""}, "code": {"Not A Code"}, "ni_codes": {"NI 1"}}).
			Status(t, 422).Contains(t, "Enter the term&#39;s name", "Code must be lower-case", "Only themes carry National Indicator codes")
		admin.PostForm("/admin/taxonomy", url.Values{"vocabulary": {"service"}, "name": {"Digital skills <b>support</b>"}}).Status(t, 303)
		term, err := taxonomy.ByCode(ctx, d.Q(), "service", "digital-skills-b-support-b")
		if err != nil {
			t.Fatal(err)
		}
		admin.Get("/admin/taxonomy").Status(t, 200).Contains(t, "Digital skills &lt;b&gt;support&lt;/b&gt;")
		path := "/admin/taxonomy/" + itoa(term.ID)

		// Edit: a changed code is ignored; the rest is saved and audited.
		admin.Get(path).Status(t, 200).Contains(t, "digital-skills-b-support-b", "codes never change")
		admin.PostForm(path, url.Values{"name": {"Digital skills"}, "code": {"hacked"}, "description": {"Getting people online"}, "position": {"2"}}).Status(t, 303)
		got, _ := taxonomy.Get(ctx, d.Q(), term.ID)
		if got.Name != "Digital skills" || got.Code != "digital-skills-b-support-b" || got.Position != 2 || got.Description != "Getting people online" {
			t.Fatalf("edited: %+v", got)
		}
		theme, _ := taxonomy.ByCode(ctx, d.Q(), "theme", "drugs-alcohol")
		admin.PostForm("/admin/taxonomy/"+itoa(theme.ID), url.Values{"name": {theme.Name}, "ni_codes": {"NI 39, ni40, PHOF"}, "crosswalk": {theme.Crosswalk}, "position": {"3"}}).
			Status(t, 422).Contains(t, "Enter National Indicator codes like NI 39; NI 40")
		admin.PostForm("/admin/taxonomy/"+itoa(theme.ID), url.Values{"name": {theme.Name}, "ni_codes": {"NI 39, ni40"}, "crosswalk": {"PHOF C19; OHID recovery"}, "position": {"3"}}).Status(t, 303)
		theme, _ = taxonomy.Get(ctx, d.Q(), theme.ID)
		if theme.NICodes != "NI 39; NI 40" || theme.Crosswalk != "PHOF C19; OHID recovery" {
			t.Fatalf("theme: %+v", theme)
		}

		// An organisation holds the term; then it is retired (with a confirmation page).
		tok := newToken(t, env, "ed@example.org", "t")
		bearer(env, tok).SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{"services": []string{got.Code, "youth-work"}}).Status(t, 200)
		admin.Get(path+"/retire").Status(t, 200).Contains(t, "Are you sure you want to retire", "1 in org_terms")
		admin.PostForm(path+"/retire", nil).Status(t, 303)
		got, _ = taxonomy.Get(ctx, d.Q(), term.ID)
		if !got.Retired {
			t.Fatal("not retired")
		}
		admin.Get("/admin/taxonomy").Status(t, 200).Contains(t, "Retired")
		opt := `<option value="` + itoa(term.ID) + `">Digital skills</option>`
		env.Anon().Get("/directory").Status(t, 200).NotContains(t, opt)
		// The organisation keeps it; nobody can newly add it.
		var o apiOrg
		env.Anon().Get("/api/v1/organizations/"+org.Slug).Status(t, 200).JSON(t, &o)
		if len(o.Services) != 2 {
			t.Fatalf("services after retiring: %v", o.Services)
		}
		bearer(env, tok).SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{"description": "still here"}).Status(t, 200)
		other := env.Org("Other Group", "vcs", map[string]string{"ed@example.org": "owner"})
		p := isProblem(t, bearer(env, tok).SendJSON("PATCH", "/api/v1/organizations/"+other.Slug, map[string]any{"services": []string{got.Code}}), 422)
		if !strings.Contains(p.fields()["services"], "retired") {
			t.Errorf("%+v", p)
		}
		// Bring it back.
		admin.PostForm(path+"/unretire", nil).Status(t, 303)
		env.Anon().Get("/directory").Status(t, 200).Contains(t, opt)
		got, _ = taxonomy.Get(ctx, d.Q(), term.ID)
		if got.Retired {
			t.Fatal("still retired")
		}
		// Renamed, the service finds its organisations under the new name.
		env.Anon().Get("/directory?q=cybernaut").Status(t, 200).NotContains(t, "Talbot Youth Project")
		admin.PostForm(path, url.Values{"name": {"Cybernaut inclusion"}, "description": {"Getting people online"}, "position": {"2"}}).Status(t, 303)
		env.Anon().Get("/directory?q=cybernaut").Status(t, 200).Contains(t, "Talbot Youth Project")
		env.Anon().Get("/directory?q=talbot+youth&sector=vcs").Status(t, 200).Contains(t, "Talbot Youth Project") // the rest of its document is kept
		var n int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'taxonomy.%'`).Scan(&n)
		if n != 6 {
			t.Errorf("%d taxonomy audit rows, want 6", n)
		}
		admin.Get("/admin/taxonomy/999999").Status(t, 404)
	})
}

// upload posts a file to the import page.
func upload(t *testing.T, c *apptest.Client, name string, content []byte) *apptest.Response {
	t.Helper()
	return c.Upload("/admin/import", "file", name, content, nil)
}

const uploadCSV = `identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band
GB-CHC-1090095,Layton Lunch Club,vcs,charity,FY3 7AA,Layton,befriending,older-people,Hot lunches,https://layton.example.org,10k_100k
GB-CHC-279417,Marton Men's Shed,vcs,cio,fy4 4aa,Marton,peer-support,,A shed,,under_10k
GB-CHC-1173575,Bad Postcode Trust,vcs,charity,NOPE,,,,,,
`

func TestAdminImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		env.User("ed@example.org", false)
		admin := env.As("admin@example.org")
		count := func() int {
			var n int
			d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n)
			return n
		}
		env.As("ed@example.org").Get("/admin/import").Status(t, 403)
		upload(t, env.As("ed@example.org"), "orgs.csv", []byte(uploadCSV)).Status(t, 403)
		admin.Get("/admin/import").Status(t, 200).Contains(t, "Import organisations", `type="file"`)

		// Bad files: a clear message on the form.
		upload(t, admin, "empty.csv", []byte("  \n")).Status(t, 422).Contains(t, "The selected file is empty")
		upload(t, admin, "wrong.csv", []byte("foo,bar\n1,2\n")).Status(t, 422).Contains(t, "missing the columns")
		admin.Do("POST", "/admin/import", strings.NewReader("x=1"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}).Status(t, 422).Contains(t, "Select a CSV or JSON file")
		big := append([]byte(uploadCSV), bytes.Repeat([]byte("#"), 21<<20)...)
		upload(t, admin, "big.csv", big).Status(t, 413)

		// Preview: counts, each row, every rejected line; nothing written.
		before := count()
		page := upload(t, admin, "orgs.csv", []byte(uploadCSV)).Status(t, 200).
			Contains(t, "Check the import", "orgs.csv", "Layton Lunch Club", "Marton Men&#39;s Shed", "GB-CHC-279417", "New", "postcode: Enter a real postcode").Body
		if count() != before {
			t.Fatal("the preview wrote organisations")
		}
		if !strings.Contains(page, `<dt>Organisations that would be added</dt><dd>2</dd>`) || !strings.Contains(page, `<th scope="row" class="num">4</th>`) {
			t.Fatalf("preview:\n%s", page)
		}
		form := url.Values{}
		for _, k := range []string{"upload", "sha256", "filename"} {
			m := regexp.MustCompile(`name="` + k + `" value="([^"]*)"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no %s in the confirm form", k)
			}
			form.Set(k, m[1])
		}
		stored := filepath.Join(env.App.Web.Config.DataDir, "uploads", "imports", form.Get("upload"))
		if b, err := os.ReadFile(stored); err != nil || string(b) != uploadCSV {
			t.Fatalf("stored upload: %v", err)
		}

		// The confirm step imports exactly the previewed bytes.
		tampered := url.Values{"upload": {form.Get("upload")}, "sha256": {strings.Repeat("0", 64)}, "filename": {"orgs.csv"}}
		admin.PostForm("/admin/import/confirm", tampered).Status(t, 409)
		admin.PostForm("/admin/import/confirm", url.Values{"upload": {"../../partnerhub.db"}, "sha256": {form.Get("sha256")}}).Status(t, 404)
		env.As("ed@example.org").PostForm("/admin/import/confirm", form).Status(t, 403)
		if count() != before {
			t.Fatal("a refused confirm wrote organisations")
		}
		admin.PostForm("/admin/import/confirm", form).Status(t, 200).Contains(t, "Import finished", "2 organisations added", "postcode: Enter a real postcode")
		if count() != before+2 {
			t.Fatalf("%d organisations, want %d", count(), before+2)
		}
		if _, err := os.Stat(stored); !os.IsNotExist(err) {
			t.Errorf("the upload was kept after the import: %v", err)
		}
		admin.PostForm("/admin/import/confirm", form).Status(t, 404).Contains(t, "Upload the file again")
		env.Anon().Get("/directory?q=lunches").Status(t, 200).Contains(t, "Layton Lunch Club")

		// Re-uploading the same file: both rows already listed, nothing to import.
		upload(t, admin, "orgs.csv", []byte(uploadCSV)).Status(t, 200).Contains(t, "Already listed", "There is nothing to import")

		var acts []string
		rows, _ := d.Q().QueryContext(ctx, `SELECT action FROM audit_log WHERE object_type = 'import_upload' ORDER BY id`)
		for rows.Next() {
			var a string
			rows.Scan(&a)
			acts = append(acts, a)
		}
		rows.Close()
		if strings.Join(acts, " ") != "directory.import_preview directory.import_upload directory.import_preview" {
			t.Errorf("audit: %v", acts)
		}

		// ORUK JSON works the same way.
		oruk := `{"contents":[{"name":"Grange Park Pantry","description":"Food","organization_identifiers":[{"identifier_scheme":"GB-CHC","identifier":"1000001"}]}]}`
		upload(t, admin, "oruk.json", []byte(oruk)).Status(t, 200).Contains(t, "Open Referral UK JSON", "Grange Park Pantry", "New")
	})
}
