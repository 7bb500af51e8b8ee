package partnerships_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func upload(c *apptest.Client, path, title, filename string, body []byte) *apptest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("title", title)
	fw, _ := mw.CreateFormFile("document", filename)
	fw.Write(body)
	mw.Close()
	return c.Do("POST", path, &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func TestConsortium(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		env.User("lead@x.org", false)
		env.User("outsider@x.org", false)
		lead := env.Org("Hub Trust", "vcs", map[string]string{"lead@x.org": "owner"})
		env.Org("Spoke Project", "vcs", nil)
		env.Org("Other Org", "vcs", map[string]string{"outsider@x.org": "owner"})

		// Two versions of the definition: the later one is not yet in force.
		admin := env.As("admin@x.org")
		admin.PostForm("/admin/consortium-definition", url.Values{"adopted_on": {"2020-01-01"}, "next_review_on": {"2019-01-01"}, "criteria": {"x"}}).Status(t, 422).Contains(t, "The next review must be after")
		admin.PostForm("/admin/consortium-definition", url.Values{"adopted_on": {"2020-01-01"}, "next_review_on": {"2023-01-01"}, "criteria": {"Has a written agreement\nHas three or more members\n\nMeets twice a year"}}).Status(t, 303)
		future := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
		admin.PostForm("/admin/consortium-definition", url.Values{"adopted_on": {future}, "next_review_on": {time.Now().AddDate(3, 0, 0).Format(time.DateOnly)}, "criteria": {"Future criterion"}}).Status(t, 303)
		env.As("lead@x.org").PostForm("/admin/consortium-definition", url.Values{"adopted_on": {"2020-01-01"}}).Status(t, 403)
		env.Anon().Get("/consortia/definition").Status(t, 200).Contains(t, "Version 1 (in force)", "Has three or more members", "Meets twice a year").NotContains(t, "Version 2 (in force)")

		form := url.Values{"name": {"Hub Consortium"}, "model": {"hub_and_spoke_consortium"}, "status": {"active"}, "visibility": {"members"},
			"origin": {"other"}, "start_date": {"2020-01-01"}, "lead": {itoa(lead.ID)}}
		env.As("lead@x.org").PostForm("/partnerships", form).Status(t, 303)
		env.As("lead@x.org").PostForm("/partnerships/hub-consortium/members", url.Values{"organisation": {"Spoke Project"}, "role": {"member"}}).Status(t, 303)
		page := env.As("lead@x.org").Get("/partnerships/hub-consortium").Status(t, 200).Contains(t, "It meets 0 of the 3 criteria", "days so far")
		// Tick two criteria; set the spoke's tier.
		crit := ids(page.Body, `name="criterion" value="`)
		tiers := ids(page.Body, `name="tier-`)
		if len(crit) != 3 || len(tiers) != 2 {
			t.Fatalf("criteria %v tiers %v", crit, tiers)
		}
		env.As("lead@x.org").PostForm("/partnerships/hub-consortium/consortium", url.Values{"legal_structure": {"cic"}, "registered_id": {"12345678"},
			"criterion": {crit[0], crit[2]}, "tier-" + tiers[1]: {"associate"}, "full_eligibility": {"Third-sector organisations in Blackpool"}}).Status(t, 303)
		env.As("lead@x.org").PostForm("/partnerships/hub-consortium/consortium", url.Values{"legal_structure": {"nonsense"}}).Status(t, 422).Contains(t, "Select the legal structure")
		env.As("lead@x.org").PostForm("/partnerships/hub-consortium/consortium", url.Values{"criterion": {"999999"}}).Status(t, 422)
		env.As("lead@x.org").Get("/partnerships/hub-consortium").Status(t, 200).Contains(t, "It meets 2 of the 3 criteria", "Community interest company", "12345678", `value="associate" selected`)

		// Governance documents: type sniffed, size capped, served as attachments to those who may see.
		upload(env.As("lead@x.org"), "/partnerships/hub-consortium/documents", "Script", "agreement.pdf", []byte("<html><script>alert(1)</script></html>")).Status(t, 422).Contains(t, "must be a PDF")
		upload(env.As("lead@x.org"), "/partnerships/hub-consortium/documents", "Huge", "big.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 6<<20)...)).Status(t, 413)
		upload(env.As("outsider@x.org"), "/partnerships/hub-consortium/documents", "Mine", "a.pdf", []byte("%PDF-1.4\n%%EOF")).Status(t, 404)
		upload(env.As("lead@x.org"), "/partnerships/hub-consortium/documents", "Consortium agreement", "Agreement <v1>.pdf", []byte("%PDF-1.4\nhello\n%%EOF")).Status(t, 303)
		page = env.As("lead@x.org").Get("/partnerships/hub-consortium").Status(t, 200).Contains(t, "Consortium agreement", "Agreement__v1.pdf")
		doc := ids(page.Body, `/partnerships/hub-consortium/documents/`)
		if len(doc) != 1 {
			t.Fatalf("documents %v", doc)
		}
		res := env.As("lead@x.org").Get("/partnerships/hub-consortium/documents/"+doc[0]).Status(t, 200)
		if res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(res.Body, "hello") {
			t.Fatalf("document served as %v", res.Header)
		}
		env.As("outsider@x.org").Get("/partnerships/hub-consortium/documents/"+doc[0]).Status(t, 404)
		env.Anon().Get("/partnerships/hub-consortium/documents/"+doc[0]).Status(t, 404)
		env.Anon().Get("/consortia").Status(t, 200).NotContains(t, "Hub Consortium")
		env.As("lead@x.org").Get("/consortia").Status(t, 200).Contains(t, "Hub Consortium")
	})
}

// ids returns what follows each occurrence of prefix up to a quote or slash-free end.
func ids(body, prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.Split(body, prefix)[1:] {
		end := strings.IndexAny(part, `"&<`)
		if end <= 0 {
			continue
		}
		if v := part[:end]; !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
