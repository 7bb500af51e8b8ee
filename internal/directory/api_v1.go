package directory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// The directory's JSON API, /api/v1/organizations, described by the OpenAPI
// document at /api/v1/openapi.json (openapi.json beside this file).
//
// Access: reads are public (unlisted organisations only for their members).
// Writes declare their policy in the route table: adding an organisation
// needs a signed-in caller (a personal API token, or a session), changing
// one needs editor of it (ObjectRole "organisation", resolved by
// resolveOrganisation); the web shell identifies bearer tokens on /api/
// paths (accounts.Service.Identify). An anonymous write answers 401; a
// write to an organisation the caller is not a member of answers 404, like
// a missing one; a viewer gets 403.

// MaxAPIBody bounds a JSON request body.
const MaxAPIBody = 256 << 10

// apiRoutes is the feature's route list added by this file set: the JSON
// API, its OpenAPI document, API token pages, and the admin taxonomy and
// import pages.
func (s *Service) apiRoutes() []web.Route {
	return append(append([]web.Route{
		web.Get("/api/v1/openapi.json", web.Public, s.openAPI),
		web.Get("/api/v1/organizations", web.Public, s.apiList),
		web.Get("/api/v1/organizations/{id}", web.Public, s.apiGet),
		web.Post("/api/v1/organizations", web.SignedIn, s.apiCreate),
		web.Put("/api/v1/organizations/{id}", web.ObjectRole("organisation", web.RoleEditor), s.apiUpdate),
		{Method: "PATCH", Path: "/api/v1/organizations/{id}", Policy: web.ObjectRole("organisation", web.RoleEditor), Handler: s.apiUpdate},
	}, s.adminTaxonomyRoutes()...), s.adminImportRoutes()...)
}

// apiPage is a page of /api/v1/organizations.
type apiPage struct {
	Total int `json:"total"`
	// TotalCapped: more than Total organisations match (counting stops
	// at 1,000); RankedAmong: the order was computed among that many
	// matches only (0: all of them).
	TotalCapped bool     `json:"total_capped"`
	RankedAmong int      `json:"ranked_among,omitempty"`
	Page        int      `json:"page"`
	PerPage     int      `json:"per_page"`
	Items       []Item   `json:"items"`
	Links       apiLinks `json:"links"`
}

type apiLinks struct {
	Self string  `json:"self"`
	Next *string `json:"next"`
	Prev *string `json:"prev"`
}

