package opportunities_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/opportunities"
)

func tenderForm(closes time.Time) url.Values {
	return url.Values{
		"title": {"Independent advocacy service"}, "kind": {"tender"}, "description": {"Advocacy for adults."},
		"procedure": {"open"}, "contact_name": {"Carol Council"}, "contact_email": {"carol@example.org"},
		"value_min": {"250,000"}, "value_max": {"320000"},
		"questions_close": {closes.AddDate(0, 0, -7).Format(time.DateOnly)}, "questions_close_time": {"17:00"},
		"submission_deadline": {closes.Format(time.DateOnly)}, "submission_deadline_time": {"12:00"},
		"cpv": {"85311000-2"}, "suitable_vcse": {"yes"},
		"lots": {"2"}, "lot_title_0": {"Care Act advocacy"}, "lot_value_0": {"150000"}, "lot_description_0": {""},
		"lot_title_1": {""}, "lot_value_1": {""}, "lot_description_1": {""},
		"reqs": {"2"}, "req_kind_0": {"service"}, "req_code_0": {"advice-advocacy"}, "req_lot_0": {""}, "req_mandatory_0": {"mandatory"},
		"req_kind_1": {"policy"}, "req_code_1": {"safeguarding"}, "req_lot_1": {"1"}, "req_mandatory_1": {"desirable"},
	}
}

