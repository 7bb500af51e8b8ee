package directory

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

// Admin page for the registers (/admin/registers): an administrator
// uploads the Charity Commission's charity file (with its classification
// file, optionally) or a Companies House file, or picks one the operator
// put in <data dir>/registers (the national files are hundreds of MB:
// too big to upload through a browser), and sets the town's postcode
// districts. The import runs as a dry run first and the page previews
// its counts; confirming imports exactly the previewed bytes (uploads are
// kept as pending files with their SHA-256, as /admin/import does).
// /admin/registers/matches lists organisations typed in by hand that a
// register entry looks like, to confirm or reject.

func (s *Service) adminRegisterRoutes() []web.Route {
	return []web.Route{
		web.Get("/admin/registers", web.Admin, s.registersForm),
		web.Post("/admin/registers", web.Admin, s.registersPreview),
		web.Post("/admin/registers/confirm", web.Admin, s.registersConfirm),
		web.Get("/admin/registers/matches", web.Admin, s.registerMatches),
		web.Post("/admin/registers/matches/{id}", web.Admin, s.decideRegisterMatch),
	}
}

// serverDir is where the operator puts register files too big to upload.
func (s *Service) serverDir() string {
	return filepath.Join(filepath.Dir(filepath.Dir(s.uploadDir())), "registers")
}

// serverFiles lists the register files in serverDir.
func (s *Service) serverFiles() []string {
	ents, err := os.ReadDir(s.serverDir())
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		ext := strings.ToLower(filepath.Ext(n))
		if e.Type().IsRegular() && (ext == ".txt" || ext == ".json" || ext == ".csv") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Service) renderRegistersForm(w http.ResponseWriter, r *http.Request, status int, form map[string]string, err error) error {
	ctx := r.Context()
	refreshes, rerr := Refreshes(ctx, s.DB.Q())
	if rerr != nil {
		return rerr
	}
	if form == nil {
		pcs, err := RegisterPostcodes(ctx, s.DB.Q())
		if err != nil {
			return err
		}
		form = map[string]string{"register": RegisterCharity, "postcodes": strings.Join(pcs, ",")}
	}
	_, pending, perr := MatchProposals(ctx, s.DB.Q(), "proposed", 1, 0)
	if perr != nil {
		return perr
	}
	return s.Web.Render(w, r, status, "directory/admin_registers.html", adminRegistersView{
		View:        web.View{Title: "Refresh from the registers", Err: err},
		Form:        form,
		Refreshes:   refreshes,
		ServerFiles: s.serverFiles(),
		ServerDir:   s.serverDir(),
		Pending:     pending,
		LimitMB:     float64(s.uploadLimit()) / (1 << 20),
	})
}

func (s *Service) registersForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderRegistersForm(w, r, http.StatusOK, nil, nil)
}

// registerRequest is what the form asks to import.
type registerRequest struct {
	Register       string
	Postcodes      string
	Server         string // a file in serverDir, or
	Upload, SHA256 string // a pending upload
	ClsUpload      string // the classification file's pending upload
	ClsSHA256      string
	Filename       string
}

func fieldErr(field, msg string) error {
	return &apperr.Error{Code: apperr.EINVALID, Message: msg, Fields: []apperr.FieldError{{Field: field, Message: msg}}}
}

