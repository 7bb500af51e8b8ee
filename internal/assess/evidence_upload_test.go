package assess_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// areaUpload posts the area page's form as its Upload button for
// indicator sends it: the answers typed on the page and the file.
func areaUpload(c *apptest.Client, id int64, indicator, name string, content []byte, answers url.Values) *apptest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range answers {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	mw.WriteField("indicator", indicator)
	fw, _ := mw.CreateFormFile("file_"+indicator, name)
	fw.Write(content)
	mw.Close()
	return c.Do("POST", fmt.Sprintf("/assessments/%d/evidence", id), &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func TestEvidenceUploadKeepsTheAnswersTypedOnThePage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("lead@x.test", false)
		lead := env.Org("Lead Org", "vcs", map[string]string{"lead@x.test": "owner"})
		pid := partnership(t, env, "Fylde Care Consortium", "lead_contractor_consortium", lead)
		c := env.As("lead@x.test")
		id := assessmentID(t, c.PostForm("/quality-mark/apply", url.Values{"subject": {fmt.Sprintf("partnership:%d", pid)}}).Status(t, 303).Location())
		area := fmt.Sprintf("/assessments/%d/areas/purpose", id)
		c.Get(area).Status(t, 200).Contains(t, "PDF, PNG, JPEG, plain text, CSV, Word (.docx) or Excel (.xlsx) file, up to 10 MB.", `formaction="/assessments/`)
		typed := url.Values{"form": {"answers"}, "r_pur_statement": {"1"}, "c_pur_statement": {"Our statement is on the website"}}

		// Too large: answered on the area page, 413, with the answers kept.
		big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 10<<20)...)
		areaUpload(c, id, "pur_statement", "minutes.pdf", big, typed).Status(t, 413).
			Contains(t, "The selected file must be smaller than 10 MB", "Our statement is on the website", `href="#file_pur_statement"`, "Sign out")

		// A web page named .html is kept as the text it is, named .txt.
		areaUpload(c, id, "pur_statement", "report.html", []byte("Minutes <script>alert(1)</script>"), typed).Status(t, 303)
		page := c.Get(area).Status(t, 200)
		if !strings.Contains(page.Body, "Our statement is on the website") || !strings.Contains(page.Body, `value="1" checked`) {
			t.Fatal("the answers typed on the page were lost by the upload")
		}
		var eid int64
		var stored string
		d.Q().QueryRowContext(env.Ctx, `SELECT id, storage_name FROM assess_evidence WHERE assessment_id = $1`, id).Scan(&eid, &stored)
		dl := c.Get(fmt.Sprintf("/assessments/%d/evidence/%d", id, eid)).Status(t, 200)
		if cd := dl.Header.Get("Content-Disposition"); cd != "attachment; filename=report.txt" || dl.Header.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.HasSuffix(stored, ".txt") {
			t.Fatalf("served as %q %q, stored as %q", cd, dl.Header.Get("Content-Type"), stored)
		}

		// A macro-enabled document posing as .docx is refused on the form.
		var doc bytes.Buffer
		zw := zip.NewWriter(&doc)
		for _, n := range []string{"[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"} {
			w, _ := zw.Create(n)
			w.Write([]byte("<x/>"))
		}
		zw.Close()
		areaUpload(c, id, "pur_statement", "plan.docx", doc.Bytes(), typed).Status(t, 422).Contains(t, "a macro, a program")
	})
}

// A framework file goes through the uploads piece too: over 2 MB it is
// refused on the page (it used to be cut at 2 MB and read as broken JSON),
// and only JSON is read.
func TestFrameworkFileImportIsCheckedAsAnUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.test", true)
		post := func(name string, content []byte) *apptest.Response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(content)
			mw.Close()
			return env.As("admin@x.test").Do("POST", "/admin/frameworks/import", &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
		}
		big := []byte(`{"name": "` + strings.Repeat("x", 3<<20) + `"}`)
		post("big.json", big).Status(t, 413).Contains(t, "The selected file must be smaller than 2 MB")
		post("fw.json", []byte("\x89PNG\r\n\x1a\n0000")).Status(t, 422).Contains(t, "must be a JSON file")
		post("fw.json", []byte(`{"name": "x"`)).Status(t, 422)
	})
}
