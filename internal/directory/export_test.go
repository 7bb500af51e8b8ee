package directory

import (
	"context"
	"time"

	"partnerhub/internal/db"
)

// Test-only hooks: the benchmarks run the bare SQL that Search and
// FindPartners run, to report the ratio.

// SearchListSQL is the listing query Search runs for f (without the count
// and the per-page detail queries).
func SearchListSQL(d db.Dialect, f Filter) (string, []any, error) {
	if err := f.Validate(); err != nil {
		return "", nil, err
	}
	list, _, args := searchSQL(d, f, time.Now())
	return list, args, nil
}

// FinderCandidateSQL is the coarse candidate query FindPartners runs for fq.
func FinderCandidateSQL(ctx context.Context, q db.Querier, fq FinderQuery) (string, []any, error) {
	pl, err := planFinder(ctx, q, fq)
	if err != nil {
		return "", nil, err
	}
	s, args := finderSQL(pl.need, pl.wards, pl.las, pl.exclude)
	return s, args, nil
}