// readRegisterForm reads the upload form, keeping uploads as pending files.
func (s *Service) readRegisterForm(r *http.Request) (registerRequest, map[string]string, error) {
	var req registerRequest
	limit := s.uploadLimit()
	form, err := uploads.ReadForm(r, limit)
	if err != nil && apperr.Code(err) != apperr.EINVALID {
		if uploads.TooLarge(err) {
			return req, nil, fieldErr("file", "The file must be smaller than "+itoa(int(limit>>20))+" MB. Put bigger files in "+s.serverDir()+" and choose them below, or use the partnerhub import command.")
		}
		return req, nil, err
	}
	vals := map[string]string{}
	if form != nil {
		for k, v := range form.Values {
			if len(v) > 0 {
				vals[k] = v[0]
			}
		}
	}
	req.Register, req.Postcodes, req.Server = vals["register"], vals["postcodes"], vals["server_file"]
	if req.Register != RegisterCharity && req.Register != RegisterCompany {
		return req, vals, fieldErr("register", "Choose which register the file is from")
	}
	if _, err := newArea([]string{req.Postcodes}); err != nil {
		return req, vals, fieldErr("postcodes", apperr.Message(err)+". Enter postcode districts separated by commas, like FY1, FY2")
	}
	pol := uploads.Policy{Field: "file", Max: limit, Types: []uploads.Type{uploads.Text, uploads.CSV, uploads.JSON}, Fallback: "register"}
	var f *uploads.File
	if chosen(form, "file") {
		if f, err = pol.Check(form); err != nil {
			if uploads.TooLarge(err) {
				return req, vals, fieldErr("file", "The file must be smaller than "+itoa(int(limit>>20))+" MB. Put bigger files in "+s.serverDir()+" and choose them below.")
			}
			return req, vals, fieldErr("file", apperr.Fields(err)[0].Message)
		}
	}
	switch {
	case f != nil && len(bytes.TrimSpace(f.Data)) > 0:
		name, sum, err := s.pending().Save(f.Data)
		if err != nil {
			return req, vals, err
		}
		req.Upload, req.SHA256, req.Filename = name, sum, f.Name
	case req.Server != "":
		ok := false
		for _, n := range s.serverFiles() {
			ok = ok || n == req.Server
		}
		if !ok {
			return req, vals, fieldErr("server_file", "Choose one of the files on the server")
		}
		req.Filename = req.Server
	default:
		return req, vals, fieldErr("file", "Select the register's file to upload, or choose one on the server")
	}
	if req.Register == RegisterCharity && chosen(form, "classification") {
		cp := uploads.Policy{Field: "classification", Max: limit, Types: []uploads.Type{uploads.Text, uploads.CSV}, Fallback: "classification"}
		cf, err := cp.Check(form)
		if err != nil {
			return req, vals, fieldErr("classification", apperr.Fields(err)[0].Message)
		}
		if len(bytes.TrimSpace(cf.Data)) > 0 {
			if req.ClsUpload, req.ClsSHA256, err = s.pending().Save(cf.Data); err != nil {
				return req, vals, err
			}
		}
	}
	return req, vals, nil
}

// runRegisterRequest imports (or dry-runs) a request. claim says whether
// the pending uploads are taken (confirm) or only read (preview).
func (s *Service) runRegisterRequest(ctx context.Context, req registerRequest, dryRun bool) (*importing.Report, error) {
	opt := RegisterOptions{DryRun: dryRun, Postcodes: []string{req.Postcodes}}
	var main io.Reader
	var dones []func(bool)
	finish := func(ok bool) {
		for _, d := range dones {
			d(ok)
		}
	}
	if req.Upload != "" {
		data, done, err := s.pending().Claim(req.Upload, req.SHA256)
		if err != nil {
			return nil, err
		}
		dones = append(dones, done)
		main = bytes.NewReader(data)
	} else {
		f, err := os.Open(filepath.Join(s.serverDir(), filepath.Base(req.Server)))
		if err != nil {
			return nil, apperr.Errorf(apperr.EINVALID, "The file %s cannot be opened: %v", req.Server, err)
		}
		defer f.Close()
		main = f
	}
	if req.ClsUpload != "" {
		data, done, err := s.pending().Claim(req.ClsUpload, req.ClsSHA256)
		if err != nil {
			finish(false)
			return nil, err
		}
		dones = append(dones, done)
		opt.Classification = bytes.NewReader(data)
	}
	var rep *importing.Report
	var err error
	if req.Register == RegisterCompany {
		rep, err = ImportCompanies(ctx, s.DB, main, opt)
	} else {
		rep, err = ImportCharities(ctx, s.DB, main, opt)
	}
	// A preview keeps the uploads for the confirmation; a failed import
	// wrote nothing and keeps them for another try.
	finish(err == nil && !dryRun)
	return rep, err
}

func (s *Service) registersPreview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	req, vals, err := s.readRegisterForm(r)
	if err != nil {
		if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ETOOLARGE {
			return s.renderRegistersForm(w, r, web.Status(err), vals, err)
		}
		return err
	}
	if vals["save_postcodes"] == "1" {
		if err := s.DB.Write(ctx, func(tx *db.Tx) error { return SetRegisterPostcodes(ctx, tx, req.Postcodes) }); err != nil {
			return err
		}
	}
	rep, err := s.runRegisterRequest(ctx, req, true)
	if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ETOOLARGE {
		return s.renderRegistersForm(w, r, web.Status(err), vals, fieldErr("file", apperr.Message(err)))
	}
	if err != nil {
		return err
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, 0, "directory.register_preview", "register", req.Register, req.Filename+"; "+rep.Summary())
	}); err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/admin_registers_preview.html", adminRegistersPreviewView{
		View:          web.View{Title: "Check the refresh"},
		Report:        rep,
		Req:           req,
		RegisterLabel: registerLabel(req.Register),
		Counts:        reportCounts(rep),
	})
}

