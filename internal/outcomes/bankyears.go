package outcomes

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"partnerhub/internal/db"
)

// refreshBankYear recomputes an organisation's row of
// outcome_bank_org_years (0612) for a bank indicator and the year of a
// period it measured, from its indicators adopting that bank indicator
// (by organisation, then by indicator and period: two index lookups).
func refreshBankYear(ctx context.Context, tx *db.Tx, bank, org int64, periodStart time.Time) error {
	y := periodStart.Year()
	from, to := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := tx.ExecContext(ctx, `DELETE FROM outcome_bank_org_years WHERE year = $1 AND bank_indicator_id = $2 AND organisation_id = $3`, y, bank, org); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO outcome_bank_org_years (year, bank_indicator_id, organisation_id, total, n, people)
		SELECT $1, $2, $3, SUM(m.value), COUNT(*), SUM(COALESCE(m.people, 0))
		FROM outcome_indicators i JOIN outcome_measurements m ON m.indicator_id = i.id AND m.period_start >= $4 AND m.period_start < $5
		WHERE i.owner_type = 'organisation' AND i.owner_id = $3 AND i.bank_indicator_id = $2 HAVING COUNT(*) > 0`, y, bank, org, db.Day(from), db.Day(to))
	return err
}

// rebuildBankYears recomputes outcome_bank_org_years from the
// measurements, a year at a time.
func rebuildBankYears(ctx context.Context, tx *db.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM outcome_bank_org_years`); err != nil {
		return err
	}
	// The first and last periods (a column, not MIN(), so both drivers
	// scan it as a time).
	var first, last time.Time
	for i, q := range []string{`ORDER BY period_start`, `ORDER BY period_start DESC`} {
		t := &first
		if i == 1 {
			t = &last
		}
		err := tx.QueryRowContext(ctx, `SELECT period_start FROM outcome_measurements WHERE bank_indicator_id IS NOT NULL AND owner_type = 'organisation' `+q+` LIMIT 1`).Scan(t)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	for y := first.Year(); y <= last.Year(); y++ {
		from, to := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := tx.ExecContext(ctx, `INSERT INTO outcome_bank_org_years (year, bank_indicator_id, organisation_id, total, n, people)
			SELECT $1, bank_indicator_id, owner_id, SUM(value), COUNT(*), SUM(COALESCE(people, 0)) FROM outcome_measurements
			WHERE bank_indicator_id IS NOT NULL AND owner_type = 'organisation' AND period_start >= $2 AND period_start < $3
			GROUP BY bank_indicator_id, owner_id`, y, db.Day(from), db.Day(to)); err != nil {
			return err
		}
	}
	return nil
}

// calendarYear reports whether [from, to) is one calendar year, and which.
func calendarYear(from, to time.Time) (int, bool) {
	y := from.Year()
	return y, from.Equal(time.Date(y, 1, 1, 0, 0, 0, 0, from.Location())) && to.Equal(from.AddDate(1, 0, 0))
}
