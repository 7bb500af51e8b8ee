package library

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/events"
	"partnerhub/internal/markdown"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

var attachmentPolicy = uploads.Policy{Field: "file", Max: 10 << 20, Types: []uploads.Type{uploads.PDF, uploads.DOCX, uploads.ODT, uploads.XLSX, uploads.PNG, uploads.JPEG}, Fallback: "attachment"}

func (s *Service) files() uploads.Store { return uploads.NewStore(s.Web.Config.UploadDir(), "library") }

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	owner := web.ObjectRole("library_document", web.RoleOwner)
	party := web.ObjectRole("compact_dispute", web.RoleViewer)
	partyEdit := web.ObjectRole("compact_dispute", web.RoleEditor)
	return []web.Route{
		web.Get("/library", web.Public, s.list),
		web.Get("/library/reviews.ics", web.Public, s.reviewCalendar),
		web.Get("/library/new", web.Admin, s.newForm),
		web.Post("/library/new", web.Admin, s.create),
		web.Get("/library/{slug}", web.Public, s.show),
		web.Get("/library/{slug}/versions/{n}", web.Public, s.showVersion),
		web.Get("/library/{slug}/diff", web.Public, s.diff),
		web.Get("/library/{slug}/attachments/{id}", web.Public, s.attachment),
		web.Get("/library/{slug}/edit", owner, s.editForm),
		web.Post("/library/{slug}/versions", owner, s.addVersion),
		web.Post("/library/{slug}/settings", owner, s.saveSettings),
		web.Post("/library/{slug}/attachments", owner, s.upload),
		web.Post("/library/{slug}/comments", web.SignedIn, s.comment),
		web.Get("/library/{slug}/comments", owner, s.commentsPage),
		web.Post("/library/{slug}/comments/{id}", owner, s.handleComment),
		web.Get("/library/{slug}/adopt", web.SignedIn, s.adoptForm),
		web.Post("/library/{slug}/adopt", web.SignedIn, s.adopt),
		web.Get("/orgs/{org}/policies", web.OrgRole(web.RoleViewer), s.orgPolicies),

		web.Get("/compact", web.Public, s.compact),
		web.Get("/compact/signatories", web.Public, s.signatories),
		web.Post("/orgs/{org}/compact/sign", web.OrgRole(web.RoleOwner), s.sign),
		web.Get("/compact/disputes", web.SignedIn, s.disputes),
		web.Get("/orgs/{org}/compact/disputes/new", web.OrgRole(web.RoleEditor), s.disputeForm),
		web.Post("/orgs/{org}/compact/disputes/new", web.OrgRole(web.RoleEditor), s.raise),
		web.Get("/compact/disputes/{id}", party, s.dispute),
		web.Post("/compact/disputes/{id}", partyEdit, s.moveDispute),
		web.Get("/admin/library", web.Admin, s.settingsPage),
		web.Post("/admin/library", web.Admin, s.saveLibrarySettings),

		web.Get("/news", web.Public, s.news),
		web.Get("/news/feed.atom", web.Public, s.newsFeed),
		web.Get("/news/category/{cat}/feed.atom", web.Public, s.newsFeed),
		web.Get("/news/stories", web.Public, s.stories),
		web.Get("/news/new", web.Admin, s.articleForm),
		web.Post("/news/new", web.Admin, s.publishArticle),
		web.Post("/news/subscribe", web.Public, s.subscribe),
		web.Get("/news-digest/{token}", web.Public, s.confirmPage),
		web.Post("/news-digest/{token}", web.Public, s.confirm),
		web.Get("/news/{slug}", web.Public, s.article),
		web.Get("/news/{slug}/image", web.Public, s.articleImage),
		web.Get("/news/{slug}/edit", web.Admin, s.editArticleForm),
		web.Post("/news/{slug}/edit", web.Admin, s.updateArticle),
		web.Get("/news/{slug}/delete", web.Admin, s.deleteArticle),
		web.Post("/news/{slug}/delete", web.Admin, s.deleteArticle),
	}
}