// apiList is the directory search as JSON: the same query parameters,
// validation, sort and paging as /directory (filterFrom, web.NewPager, Search).
func (s *Service) apiList(w http.ResponseWriter, r *http.Request) error {
	if err := CheckAPIQuery("/api/v1/organizations", r.URL.Query()); err != nil {
		return err
	}
	f := filterFrom(r.URL.Query())
	pager := web.NewPager(r, 20)
	f.Limit, f.Offset = pager.PerPage, pager.Offset()
	if f.Validate() == nil {
		ef, _, err := s.expandFilter(r.Context(), f)
		if err != nil {
			return err
		}
		f = ef
	}
	res, err := Search(r.Context(), s.DB.Q(), s.DB.Dialect, f)
	if err != nil {
		return err
	}
	items := res.Items
	if items == nil {
		items = []Item{}
	}
	pager.Total = res.Total
	link := func(page int) string {
		v := r.URL.Query()
		v.Set("page", itoa(page))
		return s.Web.Config.BaseURL + "/api/v1/organizations?" + v.Encode()
	}
	out := apiPage{Total: res.Total, TotalCapped: res.TotalCapped, RankedAmong: res.RankedAmong, Page: pager.Page, PerPage: pager.PerPage, Items: items, Links: apiLinks{Self: link(pager.Page)}}
	if pager.Page < pager.Pages() {
		n := link(pager.Page + 1)
		out.Links.Next = &n
	}
	if pager.Page > 1 {
		p := link(min(pager.Page-1, pager.Pages()))
		out.Links.Prev = &p
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return web.JSON(w, http.StatusOK, out)
}

// apiFind loads an organisation by uuid or slug, as id sees it: an
// unlisted one is visible to its members and admins only.
func (s *Service) apiFind(ctx context.Context, q db.Querier, id *web.Identity, key string) (*Profile, bool, error) {
	var orgID int64
	if err := q.QueryRowContext(ctx, `SELECT id FROM organisations WHERE uuid = $1 OR slug = $2`, key, key).Scan(&orgID); err != nil {
		return nil, false, db.Err(err, "organisation")
	}
	p, err := LoadProfile(ctx, q, orgID)
	if err != nil {
		return nil, false, err
	}
	member := id != nil && (id.Admin || id.RoleIn(p.ID) != web.RoleNone)
	if !p.Published && !member {
		return nil, false, apperr.NotFound("organisation")
	}
	return p, member, nil
}

// apiOrgOut is an organisation as the API answers it (APIOrg, the shape the
// organisation page's JSON shares, plus whether it is listed).
type apiOrgOut struct {
	APIOrg
	Published bool `json:"published"`
}

func (s *Service) apiOrgJSON(ctx context.Context, p *Profile, member bool) (apiOrgOut, error) {
	data, err := s.pageData(ctx, p, member)
	if err != nil {
		return apiOrgOut{}, err
	}
	return apiOrgOut{apiOrg(p, data), p.Published}, nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request) error {
	id := web.IdentityFrom(r.Context())
	p, member, err := s.apiFind(r.Context(), s.DB.Q(), id, r.PathValue("id"))
	if err != nil {
		return err
	}
	a, err := s.apiOrgJSON(r.Context(), p, member)
	if err != nil {
		return err
	}
	if !member {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	return web.JSON(w, http.StatusOK, a)
}

// resolveOrganisation is the resolver of ObjectRole("organisation"): the
// organisation named by uuid or slug in {id}, owned by itself; only its
// members learn that it exists from a refusal.
func (s *Service) resolveOrganisation(r *http.Request) (*web.Object, error) {
	var id int64
	var name string
	key := r.PathValue("id")
	err := s.DB.Q().QueryRowContext(r.Context(), `SELECT id, name FROM organisations WHERE uuid = $1 OR slug = $2`, key, key).Scan(&id, &name)
	if err != nil {
		return nil, db.Err(err, "organisation")
	}
	return &web.Object{Value: id, Owners: []int64{id},
		Refusal: "You are a viewer of " + name + ": ask an owner to make you an editor to change its profile."}, nil
}

func (s *Service) apiCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	if !id.Verified {
		return apperr.Errorf(apperr.EFORBIDDEN, "Confirm your email address before you add an organisation.")
	}
	raw, err := readJSONObject(r)
	if err != nil {
		return err
	}
	p := &Profile{Published: true}
	if err := s.applyInput(ctx, p, raw, true); err != nil {
		return err
	}
	if err := sectorAllowed(id, "", p.Sector); err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		o := accounts.Organisation{Name: p.Name, Sector: p.Sector, LegalForm: p.LegalForm}
		if err := accounts.InsertOrg(ctx, tx, &o, id.UserID); err != nil {
			return err
		}
		p.Organisation = o
		_, err := SaveProfile(ctx, tx, p)
		return err
	})
	if err != nil {
		return err
	}
	p, err = LoadProfile(ctx, s.DB.Q(), p.ID)
	if err != nil {
		return err
	}
	a, err := s.apiOrgJSON(ctx, p, true)
	if err != nil {
		return err
	}
	w.Header().Set("Location", apiOrgURL(s.Web.Config.BaseURL, p.UUID))
	return web.JSON(w, http.StatusCreated, a)
}

