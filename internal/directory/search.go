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
	Sort               string // relevance, name, updated
	Limit, Offset      int
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
}

// Validate checks the filter's codes (field names match the query string).
func (f *Filter) Validate() error {
	var v apperr.Validation
	f.Q = strings.TrimSpace(f.Q)
	v.Check(len(f.Q) <= 200, "q", "Search words must be 200 characters or fewer")
	v.Check(f.Sector == "" || contains([]string{"vcs", "social_enterprise", "faith", "public", "private"}, f.Sector), "sector", "Select a sector from the list")
	v.Check(f.LegalForm == "" || contains([]string{"charity", "cio", "charitable_company", "cic", "cbs", "unincorporated", "public_body", "company"}, f.LegalForm), "legal_form", "Select a legal form from the list")
	if f.Ward != "" {
		w, ok := CanonicalWard(f.Ward)
		v.Check(ok, "ward", "Select a ward from the list")
		f.Ward = w
	}
	if f.LocalAuthority != "" {
		la, ok := LocalAuthorityByCode(f.LocalAuthority)
		v.Check(ok, "local_authority", "Select a local authority from the list")
		f.LocalAuthority = la.Code
	}
	v.Check(f.IncomeBand == "" || contains(IncomeBands, f.IncomeBand), "income_band", "Select an income band from the list")
	v.Check(f.Policy == "" || contains(PolicyKinds, f.Policy), "policy", "Select a policy from the list")
	v.Check(f.Sort == "" || contains(Sorts, f.Sort), "sort", "Select a sort order from the list")
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 20
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	return v.Err()
}

// rankSlack is how many rows past the page the ranked fast path reads, so
// that equal ranks at the page's edge are still ordered by name.
const rankSlack = 100

// relationalOnly turns the FTS5 filter tokens off (tests compare both).
var relationalOnly = false

