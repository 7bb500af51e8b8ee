package uploads_test

import (
	"archive/zip"
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"partnerhub/internal/apperr"
	"partnerhub/internal/uploads"
)

var evidence = []uploads.Type{uploads.PDF, uploads.PNG, uploads.JPEG, uploads.Text, uploads.CSV, uploads.DOCX, uploads.XLSX}

// office builds a zip with the given entries (name -> content).
func office(t *testing.T, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	docxTypes = [2]string{"[Content_Types].xml", `<Types><Default Extension="xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`}
	docxBody  = [2]string{"word/document.xml", "<w:document/>"}
)

func TestSniffNamesFilesFromTheirContent(t *testing.T) {
	cases := []struct {
		name    string
		content []byte
		want    uploads.Type
		display string
	}{
		{"report.html", []byte("Quarterly figures <script>alert(1)</script>"), uploads.Text, "report.txt"},
		{"shell.php", []byte("<?php system($_GET['c']); ?>"), uploads.Text, "shell.txt"},
		{"invoice\u202egpj.exe", []byte("%PDF-1.4\n%%EOF"), uploads.PDF, "invoicegpj.pdf"},
		{"figures.csv", []byte("a,b\n1,2\n"), uploads.CSV, "figures.csv"},
		{`C:\Users\me\Règlement 2024.docx`, office(t, docxTypes, docxBody), uploads.DOCX, "Règlement_2024.docx"},
		{"book.zip", office(t, [2]string{"[Content_Types].xml", "<Types/>"}, [2]string{"xl/workbook.xml", "<workbook/>"}), uploads.XLSX, "book.xlsx"},
		{"\u2066\u202e", []byte("%PDF-1.4\n%%EOF"), uploads.PDF, "evidence.pdf"},
	}
	for _, c := range cases {
		got, err := uploads.Sniff(c.name, c.content, evidence)
		if err != nil {
			t.Errorf("%q: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%q sniffed as %v, want %v", c.name, got, c.want)
		}
		if d := uploads.DisplayName(c.name, got, "evidence"); d != c.display {
			t.Errorf("%q displayed as %q, want %q", c.name, d, c.display)
		}
	}
}

func TestSniffRefusesDangerousFiles(t *testing.T) {
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	zw.Create(docxTypes[0])
	w, _ := zw.Create("word/document.xml")
	zeros := make([]byte, 1<<20)
	for range 40 { // 40 MB of zeros: about 40 KB compressed
		w.Write(zeros)
	}
	zw.Close()
	cases := map[string][]byte{
		"html page":        []byte("<html><script>alert(1)</script></html>"),
		"windows program":  []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00binary"),
		"macro document":   office(t, docxTypes, docxBody, [2]string{"word/vbaProject.bin", "VBA"}),
		"macro type":       office(t, [2]string{"[Content_Types].xml", `<Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>`}, docxBody),
		"program inside":   office(t, docxTypes, docxBody, [2]string{"word/media/setup.exe", "MZ\x90\x00"}),
		"disguised inside": office(t, docxTypes, docxBody, [2]string{"word/media/image1.png", "\x7fELF\x02\x01"}),
		"path entry":       office(t, docxTypes, docxBody, [2]string{"../../evil.xml", "x"}),
		"absolute entry":   office(t, docxTypes, docxBody, [2]string{"/etc/cron.d/x", "x"}),
		"zip bomb":         bomb.Bytes(),
		"plain zip":        office(t, [2]string{"notes.txt", "hello"}),
		"empty":            {},
	}
	for name, b := range cases {
		_, err := uploads.Sniff(name+".docx", b, evidence)
		if err == nil || apperr.Code(err) != apperr.EINVALID {
			t.Errorf("%s: accepted (err %v)", name, err)
		}
	}
	// Among textual types the extension only chooses; a program is no text.
	imports := []uploads.Type{uploads.CSV, uploads.JSON}
	for name, want := range map[string]uploads.Type{"orgs.json": uploads.JSON, "orgs.csv": uploads.CSV, "orgs.txt": uploads.CSV} {
		if got, err := uploads.Sniff(name, []byte(`{"a": 1}`), imports); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", name, got, err, want)
		}
	}
	if _, err := uploads.Sniff("orgs.csv", []byte("\x7fELF\x02\x01\x01\x00"), imports); err == nil {
		t.Error("a program named .csv was accepted")
	}
	// An allowed type that is not on this field's list is refused too.
	if _, err := uploads.Sniff("a.png", []byte("\x89PNG\r\n\x1a\n0000"), []uploads.Type{uploads.PDF}); err == nil || !strings.Contains(apperr.Message(err), "must be a PDF file") {
		t.Errorf("PNG where only PDF is allowed: %v", err)
	}
}

func multipartRequest(t *testing.T, limit int64, fields [][2]string, file string, content []byte) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields[:1] {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("document", file)
	fw.Write(content)
	for _, f := range fields[1:] {
		mw.WriteField(f[0], f[1])
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/up", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
	return r
}

func TestOversizedFileIsAnsweredOnTheFormWithFieldsKept(t *testing.T) {
	pol := uploads.Policy{Field: "document", Max: 1 << 10, Types: []uploads.Type{uploads.PDF}, Fallback: "document"}
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 4<<10)...)
	// Over the field's limit, within the body limit: fields on both sides kept.
	r := multipartRequest(t, 64<<10, [][2]string{{"title", "Agreement"}, {"note", "after"}}, "a.pdf", big)
	form, err := uploads.ReadForm(r, pol.Max)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pol.Check(form)
	if !uploads.TooLarge(err) || uploads.Status(err) != 413 || apperr.Fields(err)[0].Field != "document" || apperr.Fields(err)[0].Message != "The selected file must be smaller than 1 KB" {
		t.Fatalf("check: %v %v", err, apperr.Fields(err))
	}
	if r.PostForm.Get("title") != "Agreement" || r.PostForm.Get("note") != "after" {
		t.Fatalf("fields lost: %v", r.PostForm)
	}
	// Past the server's body limit: what came before the file is kept.
	r = multipartRequest(t, 2<<10, [][2]string{{"title", "Agreement"}}, "a.pdf", big)
	form, err = uploads.ReadForm(r, 100<<10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pol.Check(form); !uploads.TooLarge(err) || r.PostForm.Get("title") != "Agreement" {
		t.Fatalf("cut body: %v, %v", err, r.PostForm)
	}
	// No file chosen: a field error, 422.
	r = multipartRequest(t, 64<<10, [][2]string{{"title", "Agreement"}}, "", nil)
	form, _ = uploads.ReadForm(r, pol.Max)
	if _, err := pol.Check(form); uploads.Status(err) != 422 || apperr.Fields(err)[0].Message != "Select a file to upload" {
		t.Fatalf("no file: %v", err)
	}
	if h := pol.Hint(); h != "A PDF file, up to 1 KB." {
		t.Errorf("hint %q", h)
	}
}

func TestDispositionIsAnAttachmentWithSafeNames(t *testing.T) {
	for name, want := range map[string]string{
		"report.pdf":     `attachment; filename=report.pdf`,
		`a"b.pdf`:        `attachment; filename=a_b.pdf`,
		"Règlement.docx": `attachment; filename=R_glement.docx; filename*=utf-8''R%C3%A8glement.docx`,
	} {
		if got := uploads.Disposition(name); got != want {
			t.Errorf("%q: %s, want %s", name, got, want)
		}
	}
}
