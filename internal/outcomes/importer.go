package outcomes

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
)

// ImportColumns are the measurements CSV's required columns; people,
// source, note and parts are optional. parts is "name=value" pairs
// separated by semicolons ("Under 18=12; 18 to 64=30").
var ImportColumns = []string{"indicator", "period", "value"}

// Importers are the feature's `partnerhub import` kinds.
func (s *Service) Importers() map[string]importing.Func {
	return map[string]importing.Func{
		"measurements": func(ctx context.Context, file string, dryRun bool) (*importing.Report, error) {
			data, err := os.ReadFile(file)
			if err != nil {
				return nil, err
			}
			return ImportMeasurements(ctx, s.DB, data, 0, dryRun, 0)
		},
	}
}

// ImportMeasurements reads a measurements CSV. indicator is the
// indicator's reference number (shown on the plan page). With planID set
// (the upload form) only that plan's indicators are known. Every row is
// checked as the form checks it, each error reported with its line; when
// any row is refused nothing at all is written (a file is taken whole or
// not at all, so a plan's figures are never half-updated). Rows are
// matched on indicator and period, so importing the same file twice
// changes nothing the second time.
func ImportMeasurements(ctx context.Context, d *db.DB, data []byte, planID int64, dryRun bool, by int64) (*importing.Report, error) {
	src, err := importing.NewCSV(data, 0)
	if err != nil {
		return nil, err
	}
	if err := src.Header().Require(ImportColumns...); err != nil {
		return nil, err
	}
	rep := &importing.Report{Format: "Measurements CSV", DryRun: dryRun}
	plans := map[int64]*Plan{}
	byIndicator := map[int64]*Plan{}
	type row struct {
		in *Indicator
		m  *Measurement
	}
	var rows []row
	seen := map[string]int{}
	err = importing.Each(src, rep, func(rec *importing.Record) error {
		get := func(c string) string { return strings.TrimSpace(rec.Get(c)) }
		ref := strings.TrimPrefix(strings.ToUpper(get("indicator")), "IND-")
		id, perr := strconv.ParseInt(ref, 10, 64)
		if perr != nil || id <= 0 {
			rep.Reject(rec.Line, "indicator", fmt.Sprintf("indicator %q is not an indicator reference (a number such as 12, shown on the plan page)", get("indicator")))
			return nil
		}
		p := byIndicator[id]
		if p == nil {
			var pid int64
			err := d.Q().QueryRowContext(ctx, `SELECT plan_id FROM outcome_indicators WHERE id = $1`, id).Scan(&pid)
			if err == nil && (planID == 0 || pid == planID) {
				if p = plans[pid]; p == nil {
					if p, err = GetPlan(ctx, d.Q(), pid); err != nil {
						return err
					}
					plans[pid] = p
				}
				byIndicator[id] = p
			}
		}
		if p == nil {
			where := ""
			if planID != 0 {
				where = " in this plan"
			}
			rep.Reject(rec.Line, "indicator", fmt.Sprintf("indicator %d is not an indicator%s", id, where))
			return nil
		}
		in := p.Indicator(id)
		f := url.Values{"period": {get("period")}, "value": {get("value")}, "people": {get("people")}, "source": {get("source")}, "note": {get("note")}}
		if s := get("parts"); s != "" {
			known := map[string]int{}
			for i, part := range in.Parts {
				known[strings.ToLower(part)] = i
			}
			for _, kv := range strings.Split(s, ";") {
				k, v, ok := strings.Cut(kv, "=")
				i, found := known[strings.ToLower(strings.TrimSpace(k))]
				if !ok || !found {
					rep.Reject(rec.Line, "parts", fmt.Sprintf("parts: %q is not one of this indicator's parts written as name=value (parts: %s)", strings.TrimSpace(kv), strings.Join(in.Parts, ", ")))
					return nil
				}
				f.Set(fmt.Sprintf("part_%d", i), strings.TrimSpace(v))
			}
		}
		m, err := MeasurementInput(p, in, f)
		if err != nil {
			if apperr.Is(err, apperr.EINVALID) {
				var reasons []string
				col := ""
				for _, fe := range apperr.Fields(err) {
					c := fe.Field
					if strings.HasPrefix(c, "part_") {
						c = "parts"
					}
					if col == "" {
						col = c
					}
					reasons = append(reasons, c+": "+fe.Message)
				}
				rep.Reject(rec.Line, col, strings.Join(reasons, "; "))
				return nil
			}
			return err
		}
		k := fmt.Sprintf("%d/%s", id, m.Start.Format("2006-01-02"))
		if l, dup := seen[k]; dup {
			rep.Reject(rec.Line, "period", fmt.Sprintf("indicator %d, period %s is already on line %d", id, m.Period, l))
			return nil
		}
		seen[k] = rec.Line
		rows = append(rows, row{in, m})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rep.Rejected) > 0 {
		rep.Sort()
		lines := make([]string, 0, len(rep.Rejected))
		for _, r := range rep.Rejected {
			lines = append(lines, fmt.Sprintf("line %d: %s", r.Line, r.Reason))
		}
		return rep, apperr.Errorf(apperr.EINVALID, "%d of %d rows have a problem, so nothing was imported: correct them and import the file again.\n%s", len(rep.Rejected), rep.Rows, strings.Join(lines, "\n"))
	}
	err = importing.Apply(ctx, d.Write, rep, func(tx *db.Tx) error {
		for _, r := range rows {
			what, err := SaveMeasurement(ctx, tx, r.in, r.m, by)
			if err != nil {
				return fmt.Errorf("line: %w", err)
			}
			switch what {
			case Created:
				rep.Created++
			case Updated:
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		return nil
	})
	return rep, err
}
