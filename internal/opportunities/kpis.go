package opportunities

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
)

// KPI is a commissioner's required key performance indicator on an
// opportunity: an indicator of the town's outcome bank (issue 17), so a
// delivering consortium's figures for it roll up from its members' plans.
// The bank's tables belong to the outcomes feature; this package only
// reads their names.
type KPI struct {
	BankIndicatorID int64
	Name, Unit      string
	Theme           string
	Rollup          string // "sum" or "mean", the bank indicator's rule
	Target          string // what the commissioner asks for, in words
}

// maxKPITarget is the longest target text kept.
const maxKPITarget = 200

// KPIChoices lists the outcome bank's indicators, by theme, for the form.
func KPIChoices(ctx context.Context, q db.Querier) ([]KPI, error) {
	return kpis(ctx, q, `SELECT i.id, i.name, i.unit, COALESCE(t.name, ''), i.rollup, ''
		FROM outcome_bank_indicators i JOIN outcome_bank_outcomes b ON b.id = i.bank_outcome_id LEFT JOIN taxonomy_terms t ON t.id = b.theme_id
		ORDER BY t.name, b.title, i.name, i.id`)
}

// KPIsOf lists an opportunity's required KPIs.
func KPIsOf(ctx context.Context, q db.Querier, oppID int64) ([]KPI, error) {
	return kpis(ctx, q, `SELECT i.id, i.name, i.unit, COALESCE(t.name, ''), i.rollup, k.target
		FROM opportunity_kpis k JOIN outcome_bank_indicators i ON i.id = k.bank_indicator_id
		JOIN outcome_bank_outcomes b ON b.id = i.bank_outcome_id LEFT JOIN taxonomy_terms t ON t.id = b.theme_id
		WHERE k.opportunity_id = $1 ORDER BY t.name, i.name, i.id`, oppID)
}

func kpis(ctx context.Context, q db.Querier, query string, args ...any) ([]KPI, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []KPI
	for rows.Next() {
		var k KPI
		if err := rows.Scan(&k.BankIndicatorID, &k.Name, &k.Unit, &k.Theme, &k.Rollup, &k.Target); err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, k)
	}
	return out, db.Err(rows.Err(), "")
}

// kpisFromForm reads the KPI checkboxes (kpi, the bank indicator's id) and
// each chosen one's target (kpi_target_<id>).
func kpisFromForm(v *apperr.Validation, f url.Values) []KPI {
	var out []KPI
	seen := map[int64]bool{}
	for _, s := range f["kpi"] {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			v.Add("kpi", "Choose the required KPIs from the outcome bank's list")
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		t := clean.Line(f.Get("kpi_target_" + s))
		if len([]rune(t)) > maxKPITarget {
			v.Add("kpi_target_"+s, fmt.Sprintf("Write the KPI's target in %d characters or fewer", maxKPITarget))
		}
		out = append(out, KPI{BankIndicatorID: id, Target: t})
	}
	return out
}

// kpiValues writes KPIs as the form's values.
func kpiValues(f url.Values, ks []KPI) {
	for _, k := range ks {
		id := strconv.FormatInt(k.BankIndicatorID, 10)
		f.Add("kpi", id)
		if k.Target != "" {
			f.Set("kpi_target_"+id, k.Target)
		}
	}
}

// resolveKPIs refuses KPIs that are not in the outcome bank.
func resolveKPIs(ctx context.Context, q db.Querier, ks []KPI) error {
	if len(ks) == 0 {
		return nil
	}
	var ids []int64
	for _, k := range ks {
		ids = append(ids, k.BankIndicatorID)
	}
	args := []any{}
	rows, err := q.QueryContext(ctx, `SELECT id FROM outcome_bank_indicators WHERE id IN (`+db.Placeholders(&args, ids)+`)`, args...)
	if err != nil {
		return db.Err(err, "")
	}
	defer rows.Close()
	found := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return db.Err(err, "")
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return db.Err(err, "")
	}
	for _, id := range ids {
		if !found[id] {
			v := &apperr.Validation{}
			v.Add("kpi", "One of the required KPIs is no longer in the outcome bank: choose again from the list")
			return v.Err()
		}
	}
	return nil
}

// writeKPIs replaces an opportunity's KPIs.
func writeKPIs(ctx context.Context, tx *db.Tx, oppID int64, ks []KPI) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM opportunity_kpis WHERE opportunity_id = $1`, oppID); err != nil {
		return err
	}
	for _, k := range ks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_kpis (opportunity_id, bank_indicator_id, target) VALUES ($1, $2, $3)`,
			oppID, k.BankIndicatorID, k.Target); err != nil {
			return err
		}
	}
	return nil
}

// kpiKey is the KPIs compared for Diff.
func kpiKey(ks []KPI) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprint(k.BankIndicatorID, "=", k.Target))
	}
	slices.Sort(parts)
	return strings.Join(parts, "\n")
}
