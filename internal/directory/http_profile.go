package directory

import (
	"fmt"
	"net/http"
	"net/url"
	"partnerhub/internal/clean"
	"strconv"
	"strings"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/notify"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ';' || r == ',' || r == '\r' })
}

func optInt(v url.Values, k string, val *apperr.Validation, msg string) *int {
	s := strings.TrimSpace(v.Get(k))
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		val.Add(k, msg)
		return nil
	}
	return &n
}

// profileForm turns a profile into form values.
func profileForm(p *Profile) url.Values {
	v := url.Values{}
	v.Set("name", p.Name)
	v.Set("sector", p.Sector)
	v.Set("legal_form", p.LegalForm)
	v.Set("other_names", p.OtherNames)
	v.Set("description", p.Description)
	v.Set("mission", p.Mission)
	v.Set("address", p.Address)
	v.Set("postcode", p.Postcode)
	v.Set("identifiers", strings.Join(p.Identifiers, "\n"))
	v["wards"] = p.Wards
	v.Set("local_authorities", strings.Join(p.LocalAuths, ", "))
	for _, t := range p.TermIDs {
		v.Add("term", fmt.Sprint(t))
	}
	v.Set("income_band", p.IncomeBand)
	v.Set("staff", intp(p.Staff))
	v.Set("volunteers", intp(p.Volunteers))
	v.Set("outcomes_method", p.OutcomesMethod)
	v.Set("website", p.Website)
	v.Set("social_links", strings.Join(p.SocialLinks, "\n"))
	if p.Published {
		v.Set("published", "1")
	}
	return v
}

func (s *Service) renderEdit(w http.ResponseWriter, r *http.Request, status int, p *Profile, form url.Values, err error) error {
	ctx := r.Context()
	od, derr := s.pageData(ctx, p, true)
	if derr != nil {
		return derr
	}
	voc, verr := vocabularies(ctx, s.DB.Q())
	if verr != nil {
		return verr
	}
	data := editView{
		View:    web.View{Title: "Edit profile: " + p.Name, Form: form, Err: err},
		orgData: od,
		P:       p,
		Checks: map[string]*web.Choices{
			taxonomy.Services:     termChecks("term", "s", voc[taxonomy.Services]),
			taxonomy.ClientGroups: termChecks("term", "c", voc[taxonomy.ClientGroups]),
			taxonomy.Themes:       termChecks("term", "t", voc[taxonomy.Themes]),
		},
		Wards:          Wards(),
		Sectors:        accounts.Sectors,
		LegalForms:     accounts.LegalForms,
		IncomeBands:    IncomeBands,
		OutcomeMethods: OutcomeMethods,
		PolicyKinds:    PolicyKinds,
		PolicyMap:      policyMap(od.Policies),
	}
	return s.Web.Render(w, r, status, "directory/edit.html", data)
}

type policyRow struct {
	Kind         string
	Review       string
	DueForReview bool
}

func policyMap(ps []Policy) map[string]policyRow {
	m := map[string]policyRow{}
	for _, p := range ps {
		r := policyRow{Kind: p.Kind, DueForReview: p.DueForReview}
		if p.ReviewDate != nil {
			r.Review = p.ReviewDate.Format("2006-01-02")
		}
		m[p.Kind] = r
	}
	return m
}

func (s *Service) editForm(w http.ResponseWriter, r *http.Request) error {
	p, err := LoadProfile(r.Context(), s.DB.Q(), web.OrgFrom(r.Context()))
	if err != nil {
		return err
	}
	return s.renderEdit(w, r, http.StatusOK, p, profileForm(p), nil)
}