// apiUpdate serves PUT (replace the profile: fields left out are cleared)
// and PATCH (change only the fields sent).
func (s *Service) apiUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	raw, err := readJSONObject(r)
	if err != nil {
		return err
	}
	var p *Profile
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		// The route's policy let an editor of the organisation through.
		cur, err := LoadProfile(ctx, tx, web.ObjectFrom(ctx).(int64))
		if err != nil {
			return err
		}
		oldSector := cur.Sector
		p = cur
		replace := r.Method == http.MethodPut
		if replace {
			p = &Profile{Organisation: cur.Organisation, Published: true, ProfileUpdated: cur.ProfileUpdated}
		}
		if err := s.applyInputTx(ctx, tx, p, cur, raw, replace); err != nil {
			return err
		}
		if err := sectorAllowed(id, oldSector, p.Sector); err != nil {
			return err
		}
		_, err = SaveProfile(ctx, tx, p)
		return err
	})
	if err != nil {
		return err
	}
	p, err = LoadProfile(ctx, s.DB.Q(), p.ID)
	if err != nil {
		return err
	}
	a, err := s.apiOrgJSON(ctx, p, true)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, a)
}

// sectorAllowed: only administrators add public-sector organisations (or
// move one into the public sector), as on the web pages.
func sectorAllowed(id *web.Identity, old, sector string) error {
	if sector == "public" && old != "public" && !id.Admin {
		return &apperr.Error{Code: apperr.EFORBIDDEN, Message: "Only Partnerhub administrators can add a public-sector organisation",
			Fields: []apperr.FieldError{{Field: "sector", Message: "Only Partnerhub administrators can add a public-sector organisation. Ask the Partnerhub team to add it and invite you to it."}}}
	}
	return nil
}

// readJSONObject reads a JSON object body (at most MaxAPIBody bytes).
func readJSONObject(r *http.Request) (map[string]json.RawMessage, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return nil, apperr.Errorf(apperr.EINVALID, "Send the body as JSON, with Content-Type: application/json")
		}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxAPIBody+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apperr.Errorf(apperr.ETOOLARGE, "The request body is larger than this server accepts.")
		}
		return nil, apperr.Errorf(apperr.EINVALID, "The request body could not be read")
	}
	if len(b) > MaxAPIBody {
		return nil, apperr.Errorf(apperr.ETOOLARGE, "The JSON body must be %d KB or smaller", MaxAPIBody>>10)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		msg := "The body is not a JSON object"
		var se *json.SyntaxError
		if errors.As(err, &se) {
			msg = fmt.Sprintf("The body is not valid JSON (at byte %d: %v)", se.Offset, se)
		}
		return nil, apperr.Errorf(apperr.EINVALID, "%s", msg)
	}
	if dec.More() {
		return nil, apperr.Errorf(apperr.EINVALID, "The body must hold one JSON object")
	}
	return raw, nil
}

// Writable fields of an organisation, and read-only ones a client may send
// back unchanged (a GET response can be edited and PUT back).
var (
	apiWritable = []string{"name", "other_names", "sector", "legal_form", "identifiers", "description", "mission", "address", "postcode",
		"wards", "local_authorities", "services", "client_groups", "themes", "income_band", "staff", "volunteers", "outcomes_method",
		"website", "social_links", "published"}
	apiReadOnly = []string{"id", "slug", "policies", "quality_marks", "updated_at", "badges"}
)

func (s *Service) applyInput(ctx context.Context, p *Profile, raw map[string]json.RawMessage, replace bool) error {
	return s.applyInputTx(ctx, s.DB.Q(), p, &Profile{}, raw, replace)
}