// searchSQL builds the listing and count queries of a filter.
func searchSQL(d db.Dialect, f Filter, now time.Time) (list, count string, args []any) {
	if d == db.SQLite && !relationalOnly {
		if l, c, a, ok := searchSQLite(f, now); ok {
			return l, c, a
		}
	}
	from := ` FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id`
	where := []string{`COALESCE(p.published, TRUE)`}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	words := ftsTerms(f.Q)
	ranked := len(words) > 0
	if ranked {
		from = ` FROM ` + ftsMatch(d, arg(ftsQuery(d, words))) + ` m JOIN organisations o ON o.id = m.id LEFT JOIN org_profiles p ON p.organisation_id = o.id`
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
	if f.Policy != "" {
		where = append(where, `EXISTS (SELECT 1 FROM org_policies pol WHERE pol.organisation_id = o.id AND pol.kind = `+arg(f.Policy)+`)`)
	}
	if f.QualityMark != "" {
		c := `EXISTS (SELECT 1 FROM org_quality_marks qm WHERE qm.organisation_id = o.id AND (qm.expires_on IS NULL OR qm.expires_on >= ` + arg(today(now)) + `)`
		if f.QualityMark != "any" {
			c += ` AND qm.name = ` + arg(f.QualityMark)
		}
		where = append(where, c+`)`)
	}
	if f.CommissioningReady {
		where = append(where, `EXISTS (SELECT 1 FROM org_badges b WHERE b.organisation_id = o.id AND b.kind = 'commissioning_ready' AND b.revoked_at IS NULL AND (b.valid_until IS NULL OR b.valid_until >= `+arg(today(now))+`))`)
	}
	w := ` WHERE ` + strings.Join(where, ` AND `)
	count = `SELECT COUNT(*)` + from + w
	order := ` ORDER BY o.name, o.id`
	switch {
	case f.Sort == "updated":
		order = ` ORDER BY COALESCE(p.updated_at, o.updated_at) DESC, o.id`
	case f.Sort == "name":
	case ranked:
		order = ` ORDER BY m.rank, o.name, o.id`
	}
	list = `SELECT o.id, o.uuid, o.slug, o.name, o.sector, o.legal_form, COALESCE(p.description, ''), COALESCE(p.postcode, ''), COALESCE(p.income_band, ''), COALESCE(p.website, ''), p.updated_at, o.updated_at` +
		from + w + order + ` LIMIT ` + arg(f.Limit) + ` OFFSET ` + arg(f.Offset)
	return list, count, args
}

// Search runs a directory query: full-text ranked when Q has words.
func Search(ctx context.Context, q db.Querier, d db.Dialect, f Filter) (Result, error) {
	if err := f.Validate(); err != nil {
		return Result{}, err
	}
	list, count, args := searchSQL(d, f, time.Now())
	var res Result
	if err := q.QueryRowContext(ctx, count, args[:len(args)-2]...).Scan(&res.Total); err != nil {
		return res, err
	}
	if res.Total == 0 || f.Offset >= res.Total {
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
		var it Item
		var pu *time.Time
		if err := rows.Scan(&it.ID, &it.UUID, &it.Slug, &it.Name, &it.Sector, &it.LegalForm, &it.Description, &it.Postcode, &it.IncomeBand, &it.Website, &pu, &it.UpdatedAt); err != nil {
			return res, err
		}
		if pu != nil {
			it.UpdatedAt = *pu
		}
		it.Wards, it.Services, it.Identifiers = []string{}, []string{}, []string{}
		idx[it.ID] = len(res.Items)
		ids = append(ids, it.ID)
		res.Items = append(res.Items, it)
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	rows.Close()
	return res, fillItems(ctx, q, res.Items, idx, ids)
}

// fillItems adds wards, services and identifiers to a page of results.
func fillItems(ctx context.Context, q db.Querier, items []Item, idx map[int64]int, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var args []any
	in := placeholders(&args, ids)
	type qf struct {
		sql string
		fn  func(*Item, string)
	}
	for _, x := range []qf{
		{`SELECT organisation_id, code FROM org_areas WHERE kind = 'ward' AND organisation_id IN (` + in + `) ORDER BY code`, func(it *Item, s string) { it.Wards = append(it.Wards, s) }},
		{`SELECT ot.organisation_id, t.name FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id WHERE t.vocabulary = 'service' AND ot.organisation_id IN (` + in + `) ORDER BY t.position`, func(it *Item, s string) { it.Services = append(it.Services, s) }},
		{`SELECT organisation_id, identifier FROM org_identifiers WHERE organisation_id IN (` + in + `) ORDER BY identifier`, func(it *Item, s string) { it.Identifiers = append(it.Identifiers, s) }},
	} {
		rows, err := q.QueryContext(ctx, x.sql, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var s string
			if err := rows.Scan(&id, &s); err != nil {
				rows.Close()
				return err
			}
			x.fn(&items[idx[id]], s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// searchSQLite answers a filter with one FTS5 query when it has words or
// any filter that org_fts carries as tokens (migration 0120): words in the
// text columns AND the filter tokens, NOT unlisted. Counting is then a
// doclist intersection inside FTS5, and a ranked page is the top of the
// FTS5 ranking before any join. Policy, quality mark and commissioning-
// ready filters (which depend on today's date or other features' tables)
// stay as EXISTS on the narrowed set. ok is false when nothing can be
// narrowed (the plain listing).
func searchSQLite(f Filter, now time.Time) (list, count string, args []any, ok bool) {
	var parts []string
	words := ftsTerms(f.Q)
	if len(words) > 0 {
		parts = append(parts, textColumns+` : (`+ftsQuery(db.SQLite, words)+`)`)
	}
	tok := func(t string) { parts = append(parts, `"`+t+`"`) }
	if f.Ward != "" {
		tok(facetToken("zzw", f.Ward))
	}
	if f.LocalAuthority != "" {
		tok(facetToken("zzl", f.LocalAuthority))
	}
	for _, t := range []int64{f.Service, f.ClientGroup, f.Theme} {
		if t != 0 {
			tok(fmt.Sprintf("zzt%d", t))
		}
	}
	if f.IncomeBand != "" {
		tok(facetToken("zzi", f.IncomeBand))
	}
	if f.Sector != "" {
		tok(facetToken("zzs", f.Sector))
	}
	if f.LegalForm != "" {
		tok(facetToken("zzf", f.LegalForm))
	}
	if len(parts) == 0 {
		return "", "", nil, false
	}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	match := arg(strings.Join(parts, " AND ") + ` NOT "zzunlisted"`)
	var where []string
	if f.Policy != "" {
		where = append(where, `EXISTS (SELECT 1 FROM org_policies pol WHERE pol.organisation_id = m.id AND pol.kind = `+arg(f.Policy)+`)`)
	}
	if f.QualityMark != "" {
		c := `EXISTS (SELECT 1 FROM org_quality_marks qm WHERE qm.organisation_id = m.id AND (qm.expires_on IS NULL OR qm.expires_on >= ` + arg(today(now)) + `)`
		if f.QualityMark != "any" {
			c += ` AND qm.name = ` + arg(f.QualityMark)
		}
		where = append(where, c+`)`)
	}
	if f.CommissioningReady {
		where = append(where, `EXISTS (SELECT 1 FROM org_badges b WHERE b.organisation_id = m.id AND b.kind = 'commissioning_ready' AND b.revoked_at IS NULL AND (b.valid_until IS NULL OR b.valid_until >= `+arg(today(now))+`))`)
	}
	w := ""
	if len(where) > 0 {
		w = ` WHERE ` + strings.Join(where, ` AND `)
	}
	ranked := len(words) > 0 && f.Sort != "name" && f.Sort != "updated"
	cols := `SELECT o.id, o.uuid, o.slug, o.name, o.sector, o.legal_form, COALESCE(p.description, ''), COALESCE(p.postcode, ''), COALESCE(p.income_band, ''), COALESCE(p.website, ''), p.updated_at, o.updated_at`
	join := ` JOIN organisations o ON o.id = m.id LEFT JOIN org_profiles p ON p.organisation_id = o.id`
	count = `SELECT COUNT(*) FROM (SELECT rowid AS id FROM org_fts WHERE org_fts MATCH ` + match + `) m` + w
	if ranked && w == "" {
		// The page straight from the top of the FTS5 ranking: only the
		// first offset+limit (+ rankSlack for rank ties, which are then
		// broken by name as elsewhere) rows are joined.
		list = cols + ` FROM (SELECT rowid AS id, rank FROM org_fts WHERE org_fts MATCH ` + match + ` AND rank MATCH 'bm25(` + bm25Weights + `)' ORDER BY rank LIMIT ` +
			strconv.Itoa(f.Offset+f.Limit+rankSlack) + `) m` + join + ` ORDER BY m.rank, o.name, o.id LIMIT ` + arg(f.Limit) + ` OFFSET ` + arg(f.Offset)
		return list, count, args, true
	}
	from := ` FROM (SELECT rowid AS id FROM org_fts WHERE org_fts MATCH ` + match + `) m`
	order := ` ORDER BY o.name, o.id`
	switch {
	case f.Sort == "updated":
		order = ` ORDER BY COALESCE(p.updated_at, o.updated_at) DESC, o.id`
	case ranked:
		from = ` FROM (SELECT rowid AS id, bm25(org_fts, ` + bm25Weights + `) AS rank FROM org_fts WHERE org_fts MATCH ` + match + `) m`
		order = ` ORDER BY m.rank, o.name, o.id`
	}
	list = cols + from + join + w + order + ` LIMIT ` + arg(f.Limit) + ` OFFSET ` + arg(f.Offset)
	return list, count, args, true
}