func (s *Service) registerResolvers() {
	if s.Web == nil {
		return
	}
	s.Web.Resolve("library_document", func(r *http.Request) (*web.Object, error) {
		d, err := DocumentBySlug(r.Context(), s.DB.Q(), r.PathValue("slug"))
		if err != nil {
			return nil, err
		}
		// Only its owner and administrators manage a document; to anyone
		// else its management pages look missing (its reading pages are public).
		o := &web.Object{Value: d}
		if d.OwnerID != 0 {
			o.Users = map[int64]web.Role{d.OwnerID: web.RoleOwner}
		}
		return o, nil
	})
	s.Web.Resolve("compact_dispute", func(r *http.Request) (*web.Object, error) {
		id, err := web.PathID(r, "id", "dispute")
		if err != nil {
			return nil, err
		}
		d, err := disputeByID(r.Context(), s.DB.Q(), id)
		if err != nil {
			return nil, err
		}
		return &web.Object{Value: d, Owners: []int64{d.RaisedBy, d.Against}}, nil
	})
}

// canManage reports whether the identity owns the document or is an admin.
func canManage(id *web.Identity, d *Document) bool {
	return id != nil && (id.Admin || (d.OwnerID != 0 && id.UserID == d.OwnerID))
}

// load reads the document of the path; a draft is shown only to its manager.
func (s *Service) load(r *http.Request) (*Document, error) {
	d, err := DocumentBySlug(r.Context(), s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return nil, err
	}
	if d.Status == "draft" && !canManage(web.IdentityFrom(r.Context()), d) {
		return nil, apperr.NotFound("document")
	}
	return d, nil
}

func docJSON(d *Document, base string) map[string]any {
	m := map[string]any{"slug": d.Slug, "title": d.Title, "kind": d.Kind, "status": d.Status, "summary": d.Summary,
		"owner": d.OwnerName, "verifier": d.VerifierName, "review_interval_months": d.ReviewMonths, "next_review_on": nil,
		"review_overdue": d.Overdue(today()), "url": base + "/library/" + d.Slug}
	if d.NextReviewOn != nil {
		m["next_review_on"] = d.NextReviewOn.Format(time.DateOnly)
	}
	if d.PolicyKind != "" {
		m["policy"] = d.PolicyKind
	}
	return m
}

func isoDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := DocFilter{Kind: q.Get("kind"), Status: q.Get("status"), Q: clean.Line(q.Get("q")), Sort: q.Get("sort")}
	v := &apperr.Validation{}
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		v.Add("kind", "Choose a kind from the list")
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		v.Add("status", "Choose a status from the list")
	}
	id := web.IdentityFrom(r.Context())
	f.Public = id == nil || !id.Admin
	return web.ServeList(s.Web, w, r, web.List[*Document]{
		Name: "library", Invalid: v.Err(),
		Fetch: func(ctx context.Context, limit, offset int) ([]*Document, int, error) {
			return ListDocuments(ctx, s.DB.Q(), f, limit, offset)
		},
		Columns: []web.Column[*Document]{
			{Header: "Title", Cell: func(d *Document) string { return d.Title }},
			{Header: "Kind", Cell: func(d *Document) string { return web.Label(d.Kind) }},
			{Header: "Status", Cell: func(d *Document) string { return web.Label(d.Status) }},
			{Header: "Owner", Cell: func(d *Document) string { return d.OwnerName }},
			{Header: "Review interval (months)", Cell: func(d *Document) string { return strconv.Itoa(d.ReviewMonths) }},
			{Header: "Next review", Cell: func(d *Document) string { return isoDate(d.NextReviewOn) }},
			{Header: "Review overdue", Cell: func(d *Document) string { return map[bool]string{true: "yes", false: "no"}[d.Overdue(today())] }},
			{Header: "Link", Cell: func(d *Document) string { return s.baseURL() + "/library/" + d.Slug }},
		},
		Item: func(d *Document) any { return docJSON(d, s.baseURL()) },
		Render: func(p web.ListPage[*Document]) error {
			form := url.Values{"kind": {f.Kind}, "status": {f.Status}, "q": {f.Q}, "sort": {f.Sort}}
			return s.Web.Render(w, r, http.StatusOK, "library/list.html", listView{
				View:     web.View{Title: "Library", Form: form, Err: p.Err, Description: "The town's living documents: the good practice guide and development policy for consortia, the Compact, standard policy templates and guidance, each with its owner and review date."},
				List:     p,
				Pager:    p.PagerData(r),
				Kinds:    Kinds,
				Statuses: Statuses,
				Today:    today(),
			})
		},
	})
}

