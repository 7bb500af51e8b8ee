package directory

import (
	"context"
	_ "embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Open Referral UK 3.0 read API. Our records map to ORUK like this:
// organisation -> organization; each service term an organisation offers
// -> a service (id: UUIDv5 of organisation and term); the organisation's
// postcode -> one physical location; taxonomy vocabularies -> taxonomies;
// terms -> taxonomy_terms. Only listed (published) organisations appear.

var orukNS = uuid.MustParse("6f1c1e0b-2a51-4c1e-9a0e-0000000000aa")

func v5(parts ...string) string {
	return uuid.NewSHA1(orukNS, []byte(strings.Join(parts, "/"))).String()
}

func (s *Service) orukRoutes() []web.Route {
	return []web.Route{
		web.Get("/api/oruk/{$}", web.Public, oruk("/", s.orukRoot)),
		web.Get("/api/oruk/openapi.json", web.Public, oruk("", s.orukOpenAPI)),
		web.Get("/api/oruk/services", web.Public, oruk("/services", s.orukServices)),
		web.Get("/api/oruk/services/{id}", web.Public, oruk("", s.orukService)),
		web.Get("/api/oruk/service_at_locations", web.Public, oruk("/service_at_locations", s.orukSALs)),
		web.Get("/api/oruk/service_at_locations/{id}", web.Public, oruk("", s.orukSAL)),
		web.Get("/api/oruk/taxonomies", web.Public, oruk("/taxonomies", s.orukTaxonomies)),
		web.Get("/api/oruk/taxonomies/{id}", web.Public, oruk("", s.orukTaxonomy)),
		web.Get("/api/oruk/taxonomy_terms", web.Public, oruk("/taxonomy_terms", s.orukTerms)),
		web.Get("/api/oruk/taxonomy_terms/{id}", web.Public, oruk("", s.orukTerm)),
		web.Get("/api/oruk/organizations", web.Public, oruk("/organizations", s.orukOrgs)),
		web.Get("/api/oruk/organizations/{id}", web.Public, oruk("", s.orukOrg)),
		// Any other path under /api/oruk/ is a 404 with the CORS header,
		// and every path answers a CORS preflight.
		web.Get("/api/oruk/", web.Public, oruk("", orukNotFound)),
		{Method: http.MethodOptions, Path: "/api/oruk/", Policy: web.Public, Handler: orukPreflight},
	}
}

// The ORUK endpoints' own OpenAPI description (oruk_openapi.json, derived
// from the standard's openapi.json with the parameters we apply and their
// bounds); orukQuery checks requests against it.
//
//go:embed oruk_openapi.json
var orukOpenAPIDoc []byte

var orukQuery = web.MustQueryRules(orukOpenAPIDoc)

// oruk wraps an ORUK handler: the CORS header ORUK requires on every
// answer, errors included, and the query checked against the parameters
// the document declares for docPath (a 422 for page=0, per_page=201 ...).
func oruk(docPath string, h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if err := orukQuery.Check(docPath, r.URL.Query()); err != nil {
			return err
		}
		return h(w, r)
	}
}

func orukNotFound(http.ResponseWriter, *http.Request) error { return apperr.NotFound("ORUK endpoint") }

// orukPreflight answers a CORS preflight: the API is read-only and open.
func orukPreflight(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "86400")
	h.Set("Allow", "GET, HEAD, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) orukOpenAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write(orukOpenAPIDoc)
	return err
}

func orukJSON(w http.ResponseWriter, v any) error {
	return web.JSON(w, http.StatusOK, v)
}

type page struct {
	TotalItems int   `json:"total_items"`
	TotalPages int   `json:"total_pages"`
	PageNumber int   `json:"page_number"`
	Size       int   `json:"size"`
	FirstPage  bool  `json:"first_page"`
	LastPage   bool  `json:"last_page"`
	Empty      bool  `json:"empty"`
	Contents   []any `json:"contents"`
}

