package directory

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Filter is a directory query; the same struct serves the HTML page, the
// CSV and JSON exports and /api/v1/organizations.
type Filter struct {
	Q                  string
	Sector             string
	LegalForm          string
	Ward               string
	LocalAuthority     string // code
	Service            int64
	ClientGroup        int64
	Theme              int64
	IncomeBand         string
	QualityMark        string // "any" or a quality mark's name
	Policy             string // policy kind held
	CommissioningReady bool
	OutcomesStep       string // "" or a step of the outcomes adoption ladder, "0" to "4" (see StepFilter)
	Sort               string // relevance, name, updated
	Limit, Offset      int

	concepts []string // the words expanded by the vocabulary (expandFilter)
	anyWord  bool     // one concept is enough (closer matches)
	// walkName: a step filter matched more than countCap organisations, so
	// the listing walks the name index too (see Search).
	walkName bool
}

// Sorts offered.
var Sorts = []string{"relevance", "name", "updated"}

// Item is one search result.
type Item struct {
	ID          int64     `json:"-"`
	UUID        string    `json:"id"`
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	Sector      string    `json:"sector"`
	LegalForm   string    `json:"legal_form"`
	Description string    `json:"description"`
	Postcode    string    `json:"postcode"`
	IncomeBand  string    `json:"income_band"`
	Website     string    `json:"website"`
	UpdatedAt   time.Time `json:"updated_at"`
	Wards       []string  `json:"wards"`
	Services    []string  `json:"services"`
	Identifiers []string  `json:"identifiers"`
}

// Result is a page of results and the total.
type Result struct {
	Items []Item
	Total int
	// TotalCapped: more than Total organisations match (counting stops
	// at countCap; see search_scale.go).
	TotalCapped bool
	// RankedAmong, when not 0: the results are ordered among the first
	// RankedAmong matches only (a capped search with words or by last
	// update; search_scale.go, search_pg.go).
	RankedAmong int
}

// Validate checks the filter's codes (field names match the query string).
func (f *Filter) Validate() error {
	var v apperr.Validation
	f.Q = strings.TrimSpace(f.Q)
	v.Check(len(f.Q) <= 200, "q", "Search words must be 200 characters or fewer")
	v.Check(f.Sector == "" || contains([]string{"vcs", "social_enterprise", "faith", "public", "private"}, f.Sector), "sector", "Select a sector from the list")
	v.Check(f.LegalForm == "" || contains([]string{"charity", "cio", "charitable_company", "cic", "cbs", "unincorporated", "public_body", "company"}, f.LegalForm), "legal_form", "Select a legal form from the list")
	// An unknown ward or local authority is kept as sent (not emptied):
	// the filter is validated again on its way to Search, and an emptied
	// one passed there as no filter at all (the whole directory, 200).
	if f.Ward != "" {
		w, ok := CanonicalWard(f.Ward)
		v.Check(ok, "ward", "Select a ward from the list")
		if ok {
			f.Ward = w
		}
	}
	if f.LocalAuthority != "" {
		la, ok := LocalAuthorityByCode(f.LocalAuthority)
		v.Check(ok, "local_authority", "Select a local authority from the list")
		if ok {
			f.LocalAuthority = la.Code
		}
	}
	v.Check(f.IncomeBand == "" || contains(IncomeBands, f.IncomeBand), "income_band", "Select an income band from the list")
	v.Check(f.Policy == "" || contains(PolicyKinds, f.Policy), "policy", "Select a policy from the list")
	v.Check(f.OutcomesStep == "" || validStep(f.OutcomesStep), "outcomes_step", "Select an outcomes ladder step from the list")
	v.Check(f.Sort == "" || contains(Sorts, f.Sort), "sort", "Select a sort order from the list")
	// Term ids are positive; a negative one would reach the FTS5 filter
	// tokens as "zzt-1", which FTS5 refuses (a 500 on SQLite only).
	v.Check(f.Service >= 0, "service", "Select a service from the list")
	v.Check(f.ClientGroup >= 0, "client_group", "Select a client group from the list")
	v.Check(f.Theme >= 0, "theme", "Select a theme from the list")
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 20
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	return v.Err()
}