// reviewCalendar is every adopted document's next review date as an
// iCalendar feed (the events package's writer).
func (s *Service) reviewCalendar(w http.ResponseWriter, r *http.Request) error {
	docs, _, err := ListDocuments(r.Context(), s.DB.Q(), DocFilter{Status: "adopted", Sort: "review"}, web.ExportLimit, 0)
	if err != nil {
		return err
	}
	host := strings.TrimPrefix(strings.TrimPrefix(s.baseURL(), "https://"), "http://")
	cal := events.Calendar{Name: "Partnerhub library: review dates", Host: host}
	for _, d := range docs {
		if d.NextReviewOn == nil {
			continue
		}
		start := time.Date(d.NextReviewOn.Year(), d.NextReviewOn.Month(), d.NextReviewOn.Day(), 9, 0, 0, 0, london)
		cal.Events = append(cal.Events, events.VEvent{UID: fmt.Sprintf("library-review-%d-%s@%s", d.ID, d.NextReviewOn.Format("20060102"), host),
			Start: start, End: start.Add(time.Hour), Summary: "Review due: " + d.Title,
			Description: "Owner: " + orNobody(d.OwnerName), URL: s.baseURL() + "/library/" + d.Slug, LastModified: d.UpdatedAt})
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	_, err = w.Write(cal.Bytes())
	return err
}

func (s *Service) show(w http.ResponseWriter, r *http.Request) error {
	d, err := s.load(r)
	if err != nil {
		return err
	}
	return s.renderShow(w, r, http.StatusOK, d, nil, nil)
}

func (s *Service) renderShow(w http.ResponseWriter, r *http.Request, status int, d *Document, err error, form url.Values) error {
	ctx := r.Context()
	shown := d.Shown(today())
	if r.PathValue("n") != "" { // /library/{slug}/versions/{n}
		n, e := web.PathID(r, "n", "version")
		if e != nil {
			return e
		}
		if shown = d.VersionN(int(n)); shown == nil {
			return apperr.NotFound("version")
		}
	}
	var rendered markdown.Doc
	if shown != nil {
		rendered = markdown.Render(shown.Body)
	}
	atts, e := attachments(ctx, s.DB.Q(), d.ID)
	if e != nil {
		return e
	}
	id := web.IdentityFrom(ctx)
	data := showView{
		View:        web.View{Title: d.Title, Description: d.Summary, Err: err, Form: form},
		Doc:         d,
		Shown:       shown,
		Rendered:    rendered,
		Attachments: atts,
		Today:       today(),
		Manage:      canManage(id, d),
		Latest:      d.Latest(),
	}
	if d.Kind == "code" && shown != nil {
		data.Sections = ParseCompact(shown.Body)
	}
	if d.IsDefinition() && shown != nil {
		check, e := definitionChecklist(ctx, s.DB.Q(), shown.Version)
		if e != nil {
			return e
		}
		data.Checklist, data.DefinitionAdmin = check, DefinitionAdminURL
	}
	return s.Web.Render(w, r, status, "library/show.html", data)
}

func (s *Service) showVersion(w http.ResponseWriter, r *http.Request) error { return s.show(w, r) }

func (s *Service) diff(w http.ResponseWriter, r *http.Request) error {
	d, err := s.load(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := &apperr.Validation{}
	pick := func(field string, def int) *Version {
		n := def
		if q.Get(field) != "" {
			var e error
			if n, e = strconv.Atoi(q.Get(field)); e != nil {
				v.Add(field, "Choose a version from the list")
				return nil
			}
		}
		ver := d.VersionN(n)
		if ver == nil {
			v.Add(field, fmt.Sprintf("There is no version %d of this document", n))
		}
		return ver
	}
	latest := 0
	if l := d.Latest(); l != nil {
		latest = l.Version
	}
	from, to := pick("from", latest-1), pick("to", latest)
	var lines []DiffLine
	added, removed := 0, 0
	if from != nil && to != nil {
		lines = Diff(from.Body, to.Body, 3)
		added, removed = DiffCounts(lines)
	}
	status := http.StatusOK
	if v.Err() != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.Web.Render(w, r, status, "library/diff.html", diffView{
		View:    web.View{Title: "Changes to " + d.Title, Err: v.Err(), Form: url.Values{"from": {q.Get("from")}, "to": {q.Get("to")}}},
		Doc:     d,
		From:    from,
		To:      to,
		Lines:   lines,
		Added:   added,
		Removed: removed,
	})
}

func (s *Service) attachment(w http.ResponseWriter, r *http.Request) error {
	d, err := s.load(r)
	if err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "attachment")
	if err != nil {
		return err
	}
	a, err := attachmentByID(r.Context(), s.DB.Q(), d.ID, id)
	if err != nil {
		return err
	}
	return s.files().Serve(w, r, a.Stored, a.Filename, a.ContentType, a.UploadedAt)
}

func (s *Service) newForm(w http.ResponseWriter, r *http.Request) error {
	form := url.Values{"review_months": {"12"}, "kind": {r.URL.Query().Get("kind")}}
	if id := web.IdentityFrom(r.Context()); id != nil {
		form.Set("owner_email", id.Email)
	}
	return s.renderNew(w, r, http.StatusOK, form, nil)
}

func (s *Service) renderNew(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) error {
	return s.Web.Render(w, r, status, "library/new.html", newView{
		View:     web.View{Title: "New library document", Form: form, Err: err},
		Kinds:    Kinds,
		Policies: TemplatePolicies,
	})
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	v := &apperr.Validation{}
	months, e := strconv.Atoi(strings.TrimSpace(f.Get("review_months")))
	if e != nil {
		months = 0
	}
	n := &NewDocument{Doc: Document{Kind: f.Get("kind"), Title: clean.Line(f.Get("title")), Summary: clean.Text(f.Get("summary")), PolicyKind: f.Get("policy_kind"), ReviewMonths: months},
		OwnerEmail: f.Get("owner_email"), VerifierEmail: f.Get("verifier_email"), Body: f.Get("body"), Notes: clean.Text(f.Get("notes"))}
	n.AdoptedOn = web.FormDate(v, f, "adopted_on", "Adoption date must be a real date, for example 2024-03-31")
	n.NextReviewOn = web.FormDate(v, f, "next_review_on", "Next review date must be a real date, for example 2025-03-31")
	id := web.IdentityFrom(r.Context())
	if err := s.CreateDocument(r.Context(), n, v, id.UserID); err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderNew(w, r, http.StatusUnprocessableEntity, f, err)
		}
		return err
	}
	return web.Redirect(w, r, "/library/"+n.Doc.Slug, "Document saved.")
}