// paging reads page and per_page (already checked against the document's
// bounds by oruk; absent ones take the defaults 1 and 50).
func paging(r *http.Request) (pageNo, perPage int) {
	pageNo, perPage = 1, 50
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil {
		pageNo = n
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil {
		perPage = n
	}
	return
}

func newPage(total, pageNo, perPage int, contents []any) page {
	pages := (total + perPage - 1) / perPage
	if contents == nil {
		contents = []any{}
	}
	return page{TotalItems: total, TotalPages: pages, PageNumber: pageNo, Size: len(contents), FirstPage: pageNo == 1, LastPage: pageNo >= pages, Empty: len(contents) == 0, Contents: contents}
}

func (s *Service) orukRoot(w http.ResponseWriter, r *http.Request) error {
	base := s.Web.Config.BaseURL
	return orukJSON(w, map[string]any{"version": "3.0", "profile": "https://openreferraluk.org", "openapi_url": base + "/api/oruk/openapi.json"})
}

// orukOrgRow is what the ORUK views read for an organisation.
type orukOrgRow struct {
	id                                           int64
	uuid, name, desc, website, postcode, address string
	updated                                      time.Time
}

const orukOrgSQL = `SELECT o.id, o.uuid, o.name, COALESCE(p.description, ''), COALESCE(p.website, ''), COALESCE(p.postcode, ''), COALESCE(p.address, ''), o.updated_at
	FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id WHERE COALESCE(p.published, TRUE)`

func scanOrukOrg(r interface{ Scan(...any) error }) (orukOrgRow, error) {
	var o orukOrgRow
	err := r.Scan(&o.id, &o.uuid, &o.name, &o.desc, &o.website, &o.postcode, &o.address, &o.updated)
	return o, err
}

func orukOrganization(o orukOrgRow, ids []string) map[string]any {
	desc := o.desc
	if desc == "" {
		desc = o.name
	}
	m := map[string]any{"id": o.uuid, "name": o.name, "description": desc}
	if o.website != "" {
		m["website"] = o.website
	}
	var oi []any
	for _, id := range ids {
		k := strings.Index(id[3:], "-") + 3
		oi = append(oi, map[string]any{"id": v5(o.uuid, id), "organization_id": o.uuid, "identifier_scheme": id[:k], "identifier_type": id[:k], "identifier": id[k+1:]})
	}
	if oi != nil {
		m["organization_identifiers"] = oi
	}
	return m
}

func (s *Service) orukOrgs(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pageNo, per := paging(r)
	var total int
	if err := s.DB.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id WHERE COALESCE(p.published, TRUE)`).Scan(&total); err != nil {
		return err
	}
	rows, err := s.DB.Q().QueryContext(ctx, orukOrgSQL+` ORDER BY o.id LIMIT $1 OFFSET $2`, per, (pageNo-1)*per)
	if err != nil {
		return err
	}
	defer rows.Close()
	var items []any
	for rows.Next() {
		o, err := scanOrukOrg(rows)
		if err != nil {
			return err
		}
		items = append(items, orukOrganization(o, nil))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return orukJSON(w, newPage(total, pageNo, per, items))
}

func (s *Service) orukOrgByUUID(ctx context.Context, id string) (orukOrgRow, error) {
	if _, err := uuid.Parse(id); err != nil {
		return orukOrgRow{}, apperr.NotFound("organization")
	}
	o, err := scanOrukOrg(s.DB.Q().QueryRowContext(ctx, orukOrgSQL+` AND o.uuid = $1`, id))
	return o, db.Err(err, "organization")
}

func (s *Service) orukOrg(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, err := s.orukOrgByUUID(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	ids, err := db.Column[string](ctx, s.DB.Q(), `SELECT identifier FROM org_identifiers WHERE organisation_id = $1 ORDER BY identifier`, o.id)
	if err != nil {
		return err
	}
	m := orukOrganization(o, ids)
	svcs, err := s.orukServiceRows(ctx, `AND o.id = $1`, o.id)
	if err != nil {
		return err
	}
	var list []any
	for _, sv := range svcs {
		list = append(list, orukServiceJSON(sv, false))
	}
	if list != nil {
		m["services"] = list
	}
	return orukJSON(w, m)
}

// orukSvc is one (organisation, service term) pair.
type orukSvc struct {
	org                          orukOrgRow
	termUUID, termName, termCode string
}

func (sv orukSvc) id() string { return v5(sv.org.uuid, sv.termUUID) }

const orukSvcSQL = `SELECT o.id, o.uuid, o.name, COALESCE(p.description, ''), COALESCE(p.website, ''), COALESCE(p.postcode, ''), COALESCE(p.address, ''), o.updated_at, t.uuid, t.name, t.code
	FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id AND t.vocabulary = 'service'
	JOIN organisations o ON o.id = ot.organisation_id LEFT JOIN org_profiles p ON p.organisation_id = o.id
	WHERE COALESCE(p.published, TRUE) `

func (s *Service) orukServiceRows(ctx context.Context, where string, args ...any) ([]orukSvc, error) {
	rows, err := s.DB.Q().QueryContext(ctx, orukSvcSQL+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []orukSvc
	for rows.Next() {
		var sv orukSvc
		o := &sv.org
		if err := rows.Scan(&o.id, &o.uuid, &o.name, &o.desc, &o.website, &o.postcode, &o.address, &o.updated, &sv.termUUID, &sv.termName, &sv.termCode); err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

func orukServiceJSON(sv orukSvc, full bool) map[string]any {
	m := map[string]any{"id": sv.id(), "organization_id": sv.org.uuid, "name": sv.termName + ": " + sv.org.name, "status": "active",
		"last_modified": sv.org.updated.UTC().Format(time.RFC3339)}
	if sv.org.desc != "" {
		m["description"] = sv.org.desc
	}
	if sv.org.website != "" {
		m["url"] = sv.org.website
	}
	if full {
		m["organization"] = orukOrganization(sv.org, nil)
		if sal := orukSALJSON(sv, false); sal != nil {
			m["service_at_locations"] = []any{sal}
		}
	}
	return m
}

func orukLocation(o orukOrgRow) map[string]any {
	return map[string]any{"id": v5(o.uuid, "location"), "location_type": "physical", "name": o.name,
		"addresses": []any{map[string]any{"id": v5(o.uuid, "address"), "location_id": v5(o.uuid, "location"), "address_1": firstNonEmpty(o.address, o.name), "city": "Blackpool", "state_province": "Lancashire", "postal_code": o.postcode, "country": "GB", "address_type": "physical"}}}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// orukSALJSON is a service at the organisation's location (nil without a postcode).
func orukSALJSON(sv orukSvc, withService bool) map[string]any {
	if sv.org.postcode == "" {
		return nil
	}
	m := map[string]any{"id": v5(sv.id(), "sal"), "service_id": sv.id(), "location_id": v5(sv.org.uuid, "location"), "location": orukLocation(sv.org)}
	if withService {
		m["service"] = orukServiceJSON(sv, false)
	}
	return m
}

func (s *Service) orukServices(w http.ResponseWriter, r *http.Request) error {
	return s.orukServiceList(w, r, false)
}

func (s *Service) orukSALs(w http.ResponseWriter, r *http.Request) error {
	return s.orukServiceList(w, r, true)
}

func (s *Service) orukServiceList(w http.ResponseWriter, r *http.Request, sal bool) error {
	ctx := r.Context()
	pageNo, per := paging(r)
	cond, args := orukServiceFilter(r.URL.Query(), sal)
	var total int
	if err := s.DB.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+orukSvcSQL+cond+`) x`, args...).Scan(&total); err != nil {
		return err
	}
	n := len(args)
	svcs, err := s.orukServiceRows(ctx, cond+` ORDER BY o.id, t.id LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, per, (pageNo-1)*per)...)
	if err != nil {
		return err
	}
	var items []any
	for _, sv := range svcs {
		if sal {
			items = append(items, orukSALJSON(sv, true))
		} else {
			m := orukServiceJSON(sv, false)
			m["organization"] = orukOrganization(sv.org, nil)
			items = append(items, m)
		}
	}
	return orukJSON(w, newPage(total, pageNo, per, items))
}

