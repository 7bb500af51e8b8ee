package directory

import (
	"context"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/db"
)

// Directory search on PostgreSQL at scale, the counterpart of SQLite's
// FTS5 path (search_scale.go).
//
// org_search (migration 0126) holds one narrow row per organisation: its
// name, whether it is listed, a vector of its names (ranking tier 0), one
// of its services (tier 1), and the document: every word of its text plus
// its filters as lexemes ('#zzwtalbot', '#zzt12'...). Words and filters are
// then one tsquery, answered by the GIN index on the document alone; the
// old design joined org_areas and org_terms for the filters and ordered
// the matches by id, which a GIN index cannot give (0.1 to 0.3 s p99 at
// 200,000 organisations).
//
// A search reads at most max(countCap+1, window) matching rows in storage
// order: a bitmap heap scan, or for a very common word a sequential scan,
// each stopping at the LIMIT, and both in block order (the table has no
// parallel workers, and the connections turn synchronize_seqscans off, so
// a scan always starts at the first block). The table's fillfactor leaves
// room for an edited organisation's new row in its page, so an edit does
// not move it out of a window (TestSearchWindowSurvivesEdits); edits that
// outgrow that room (five rows of one page edited, at the demo's row
// sizes) put the new rows at another page, often the last, and a new plan
// can read in another order: either can change which matches a capped
// search's window holds between two pages. Ordering the window by id
// instead (as SQLite's is) walks the primary key or sorts every match:
// 9 to 96 ms at 50,000 organisations against 1.4 ms (measured
// 2026-12-06), so the window stays in storage order. The matches it read give the
// count (exact up to countCap) and the window; the window is ordered in
// SQL by tier and name, and only the page's rows are then loaded. With
// countCap or fewer matches the window holds them all and the order is
// exact; with more, Result.RankedAmong says the page is ordered among the
// first N matches found, as on SQLite (where they are the first N by id).
//
// By last update the window is the newest matches by id, as on SQLite.
//
// A search by filters only with more than countCap matches, by name, walks
// org_search's name index instead (exact order).
//
// Not answered here: the plain listing by name and searches with only the
// filters the documents do not carry (the relational SQL, searchSQL).

// pgFastSQL is the window query of a filter, or ok false when the
// relational SQL answers it. Columns: id, name, tier, pos (1-based order
// of reading), ordered as the page is: by tier (ranked), then name; or by
// last update, newest first, then id.
func pgFastSQL(f Filter, now time.Time) (query string, args []any, ok bool) {
	words := f.terms()
	toks := filterTokens(f)
	byUpdate := f.Sort == "updated"
	if !byUpdate && len(words) == 0 && len(toks) == 0 {
		return "", nil, false
	}
	where := existsFilters(f, now, "m.organisation_id", &args)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	ranked := len(words) > 0 && f.Sort != "name" && !byUpdate
	var q []string
	from := `org_search m`
	tier := `0`
	if len(words) > 0 {
		// The words' tsquery, computed once for the match and the tiers.
		from += `, (SELECT ` + pgWords(arg(ftsQueryOp(db.Postgres, words, true, f.anyWord))) + ` AS q) t`
		q = append(q, `t.q`)
		// Words that are all stop words ("the") make an empty query,
		// which ANDed with filters would drop the words: match nothing,
		// as the relational path does.
		where = append(where, `numnode(t.q) > 0`)
		if ranked {
			tier = pgTier("m", "t.q")
		}
	}
	if len(toks) > 0 {
		q = append(q, arg(pgFacets(toks, "&"))+`::tsquery`)
	}
	where = append([]string{`m.listed`}, where...)
	if len(q) > 0 {
		where = append([]string{`m.doc @@ (` + strings.Join(q, ` && `) + `)`}, where...)
	}
	k := strconv.Itoa(max(countCap+1, windowSize(f)))
	if byUpdate {
		// No index orders by last update (a profile's, or else the
		// organisation's): the window is the newest matches by id, as on
		// SQLite, read backwards along the primary key or, for a rare
		// word, from the GIN index and sorted.
		query = `SELECT w.id, o.name, 0, w.pos FROM (
			SELECT id, row_number() OVER () AS pos FROM (
				SELECT m.organisation_id AS id FROM ` + from + ` WHERE ` + strings.Join(where, ` AND `) + `
				ORDER BY m.organisation_id DESC LIMIT ` + k + `) a) w
			JOIN organisations o ON o.id = w.id LEFT JOIN org_profiles p ON p.organisation_id = o.id
			ORDER BY COALESCE(p.updated_at, o.updated_at) DESC, o.id`
		return query, args, true
	}
	query = `SELECT id, name, tier, pos FROM (
		SELECT id, name, tier, row_number() OVER () AS pos FROM (
			SELECT m.organisation_id AS id, m.name, ` + tier + ` AS tier FROM ` + from + `
			WHERE ` + strings.Join(where, ` AND `) + ` LIMIT ` + k + `) w) x
		ORDER BY tier, name, id`
	return query, args, true
}

// searchFastPG answers a PostgreSQL search from org_search (see the top of
// this file); its results are as searchFast's.
func searchFastPG(ctx context.Context, q db.Querier, f Filter, now time.Time, _ bool) (res Result, ok, counted bool, err error) {
	query, args, ok := pgFastSQL(f, now)
	if !ok {
		return res, false, false, nil
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return res, true, true, err
	}
	defer rows.Close()
	ws := windowSize(f)
	n := 0
	var window []int64
	for rows.Next() {
		var id, pos int64
		var name string
		var tier int
		if err := rows.Scan(&id, &name, &tier, &pos); err != nil {
			return res, true, true, err
		}
		n++
		if pos <= int64(ws) {
			window = append(window, id)
		}
	}
	if err := rows.Err(); err != nil {
		return res, true, true, err
	}
	rows.Close()
	res.Total = min(n, countCap)
	res.TotalCapped = n > countCap
	if n == 0 || (!res.TotalCapped && f.Offset >= res.Total) {
		return res, true, true, nil
	}
	if res.TotalCapped && len(f.terms()) == 0 && f.Sort != "updated" {
		// Filters only, by name, many matches: walk the name index of
		// org_search (org_search_name), checking the document row by row.
		// A filter with more than countCap matches is not selective, so
		// the walk is short; the order is exact.
		var args []any
		where := append([]string{`m.listed`}, existsFilters(f, now, "m.organisation_id", &args)...)
		args = append(args, pgFacets(filterTokens(f), "&"))
		page, err := db.Column[int64](ctx, q, `SELECT m.organisation_id FROM org_search m WHERE m.doc @@ $`+strconv.Itoa(len(args))+`::tsquery AND `+
			strings.Join(where, ` AND `)+` ORDER BY m.name, m.organisation_id LIMIT `+strconv.Itoa(f.Limit)+` OFFSET `+strconv.Itoa(f.Offset), args...)
		if err != nil {
			return res, true, true, err
		}
		res.Items, err = loadItems(ctx, q, db.Postgres, page)
		return res, true, true, err
	}
	if res.TotalCapped {
		res.RankedAmong = len(window)
	}
	if f.Offset >= len(window) {
		return res, true, true, nil
	}
	page := window[f.Offset:min(len(window), f.Offset+f.Limit)]
	res.Items, err = loadItems(ctx, q, db.Postgres, page)
	return res, true, true, err
}