func managed(r *http.Request) *Document { return web.ObjectFrom(r.Context()).(*Document) }

func (s *Service) editForm(w http.ResponseWriter, r *http.Request) error {
	d := managed(r)
	form := url.Values{"title": {d.Title}, "summary": {d.Summary}, "status": {d.Status}, "review_months": {strconv.Itoa(d.ReviewMonths)},
		"review_due_on": {isoDate(d.NextReviewOn)}, "owner_email": {d.OwnerEmail}, "verifier_email": {userEmail(r.Context(), s.DB.Q(), d.VerifierID)}}
	if l := d.Latest(); l != nil {
		form.Set("body", l.Body)
	}
	form.Set("adopted_on", today().Format(time.DateOnly))
	return s.renderEdit(w, r, http.StatusOK, d, form, nil)
}

func (s *Service) renderEdit(w http.ResponseWriter, r *http.Request, status int, d *Document, form url.Values, err error) error {
	return s.Web.Render(w, r, status, "library/edit.html", editView{
		View:            web.View{Title: "Manage " + d.Title, Form: form, Err: err},
		Doc:             d,
		Statuses:        Statuses,
		Policy:          attachmentPolicy.Hint(),
		DefinitionAdmin: DefinitionAdminURL,
	})
}

func (s *Service) addVersion(w http.ResponseWriter, r *http.Request) error {
	d := managed(r)
	if d.IsDefinition() {
		// Its versions are adopted with their criteria, kept once by partnerships.
		return web.Redirect(w, r, DefinitionAdminURL, "Versions of the consortium definition are adopted here, with their criteria.")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	v := &apperr.Validation{}
	adopted := web.FormDate(v, f, "adopted_on", "Adoption date must be a real date, for example 2024-03-31")
	next := web.FormDate(v, f, "next_review_on", "Next review date must be a real date, for example 2025-03-31")
	var ver *Version
	told := 0
	err := v.Err()
	if err == nil {
		ver, told, err = s.PublishVersion(r.Context(), d, f.Get("body"), clean.Text(f.Get("notes")), adopted, next, web.IdentityFrom(r.Context()).UserID)
	}
	if err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderEdit(w, r, http.StatusUnprocessableEntity, d, f, err)
		}
		return err
	}
	msg := fmt.Sprintf("Version %d saved.", ver.Version)
	if told > 0 {
		msg += fmt.Sprintf(" %d organisations that adopted this template were told.", told)
	}
	target := "/library/" + d.Slug
	if ver.Version > 1 {
		target += fmt.Sprintf("/diff?from=%d&to=%d", ver.Version-1, ver.Version)
	}
	return web.Redirect(w, r, target, msg)
}

