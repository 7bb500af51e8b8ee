package partnerships

import (
	"context"
	"fmt"
	"net/http"
	"partnerhub/internal/clean"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

// documentPolicy is what a governance document may be: the type sniffed
// from the content (never the name the browser sends), at most 5 MB.
var documentPolicy = uploads.Policy{Field: "document", Max: 5 << 20, Types: []uploads.Type{uploads.PDF, uploads.DOCX, uploads.ODT, uploads.Text}, Fallback: "document"}

// documents is where governance documents are kept.
func (s *Service) documents() uploads.Store {
	return uploads.NewStore(s.Web.Config.UploadDir(), "consortia")
}

func (s *Service) consortiumRoutes() []web.Route {
	return []web.Route{
		web.Get("/consortia/definition", web.Public, s.definitionPage),
		web.Get("/admin/consortium-definition", web.Admin, s.definitionForm),
		web.Post("/admin/consortium-definition", web.Admin, s.addDefinition),
		web.Post("/partnerships/{slug}/consortium", manage, s.saveConsortium),
		web.Post("/partnerships/{slug}/documents", manage, s.uploadDocument),
		web.Get("/partnerships/{slug}/documents/{id}", web.Public, s.document),
	}
}

// consortiumData adds a consortium's extras to the show page data.
func (s *Service) consortiumData(ctx context.Context, p *Partnership, data *showView) error {
	life := LifespanOf(p, time.Now())
	data.Lifespan = &life
	det, err := DetailsOf(ctx, s.DB.Q(), p.ID)
	if err != nil {
		return err
	}
	defs, err := DefinitionVersions(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	def := InForce(defs, time.Now())
	crit, n, err := CriteriaMet(ctx, s.DB.Q(), p.ID, def)
	if err != nil {
		return err
	}
	tiers, err := TiersOf(ctx, s.DB.Q(), p.ID)
	if err != nil {
		return err
	}
	docs, err := documentsOf(ctx, s.DB.Q(), p.ID)
	if err != nil {
		return err
	}
	ready, err := ReadyMembers(ctx, s.DB.Q(), p.ID, londonDay(time.Now()))
	if err != nil {
		return err
	}
	qm, qmUntil, err := QualityMarkHeld(ctx, s.DB.Q(), p.ID, londonDay(time.Now()))
	if err != nil {
		return err
	}
	data.Consortium = &consortiumView{QualityMark: qm, QualityMarkUntil: qmUntil, DocHint: documentPolicy.Hint(), Details: det, Definition: def, Criteria: crit, MetCount: n, Tiers: tiers, Ready: ready, FullMembers: fullMembers(p, tiers, ready), Docs: docs, LegalStructures: LegalStructures, TierCodes: Tiers,
		Form: consortiumForm{Details: det, Tiers: tiers, Criteria: crit}}
	return nil
}

// consortiumForm is what the consortium details form shows: what is stored,
// or on a 422 what was sent.
type consortiumForm struct {
	Details  Details
	Tiers    map[int64]string
	Criteria []Criterion
}

// keepConsortiumInput puts the details, tiers and criteria that were sent
// into the form of the show page data (the summary above it keeps what is
// stored).
func keepConsortiumInput(d Details, tiers map[int64]string, met []int64) func(*showView) {
	return func(data *showView) {
		c := data.Consortium
		if c == nil {
			return
		}
		f := c.Form
		f.Details = d
		kept := map[int64]string{}
		for id, t := range f.Tiers {
			kept[id] = t
		}
		for id, t := range tiers {
			kept[id] = t
		}
		f.Tiers = kept
		sent := map[int64]bool{}
		for _, id := range met {
			sent[id] = true
		}
		f.Criteria = append([]Criterion(nil), f.Criteria...)
		for i := range f.Criteria {
			f.Criteria[i].Met = sent[f.Criteria[i].ID]
		}
		c.Form = f
	}
}

func (s *Service) saveConsortium(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := managed(r)
	if !p.IsConsortium() {
		return apperr.NotFound("consortium")
	}
	d := Details{LegalStructure: r.PostForm.Get("legal_structure"), RegisteredID: clean.Text(r.PostForm.Get("registered_id")),
		FullEligibility: clean.Text(r.PostForm.Get("full_eligibility")), AssociateEligibility: clean.Text(r.PostForm.Get("associate_eligibility")),
		RequiresReadiness: r.PostForm.Get("requires_readiness") == "yes"}
	defs, err := DefinitionVersions(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	def := InForce(defs, time.Now())
	tiers := map[int64]string{}
	for _, m := range p.Members {
		if t := r.PostForm.Get(fmt.Sprintf("tier-%d", m.ID)); t != "" || r.PostForm.Has(fmt.Sprintf("tier-%d", m.ID)) {
			tiers[m.ID] = t
		}
	}
	met := web.FormIDs(r.PostForm, "criterion")
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := CheckFullTiers(ctx, tx, p, d, tiers, londonDay(time.Now())); err != nil {
			return err
		}
		if err := SaveDetails(ctx, tx, p.ID, d, met, def); err != nil {
			return err
		}
		for id, t := range tiers {
			if err := SetTier(ctx, tx, id, t); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, firstLead(p), "partnership.consortium_update", "partnership", p.ID, fmt.Sprintf("%s %s requires_readiness=%t", d.LegalStructure, d.RegisteredID, d.RequiresReadiness))
	})
	if err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderShowWithErr(w, r, p, err, keepConsortiumInput(d, tiers, met))
		}
		return err
	}
	return web.Redirect(w, r, "/partnerships/"+p.Slug+"#consortium", "Consortium details saved.")
}

