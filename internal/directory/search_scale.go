package directory

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/db"
)

// Directory search at scale (200,000 organisations). This file is the
// SQLite path; search_pg.go is PostgreSQL's, built the same way.
//
// Two costs grew with the number of matches, and both are now bounded:
//
//   - Counting. Totals are counted up to countCap+1 rows (a LIMIT inside the
//     count): up to countCap the total is exact, above it Result.TotalCapped
//     is set and pages say "more than 1,000" (the JSON carries
//     "total_capped": true).
//   - Ranking. FTS5's bm25() first scans the whole doclist of every phrase
//     in the query (for the idf), including the filter tokens: a common word
//     plus a sector cost ~100,000 postings per query whatever the page. The
//     order is now a ranking by where the words are found, the same on both
//     databases:
//     tier 0: every word in the name or other names,
//     tier 1: every word in the services,
//     tier 2: the words anywhere (description, or spread over fields),
//     then by name. On SQLite the page is taken from a window: the first
//     rankWindow matches in organisation-id order (FTS5 doclists are in
//     rowid order, so the read stops early), each one's tier asked within
//     the window's id range. With countCap or fewer matches the window
//     holds them all and the order is exact; with more, Result.RankedAmong
//     says the page is ordered among the first N matches (the page says so
//     and suggests narrowing the search).
//
// Sorting by name with filters only and more than countCap matches walks
// the organisations' name index and checks the filters row by row (the SQL
// joins), which reads about limit/selectivity rows: exact and cheap,
// because a filter that matches more than countCap organisations is not
// selective. The plain listing (no words, no filters) does the same; by
// last update it is ordered among the newest countCap organisations.

// countCap bounds counting (a variable so that tests can lower it).
var countCap = 1000

// rankWindow is how many matches a capped search orders (at least the page's
// end: offset + limit).
var rankWindow = 1000

// tierQueries are the FTS5 queries of the ranking tiers for words (SQLite),
// each ANDed with base (filter tokens, NOT unlisted).
func tierQueries(words []string, prefix, anyWord bool, base string) []string {
	q := ftsQueryOp(db.SQLite, words, prefix, anyWord)
	and := func(cols string) string {
		s := cols + ` : (` + q + `)`
		if base != "" {
			s += ` AND ` + base
		}
		return s
	}
	return []string{and(`{name other_names}`), and(`{services}`), and(textColumns)}
}

// filterTokens are the filter tokens a filter asks for (facetTokens makes
// the documents' tokens): ward, local authority, terms, income band,
// sector, legal form.
func filterTokens(f Filter) []string {
	var toks []string
	if f.Ward != "" {
		toks = append(toks, facetToken("zzw", f.Ward))
	}
	if f.LocalAuthority != "" {
		toks = append(toks, facetToken("zzl", f.LocalAuthority))
	}
	for _, t := range []int64{f.Service, f.ClientGroup, f.Theme} {
		if t != 0 {
			toks = append(toks, fmt.Sprintf("zzt%d", t))
		}
	}
	if f.IncomeBand != "" {
		toks = append(toks, facetToken("zzi", f.IncomeBand))
	}
	if f.Sector != "" {
		toks = append(toks, facetToken("zzs", f.Sector))
	}
	if f.LegalForm != "" {
		toks = append(toks, facetToken("zzf", f.LegalForm))
	}
	return toks
}