func (s *Service) saveSettings(w http.ResponseWriter, r *http.Request) error {
	d := managed(r)
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	v := &apperr.Validation{}
	d.Title, d.Summary, d.Status = clean.Line(f.Get("title")), clean.Text(f.Get("summary")), f.Get("status")
	d.ReviewMonths, _ = strconv.Atoi(strings.TrimSpace(f.Get("review_months")))
	if !d.IsDefinition() { // the definition's review date is its version's
		d.NextReviewOn = web.FormDate(v, f, "review_due_on", "Next review date must be a real date, for example 2025-03-31")
	}
	if err := s.SaveSettings(r.Context(), d, f.Get("owner_email"), f.Get("verifier_email"), v); err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderEdit(w, r, http.StatusUnprocessableEntity, d, f, err)
		}
		return err
	}
	return web.Redirect(w, r, "/library/"+d.Slug, "Settings saved.")
}

func (s *Service) upload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := managed(r)
	form, err := uploads.ReadForm(r, attachmentPolicy.Max)
	if err != nil && apperr.Code(err) != apperr.EINVALID {
		return err
	}
	file, err := attachmentPolicy.Check(form)
	if err != nil {
		return s.renderEdit(w, r, uploads.Status(err), d, form.Values, err)
	}
	a := &Attachment{Title: clean.Line(form.Values.Get("attachment_title")), Filename: file.Name, ContentType: file.Type.ContentType, Size: int64(len(file.Data))}
	if a.Title == "" {
		a.Title = file.Name
	}
	store := s.files()
	if a.Stored, err = store.Save(file); err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := insertAttachment(ctx, tx, d.ID, a, web.IdentityFrom(ctx).UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "library.attachment_upload", "library_attachment", a.ID, file.Name)
	})
	if err != nil {
		store.Discard(a.Stored)
		return err
	}
	return web.Redirect(w, r, "/library/"+d.Slug+"#attachments", "File attached.")
}

func (s *Service) comment(w http.ResponseWriter, r *http.Request) error {
	d, err := s.load(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := s.AddComment(r.Context(), d, clean.Text(r.PostForm.Get("comment")), web.IdentityFrom(r.Context()).UserID); err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderShow(w, r, http.StatusUnprocessableEntity, d, err, r.PostForm)
		}
		return err
	}
	return web.Redirect(w, r, "/library/"+d.Slug+"#consultation", "Thank you: your comment was sent to the document's owner.")
}

func (s *Service) commentsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderComments(w, r, http.StatusOK, managed(r), nil, nil)
}

func (s *Service) renderComments(w http.ResponseWriter, r *http.Request, status int, d *Document, form url.Values, err error) error {
	cs, e := comments(r.Context(), s.DB.Q(), d.ID)
	if e != nil {
		return e
	}
	return s.Web.Render(w, r, status, "library/comments.html", commentsView{
		View:     web.View{Title: "Consultation comments on " + d.Title, Form: form, Err: err},
		Doc:      d,
		Comments: cs,
		Outcomes: Outcomes,
	})
}