func (s *Service) edit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	orgID := web.OrgFrom(ctx)
	p, err := LoadProfile(ctx, s.DB.Q(), orgID)
	if err != nil {
		return err
	}
	orig := *p
	f := r.PostForm
	var v apperr.Validation
	p.Name, p.Sector, p.LegalForm = f.Get("name"), f.Get("sector"), f.Get("legal_form")
	p.OtherNames, p.Description, p.Mission, p.Address, p.Postcode = f.Get("other_names"), f.Get("description"), f.Get("mission"), f.Get("address"), f.Get("postcode")
	p.Identifiers = splitList(f.Get("identifiers"))
	p.Wards = f["wards"]
	p.LocalAuths = splitList(f.Get("local_authorities"))
	p.TermIDs = nil
	for _, t := range f["term"] {
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			p.TermIDs = append(p.TermIDs, n)
		} else {
			v.Add("terms", "Choose themes, services and client groups from the lists")
		}
	}
	p.IncomeBand, p.OutcomesMethod, p.Website = f.Get("income_band"), f.Get("outcomes_method"), strings.TrimSpace(f.Get("website"))
	p.Staff = optInt(f, "staff", &v, "Staff must be a whole number, like 12")
	p.Volunteers = optInt(f, "volunteers", &v, "Volunteers must be a whole number, like 40")
	p.SocialLinks = strings.Split(f.Get("social_links"), "\n")
	p.Published = f.Get("published") == "1"
	if v.Err() != nil {
		if perr := p.Validate(); perr != nil {
			for _, fe := range apperr.Fields(perr) {
				v.Add(fe.Field, fe.Message)
			}
		}
	}
	if err := v.Err(); err != nil {
		return s.renderEdit(w, r, http.StatusUnprocessableEntity, &orig, f, err)
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error { _, err := SaveProfile(ctx, tx, p); return err })
	if apperr.Code(err) == apperr.EINVALID || apperr.Code(err) == apperr.ECONFLICT {
		return s.renderEdit(w, r, http.StatusUnprocessableEntity, &orig, f, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/directory/"+p.Slug, "Profile saved")
}

func (s *Service) editPolicies(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	orgID := web.OrgFrom(ctx)
	var v apperr.Validation
	var ps []Policy
	for _, k := range PolicyKinds {
		if r.PostForm.Get("held_"+k) != "1" {
			continue
		}
		d := web.FormDate(&v, r.PostForm, "review_"+k, labels[k]+" policy review date must be a real date, like 2027-03-31")
		ps = append(ps, Policy{Kind: k, ReviewDate: d})
	}
	err := v.Err()
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return SetPolicies(ctx, tx, orgID, ps) })
	}
	if apperr.Code(err) == apperr.EINVALID {
		p, lerr := LoadProfile(ctx, s.DB.Q(), orgID)
		if lerr != nil {
			return lerr
		}
		return s.renderEdit(w, r, http.StatusUnprocessableEntity, p, profileForm(p), err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, r.URL.Path[:strings.LastIndex(r.URL.Path, "/")]+"#policies", "Policies saved")
}

func (s *Service) addMark(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	orgID := web.OrgFrom(ctx)
	var v apperr.Validation
	m := QualityMark{Name: r.PostForm.Get("qm_name"), Level: r.PostForm.Get("qm_level")}
	m.AwardedOn = web.FormDate(&v, r.PostForm, "qm_awarded", "Date awarded must be a real date, like 2025-06-30")
	m.ExpiresOn = web.FormDate(&v, r.PostForm, "qm_expires", "Expiry date must be a real date, like 2028-06-30")
	err := v.Err()
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return AddQualityMark(ctx, tx, orgID, &m) })
	}
	if apperr.Code(err) == apperr.EINVALID {
		p, lerr := LoadProfile(ctx, s.DB.Q(), orgID)
		if lerr != nil {
			return lerr
		}
		f := profileForm(p)
		for k, vs := range r.PostForm {
			f[k] = vs
		}
		return s.renderEdit(w, r, http.StatusUnprocessableEntity, p, f, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+r.PathValue("org")+"/profile#quality-marks", "Quality mark added")
}

func (s *Service) addContact(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	orgID := web.OrgFrom(ctx)
	f := r.PostForm
	c := Contact{Name: f.Get("contact_name"), Role: f.Get("contact_role"), Email: f.Get("contact_email"), Phone: f.Get("contact_phone"),
		PublishName: f.Get("publish_name") == "1", PublishEmail: f.Get("publish_email") == "1", PublishPhone: f.Get("publish_phone") == "1"}
	err := s.DB.Write(ctx, func(tx *db.Tx) error { return AddContact(ctx, tx, orgID, &c) })
	if apperr.Code(err) == apperr.EINVALID {
		p, lerr := LoadProfile(ctx, s.DB.Q(), orgID)
		if lerr != nil {
			return lerr
		}
		pf := profileForm(p)
		for k, vs := range f {
			pf[k] = vs
		}
		return s.renderEdit(w, r, http.StatusUnprocessableEntity, p, pf, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+r.PathValue("org")+"/profile#contacts", "Contact added")
}

func (s *Service) confirmDelete(w http.ResponseWriter, r *http.Request, what, name string) error {
	return s.Web.Confirm(w, r, web.Confirm{Title: "Remove " + what,
		Question: "Are you sure you want to remove the " + what + " “" + name + "”?",
		Button:   "Yes, remove it", Back: "/orgs/" + r.PathValue("org") + "/profile"})
}

func (s *Service) confirmDeleteMark(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "quality mark")
	if err != nil {
		return err
	}
	ms, err := QualityMarks(r.Context(), s.DB.Q(), web.OrgFrom(r.Context()))
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.ID == id {
			return s.confirmDelete(w, r, "quality mark", m.Name)
		}
	}
	return apperr.NotFound("quality mark")
}