// existsFilters are the conditions on the organisation id (the SQL
// expression id) that the documents do not carry: policies, quality
// marks, commissioning ready (they depend on today's date or on other
// features' tables). Their arguments are appended to args, numbered from
// len(*args)+1.
func existsFilters(f Filter, now time.Time, id string, args *[]any) []string {
	var where []string
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	if f.Policy != "" {
		where = append(where, `EXISTS (SELECT 1 FROM org_policies pol WHERE pol.organisation_id = `+id+` AND pol.kind = `+arg(f.Policy)+`)`)
	}
	if f.QualityMark != "" {
		c := `EXISTS (SELECT 1 FROM org_quality_marks qm WHERE qm.organisation_id = ` + id + ` AND (qm.expires_on IS NULL OR qm.expires_on >= ` + arg(today(now)) + `)`
		if f.QualityMark != "any" {
			c += ` AND qm.name = ` + arg(f.QualityMark)
		}
		where = append(where, c+`)`)
	}
	if f.CommissioningReady {
		// IN, not EXISTS: few organisations hold the badge, and SQLite
		// then starts from them instead of checking every organisation
		// (by last update at 200,000: 89 ms to under 1 ms).
		where = append(where, id+` IN (SELECT b.organisation_id FROM org_badges b WHERE b.kind = 'commissioning_ready' AND b.revoked_at IS NULL AND (b.valid_until IS NULL OR b.valid_until >= `+arg(today(now))+`))`)
	}
	return append(where, stepWhere(f, id, arg)...)
}

// sqliteFilters splits a filter into its FTS5 part (filter tokens, ANDed)
// and the EXISTS conditions on m.id (existsFilters). narrowed says whether
// any filter token applies.
func sqliteFilters(f Filter, now time.Time, args *[]any) (base string, where []string, narrowed bool) {
	toks := filterTokens(f)
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = `"` + t + `"`
	}
	return strings.Join(parts, " AND "), existsFilters(f, now, "m.id", args), len(toks) > 0
}

// ftsIDsSQL selects the ids matching FTS5 query $1 (in rowid order, desc
// when asked) that pass the EXISTS conditions (numbered from $2), at most
// limit of them.
func ftsIDsSQL(where []string, desc bool, limit int) string {
	order := ""
	if desc {
		order = " DESC"
	}
	s := `SELECT m.id FROM (SELECT rowid AS id FROM org_fts WHERE org_fts MATCH $1 ORDER BY rowid` + order + `) m`
	if len(where) > 0 {
		s += ` WHERE ` + strings.Join(where, ` AND `)
	}
	return s + ` LIMIT ` + strconv.Itoa(limit)
}

// shiftArgs renumbers "$n" placeholders of the EXISTS conditions, which
// sqliteFilters numbered from $1, to start at $2 (after the MATCH).
func shiftArgs(where []string, by int) []string {
	out := make([]string, len(where))
	for i, w := range where {
		var b strings.Builder
		for j := 0; j < len(w); j++ {
			if w[j] == '$' {
				k := j + 1
				for k < len(w) && w[k] >= '0' && w[k] <= '9' {
					k++
				}
				n, _ := strconv.Atoi(w[j+1 : k])
				b.WriteString("$" + strconv.Itoa(n+by))
				j = k - 1
				continue
			}
			b.WriteByte(w[j])
		}
		out[i] = b.String()
	}
	return out
}

// fastPlan is a SQLite search answered from FTS5.
type fastPlan struct {
	tiers  []string // FTS5 queries, best tier first
	where  []string // EXISTS conditions on m.id, numbered from $2
	args   []any    // their arguments
	ranked bool
	desc   bool // window in newest-first order (sort by updated)
}

// planFast returns nil when the filter has neither words nor filter
// tokens (the plain listing, answered by the name index).
func planFast(f Filter, now time.Time, prefix bool) *fastPlan {
	var args []any
	base, where, narrowed := sqliteFilters(f, now, &args)
	words := f.terms()
	if len(words) == 0 && !narrowed {
		return nil
	}
	if base != "" {
		base = `(` + base + `)`
	}
	notUnlisted := ` NOT "zzunlisted"`
	pl := &fastPlan{where: shiftArgs(where, 1), args: args, ranked: len(words) > 0 && f.Sort != "name" && f.Sort != "updated", desc: f.Sort == "updated"}
	switch {
	case pl.ranked:
		for _, t := range tierQueries(words, prefix, f.anyWord, base) {
			pl.tiers = append(pl.tiers, `(`+t+`)`+notUnlisted)
		}
	case len(words) > 0:
		pl.tiers = []string{`(` + tierQueries(words, prefix, f.anyWord, base)[2] + `)` + notUnlisted}
	default:
		pl.tiers = []string{base + notUnlisted}
	}
	return pl
}

