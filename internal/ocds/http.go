package ocds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

// Page sizes of /api/ocds/releases.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

func (s *Service) publisher() Publisher {
	return Publisher{Name: "Partnerhub", URI: strings.TrimRight(s.Web.Config.BaseURL, "/") + "/"}
}

func (s *Service) abs(path string, q url.Values) string {
	u := strings.TrimRight(s.Web.Config.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func parseCursor(v string) (*Cursor, error) {
	a, b, ok := strings.Cut(v, "_")
	ns, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return nil, apperr.Errorf(apperr.EINVALID, "cursor %q is not one this API gave out: follow links.next", v)
	}
	return &Cursor{Date: time.Unix(0, ns).UTC(), ID: id}, nil
}

func formatCursor(s Stored) string { return fmt.Sprintf("%d_%d", s.Date.UnixNano(), s.ID) }

// apiReleases is GET /api/ocds/releases: a release package of every
// release, newest first, limit per page (default 100, at most 1000),
// paged by cursor with links.next, and with updatedFrom (a date or
// date-time) only releases dated then or later.
func (s *Service) apiReleases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := DefaultPageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return apperr.Errorf(apperr.EINVALID, "limit must be a whole number from 1 to %d", MaxPageSize)
		}
		limit = n
	}
	var from *time.Time
	if v := q.Get("updatedFrom"); v != "" {
		if from = parseTime(v); from == nil {
			return apperr.Errorf(apperr.EINVALID, "updatedFrom must be a date (2026-01-31) or date-time (2026-01-31T09:00:00Z)")
		}
	}
	var after *Cursor
	if v := q.Get("cursor"); v != "" {
		c, err := parseCursor(v)
		if err != nil {
			return err
		}
		after = c
	}
	rows, err := ListReleases(r.Context(), s.DB.Q(), from, after, limit+1)
	if err != nil {
		return err
	}
	var next string
	if len(rows) > limit {
		rows = rows[:limit]
		nq := url.Values{}
		for _, k := range []string{"updatedFrom", "limit"} {
			if v := q.Get(k); v != "" {
				nq.Set(k, v)
			}
		}
		nq.Set("cursor", formatCursor(rows[len(rows)-1]))
		next = s.abs("/api/ocds/releases", nq)
	}
	rels := make([]json.RawMessage, len(rows))
	published := time.Now().UTC()
	for i, x := range rows {
		rels[i] = x.JSON
	}
	if len(rows) > 0 && after == nil {
		published = rows[0].Date
	}
	pkg := NewReleasePackage(s.abs(r.URL.Path, q), s.publisher(), published, rels)
	if next != "" {
		pkg.Links = &Links{Next: next}
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return web.JSON(w, http.StatusOK, pkg)
}

// apiRecord is GET /api/ocds/records/{ocid}: the record package of one
// process, its releases and the compiled release.
func (s *Service) apiRecord(w http.ResponseWriter, r *http.Request) error {
	ocid := r.PathValue("ocid")
	rows, err := ReleasesFor(r.Context(), s.DB.Q(), ocid)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return apperr.NotFound("OCDS record")
	}
	rels := make([]json.RawMessage, len(rows))
	for i, x := range rows {
		rels[i] = x.JSON
	}
	rec, err := NewRecord(ocid, rels)
	if err != nil {
		return err
	}
	pkg := NewRecordPackage(s.abs("/api/ocds/records/"+url.PathEscape(ocid), nil), s.publisher(), rows[len(rows)-1].Date, []Record{rec})
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return web.JSON(w, http.StatusOK, pkg)
}

// Admin upload: /admin/ocds/import takes a file, previews a dry run, and
// imports exactly the previewed bytes on confirmation.

func (s *Service) uploadLimit() int64 {
	limit := int64(20 << 20)
	if m := s.Web.Config.MaxBodyBytes; m > 0 && m-(64<<10) < limit {
		limit = m - (64 << 10)
	}
	return limit
}

func (s *Service) renderForm(w http.ResponseWriter, r *http.Request, status int, err error) error {
	return s.Web.Render(w, r, status, "ocds/import.html", importView{View: web.View{Title: "Import OCDS notices", Err: err},
		LimitMB: s.uploadLimit() >> 20})
}

func (s *Service) importForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderForm(w, r, http.StatusOK, nil)
}

func fileErr(err error) error {
	return &apperr.Error{Code: apperr.Code(err), Message: apperr.Message(err), Fields: []apperr.FieldError{{Field: "file", Message: apperr.Message(err)}}}
}

func (s *Service) importPreview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	limit := s.uploadLimit()
	pol := uploads.Policy{Field: "file", Max: limit, Types: []uploads.Type{uploads.JSON}, Fallback: "ocds.json"}
	form, err := uploads.ReadForm(r, limit)
	if err != nil && apperr.Code(err) != apperr.EINVALID {
		return err
	}
	f, err := pol.Check(form)
	if err != nil {
		return s.renderForm(w, r, uploads.Status(err), err)
	}
	if len(bytes.TrimSpace(f.Data)) == 0 {
		return s.renderForm(w, r, http.StatusUnprocessableEntity, fileErr(apperr.Errorf(apperr.EINVALID, "The selected file is empty")))
	}
	res, err := s.Import(ctx, f.Data, true, web.IdentityFrom(ctx).UserID)
	if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ETOOLARGE {
		return s.renderForm(w, r, web.Status(err), fileErr(err))
	}
	if err != nil {
		return err
	}
	name, sum, err := s.pending().Save(f.Data)
	if err != nil {
		return err
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, 0, "ocds.import_preview", "import_upload", name, f.Name+" sha256:"+sum+"; "+res.Report.Summary())
	}); err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "ocds/import_preview.html", importPreviewView{View: web.View{Title: "Check the OCDS import"},
		Report: res.Report, Outcomes: res.Outcomes, Upload: name, SHA256: sum, Filename: f.Name})
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
	res, err := s.Import(ctx, data, false, web.IdentityFrom(ctx).UserID)
	done(err == nil)
	if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ETOOLARGE {
		return s.renderForm(w, r, web.Status(err), fileErr(err))
	}
	if err != nil {
		return err
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, 0, "ocds.import_upload", "import_upload", name, filename+" sha256:"+sum+"; "+res.Report.Summary())
	}); err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "ocds/import_result.html", importResultView{View: web.View{Title: "OCDS import finished"},
		Report: res.Report, Outcomes: res.Outcomes, Filename: filename})
}