func (s *Service) deleteMark(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "quality mark")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return DeleteQualityMark(ctx, tx, web.OrgFrom(ctx), id) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+r.PathValue("org")+"/profile#quality-marks", "Quality mark removed")
}

func (s *Service) confirmDeleteContact(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "contact")
	if err != nil {
		return err
	}
	cs, err := Contacts(r.Context(), s.DB.Q(), web.OrgFrom(r.Context()))
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.ID == id {
			return s.confirmDelete(w, r, "contact", c.Name)
		}
	}
	return apperr.NotFound("contact")
}

func (s *Service) deleteContact(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "contact")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return DeleteContact(ctx, tx, web.OrgFrom(ctx), id) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+r.PathValue("org")+"/profile#contacts", "Contact removed")
}

// --- claims: an organisation in the directory with no members can be
// claimed by a signed-in user; an admin approves and the user becomes owner.

func (s *Service) claimable(r *http.Request) (*Profile, error) {
	p, err := LoadProfileBySlug(r.Context(), s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return nil, err
	}
	n, err := memberCount(r.Context(), s.DB.Q(), p.ID)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, apperr.Errorf(apperr.ECONFLICT, "%s already has members. Ask them to invite you.", p.Name)
	}
	return p, nil
}

func (s *Service) claimForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.claimable(r)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/claim.html", claimView{View: web.View{Title: "Claim " + p.Name}, P: p})
}

func (s *Service) claim(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := s.claimable(r)
	if err != nil {
		return err
	}
	msg := clean.Text(r.PostForm.Get("message"))
	var v apperr.Validation
	v.Check(msg != "", "message", "Tell us your role in the organisation")
	checkLen(&v, "message", "Your message", msg, 2000)
	if err := v.Err(); err != nil {
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "directory/claim.html", claimView{View: web.View{Title: "Claim " + p.Name, Err: err, Form: r.PostForm}, P: p})
	}
	id := web.IdentityFrom(ctx)
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		cid, err := RequestClaim(ctx, tx, p, id.UserID, msg)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ID, "directory.claim_request", "org_claim", cid, "")
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/directory/"+p.Slug, "Thank you. An administrator will check your claim.")
}

func (s *Service) claims(w http.ResponseWriter, r *http.Request) error {
	cs, err := Claims(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/claims.html", claimsView{View: web.View{Title: "Organisation claims"}, Claims: cs})
}

func (s *Service) decideClaim(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id, err := web.PathID(r, "id", "claim")
	if err != nil {
		return err
	}
	decision := r.PostForm.Get("decision")
	if decision != "approved" && decision != "rejected" {
		return apperr.Errorf(apperr.EINVALID, "Choose approve or reject")
	}
	me := web.IdentityFrom(ctx)
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		c, err := DecideClaim(ctx, tx, id, decision, me.UserID)
		if err != nil {
			return err
		}
		orgID, email, orgName := c.OrgID, c.Email, c.OrgName
		body := fmt.Sprintf("Your claim to manage %s on Partnerhub was %s.", orgName, decision)
		if decision == "approved" {
			body += " You are now its owner and can keep its profile up to date."
		}
		// directory_claim is mandatory in notify: it answers the person's own claim.
		if _, err := notify.Send(ctx, tx, s.Web.Config.BaseURL, notify.Notice{To: email, OrgID: orgID, Kind: "directory_claim", Subject: "Your claim for " + orgName, Text: body,
			Why: "You get this email because you asked to manage " + orgName + " on Partnerhub."}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, orgID, "directory.claim_"+decision, "org_claim", id, email)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/claims", "Claim "+decision)
}
