package directory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"partnerhub/internal/db"
)

// Test-only hooks: the benchmarks run the bare SQL that Search and
// FindPartners run, to report the ratio.

// SearchListSQL is the main query Search runs for f, without the count
// and the per-page detail queries: on SQLite with words or filters, the
// FTS5 query reading the window of matches (all tiers); otherwise the
// relational listing. On PostgreSQL with words or filters, the window
// query of org_search.
func SearchListSQL(d db.Dialect, f Filter) (string, []any, error) {
	if err := f.Validate(); err != nil {
		return "", nil, err
	}
	if pl := planFast(f, time.Now(), false); d == db.SQLite && pl != nil {
		return ftsIDsSQL(pl.where, pl.desc, max(rankWindow, f.Offset+f.Limit)), append([]any{pl.all()}, pl.args...), nil
	}
	if d == db.SQLite && f.Sort == "updated" {
		s, args := newestSQL(f, time.Now()) // the listing by last update's window
		return s, args, nil
	}
	if d == db.Postgres {
		if s, args, ok := pgFastSQL(f, time.Now()); ok {
			return s, args, nil // the window: the query that reads the matches
		}
	}
	list, _, args, _ := searchSQL(d, f, time.Now(), d == db.Postgres)
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
// filter-token tiers on both databases.
func FinderCandidates(ctx context.Context, q db.Querier, d db.Dialect, fq FinderQuery) ([]int64, error) {
	pl, err := planFinder(ctx, q, fq)
	if err != nil {
		return nil, err
	}
	return finderCandidatesFTS(ctx, q, d, pl)
}

// FinderCandidatesEveryTier runs FinderCandidates with every tier read
// in turn (no tier skipped as empty, none read out of order).
func FinderCandidatesEveryTier(ctx context.Context, q db.Querier, d db.Dialect, fq FinderQuery) ([]int64, error) {
	tierShortcuts = false
	defer func() { tierShortcuts = true }()
	return FinderCandidates(ctx, q, d, fq)
}

// SearchRelational runs Search with the filters as SQL joins only (no
// FTS5 filter tokens), to check the fast path against.
func SearchRelational(ctx context.Context, q db.Querier, d db.Dialect, f Filter) (Result, error) {
	relationalOnly = true
	defer func() { relationalOnly = false }()
	return Search(ctx, q, d, f)
}

// FindPartnersRelational runs FindPartners with the candidates summed
// from org_terms and org_areas (no filter tokens), to check the tiers
// against.
func FindPartnersRelational(ctx context.Context, q db.Querier, d db.Dialect, fq FinderQuery) ([]Match, error) {
	relationalOnly = true
	defer func() { relationalOnly = false }()
	return FindPartners(ctx, q, d, fq)
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

// SearchDocsAgree checks that every org_search row is what org_search_write
// (migration 0126) makes of the organisation's tables.
func SearchDocsAgree(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	const snap = `SELECT organisation_id, name, listed, names::text, services::text, doc::text FROM org_search ORDER BY organisation_id`
	read := func() []string {
		rows, err := d.Q().QueryContext(ctx, snap)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id int64
			var name, names, svcs, doc string
			var listed bool
			if err := rows.Scan(&id, &name, &listed, &names, &svcs, &doc); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d|%s|%v|%s|%s|%s", id, name, listed, names, svcs, doc))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := read()
	if err := d.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `SELECT org_search_write(ARRAY(SELECT id FROM organisations))`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	after := read()
	if len(before) == 0 || len(before) != len(after) {
		t.Fatalf("%d documents before, %d after", len(before), len(after))
	}
	bad := 0
	for i := range before {
		if before[i] != after[i] && bad < 3 {
			bad++
			t.Errorf("written in bulk:\n%s\nfrom the tables:\n%s", before[i], after[i])
		}
	}
}

// ByName exposes byName (the first k of ids in name, then id, order);
// slack sets the name walk's slack for the call (-1: unchanged).
func ByName(ctx context.Context, q db.Querier, ids []int64, k int, slack int64) ([]int64, error) {
	if slack >= 0 {
		old := nameWalkSlack
		nameWalkSlack = slack
		defer func() { nameWalkSlack = old }()
	}
	return byName(ctx, q, ids, k)
}