// all is the FTS5 query of every match (the last tier).
func (pl *fastPlan) all() string { return pl.tiers[len(pl.tiers)-1] }

// matches reads up to countCap+1 matching ids in window order: the count,
// and every match when there are no more than countCap.
func (pl *fastPlan) matches(ctx context.Context, q db.Querier) ([]int64, error) {
	return pl.ids(ctx, q, ftsIDsSQL(pl.where, pl.desc, countCap+1), append([]any{pl.all()}, pl.args...)...)
}

// ids reads the ids query selects (db.IDSet: one row, not a row each) in
// window order: by id, newest first when desc.
func (pl *fastPlan) ids(ctx context.Context, q db.Querier, query string, args ...any) ([]int64, error) {
	ids, err := db.IDSet(ctx, q, db.SQLite, query, args...)
	if pl.desc {
		slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	} else {
		slices.Sort(ids)
	}
	return ids, err
}

// window returns the first k matches in window order (all holds the
// first ones, already read; complete: every match) and, when ranked, each
// one's tier. Tiers are asked only within the window's id range, so each
// tier query reads no more than the window's matches.
func (pl *fastPlan) window(ctx context.Context, q db.Querier, k int, all []int64, complete bool) (ids []int64, tier map[int64]int, err error) {
	ids = all
	if len(ids) > k {
		ids = ids[:k]
	} else if len(ids) < k && !complete {
		if ids, err = pl.ids(ctx, q, ftsIDsSQL(pl.where, pl.desc, k), append([]any{pl.all()}, pl.args...)...); err != nil {
			return nil, nil, err
		}
	}
	tier = make(map[int64]int, len(ids))
	if !pl.ranked || len(ids) == 0 {
		return ids, tier, nil
	}
	lo, hi := ids[0], ids[0]
	for _, id := range ids {
		lo, hi = min(lo, id), max(hi, id)
		tier[id] = len(pl.tiers) - 1
	}
	for t := len(pl.tiers) - 2; t >= 0; t-- {
		// Best tier last: it overwrites.
		// The bounds are parameters after the conditions' (which are
		// numbered from $2): the statement's text is then the same for
		// every window and stays prepared (Service.q).
		n := 2 + len(pl.args)
		s := `SELECT m.id FROM (SELECT rowid AS id FROM org_fts WHERE org_fts MATCH $1 AND rowid >= $` + strconv.Itoa(n) + ` AND rowid <= $` + strconv.Itoa(n+1) + `) m`
		if len(pl.where) > 0 {
			s += ` WHERE ` + strings.Join(pl.where, ` AND `)
		}
		got, err := db.IDSet(ctx, q, db.SQLite, s, append(append([]any{pl.tiers[t]}, pl.args...), lo, hi)...)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range got {
			if _, in := tier[id]; in {
				tier[id] = t
			}
		}
	}
	return ids, tier, nil
}

// newestSQL reads the window of the listing by last update on SQLite: the
// newest organisations (by id) that pass the filters the documents do not
// carry.
func newestSQL(f Filter, now time.Time) (string, []any) {
	var args []any
	cond := append([]string{`COALESCE(p.published, TRUE)`}, existsFilters(f, now, "o.id", &args)...)
	return `SELECT o.id FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id WHERE ` +
		strings.Join(cond, ` AND `) + ` ORDER BY o.id DESC LIMIT ` + strconv.Itoa(max(countCap+1, rankWindow, f.Offset+f.Limit)), args
}