// relationalOnly turns the filter tokens off (tests compare both).
var relationalOnly = false

// searchSQL builds the relational listing and count queries of a filter:
// the plain listing by name, searches with only the filters the search
// documents do not carry, and large name-sorted filter searches (which
// walk the name index); the fast paths answer the rest (searchFast,
// searchFastPG). Ranked: by tier (ftsTiers),
// then name, over every match. The count stops at countCap+1.
func searchSQL(d db.Dialect, f Filter, now time.Time, prefix bool) (list, count string, args []any, countArgs int) {
	from := ` FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id`
	where := []string{`COALESCE(p.published, TRUE)`}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	words := f.terms()
	ranked := len(words) > 0
	if d == db.SQLite && !ranked && f.Sort != "updated" && !f.CommissioningReady && (f.OutcomesStep == "" || f.walkName) {
		// Walk the name index, checking the filters row by row (see
		// search_scale.go; not for "commissioning ready", held by few
		// organisations: the planner starts from them and sorts, see
		// existsFilters): the planner would otherwise read every
		// organisation in a ward or income band and sort them.
		// With a sector or legal form, their (x, name) index (0123).
		ix := "organisations_name"
		if f.Sector != "" {
			ix = "organisations_sector_name"
		} else if f.LegalForm != "" {
			ix = "organisations_legal_form_name"
		}
		from = ` FROM organisations o INDEXED BY ` + ix + ` LEFT JOIN org_profiles p ON p.organisation_id = o.id`
	}
	if ranked {
		from = ` FROM ` + ftsTiers(d, words, prefix, f.anyWord, arg) + ` m JOIN organisations o ON o.id = m.id LEFT JOIN org_profiles p ON p.organisation_id = o.id`
	}
	if f.Sector != "" {
		where = append(where, `o.sector = `+arg(f.Sector))
	}
	if f.LegalForm != "" {
		where = append(where, `o.legal_form = `+arg(f.LegalForm))
	}
	if f.IncomeBand != "" {
		where = append(where, `p.income_band = `+arg(f.IncomeBand))
	}
	if f.Ward != "" {
		where = append(where, `EXISTS (SELECT 1 FROM org_areas a WHERE a.organisation_id = o.id AND a.kind = 'ward' AND a.code = `+arg(f.Ward)+`)`)
	}
	if f.LocalAuthority != "" {
		where = append(where, `EXISTS (SELECT 1 FROM org_areas a WHERE a.organisation_id = o.id AND a.kind = 'la' AND a.code = `+arg(f.LocalAuthority)+`)`)
	}
	for _, t := range []int64{f.Service, f.ClientGroup, f.Theme} {
		if t != 0 {
			where = append(where, `EXISTS (SELECT 1 FROM org_terms t WHERE t.organisation_id = o.id AND t.term_id = `+arg(t)+`)`)
		}
	}
	where = append(where, existsFilters(f, now, "o.id", &args)...)
	w := ` WHERE ` + strings.Join(where, ` AND `)
	count = `SELECT COUNT(*) FROM (SELECT 1` + from + w + ` LIMIT ` + strconv.Itoa(countCap+1) + `) c`
	countArgs = len(args)
	order := ` ORDER BY o.name, o.id`
	switch {
	case f.Sort == "updated":
		order = ` ORDER BY COALESCE(p.updated_at, o.updated_at) DESC, o.id`
	case f.Sort == "name":
	case ranked:
		order = ` ORDER BY m.tier, o.name, o.id`
	}
	list = listCols + from + w + order + ` LIMIT ` + arg(f.Limit) + ` OFFSET ` + arg(f.Offset)
	return list, count, args, countArgs
}

const listCols = `SELECT o.id, o.uuid, o.slug, o.name, o.sector, o.legal_form, COALESCE(p.description, ''), COALESCE(p.postcode, ''), COALESCE(p.income_band, ''), COALESCE(p.website, ''), p.updated_at, o.updated_at`