// orukServiceFilter is the condition (appended to orukSvcSQL) and its
// arguments for a list's search and taxonomy_term_id parameters: every
// search word in the service's name (term and organisation) or the
// organisation's description, case-insensitive; the service term's id.
func orukServiceFilter(q url.Values, sal bool) (string, []any) {
	var cond strings.Builder
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if sal {
		cond.WriteString(` AND COALESCE(p.postcode, '') <> ''`)
	}
	for _, word := range strings.Fields(q.Get("search")) {
		cond.WriteString(` AND LOWER(t.name || ' ' || o.name || ' ' || COALESCE(p.description, '')) LIKE ` + arg(db.LikeContains(word)) + ` ESCAPE '\'`)
	}
	if id := q.Get("taxonomy_term_id"); id != "" {
		cond.WriteString(` AND t.uuid = ` + arg(id))
	}
	return cond.String(), args
}

// findService finds a service (or service at location) by its id: the
// ids are derived, so look through the organisation's services.
func (s *Service) findService(ctx context.Context, id string, sal bool) (orukSvc, error) {
	if _, err := uuid.Parse(id); err != nil {
		return orukSvc{}, apperr.NotFound("service")
	}
	// Derived ids cannot be reversed; scan services (cached per request is
	// enough at directory sizes: one row per organisation and service).
	rows, err := s.orukServiceRows(ctx, ``)
	if err != nil {
		return orukSvc{}, err
	}
	for _, sv := range rows {
		if (!sal && sv.id() == id) || (sal && sv.org.postcode != "" && v5(sv.id(), "sal") == id) {
			return sv, nil
		}
	}
	return orukSvc{}, apperr.NotFound("service")
}