// searchFast answers a SQLite search from FTS5 (see the top of this file).
// ok is false when the relational SQL should answer (the plain listing,
// or a name-sorted filter-only search with more than countCap matches);
// res.Total is then already counted when counted is true.
func searchFast(ctx context.Context, q db.Querier, f Filter, now time.Time, prefix bool) (res Result, ok, counted bool, err error) {
	pl := planFast(f, now, prefix)
	var all []int64
	switch {
	case pl == nil && f.Sort != "updated":
		return res, false, false, nil
	case pl == nil:
		// The listing by last update, with no filter or only those the
		// documents do not carry (policy, quality mark, commissioning
		// ready): no index orders by a profile's or else the organisation's
		// update time, so the window is the newest organisations that pass
		// (sorting all of them took 0.8 s at 200,000).
		pl = &fastPlan{desc: true}
		query, args := newestSQL(f, now)
		all, err = pl.ids(ctx, q, query, args...)
	default:
		all, err = pl.matches(ctx, q)
	}
	if err != nil {
		return res, true, true, err
	}
	n := len(all)
	res.Total = min(n, countCap)
	res.TotalCapped = n > countCap
	if n == 0 || (!res.TotalCapped && f.Offset >= res.Total) {
		return res, true, true, nil
	}
	if res.TotalCapped && len(f.terms()) == 0 && f.Sort != "updated" {
		// Filters only, by name, many matches: walk the name index.
		return res, false, true, nil
	}
	k := max(rankWindow, f.Offset+f.Limit)
	ids, tier, err := pl.window(ctx, q, k, all, !res.TotalCapped)
	if err != nil {
		return res, true, true, err
	}
	if res.TotalCapped {
		res.RankedAmong = len(ids)
	}
	// Order the window (tier when ranked, then name or last update) and
	// read the page's rows in one statement: the window's ids and tiers go
	// in as JSON pairs, SQLite sorts them by the organisations' name (or
	// last update) keeping only the page, and only the page's rows join
	// their profiles. (Reading every window row's key into Go and sorting
	// there cost a row scan each, 30% of the search.)
	if f.Offset >= len(ids) {
		return res, true, true, nil
	}
	if !pl.desc {
		page, err := namePage(ctx, q, ids, tier, f.Offset, f.Limit)
		if err != nil {
			return res, true, true, err
		}
		res.Items, err = loadItems(ctx, q, db.SQLite, page)
		return res, true, true, err
	}
	keyed := make([]int64, len(ids))
	for i, id := range ids {
		keyed[i] = int64(tier[id])<<tierShift | id
	}
	js, _ := json.Marshal(keyed)
	res.Items, err = loadItemsSQL(ctx, q, windowPageSQL(pl.desc), string(js), f.Limit, f.Offset)
	return res, true, true, err
}

// namePage returns the ids of a page (offset, limit) of a window ordered
// by tier, then name, then id. Only the tiers the page reaches are
// ordered, each as far as the page needs (byName); reading the names of
// every window row (a table seek each, 1,000 at 200,000 organisations)
// was most of a search's CPU.
func namePage(ctx context.Context, q db.Querier, ids []int64, tier map[int64]int, offset, limit int) ([]int64, error) {
	var groups [][]int64
	for _, id := range ids {
		t := tier[id]
		for len(groups) <= t {
			groups = append(groups, nil)
		}
		groups[t] = append(groups[t], id)
	}
	var page []int64
	start := 0
	for _, g := range groups {
		lo, hi := max(offset-start, 0), min(offset+limit-start, len(g))
		start += len(g)
		if lo >= hi {
			continue
		}
		ord, err := byName(ctx, q, g, hi)
		if err != nil {
			return nil, err
		}
		if lo < len(ord) { // fewer when organisations went meanwhile
			page = append(page, ord[lo:]...)
		}
	}
	return page, nil
}

// nameWalkSlack is added to a name walk's bound (a variable so that
// tests can make the bound bite in a small directory).
var nameWalkSlack = int64(100)

// nameScanRatio is about how many entries of the name index SQLite reads
// in the time of one organisation's row looked up by id (the measured
// choice in byName).
const nameScanRatio = 8