// windowSize is how many matches a capped search orders: rankWindow, or
// the page's end if further.
func windowSize(f Filter) int { return max(rankWindow, f.Offset+f.Limit) }

// Search runs a directory query: full-text ranked when Q has words.
func Search(ctx context.Context, q db.Querier, d db.Dialect, f Filter) (Result, error) {
	if err := f.Validate(); err != nil {
		return Result{}, err
	}
	now := time.Now()
	var res Result
	counted := false
	prefix, err := lastIsPrefix(ctx, q, d, f.terms())
	if err != nil {
		return res, err
	}
	if !relationalOnly {
		fast := searchFast
		if d == db.Postgres {
			fast = searchFastPG
		}
		r, ok, c, err := fast(ctx, q, f, now, prefix)
		if ok || err != nil {
			return r, err
		}
		res, counted = r, c
	}
	list, count, args, nc := searchSQL(d, f, now, prefix)
	if !counted {
		var n int
		if err := q.QueryRowContext(ctx, count, args[:nc]...).Scan(&n); err != nil {
			return res, err
		}
		res.Total, res.TotalCapped = min(n, countCap), n > countCap
	}
	if res.TotalCapped && f.OutcomesStep != "" && d == db.SQLite {
		// A step held by many organisations: walk the name index, checking
		// the step row by row (its list of organisations is read once),
		// instead of sorting every organisation on the step by name (70
		// ms at 200,000 organisations, 1 ms walking; BenchmarkLadderAndRollups
		// in internal/outcomes). A rare step keeps the plan that starts
		// from the step's organisations and sorts at most countCap of them.
		f.walkName = true
		list, _, args, _ = searchSQL(d, f, now, prefix)
	}
	if res.Total == 0 || (!res.TotalCapped && f.Offset >= res.Total) {
		return res, nil
	}
	rows, err := q.QueryContext(ctx, list, args...)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	idx := map[int64]int{}
	var ids []int64
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return res, err
		}
		idx[it.ID] = len(res.Items)
		ids = append(ids, it.ID)
		res.Items = append(res.Items, it)
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	rows.Close()
	return res, fillItems(ctx, q, d, res.Items, idx, ids)
}

// fillItems adds wards, services and identifiers to a page of results, in
// one statement (three cost a prepare and a step each: a fifth of a
// search at 200,000 organisations). Each part starts from the page's
// organisations (an empty string appended to the kind or vocabulary keeps
// SQLite off their indexes): on the services, SQLite otherwise began with
// every service term and looked each page organisation up under each (18
// x 20 seeks in org_terms_term, most of them pages read from the file,
// against 20 in org_terms' key; at 200,000 organisations 1.1 against 0.3
// ms of the sqlite3 shell's CPU per page).
func fillItems(ctx context.Context, q db.Querier, d db.Dialect, items []Item, idx map[int64]int, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var args []any
	in := db.InIDs(d, &args, ids) // one text for any page: kept prepared
	rows, err := q.QueryContext(ctx, `SELECT 0 AS part, organisation_id, code AS v, code AS k, 0 AS pos FROM org_areas WHERE kind || '' = 'ward' AND organisation_id `+in+`
		UNION ALL SELECT 1, ot.organisation_id, t.name, '', t.position FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id WHERE t.vocabulary || '' = 'service' AND ot.organisation_id `+in+`
		UNION ALL SELECT 2, organisation_id, identifier, identifier, 0 FROM org_identifiers WHERE organisation_id `+in+`
		ORDER BY part, k, pos`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var part int
		var id int64
		var v, k string
		var pos int
		if err := rows.Scan(&part, &id, &v, &k, &pos); err != nil {
			return err
		}
		it := &items[idx[id]]
		switch part {
		case 0:
			it.Wards = append(it.Wards, v)
		case 1:
			it.Services = append(it.Services, v)
		default:
			it.Identifiers = append(it.Identifiers, v)
		}
	}
	return rows.Err()
}
