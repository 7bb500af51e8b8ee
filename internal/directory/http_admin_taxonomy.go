package directory

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// Admin curation of the shared vocabularies (/admin/taxonomy): list, add,
// edit (never the code: it is used in URLs and feeds), retire and bring
// back. Terms are never deleted. The store is package taxonomy.

var vocabularyTitles = map[string]string{taxonomy.Themes: "Themes", taxonomy.Services: "Services", taxonomy.ClientGroups: "Client groups"}
var vocabularySingular = map[string]string{taxonomy.Themes: "theme", taxonomy.Services: "service", taxonomy.ClientGroups: "client group"}

func (s *Service) adminTaxonomyRoutes() []web.Route {
	return []web.Route{
		web.Get("/admin/taxonomy", web.Admin, s.taxonomyList),
		web.Get("/admin/taxonomy/new", web.Admin, s.taxonomyNewForm),
		web.Post("/admin/taxonomy", web.Admin, s.taxonomyCreate),
		web.Get("/admin/taxonomy/{id}", web.Admin, s.taxonomyEditForm),
		web.Post("/admin/taxonomy/{id}", web.Admin, s.taxonomyUpdate),
		web.Get("/admin/taxonomy/{id}/retire", web.Admin, s.taxonomyRetireForm),
		web.Post("/admin/taxonomy/{id}/retire", web.Admin, s.taxonomyRetire),
		web.Post("/admin/taxonomy/{id}/unretire", web.Admin, s.taxonomyUnretire),
	}
}

type vocabView struct {
	Code, Title, Singular string
	Terms                 []taxonomy.Term
}

func (s *Service) taxonomyList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	usage, _, err := taxonomy.Usage(ctx, s.DB, 0)
	if err != nil {
		return err
	}
	var vs []vocabView
	for _, v := range taxonomy.Vocabularies {
		ts, err := taxonomy.List(ctx, s.DB.Q(), v, true)
		if err != nil {
			return err
		}
		vs = append(vs, vocabView{v, vocabularyTitles[v], vocabularySingular[v], ts})
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/admin_taxonomy.html", adminTaxonomyView{View: web.View{Title: "Taxonomy"}, Vocabs: vs, Usage: usage})
}

func termForm(t taxonomy.Term) url.Values {
	return url.Values{"vocabulary": {t.Vocabulary}, "code": {t.Code}, "name": {t.Name}, "description": {t.Description},
		"ni_codes": {t.NICodes}, "crosswalk": {t.Crosswalk}, "position": {strconv.Itoa(t.Position)}}
}

// termFromForm reads the form's editable fields into t.
func termFromForm(f url.Values, t *taxonomy.Term) error {
	t.Name, t.Description, t.NICodes, t.Crosswalk = f.Get("name"), f.Get("description"), f.Get("ni_codes"), f.Get("crosswalk")
	t.Position = 0
	if p := strings.TrimSpace(f.Get("position")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			// Report the other fields' problems too, all at once.
			var v apperr.Validation
			tmp := *t
			if strings.TrimSpace(tmp.Code) == "" {
				tmp.Code = "x" // made from the name later
			}
			if err := tmp.Validate(); err != nil {
				for _, fe := range apperr.Fields(err) {
					v.Add(fe.Field, fe.Message)
				}
			}
			v.Add("position", "Position must be a whole number, like 5")
			return v.Err()
		}
		t.Position = n
	}
	return nil
}

func (s *Service) renderTermForm(w http.ResponseWriter, r *http.Request, status int, t *taxonomy.Term, form url.Values, err error) error {
	data := adminTaxonomyFormView{
		View:       web.View{Form: form, Err: err},
		Term:       t,
		Singular:   vocabularySingular[t.Vocabulary],
		VocabTitle: vocabularyTitles[t.Vocabulary],
	}
	if t.ID == 0 {
		data.Title = "Add a " + vocabularySingular[t.Vocabulary]
	} else {
		data.Title = "Edit " + vocabularySingular[t.Vocabulary] + ": " + t.Name
		_, by, uerr := taxonomy.Usage(r.Context(), s.DB, t.ID)
		if uerr != nil {
			return uerr
		}
		data.UsageByTable = by
	}
	return s.Web.Render(w, r, status, "directory/admin_taxonomy_form.html", data)
}

func (s *Service) taxonomyNewForm(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query().Get("vocabulary")
	if !taxonomy.ValidVocabulary(v) {
		return apperr.NotFound("vocabulary")
	}
	t := &taxonomy.Term{Vocabulary: v}
	return s.renderTermForm(w, r, http.StatusOK, t, url.Values{"vocabulary": {v}}, nil)
}