func (s *Service) registersConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	req := registerRequest{Register: f.Get("register"), Postcodes: f.Get("postcodes"), Server: f.Get("server_file"), Upload: f.Get("upload"), SHA256: f.Get("sha256"),
		ClsUpload: f.Get("cls_upload"), ClsSHA256: f.Get("cls_sha256"), Filename: f.Get("filename")}
	if req.Register != RegisterCharity && req.Register != RegisterCompany {
		return apperr.Errorf(apperr.EINVALID, "Choose which register the file is from")
	}
	if req.Upload == "" {
		ok := false
		for _, n := range s.serverFiles() {
			ok = ok || n == req.Server
		}
		if !ok {
			return s.renderRegistersForm(w, r, http.StatusUnprocessableEntity, nil, fieldErr("server_file", "That file is no longer on the server. Choose the file again."))
		}
	}
	rep, err := s.runRegisterRequest(ctx, req, false)
	if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ETOOLARGE {
		return s.renderRegistersForm(w, r, web.Status(err), nil, fieldErr("file", apperr.Message(err)))
	}
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/admin_registers_result.html", adminRegistersResultView{
		View:          web.View{Title: "Refresh finished"},
		Report:        rep,
		Req:           req,
		RegisterLabel: registerLabel(req.Register),
		Counts:        reportCounts(rep),
	})
}

// reportCount is one line of a report's counts, as the pages show them.
type reportCount struct {
	Label string
	N     int
}

func reportCounts(rep *importing.Report) []reportCount {
	out := []reportCount{{"Rows read", rep.Rows}, {"Organisations created", rep.Created}, {"Organisations updated", rep.Updated}, {"Unchanged", rep.Unchanged}}
	for _, c := range rep.Also {
		out = append(out, reportCount{strings.ToUpper(c.Label[:1]) + c.Label[1:], c.N})
	}
	return append(out, reportCount{"Rows rejected", len(rep.Rejected)})
}

// registerMatches lists register entries proposed as organisations typed
// in by hand.
func (s *Service) registerMatches(w http.ResponseWriter, r *http.Request) error {
	status := r.URL.Query().Get("status")
	if status != "confirmed" && status != "rejected" {
		status = "proposed"
	}
	return web.ServeList(s.Web, w, r, web.List[MatchProposal]{
		Name: "register-matches-" + status,
		Fetch: func(ctx context.Context, limit, offset int) ([]MatchProposal, int, error) {
			return MatchProposals(ctx, s.DB.Q(), status, limit, offset)
		},
		Columns: []web.Column[MatchProposal]{
			{Header: "Register", Cell: func(p MatchProposal) string { return registerLabel(p.Register) }},
			{Header: "Identifier", Cell: func(p MatchProposal) string { return p.Identifier }},
			{Header: "Register name", Cell: func(p MatchProposal) string { return p.RegisterName }},
			{Header: "Register postcode", Cell: func(p MatchProposal) string { return p.RegisterPostcode }},
			{Header: "Organisation", Cell: func(p MatchProposal) string { return p.OrgName }},
			{Header: "Organisation postcode", Cell: func(p MatchProposal) string { return p.OrgPostcode }},
			{Header: "Confidence", Cell: func(p MatchProposal) string { return strconv.Itoa(p.Confidence) }},
			{Header: "Why", Cell: func(p MatchProposal) string { return p.Reason }},
		},
		Render: func(p web.ListPage[MatchProposal]) error {
			return s.Web.Render(w, r, http.StatusOK, "directory/admin_register_matches.html", adminRegisterMatchesView{
				View:    web.View{Title: "Register entries to match"},
				Rows:    p.Items,
				Status:  status,
				Total:   p.Total,
				Pager:   p.PagerData(r),
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

// decideRegisterMatch confirms or rejects one proposal.
func (s *Service) decideRegisterMatch(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "Proposed match")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	decision := r.PostForm.Get("decision")
	if decision != "confirm" && decision != "reject" {
		return web.Redirect(w, r, "/admin/registers/matches", "Choose to confirm or reject the match")
	}
	var p MatchProposal
	err = s.DB.Write(r.Context(), func(tx *db.Tx) error {
		var err error
		p, err = DecideMatch(r.Context(), tx, id, decision == "confirm", web.IdentityFrom(r.Context()).UserID)
		return err
	})
	if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ECONFLICT {
		return web.Redirect(w, r, "/admin/registers/matches", apperr.Message(err))
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Rejected: %s is not %s. The next refresh adds it as an organisation of its own.", p.RegisterName, p.OrgName)
	if decision == "confirm" {
		msg = fmt.Sprintf("Confirmed: %s is %s (%s). The next refresh keeps it up to date.", p.OrgName, p.RegisterName, p.Identifier)
	}
	return web.Redirect(w, r, "/admin/registers/matches", msg)
}

// chosen says whether a file field of the form holds a file (a browser
// sends an empty part for a file input left empty).
func chosen(f *uploads.Form, field string) bool {
	if f == nil {
		return false
	}
	p := f.Files[field]
	return p != nil && (p.Name != "" || len(p.Data) > 0 || p.TooLarge)
}
