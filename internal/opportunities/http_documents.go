package opportunities

import (
	"net/http"

	"partnerhub/internal/apperr"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

// documentPolicy is what a tender document may be: checked by content.
var documentPolicy = uploads.Policy{Field: "document", Max: 10 << 20,
	Types: []uploads.Type{uploads.PDF, uploads.DOCX, uploads.ODT, uploads.Text}, Fallback: "document"}

// documents is where opportunity documents are kept.
func (s *Service) documents() uploads.Store {
	return uploads.NewStore(s.Web.Config.UploadDir(), "opportunities")
}

func (s *Service) uploadDocument(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	form, err := uploads.ReadForm(r, documentPolicy.Max)
	if err != nil && apperr.Code(err) != apperr.EINVALID {
		return err
	}
	o, err := s.bought(r)
	if err != nil {
		return err
	}
	file, err := documentPolicy.Check(form)
	if err != nil {
		return s.renderShow(w, r, uploads.Status(err), form.Values, err)
	}
	title := clean.Line(form.Values.Get("title"))
	if title == "" {
		title = file.Name
	}
	store := s.documents()
	stored, err := store.Save(file)
	if err != nil {
		return err
	}
	d := &Document{Title: title, Filename: file.Name, ContentType: file.Type.ContentType, Size: int64(len(file.Data)), StoredName: stored}
	err = s.DB.Write(ctx, func(tx *db.Tx) error { return s.Store.AddDocument(ctx, tx, o.ID, web.IdentityFrom(ctx).UserID, d) })
	if err != nil {
		store.Discard(stored)
		if formError(err) {
			return s.renderShow(w, r, 422, form.Values, err)
		}
		return err
	}
	return web.Redirect(w, r, "/opportunities/"+o.Slug+"#documents", "Document uploaded.")
}

// removeDocument asks before withdrawing a document (GET) and withdraws
// it (POST); a published opportunity lists the withdrawal as an
// amendment.
func (s *Service) removeDocument(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, err := s.bought(r)
	if err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "Document")
	if err != nil {
		return err
	}
	d, err := GetDocument(ctx, s.DB.Q(), o.ID, id)
	if err != nil {
		return err
	}
	back := "/opportunities/" + o.Slug + "#documents"
	if r.Method == http.MethodGet {
		c := web.Confirm{Title: "Withdraw a document", Caption: o.Title,
			Question: "Are you sure you want to withdraw " + d.Title + "?",
			Detail:   "People will no longer be able to download it.", Button: "Withdraw the document", Back: back}
		if o.Published() {
			c.Detail += " The opportunity's page lists the withdrawal as an amendment, and its open data (OCDS) gets a new release."
		}
		return s.Web.Confirm(w, r, c)
	}
	store := s.documents()
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		return s.Store.RemoveDocument(ctx, tx, o.ID, id, web.IdentityFrom(ctx).UserID, func(stored string) { store.Discard(stored) })
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, back, "Document withdrawn: "+d.Title+".")
}

func (s *Service) document(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, err := s.visible(ctx, r.PathValue("opp"))
	if err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "Document")
	if err != nil {
		return err
	}
	d, err := GetDocument(ctx, s.DB.Q(), o.ID, id)
	if err != nil {
		return err
	}
	return s.documents().Serve(w, r, d.StoredName, d.Filename, d.ContentType, d.UploadedAt)
}