func (s *Service) handleComment(w http.ResponseWriter, r *http.Request) error {
	d := managed(r)
	id, err := web.PathID(r, "id", "comment")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	k := strconv.FormatInt(id, 10)
	if err := s.HandleComment(r.Context(), d, id, f.Get("outcome-"+k), clean.Text(f.Get("response-"+k))); err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderComments(w, r, http.StatusUnprocessableEntity, d, f, err)
		}
		return err
	}
	return web.Redirect(w, r, "/library/"+d.Slug+"/comments#comment-"+k, "Response recorded.")
}

// ---- templates adopted ----

func (s *Service) editableOrgs(ctx context.Context, id *web.Identity) ([]orgRef, error) {
	var ids []int64
	for o, role := range id.Orgs {
		if role >= web.RoleEditor {
			ids = append(ids, o)
		}
	}
	return orgsByID(ctx, s.DB.Q(), ids)
}

func (s *Service) adoptForm(w http.ResponseWriter, r *http.Request) error {
	d, err := s.load(r)
	if err != nil {
		return err
	}
	form := url.Values{"adopted_on": {today().Format(time.DateOnly)}}
	return s.renderAdopt(w, r, http.StatusOK, d, form, nil)
}

func (s *Service) renderAdopt(w http.ResponseWriter, r *http.Request, status int, d *Document, form url.Values, err error) error {
	if d.Kind != "template" {
		return apperr.NotFound("template")
	}
	orgs, e := s.editableOrgs(r.Context(), web.IdentityFrom(r.Context()))
	if e != nil {
		return e
	}
	return s.Web.Render(w, r, status, "library/adopt.html", adoptView{
		View:    web.View{Title: "Adopt the " + d.Title + " template", Form: form, Err: err},
		Doc:     d,
		Orgs:    orgs,
		InForce: d.InForce(today()),
	})
}

func (s *Service) adopt(w http.ResponseWriter, r *http.Request) error {
	d, err := s.load(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	v := &apperr.Validation{}
	org, _ := strconv.ParseInt(f.Get("org"), 10, 64)
	id := web.IdentityFrom(r.Context())
	if org == 0 || id.RoleIn(org) < web.RoleEditor && !id.Admin {
		v.Add("org", "Choose an organisation you are an owner or editor of")
	}
	adopted := web.FormDate(v, f, "adopted_on", "Adoption date must be a real date, for example 2024-03-31")
	next := web.FormDate(v, f, "next_review_on", "Next review date must be a real date, for example 2025-03-31")
	err = v.Err()
	if err == nil {
		_, err = s.Adopt(r.Context(), d, org, adopted, next, id.UserID)
	}
	if err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderAdopt(w, r, http.StatusUnprocessableEntity, d, f, err)
		}
		return err
	}
	orgs, err := orgsByID(r.Context(), s.DB.Q(), []int64{org})
	if err != nil || len(orgs) == 0 {
		return apperr.NotFound("organisation")
	}
	return web.Redirect(w, r, "/orgs/"+orgs[0].Slug+"/policies", "Template adopted into your policy record.")
}

func (s *Service) orgPolicies(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org := web.OrgFrom(ctx)
	ads, err := adoptionsOf(ctx, s.DB.Q(), org)
	if err != nil {
		return err
	}
	templates, _, err := ListDocuments(ctx, s.DB.Q(), DocFilter{Kind: "template", Status: "adopted"}, 100, 0)
	if err != nil {
		return err
	}
	orgs, err := orgsByID(ctx, s.DB.Q(), []int64{org})
	if err != nil || len(orgs) == 0 {
		return apperr.NotFound("organisation")
	}
	return s.Web.Render(w, r, http.StatusOK, "library/org_policies.html", orgPoliciesView{
		View:      web.View{Title: orgs[0].Name + ": policies from the town's templates"},
		Org:       orgs[0],
		Adoptions: ads,
		Templates: templates,
		Today:     today(),
	})
}
