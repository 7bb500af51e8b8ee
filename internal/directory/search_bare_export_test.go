package directory

import (
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/db"
)

// SearchPageSQL is one SQLite statement that gives what a windowed search
// page shows (words ranked by tier then name, or newest first): the page's
// rows in the page's order with their columns, wards, services and
// identifiers, and the count up to countCap+1 in every row. It is the
// honest bare SQL of such a page (BenchmarkSearch checks that it returns
// the same rows and the same count as Search); ok is false for searches
// it does not cover (the listing, filters only sorted by name).
//
// Result columns: listCols, then count, wards, services, identifiers
// (joined with "|").
func SearchPageSQL(d db.Dialect, f Filter) (query string, args []any, ok bool) {
	if d != db.SQLite || f.Validate() != nil {
		return "", nil, false
	}
	pl := planFast(f, time.Now(), false)
	if pl == nil || (!pl.ranked && !pl.desc) {
		return "", nil, false
	}
	args = append([]any{pl.all()}, pl.args...)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	tier := `0`
	if pl.ranked {
		rng := ` AND rowid BETWEEN (SELECT min(id) FROM w) AND (SELECT max(id) FROM w))`
		tier = `CASE WHEN w.id IN (SELECT rowid FROM org_fts WHERE org_fts MATCH ` + arg(pl.tiers[0]) + rng +
			` THEN 0 WHEN w.id IN (SELECT rowid FROM org_fts WHERE org_fts MATCH ` + arg(pl.tiers[1]) + rng + ` THEN 1 ELSE 2 END`
	}
	key, dir, join := `o.name`, ``, ``
	if pl.desc {
		key, dir, join = `COALESCE(p.updated_at, o.updated_at)`, ` DESC`, ` LEFT JOIN org_profiles p ON p.organisation_id = o.id`
	}
	page := `SELECT w.id AS id, ` + tier + ` AS tier, ` + key + ` AS k FROM w JOIN organisations o ON o.id = w.id` + join +
		` ORDER BY tier, k` + dir + `, w.id LIMIT ` + arg(f.Limit) + ` OFFSET ` + arg(f.Offset)
	list := func(sql string) string { return `(SELECT group_concat(v, '|') FROM (` + sql + `))` }
	query = `WITH m AS MATERIALIZED (` + ftsIDsSQL(pl.where, pl.desc, countCap+1) + `),
		w AS MATERIALIZED (SELECT id FROM m LIMIT ` + strconv.Itoa(windowSize(f)) + `),
		pg AS MATERIALIZED (` + page + `)
		` + listCols + `, (SELECT count(*) FROM m), ` +
		list(`SELECT code AS v FROM org_areas WHERE organisation_id = o.id AND kind = 'ward' ORDER BY code`) + `, ` +
		list(`SELECT t.name AS v FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id WHERE ot.organisation_id = o.id AND t.vocabulary = 'service' ORDER BY t.position`) + `, ` +
		list(`SELECT identifier AS v FROM org_identifiers WHERE organisation_id = o.id ORDER BY identifier`) +
		` FROM pg JOIN organisations o ON o.id = pg.id LEFT JOIN org_profiles p ON p.organisation_id = o.id ORDER BY pg.tier, pg.k` + dir + `, pg.id`
	return strings.TrimSpace(query), args, true
}