func (s *Service) taxonomyCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	v := r.PostForm.Get("vocabulary")
	if !taxonomy.ValidVocabulary(v) {
		return apperr.Errorf(apperr.EINVALID, "Select a vocabulary: theme, service or client group")
	}
	t := &taxonomy.Term{Vocabulary: v, Code: r.PostForm.Get("code")}
	err := termFromForm(r.PostForm, t)
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return taxonomy.Create(ctx, tx, t) })
	}
	if apperr.Code(err) == apperr.EINVALID {
		return s.renderTermForm(w, r, http.StatusUnprocessableEntity, &taxonomy.Term{Vocabulary: v}, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/taxonomy#"+v, "Added "+vocabularySingular[v]+" “"+t.Name+"” (code "+t.Code+")")
}

func (s *Service) pathTerm(r *http.Request) (taxonomy.Term, error) {
	id, err := web.PathID(r, "id", "term")
	if err != nil {
		return taxonomy.Term{}, err
	}
	return taxonomy.Get(r.Context(), s.DB.Q(), id)
}

func (s *Service) taxonomyEditForm(w http.ResponseWriter, r *http.Request) error {
	t, err := s.pathTerm(r)
	if err != nil {
		return err
	}
	return s.renderTermForm(w, r, http.StatusOK, &t, termForm(t), nil)
}

func (s *Service) taxonomyUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	t, err := s.pathTerm(r)
	if err != nil {
		return err
	}
	orig := t
	err = termFromForm(r.PostForm, &t)
	var changed []string
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error {
			var err error
			changed, err = taxonomy.Update(ctx, tx, &t)
			if err == nil && t.Vocabulary == taxonomy.Services && t.Name != orig.Name {
				// Search documents hold service names: the renamed
				// service is found under its new name.
				err = reindexTerm(ctx, tx, t.ID)
			}
			return err
		})
	}
	if apperr.Code(err) == apperr.EINVALID {
		f := r.PostForm
		f.Set("code", orig.Code)
		return s.renderTermForm(w, r, http.StatusUnprocessableEntity, &orig, f, err)
	}
	if err != nil {
		return err
	}
	msg := "No changes to " + t.Name
	if len(changed) > 0 {
		msg = "Saved " + t.Name + ": changed " + strings.Join(changed, ", ")
	}
	return web.Redirect(w, r, "/admin/taxonomy#"+t.Vocabulary, msg)
}

func (s *Service) taxonomyRetireForm(w http.ResponseWriter, r *http.Request) error {
	t, err := s.pathTerm(r)
	if err != nil {
		return err
	}
	if t.Retired {
		return web.Redirect(w, r, "/admin/taxonomy/"+itoa(int(t.ID)), t.Name+" is already retired")
	}
	_, by, err := taxonomy.Usage(r.Context(), s.DB, t.ID)
	if err != nil {
		return err
	}
	c := web.Confirm{Title: "Retire " + t.Name,
		Question: "Are you sure you want to retire the " + vocabularySingular[t.Vocabulary] + " “" + t.Name + "”?",
		Detail:   "It will no longer be offered when people describe organisations, networks, events or partnerships. Records that already hold it keep it; none do yet.",
		After:    "You can bring it back later.",
		Action:   "/admin/taxonomy/" + itoa(int(t.ID)) + "/retire", Button: "Yes, retire it", Back: "/admin/taxonomy/" + itoa(int(t.ID))}
	if len(by) > 0 {
		c.Detail = strings.TrimSuffix(c.Detail, "; none do yet.") + ":"
		tables := make([]string, 0, len(by))
		for table := range by {
			tables = append(tables, table)
		}
		sort.Strings(tables)
		for _, table := range tables {
			c.Items = append(c.Items, fmt.Sprintf("%d in %s", by[table], table))
		}
	}
	return s.Web.Confirm(w, r, c)
}

func (s *Service) setRetired(w http.ResponseWriter, r *http.Request, retired bool) error {
	ctx := r.Context()
	t, err := s.pathTerm(r)
	if err != nil {
		return err
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return taxonomy.SetRetired(ctx, tx, t.ID, retired) }); err != nil {
		return err
	}
	msg := "Retired " + t.Name + ". Records that hold it keep it; it is no longer offered for new ones."
	if !retired {
		msg = t.Name + " is back in use"
	}
	return web.Redirect(w, r, "/admin/taxonomy#"+t.Vocabulary, msg)
}

func (s *Service) taxonomyRetire(w http.ResponseWriter, r *http.Request) error {
	return s.setRetired(w, r, true)
}

func (s *Service) taxonomyUnretire(w http.ResponseWriter, r *http.Request) error {
	return s.setRetired(w, r, false)
}