// applyInputTx sets p's fields from a JSON object: every field present is
// set (null clears it); with replace, every field absent is cleared too.
// Term fields are lists of taxonomy codes; cur's retired terms may stay.
// Type errors are field errors named as in the JSON.
func (s *Service) applyInputTx(ctx context.Context, q db.Querier, p, cur *Profile, raw map[string]json.RawMessage, replace bool) error {
	var v apperr.Validation
	var unknown []string
	for k := range raw {
		if !contains(apiWritable, k) && !contains(apiReadOnly, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		v.Add(k, fmt.Sprintf("%q is not a field of an organisation", k))
	}
	isNull := func(b json.RawMessage) bool { return string(bytes.TrimSpace(b)) == "null" }
	str := func(key, what string, dst *string) {
		b, ok := raw[key]
		if !ok || isNull(b) {
			if ok || replace {
				*dst = ""
			}
			return
		}
		if json.Unmarshal(b, dst) != nil {
			v.Add(key, what+" must be a string")
		}
	}
	list := func(key, what string, dst *[]string) {
		b, ok := raw[key]
		if !ok || isNull(b) {
			if ok || replace {
				*dst = nil
			}
			return
		}
		var xs []string
		if json.Unmarshal(b, &xs) != nil {
			v.Add(key, what+" must be a list of strings")
			return
		}
		*dst = xs
	}
	num := func(key, what string, dst **int) {
		b, ok := raw[key]
		if !ok || isNull(b) {
			if ok || replace {
				*dst = nil
			}
			return
		}
		var n int
		if json.Unmarshal(b, &n) != nil {
			v.Add(key, what+" must be a whole number, like 12")
			return
		}
		*dst = &n
	}
	str("name", "Name", &p.Name)
	str("other_names", "Other names", &p.OtherNames)
	str("sector", "Sector", &p.Sector)
	str("legal_form", "Legal form", &p.LegalForm)
	list("identifiers", "Identifiers", &p.Identifiers)
	str("description", "Description", &p.Description)
	str("mission", "Mission", &p.Mission)
	str("address", "Address", &p.Address)
	str("postcode", "Postcode", &p.Postcode)
	list("wards", "Wards", &p.Wards)
	list("local_authorities", "Local authorities", &p.LocalAuths)
	str("income_band", "Income band", &p.IncomeBand)
	num("staff", "Staff", &p.Staff)
	num("volunteers", "Volunteers", &p.Volunteers)
	str("outcomes_method", "Outcomes method", &p.OutcomesMethod)
	str("website", "Website", &p.Website)
	list("social_links", "Social links", &p.SocialLinks)
	if b, ok := raw["published"]; ok && !isNull(b) {
		if json.Unmarshal(b, &p.Published) != nil {
			v.Add("published", "Published must be true or false")
		}
	}
	// Terms: start from the current ones per vocabulary, replace the
	// vocabularies sent (or, with replace, all of them).
	held := map[string][]int64{}
	for i, t := range cur.TermIDs {
		if i < len(cur.termVocab) {
			held[cur.termVocab[i]] = append(held[cur.termVocab[i]], t)
		}
	}
	var ids []int64
	for _, f := range []struct{ key, voc, what string }{{"services", taxonomy.Services, "service"}, {"client_groups", taxonomy.ClientGroups, "client group"}, {"themes", taxonomy.Themes, "theme"}} {
		b, ok := raw[f.key]
		if !ok && !replace {
			ids = append(ids, held[f.voc]...)
			continue
		}
		var codes []string
		if ok && !isNull(b) && json.Unmarshal(b, &codes) != nil {
			v.Add(f.key, strings.ToUpper(f.key[:1])+strings.ReplaceAll(f.key[1:], "_", " ")+" must be a list of taxonomy codes")
			continue
		}
		if len(codes) == 0 {
			continue
		}
		idx, err := taxonomy.Index(ctx, q, f.voc)
		if err != nil {
			return err
		}
		for _, c := range codes {
			t, ok := idx[strings.TrimSpace(c)]
			switch {
			case !ok:
				v.Add(f.key, fmt.Sprintf("%q is not a %s code; see /api/oruk/taxonomy_terms", c, f.what))
			case t.Retired && !contains(held[f.voc], t.ID):
				v.Add(f.key, fmt.Sprintf("%q is a retired %s and cannot be added", c, f.what))
			default:
				ids = append(ids, t.ID)
			}
		}
	}
	p.TermIDs = ids
	// Check the values now too, so that every field error comes back at once.
	tmp := *p
	if err := tmp.Validate(); err != nil {
		for _, fe := range apperr.Fields(err) {
			v.Add(fe.Field, fe.Message)
		}
	}
	return v.Err()
}

// apiOrgURL is the API address of an organisation.
func apiOrgURL(base, key string) string { return base + "/api/v1/organizations/" + url.PathEscape(key) }
