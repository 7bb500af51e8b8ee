package partnerships

import (
	"context"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/db"
)

// originCounts are the partnerships started in each period per origin:
// those not proposed whose start date falls in the period. Origins with
// none are left out. When every period starts and ends on the first of a
// month (every PeriodOf does) they are sums over the month counts of
// migration 0235, one query for all the periods over a few hundred rows;
// otherwise each period is counted from partnerships (originsBetween).
func originCounts(ctx context.Context, q db.Querier, periods []Period) ([]map[string]int, error) {
	out := make([]map[string]int, len(periods))
	for i := range out {
		out[i] = map[string]int{}
	}
	if len(periods) == 0 {
		return out, nil
	}
	// Each period's months, [from, to).
	months := make([][2]int64, len(periods))
	first := true
	for i, p := range periods {
		a, okA := monthOf(dayNum(p.Start))
		b, okB := monthOf(dayNum(p.End))
		months[i] = [2]int64{a, b}
		first = first && okA && okB
	}
	if !first {
		for i, p := range periods {
			var err error
			if out[i], err = originsBetween(ctx, q, p.Start, p.End); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	lo, hi := months[0][0], months[0][1]
	var cols strings.Builder
	for _, m := range months {
		lo, hi = min(lo, m[0]), max(hi, m[1])
		cols.WriteString(", CAST(SUM(CASE WHEN month >= " + lit(m[0]) + " AND month < " + lit(m[1]) + " THEN n ELSE 0 END) AS BIGINT)")
	}
	err := keyedSums(ctx, q, `SELECT origin`+cols.String()+` FROM partnership_origin_months
		WHERE month >= `+lit(lo)+` AND month < `+lit(hi)+` GROUP BY origin`, len(periods), func(origin string, vals []int64) error {
		for i, n := range vals {
			if n != 0 {
				out[i][origin] = int(n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("measures (origins): %w", err)
	}
	return out, nil
}

// originsBetween counts the partnerships started in [from, to) per origin
// straight from partnerships (its partnerships_started index, 0232).
func originsBetween(ctx context.Context, q db.Querier, from, to time.Time) (map[string]int, error) {
	out := map[string]int{}
	rows, err := q.QueryContext(ctx, `SELECT origin, COUNT(*) FROM partnerships WHERE status <> 'proposed'
		AND start_date >= $1 AND start_date < $2 GROUP BY origin`, from, to)
	if err != nil {
		return nil, fmt.Errorf("measures (origins): %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			return nil, err
		}
		out[o] = n
	}
	return out, rows.Err()
}
