package directory

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

// Admin import upload (/admin/import): an administrator uploads a CSV or
// Open Referral UK JSON file; the existing importer runs in dry-run mode and
// the page previews what would happen; confirming imports exactly the
// previewed bytes. Between the two steps the file is kept server-side under
// <data dir>/uploads/imports with a random name (uploads.Pending, which
// the OCDS import page shares), and the confirm form
// carries that name and the file's SHA-256, which is checked before the
// import (so a changed or swapped file is refused). Uploads not confirmed
// are removed after UploadTTL. With several app processes, the data
// directory must be shared (or the load balancer sticky).

// MaxImportUpload is the largest file the page accepts (the server's
// request body limit may be lower); bigger files go through
// `partnerhub import orgs FILE`.
const MaxImportUpload = 20 << 20

// UploadTTL is how long an unconfirmed upload is kept.
const UploadTTL = 24 * time.Hour

// maxPreviewRows bounds the per-row list on the preview page (the counts
// and every rejected line are always shown in full).
const maxPreviewRows = 2000

func (s *Service) adminImportRoutes() []web.Route {
	return []web.Route{
		web.Get("/admin/import", web.Admin, s.importForm),
		web.Post("/admin/import", web.Admin, s.importPreview),
		web.Post("/admin/import/confirm", web.Admin, s.importConfirm),
	}
}

func (s *Service) uploadLimit() int64 {
	limit := int64(MaxImportUpload)
	if m := s.Web.Config.MaxBodyBytes; m > 0 && m-(64<<10) < limit {
		limit = m - (64 << 10) // room for the multipart envelope
	}
	return limit
}

func (s *Service) uploadDir() string {
	base := s.Web.Config.DataDir
	if strings.TrimSpace(base) == "" {
		base = filepath.Join(os.TempDir(), "partnerhub")
	}
	return filepath.Join(base, "uploads", "imports")
}

func (s *Service) renderImportForm(w http.ResponseWriter, r *http.Request, status int, err error) error {
	return s.Web.Render(w, r, status, "directory/admin_import.html", adminImportView{
		View:    web.View{Title: "Import organisations", Err: err},
		LimitMB: float64(s.uploadLimit()) / (1 << 20),
		Columns: csvColumns,
	})
}

func (s *Service) importForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderImportForm(w, r, http.StatusOK, nil)
}

func fileErr(code string, msg string) error {
	return &apperr.Error{Code: code, Message: msg, Fields: []apperr.FieldError{{Field: "file", Message: msg}}}
}

// readUpload reads the multipart "file" field (a CSV or JSON file by its
// content), at most limit bytes, through the uploads piece.
func readUpload(r *http.Request, limit int64) ([]byte, string, error) {
	pol := uploads.Policy{Field: "file", Max: limit, Types: []uploads.Type{uploads.CSV, uploads.JSON}, Fallback: "import"}
	form, err := uploads.ReadForm(r, limit)
	if err != nil && apperr.Code(err) != apperr.EINVALID {
		return nil, "", err
	}
	f, err := pol.Check(form)
	switch {
	case uploads.TooLarge(err):
		return nil, "", fileErr(apperr.ETOOLARGE, "The file must be smaller than "+itoa(int(limit>>20))+" MB. Import bigger files with the partnerhub import command.")
	case err != nil && form.Files["file"] == nil:
		return nil, "", fileErr(apperr.EINVALID, "Select a CSV or JSON file to upload")
	case err != nil:
		return nil, "", fileErr(apperr.EINVALID, apperr.Fields(err)[0].Message)
	case len(bytes.TrimSpace(f.Data)) == 0:
		return nil, "", fileErr(apperr.EINVALID, "The selected file is empty")
	}
	return f.Data, f.Name, nil
}

// previewRow is one good row of an upload: what the import does with it.
type previewRow struct {
	Line       int
	Identifier string
	Name       string
	Exists     bool // already in the directory: updated if anything differs
}

// previewRows lists the rows the importer accepts, each marked new or
// existing by its identifier. It uses the importer's own parsers (the
// counts on the page come from the importer's dry run itself).
func previewRows(ctx context.Context, d *db.DB, data []byte) ([]previewRow, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	pp, err := newImportPrep(ctx, d.Q())
	if err != nil {
		return nil, err
	}
	var rows []importRow
	if err := parseFile(data, pp, &importing.Report{}, func(r importRow) error { rows = append(rows, r); return nil }); err != nil {
		return nil, err
	}
	out := make([]previewRow, len(rows))
	for i, r := range rows {
		out[i] = previewRow{Line: r.line, Identifier: r.identifier, Name: r.p.Name}
	}
	ids := make([]string, len(out))
	for i := range out {
		ids[i] = out[i].Identifier
	}
	known, err := knownIdentifiers(ctx, d, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Exists = known[out[i].Identifier]
	}
	return out, nil
}

// pending keeps uploads between the preview and the confirmation.
func (s *Service) pending() uploads.Pending {
	return uploads.Pending{Dir: s.uploadDir(), TTL: UploadTTL}
}

func (s *Service) importPreview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	data, filename, err := readUpload(r, s.uploadLimit())
	if err != nil {
		if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ETOOLARGE {
			return s.renderImportForm(w, r, web.Status(err), err)
		}
		return err
	}
	rep, err := Import(ctx, s.DB, data, true)
	if apperr.Code(err) == apperr.EINVALID || apperr.Code(err) == apperr.ETOOLARGE {
		return s.renderImportForm(w, r, web.Status(err), fileErr(apperr.Code(err), apperr.Message(err)))
	}
	if err != nil {
		return err
	}
	rows, err := previewRows(ctx, s.DB, data)
	if err != nil {
		return err
	}
	name, sum, err := s.pending().Save(data)
	if err != nil {
		return err
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, 0, "directory.import_preview", "import_upload", name, filename+" sha256:"+sum+"; "+strings.TrimSpace(lastLine(rep.String())))
	}); err != nil {
		return err
	}
	more := 0
	if len(rows) > maxPreviewRows {
		more, rows = len(rows)-maxPreviewRows, rows[:maxPreviewRows]
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/admin_import_preview.html", adminImportPreviewView{
		View:     web.View{Title: "Check the import"},
		Report:   rep,
		Rows:     rows,
		More:     more,
		Upload:   name,
		SHA256:   sum,
		Filename: filename,
		Size:     len(data),
	})
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (s *Service) importConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	name, sum, filename := r.PostForm.Get("upload"), r.PostForm.Get("sha256"), r.PostForm.Get("filename")
	data, done, err := s.pending().Claim(name, sum)
	if err != nil {
		return err
	}
	rep, err := Import(ctx, s.DB, data, false)
	done(err == nil) // on failure nothing was written (one transaction): keep the upload
	if err != nil {
		if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ETOOLARGE {
			return s.renderImportForm(w, r, web.Status(err), fileErr(c, apperr.Message(err)))
		}
		return err
	}
	// Which file, by whom: the importer audits each organisation created or
	// changed (its own transaction); this row ties them to the upload.
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, 0, "directory.import_upload", "import_upload", name, filename+" sha256:"+sum+"; "+strings.TrimSpace(lastLine(rep.String())))
	}); err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/admin_import_result.html", adminImportResultView{View: web.View{Title: "Import finished"}, Report: rep, Filename: filename})
}