// byName returns the first k of the organisations ids (k <= len(ids)) in
// name, then id, order. When the ids are many, it walks the name index
// (organisations_name, a covering index: name and id only) from the
// start, keeping the ids in the set, and stops at the k-th: about
// k * organisations / len(ids) index entries, read in order, against a
// table seek per id to read every name. The walk is bounded (names of the
// set bunched late in the alphabet); past the bound, or for few ids, the
// names are read by id and sorted.
func byName(ctx context.Context, q db.Querier, ids []int64, k int) ([]int64, error) {
	js, _ := json.Marshal(ids)
	if len(ids) > 2*k {
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM organisations`).Scan(&n); err != nil {
			return nil, err
		}
		if walk := int64(k) * n / int64(len(ids)); walk <= nameScanRatio*int64(len(ids)) {
			got, err := db.Column[int64](ctx, q, `SELECT id FROM (SELECT o.id AS id FROM organisations o INDEXED BY organisations_name ORDER BY o.name, o.id LIMIT $3)
				WHERE id IN (SELECT value FROM json_each($1)) LIMIT $2`, string(js), k, 3*walk+nameWalkSlack)
			if err != nil || len(got) == k {
				return got, err
			}
		}
	}
	return db.Column[int64](ctx, q, `SELECT o.id FROM json_each($1) j JOIN organisations o ON o.id = j.value ORDER BY o.name, o.id LIMIT $2`, string(js), k)
}

// tierShift packs a window entry's tier above its id (tier<<tierShift | id)
// so that the window goes to SQLite as a JSON array of integers: reading
// [id, tier] pairs with ->> parsed each pair again (a sixth of the search).
const tierShift = 48

// windowPageSQL selects a page of a window ($1: a JSON array of
// tier<<tierShift | id),
// ordered by tier, then name (or last update, newest first), then id,
// with the result columns (listCols) and the page's order kept.
func windowPageSQL(desc bool) string {
	key, dir := `o.name`, ``
	if desc {
		key, dir = `COALESCE(p.updated_at, o.updated_at)`, ` DESC`
	}
	sh := strconv.Itoa(tierShift)
	inner := `SELECT o.id AS id, j.value >> ` + sh + ` AS tier, ` + key + ` AS k FROM json_each($1) j JOIN organisations o ON o.id = j.value & ((1 << ` + sh + `) - 1)`
	if desc {
		inner += ` LEFT JOIN org_profiles p ON p.organisation_id = o.id`
	}
	inner += ` ORDER BY tier, k` + dir + `, o.id LIMIT $2 OFFSET $3`
	return listCols + ` FROM (` + inner + `) w JOIN organisations o ON o.id = w.id LEFT JOIN org_profiles p ON p.organisation_id = o.id ORDER BY w.tier, w.k` + dir + `, w.id`
}

// loadItemsSQL reads result items (listCols, in the statement's order)
// and fills their wards, services and identifiers.
func loadItemsSQL(ctx context.Context, q db.Querier, query string, args ...any) ([]Item, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []Item
	idx := map[int64]int{}
	var ids []int64
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		idx[it.ID] = len(items)
		ids = append(ids, it.ID)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return items, fillItems(ctx, q, db.SQLite, items, idx, ids)
}

// loadItems reads result items by id, in the order given.
func loadItems(ctx context.Context, q db.Querier, d db.Dialect, ids []int64) ([]Item, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var arg any = ids
	from := `unnest($1::bigint[]) j(value)`
	if d != db.Postgres {
		js, _ := json.Marshal(ids)
		arg, from = string(js), `json_each($1) j`
	}
	rows, err := q.QueryContext(ctx, listCols+` FROM `+from+` JOIN organisations o ON o.id = j.value LEFT JOIN org_profiles p ON p.organisation_id = o.id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[int64]Item{}
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		byID[it.ID] = it
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	items := make([]Item, 0, len(ids))
	idx := map[int64]int{}
	var found []int64
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			idx[id] = len(items)
			items = append(items, it)
			found = append(found, id)
		}
	}
	return items, fillItems(ctx, q, d, items, idx, found)
}

func scanItem(rows interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var pu *time.Time
	if err := rows.Scan(&it.ID, &it.UUID, &it.Slug, &it.Name, &it.Sector, &it.LegalForm, &it.Description, &it.Postcode, &it.IncomeBand, &it.Website, &pu, &it.UpdatedAt); err != nil {
		return it, err
	}
	if pu != nil {
		it.UpdatedAt = *pu
	}
	it.Wards, it.Services, it.Identifiers = []string{}, []string{}, []string{}
	return it, nil
}
