package directory

import (
	"context"
	"time"

	"partnerhub/internal/db"
)

// Test-only hooks: the benchmarks run the bare SQL that Search and
// FindPartners run, to report the ratio.

// SearchListSQL is the main query Search runs for f, without the count
// and the per-page detail queries: on SQLite with words or filters, the
// FTS5 query reading the window of matches (all tiers); otherwise the
// relational listing.
func SearchListSQL(d db.Dialect, f Filter) (string, []any, error) {
	if err := f.Validate(); err != nil {
		return "", nil, err
	}
	if pl := planFast(f, time.Now(), false); d == db.SQLite && pl != nil {
		return ftsIDsSQL(pl.where, pl.desc, max(rankWindow, f.Offset+f.Limit)), append([]any{pl.all()}, pl.args...), nil
	}
	list, count, args, nc := searchSQL(d, f, time.Now(), d == db.Postgres)
	if pgWindowed(d, f) {
		return count, args[:nc], nil // the window: the query that reads the matches
	}
	return list, args, nil
}

// SetSearchCaps sets the count cap and the ranking window (tests), and
// returns a function that puts them back.
func SetSearchCaps(count, window int) func() {
	c, w := countCap, rankWindow
	countCap, rankWindow = count, window
	return func() { countCap, rankWindow = c, w }
}

// FinderCandidates runs only the finder's coarse candidate step: the
// FTS5 tiers on SQLite, the summing SQL on PostgreSQL.
func FinderCandidates(ctx context.Context, q db.Querier, d db.Dialect, fq FinderQuery) ([]int64, error) {
	pl, err := planFinder(ctx, q, fq)
	if err != nil {
		return nil, err
	}
	if d == db.SQLite {
		return finderCandidatesFTS(ctx, q, pl)
	}
	return finderCandidates(ctx, q, d, pl.need, pl.wards, pl.las, pl.exclude)
}

// SearchRelational runs Search with the filters as SQL joins only (no
// FTS5 filter tokens), to check the fast path against.
func SearchRelational(ctx context.Context, q db.Querier, d db.Dialect, f Filter) (Result, error) {
	relationalOnly = true
	defer func() { relationalOnly = false }()
	return Search(ctx, q, d, f)
}

// FacetTokens exposes facetTokens and facetsSQL.
func FacetTokens(ctx context.Context, q db.Querier, orgID int64) (fromGo, fromSQL [2]string, err error) {
	p, err := LoadProfile(ctx, q, orgID)
	if err != nil {
		return
	}
	fromGo[0], fromGo[1] = facetTokens(p)
	err = q.QueryRowContext(ctx, facetsSQL, orgID).Scan(&fromSQL[0], &fromSQL[1])
	return
}