// TestCommissionerPublishesAndCharityRegistersInterest: the form refuses
// bad input keeping everything sent, publishes once fixed, the charity
// finds it in the list and registers interest, and the buyer's list shows
// the charity.
func TestCommissionerPublishesAndCharityRegistersInterest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("council@example.org", false)
		env.User("owner@example.org", false)
		council := env.Org("Blackpool Council", "public", map[string]string{"council@example.org": "owner"})
		charity := env.Org("Blackpool Advocacy", "vcs", map[string]string{"owner@example.org": "owner"})
		c := env.As("council@example.org")
		closes := time.Now().AddDate(0, 1, 0)
		form := tenderForm(closes)
		form.Set("action", "publish")
		bad := url.Values{}
		for k, v := range form {
			bad[k] = append([]string(nil), v...)
		}
		bad.Set("value_min", "400000")
		bad.Set("cpv", "8531100-2")
		bad.Set("lot_value_1", "5000") // a lot without a title
		bad.Set("submission_deadline", time.Now().AddDate(0, 0, -2).Format(time.DateOnly))
		bad.Set("questions_close", time.Now().AddDate(0, 0, -9).Format(time.DateOnly))
		c.PostForm("/orgs/"+council.Slug+"/opportunities/new", bad).Status(t, 422).
			Contains(t, `href="#value_max"`, `href="#cpv"`, `href="#lot_title_1"`, `href="#submission_deadline"`).Kept(t, "", bad, "action", "add")
		// "Add another requirement" shows one more row and keeps the rest.
		more := url.Values{}
		for k, v := range form {
			more[k] = v
		}
		more.Set("add", "requirement")
		more.Del("action")
		c.PostForm("/orgs/"+council.Slug+"/opportunities/new", more).Status(t, 200).Contains(t, `name="req_kind_2"`).Kept(t, "", form, "action", "add", "reqs", "req_mandatory_2")
		res := c.PostForm("/orgs/"+council.Slug+"/opportunities/new", form).Status(t, 303)
		slug := strings.TrimPrefix(res.Location(), "/opportunities/")
		o, err := opportunities.Get(context.Background(), d.Q(), slug)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != opportunities.StatusOpen || *o.ValueMin != 250_000_00 || len(o.Lots) != 1 || len(o.Requirements) != 2 || o.Requirements[1].LotPosition != 1 || o.Requirements[1].Mandatory {
			t.Fatalf("stored %+v lots %+v reqs %+v", o, o.Lots, o.Requirements)
		}
		// A charity finds it and registers interest.
		ch := env.As("owner@example.org")
		ch.Get("/opportunities?vcse=yes&service=advice-advocacy").Status(t, 200).Contains(t, "Independent advocacy service")
		ch.Get("/opportunities?kind=grant").Status(t, 200).NotContains(t, "Independent advocacy service")
		ch.Get("/opportunities.atom?vcse=yes").Status(t, 200).Contains(t, `<title type="text">Independent advocacy service</title>`)
		ch.Get("/opportunities.ics").Status(t, 200).Contains(t, "SUMMARY:Submission deadline: Independent advocacy service")
		ch.PostForm("/opportunities/"+slug+"/interest", url.Values{"organisation": {itoa(charity.ID)}, "note": {"We lead the advocacy consortium."}}).Status(t, 303)
		c.Get("/orgs/"+council.Slug+"/opportunities/"+slug+"/interests").Status(t, 200).Contains(t, "Blackpool Advocacy", "We lead the advocacy consortium.")
		// The buyer sees each organisation's current quality marks (an
		// expired one is left out).
		for _, qm := range []struct{ name, expires string }{{"PQASSO", "2099-01-01"}, {"Old Mark", "2001-01-01"}} {
			if _, err := d.W().ExecContext(context.Background(), `INSERT INTO org_quality_marks (organisation_id, name, level, expires_on) VALUES ($1, $2, 'Level 2', $3)`, charity.ID, qm.name, qm.expires); err != nil {
				t.Fatal(err)
			}
		}
		c.Get("/orgs/"+council.Slug+"/opportunities/"+slug+"/interests?format=csv").Status(t, 200).Contains(t, "Blackpool Advocacy", "PQASSO (Level 2)").NotContains(t, "Old Mark")
		// The charity cannot manage the council's opportunity.
		if r := ch.Get("/orgs/" + council.Slug + "/opportunities/" + slug + "/interests"); r.Code == 200 {
			t.Fatal("the charity sees the buyer's list")
		}
		// Documents are checked by content; adding one is an amendment.
		upload := func(name string, body []byte) *apptest.Response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("title", "Specification")
			fw, _ := mw.CreateFormFile("document", name)
			fw.Write(body)
			mw.Close()
			return c.Do("POST", "/orgs/"+council.Slug+"/opportunities/"+slug+"/documents", &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
		}
		upload("spec.pdf", []byte("MZ\x90\x00 not a pdf")).Status(t, 422).Contains(t, `href="#document"`)
		loc := upload("spec.txt", []byte("The service specification.\n")).Status(t, 303).Location()
		page := ch.Get("/opportunities/"+slug).Status(t, 200).Contains(t, "Document added: Specification").Body
		i := strings.Index(page, "/opportunities/"+slug+"/documents/")
		if i < 0 || !strings.HasSuffix(loc, "#documents") {
			t.Fatalf("no document link (redirect %s)", loc)
		}
		href := page[i : i+strings.IndexByte(page[i:], '"')]
		ch.Get(href).Status(t, 200).Contains(t, "The service specification.")
		// The buyer can withdraw it, after a confirmation; the withdrawal is
		// an amendment and the file leaves the disk. Others cannot.
		docID := href[strings.LastIndexByte(href, '/')+1:]
		var stored string
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT stored_name FROM opportunity_documents WHERE id = $1`, docID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(env.App.Config.UploadDir(), "opportunities", stored)
		if _, err := os.Stat(file); err != nil {
			t.Fatalf("the uploaded file: %v", err)
		}
		withdraw := "/orgs/" + council.Slug + "/opportunities/" + slug + "/documents/" + docID + "/withdraw"
		c.Get("/opportunities/"+slug).Status(t, 200).Contains(t, `href="`+withdraw+`"`)
		ch.Get("/opportunities/"+slug).Status(t, 200).NotContains(t, withdraw)
		c.Get(withdraw).Status(t, 200).Contains(t, "Are you sure you want to withdraw Specification?", "Withdraw the document")
		if r := ch.PostForm(withdraw, url.Values{}); r.Code == 303 {
			t.Fatal("the charity withdrew the council's document")
		}
		c.PostForm(withdraw, url.Values{}).Status(t, 303)
		ch.Get("/opportunities/"+slug).Status(t, 200).Contains(t, "Document withdrawn: Specification")
		ch.Get(href).Status(t, 404)
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Errorf("the withdrawn document's file is still on disk (%v)", err)
		}
		// A change to the published opportunity is an amendment.
		form.Del("action")
		form.Set("submission_deadline", closes.AddDate(0, 0, 7).Format(time.DateOnly))
		form.Set("amendment", "Deadline extended by a week")
		c.PostForm("/orgs/"+council.Slug+"/opportunities/"+slug+"/edit", form).Status(t, 303)
		ch.Get("/opportunities/"+slug).Status(t, 200).Contains(t, "Deadline extended by a week")
		// Cancelling asks first, and needs a reason.
		c.Get("/orgs/"+council.Slug+"/opportunities/"+slug+"/cancel").Status(t, 200).Contains(t, "Yes, cancel the opportunity")
		c.PostForm("/orgs/"+council.Slug+"/opportunities/"+slug+"/cancel", url.Values{}).Status(t, 422).Contains(t, `href="#reason"`)
		c.PostForm("/orgs/"+council.Slug+"/opportunities/"+slug+"/cancel", url.Values{"reason": {"Budget withdrawn"}}).Status(t, 303)
		ch.Get("/opportunities/"+slug).Status(t, 200).Contains(t, "Cancelled: Budget withdrawn")
		// A charity cannot publish opportunities.
		ch.Get("/orgs/"+charity.Slug+"/opportunities/new").Status(t, 403)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestAdminPublishesForAnyBuyer: an admin picks a public-sector buyer and
// lands on its new-opportunity form; a buyer that is not public sector is
// refused on the page; others may not use it.
func TestAdminPublishesForAnyBuyer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		env.User("owner@example.org", false)
		council := env.Org("Blackpool Council", "public", nil)
		charity := env.Org("Blackpool Advocacy", "vcs", map[string]string{"owner@example.org": "owner"})
		admin := env.As("admin@example.org")
		admin.Get("/opportunities").Status(t, 200).Contains(t, `href="/opportunities/publish"`)
		env.As("owner@example.org").Get("/opportunities").Status(t, 200).NotContains(t, `href="/opportunities/publish"`)
		admin.Get("/opportunities/publish").Status(t, 200).Contains(t, `<option value="`+council.Slug+`"`).NotContains(t, `<option value="`+charity.Slug+`"`)
		admin.Get("/opportunities/publish?buyer="+charity.Slug).Status(t, 422).Contains(t, "Choose a public-sector organisation from the list")
		if loc := admin.Get("/opportunities/publish?buyer="+council.Slug).Status(t, 303).Location(); loc != "/orgs/"+council.Slug+"/opportunities/new" {
			t.Fatalf("redirected to %s", loc)
		}
		admin.Get("/orgs/"+council.Slug+"/opportunities/new").Status(t, 200)
		if r := env.As("owner@example.org").Get("/opportunities/publish"); r.Code == 200 {
			t.Fatal("a charity owner used the admin's publish-for page")
		}
	})
}