func (s *Service) uploadDocument(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := managed(r)
	if !p.IsConsortium() {
		return apperr.NotFound("consortium")
	}
	form, err := uploads.ReadForm(r, documentPolicy.Max)
	if err != nil && apperr.Code(err) != apperr.EINVALID {
		return err
	}
	file, err := documentPolicy.Check(form)
	if err != nil {
		return s.renderShow(w, r, uploads.Status(err), p, err)
	}
	title := clean.Text(form.Values.Get("title"))
	if title == "" {
		title = file.Name
	}
	store := s.documents()
	stored, err := store.Save(file)
	if err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		id, err := addDocument(ctx, tx, p.ID, document{Title: title, Filename: file.Name, ContentType: file.Type.ContentType, Size: int64(len(file.Data)), StoredName: stored}, web.IdentityFrom(ctx).UserID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, firstLead(p), "partnership.document_upload", "consortium_document", id, file.Name)
	})
	if err != nil {
		store.Discard(stored)
		return err
	}
	return web.Redirect(w, r, "/partnerships/"+p.Slug+"#documents", "Document uploaded.")
}

func (s *Service) document(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.load(r)
	if err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "document")
	if err != nil {
		return err
	}
	d, err := documentByID(ctx, s.DB.Q(), p.ID, id)
	if err != nil {
		return err
	}
	return s.documents().Serve(w, r, d.StoredName, d.Filename, d.ContentType, d.UploadedAt)
}

// removeDocuments deletes the files of a partnership's documents once tx,
// which deletes the partnership (and by cascade their records), commits.
func (s *Service) removeDocuments(ctx context.Context, tx *db.Tx, pid int64) error {
	docs, err := documentsOf(ctx, tx, pid)
	if err != nil {
		return err
	}
	var names []string
	for _, d := range docs {
		names = append(names, d.StoredName)
	}
	s.documents().RemoveAfterCommit(tx, names...)
	return nil
}

func (s *Service) definitionPage(w http.ResponseWriter, r *http.Request) error {
	defs, err := DefinitionVersions(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	data := definitionView{View: web.View{Title: "The town's definition of a consortium"}, Defs: defs, InForce: InForce(defs, time.Now()), Today: time.Now()}
	if s.definitionDoc != nil {
		if doc, ok := s.definitionDoc(r.Context()); ok {
			data.Doc = &doc
		}
	}
	return s.Web.Render(w, r, http.StatusOK, "partnerships/definition.html", data)
}

func (s *Service) definitionForm(w http.ResponseWriter, r *http.Request) error {
	defs, err := DefinitionVersions(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	form := map[string][]string{}
	if cur := InForce(defs, time.Now()); cur != nil {
		var lines []string
		for _, c := range cur.Criteria {
			lines = append(lines, c.Text)
		}
		form["criteria"] = []string{strings.Join(lines, "\n")}
	}
	return s.Web.Render(w, r, http.StatusOK, "partnerships/definition_form.html", web.View{Title: "New version of the consortium definition", Form: urlValues(form)})
}

func (s *Service) addDefinition(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	v := &apperr.Validation{}
	d := &Definition{Notes: clean.Text(r.PostForm.Get("notes"))}
	if t := web.FormDate(v, r.PostForm, "adopted_on", "Adoption date must be a real date, for example 2024-03-31"); t != nil {
		d.AdoptedOn = *t
	}
	if t := web.FormDate(v, r.PostForm, "next_review_on", "Next review date must be a real date, for example 2024-03-31"); t != nil {
		d.NextReviewOn = *t
	}
	err := v.Err()
	told := 0
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error {
			if err := AddDefinition(ctx, tx, d, strings.Split(r.PostForm.Get("criteria"), "\n")); err != nil {
				return err
			}
			if err := s.runDefinitionHooks(ctx, tx, d); err != nil {
				return err
			}
			if told, err = NotifyDefinitionChange(ctx, tx, d, s.baseURL()); err != nil {
				return err
			}
			return audit.Record(ctx, tx, 0, "partnership.definition_add", "consortium_definition", d.ID, fmt.Sprintf("version %d adopted %s", d.Version, d.AdoptedOn.Format(time.DateOnly)))
		})
	}
	if err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.Web.Render(w, r, http.StatusUnprocessableEntity, "partnerships/definition_form.html", web.View{Title: "New version of the consortium definition", Form: r.PostForm, Err: err})
		}
		return err
	}
	msg := fmt.Sprintf("Version %d saved.", d.Version)
	if n := d.ChangedCount(); n < len(d.Criteria) {
		msg += fmt.Sprintf(" %d of its %d criteria are worded as before and carry forward what consortia recorded.", len(d.Criteria)-n, len(d.Criteria))
	}
	if told > 0 {
		msg += fmt.Sprintf(" %d consortia were emailed to confirm the new criteria.", told)
	}
	return web.Redirect(w, r, "/consortia/definition", msg)
}

// londonDay is today's date in London as a UTC midnight, the form badge
// dates are stored in.
func londonDay(now time.Time) time.Time {
	y, m, d := now.In(web.London()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// fullMember is a full member and whether it is commissioning ready.
type fullMember struct {
	Member
	Ready bool
}

func fullMembers(p *Partnership, tiers map[int64]string, ready map[int64]bool) []fullMember {
	var out []fullMember
	for _, m := range p.Members {
		if tiers[m.ID] == "full" {
			out = append(out, fullMember{m, ready[m.OrgID]})
		}
	}
	return out
}