func (s *Service) orukService(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.findService(r.Context(), r.PathValue("id"), false)
	if err != nil {
		return err
	}
	return orukJSON(w, orukServiceJSON(sv, true))
}

func (s *Service) orukSAL(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.findService(r.Context(), r.PathValue("id"), true)
	if err != nil {
		return err
	}
	return orukJSON(w, orukSALJSON(sv, true))
}

var orukVocabs = []struct{ code, name, desc string }{
	{"service", "Partnerhub services", "Services offered by organisations in the Blackpool directory"},
	{"client_group", "Partnerhub client groups", "Groups of people organisations serve"},
	{"theme", "Partnerhub themes", "The strategy's outcomes themes, cross-walked to PHOF, ASCOF and the SDGs"},
}

func orukTaxonomyJSON(i int) map[string]any {
	v := orukVocabs[i]
	return map[string]any{"id": v5("taxonomy", v.code), "name": v.name, "description": v.desc, "version": "1"}
}

func (s *Service) orukTaxonomies(w http.ResponseWriter, r *http.Request) error {
	pageNo, per := paging(r)
	var items []any
	for i := range orukVocabs {
		if i >= (pageNo-1)*per && i < pageNo*per {
			items = append(items, orukTaxonomyJSON(i))
		}
	}
	return orukJSON(w, newPage(len(orukVocabs), pageNo, per, items))
}

func (s *Service) orukTaxonomy(w http.ResponseWriter, r *http.Request) error {
	for i, v := range orukVocabs {
		if v5("taxonomy", v.code) == r.PathValue("id") {
			return orukJSON(w, orukTaxonomyJSON(i))
		}
	}
	return apperr.NotFound("taxonomy")
}

const orukTermSQL = `SELECT uuid, vocabulary, code, name, description FROM taxonomy_terms WHERE NOT retired`

func orukTermJSON(r interface{ Scan(...any) error }) (map[string]any, error) {
	var id, voc, code, name, desc string
	if err := r.Scan(&id, &voc, &code, &name, &desc); err != nil {
		return nil, err
	}
	if desc == "" {
		desc = name
	}
	return map[string]any{"id": id, "code": code, "name": name, "description": desc, "taxonomy_id": v5("taxonomy", voc)}, nil
}

func (s *Service) orukTerms(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pageNo, per := paging(r)
	var total int
	if err := s.DB.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM taxonomy_terms WHERE NOT retired`).Scan(&total); err != nil {
		return err
	}
	rows, err := s.DB.Q().QueryContext(ctx, orukTermSQL+` ORDER BY vocabulary, position, id LIMIT $1 OFFSET $2`, per, (pageNo-1)*per)
	if err != nil {
		return err
	}
	defer rows.Close()
	var items []any
	for rows.Next() {
		m, err := orukTermJSON(rows)
		if err != nil {
			return err
		}
		items = append(items, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return orukJSON(w, newPage(total, pageNo, per, items))
}

func (s *Service) orukTerm(w http.ResponseWriter, r *http.Request) error {
	m, err := orukTermJSON(s.DB.Q().QueryRowContext(r.Context(), orukTermSQL+` AND uuid = $1`, r.PathValue("id")))
	if err != nil {
		return db.Err(err, "taxonomy term")
	}
	return orukJSON(w, m)
}
