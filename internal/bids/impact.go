package bids

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/partnerships"
)

// Figures are a consortium's (or the town's) bid figures over a period:
// the bids by consortia submitted in the period and what became of them.
type Figures struct {
	Submitted, Won, Lost int
	ValueWon             int64 // pence
	// Delivering is the contracts won by consortia being delivered at the
	// end of the period.
	Delivering int
	// With and without the Quality Mark (held by the consortium when it
	// submitted), with and without a commissioning-ready member.
	QM, NoQM, Ready, NotReady Rate
}

// Rate is a success rate: won of decided.
type Rate struct{ Won, Decided int }

// Pct is the success rate in percent to one decimal, or -1 when nothing
// was decided.
func (r Rate) Pct() float64 {
	if r.Decided == 0 {
		return -1
	}
	return float64(int(1000*float64(r.Won)/float64(r.Decided)+0.5)) / 10
}

// Success is the success rate of the period's bids.
func (f Figures) Success() Rate { return Rate{f.Won, f.Won + f.Lost} }

type interval struct{ from, to time.Time }

func holds(iv []interval, t time.Time) bool {
	for _, x := range iv {
		if !t.Before(x.from) && (x.to.IsZero() || !t.After(x.to)) {
			return true
		}
	}
	return false
}

// Count works out the figures for bids by consortia submitted in
// [from, to); pid narrows them to one consortium (0: the town).
func Count(ctx context.Context, q db.Querier, pid int64, from, to time.Time) (Figures, error) {
	var f Figures
	args := []any{from, to}
	cond := `b.partnership_id IS NOT NULL`
	if pid != 0 {
		args = append(args, pid)
		cond = `b.partnership_id = $3`
	}
	rows, err := q.QueryContext(ctx, `SELECT b.id, b.partnership_id, b.status, b.submitted_at, COALESCE(b.value_awarded_pence, 0) FROM bids b
		WHERE `+cond+` AND b.submitted_at >= $1 AND b.submitted_at < $2`, args...)
	if err != nil {
		return f, err
	}
	type row struct {
		id, pid int64
		status  string
		at      time.Time
		value   int64
	}
	var bs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.pid, &r.status, &r.at, &r.value); err != nil {
			rows.Close()
			return f, err
		}
		bs = append(bs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	// Quality Marks awarded to consortia, and commissioning readiness of
	// the bids' members, as intervals.
	qm := map[int64][]interval{}
	if err := intervals(ctx, q, `SELECT subject_id, awarded_on, valid_until FROM assess_awards
		WHERE kind = 'quality_mark' AND subject_type IN ('partnership','consortium') AND revoked_at IS NULL`, nil, qm); err != nil {
		return f, err
	}
	ready := map[int64][]interval{}
	// Every readiness badge (at most one or two an organisation): cheaper
	// than narrowing them to the period's bidders first.
	if err := intervals(ctx, q, `SELECT organisation_id, awarded_on, valid_until FROM org_badges
		WHERE kind = 'commissioning_ready' AND revoked_at IS NULL`, nil, ready); err != nil {
		return f, err
	}
	members := map[int64][]int64{}
	if len(ready) > 0 {
		mr, err := q.QueryContext(ctx, `SELECT m.bid_id, m.organisation_id FROM bid_members m JOIN bids b ON b.id = m.bid_id
			WHERE `+cond+` AND b.submitted_at >= $1 AND b.submitted_at < $2 AND m.role <> 'subcontractor'`, args...)
		if err != nil {
			return f, err
		}
		for mr.Next() {
			var b, o int64
			if err := mr.Scan(&b, &o); err != nil {
				mr.Close()
				return f, err
			}
			members[b] = append(members[b], o)
		}
		mr.Close()
	}
	for _, b := range bs {
		f.Submitted++
		won := b.status == StatusWon
		decided := won || b.status == StatusLost
		switch b.status {
		case StatusWon:
			f.Won++
			f.ValueWon += b.value
		case StatusLost:
			f.Lost++
		}
		if !decided {
			continue
		}
		w := 0
		if won {
			w = 1
		}
		if holds(qm[b.pid], db.Day(b.at)) {
			f.QM.Won, f.QM.Decided = f.QM.Won+w, f.QM.Decided+1
		} else {
			f.NoQM.Won, f.NoQM.Decided = f.NoQM.Won+w, f.NoQM.Decided+1
		}
		r := false
		for _, o := range members[b.id] {
			r = r || holds(ready[o], db.Day(b.at))
		}
		if r {
			f.Ready.Won, f.Ready.Decided = f.Ready.Won+w, f.Ready.Decided+1
		} else {
			f.NotReady.Won, f.NotReady.Decided = f.NotReady.Won+w, f.NotReady.Decided+1
		}
	}
	end := db.Day(to.Add(-time.Nanosecond))
	dargs := []any{end}
	dcond := `partnership_id IS NOT NULL`
	if pid != 0 {
		dargs = append(dargs, pid)
		dcond = `partnership_id = $2`
	}
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM bid_contracts WHERE `+dcond+` AND start_date <= $1 AND (end_date IS NULL OR end_date >= $1)`, dargs...).Scan(&f.Delivering)
	return f, err
}

func intervals(ctx context.Context, q db.Querier, query string, args []any, out map[int64][]interval) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var from time.Time
		var to sql.NullTime
		if err := rows.Scan(&id, &from, &to); err != nil {
			return err
		}
		iv := interval{from: db.Day(from)}
		if to.Valid {
			iv.to = db.Day(to.Time)
		}
		out[id] = append(out[id], iv)
	}
	return rows.Err()
}

// Survival is the consortia formed in a year and the share of them still
// active 1, 2 and 3 years on (-1: not yet known).
type Survival struct {
	Formed int
	After  [3]float64
}

// SurvivalOf works out the survival of consortia formed in year (by their
// start date) as known at now; pid narrows it to one consortium.
func SurvivalOf(ctx context.Context, q db.Querier, pid int64, year int, now time.Time) (Survival, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	args := []any{from, to}
	var in string
	for _, m := range partnerships.ConsortiumModels {
		args = append(args, m)
		if in != "" {
			in += ","
		}
		in += "$" + strconv.Itoa(len(args))
	}
	cond := ""
	if pid != 0 {
		args = append(args, pid)
		cond = ` AND id = $` + strconv.Itoa(len(args))
	}
	rows, err := q.QueryContext(ctx, `SELECT start_date, end_date FROM partnerships WHERE start_date >= $1 AND start_date < $2 AND model IN (`+in+`)`+cond, args...)
	if err != nil {
		return Survival{}, err
	}
	defer rows.Close()
	var s Survival
	alive := [3]int{}
	for rows.Next() {
		var st time.Time
		var en sql.NullTime
		if err := rows.Scan(&st, &en); err != nil {
			return s, err
		}
		s.Formed++
		for n := 1; n <= 3; n++ {
			at := db.Day(st).AddDate(n, 0, 0)
			if !en.Valid || en.Time.After(at) {
				alive[n-1]++
			}
		}
	}
	for n := 1; n <= 3; n++ {
		// Known once every consortium of the year has had n years.
		if s.Formed == 0 || to.AddDate(n, 0, 0).After(now) {
			s.After[n-1] = -1
			continue
		}
		s.After[n-1] = float64(int(1000*float64(alive[n-1])/float64(s.Formed)+0.5)) / 10
	}
	return s, rows.Err()
}

// HeldQM counts the consortia holding a current Quality Mark on day.
func HeldQM(ctx context.Context, q db.Querier, pid int64, on time.Time) (int, error) {
	args := []any{db.Day(on)}
	cond := ""
	if pid != 0 {
		args = append(args, pid)
		cond = ` AND subject_id = $2`
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT subject_id) FROM assess_awards WHERE kind = 'quality_mark' AND subject_type IN ('partnership','consortium')
		AND revoked_at IS NULL AND awarded_on <= $1 AND (valid_until IS NULL OR valid_until >= $1)`+cond, args...).Scan(&n)
	return n, err
}

// Measures are the feature's figures among the strategy's measures.
func Measures() partnerships.MeasureSource {
	return partnerships.MeasureSource{
		Definitions: []partnerships.MeasureDef{
			{Key: "bids_submitted", Label: "Consortium bids submitted", Definition: "Bids for commissioning opportunities submitted in the year by consortia (recorded in Partnerhub)."},
			{Key: "bids_won", Label: "Consortium bids won", Definition: "Of the consortium bids submitted in the year, those won."},
			{Key: "bids_success_rate", Label: "Consortium bid success rate (%)", Definition: "Of the consortium bids submitted in the year and decided, the percentage won."},
			{Key: "bids_value_won", Label: "Value won by consortia (£)", Definition: "The value awarded to the consortium bids submitted in the year and won, in pounds."},
			{Key: "bids_consortia_delivering", Label: "Contracts delivered by consortia", Definition: "Contracts won by consortia and being delivered at the end of the year."},
			{Key: "bids_success_rate_quality_mark", Label: "Success rate of consortia holding the Quality Mark (%)", Definition: "Of the decided consortium bids submitted in the year by consortia holding the Quality Mark when they submitted, the percentage won."},
			{Key: "bids_success_rate_no_quality_mark", Label: "Success rate of consortia without the Quality Mark (%)", Definition: "Of the decided consortium bids submitted in the year by consortia not holding the Quality Mark, the percentage won."},
		},
		Count: CountMeasures,
	}
}

// CountMeasures counts the measures over [from, to).
func CountMeasures(ctx context.Context, q db.Querier, from, to time.Time) (map[string]float64, error) {
	f, err := Count(ctx, q, 0, from, to)
	if err != nil {
		return nil, db.Err(err, "")
	}
	out := map[string]float64{"bids_submitted": float64(f.Submitted), "bids_won": float64(f.Won),
		"bids_value_won": float64(f.ValueWon / 100), "bids_consortia_delivering": float64(f.Delivering)}
	for k, r := range map[string]Rate{"bids_success_rate": f.Success(), "bids_success_rate_quality_mark": f.QM, "bids_success_rate_no_quality_mark": f.NoQM} {
		if p := r.Pct(); p >= 0 {
			out[k] = p
		}
	}
	return out, nil
}

// YearRow is one year of a consortium's or the town's impact.
type YearRow struct {
	Year int
	Figures
	Survival
	HeldQM int
}

// Impact works out each year's figures from first to last (inclusive).
func Impact(ctx context.Context, q db.Querier, pid int64, first, last int, now time.Time) ([]YearRow, error) {
	var out []YearRow
	for y := first; y <= last; y++ {
		from := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(1, 0, 0)
		end := to.Add(-time.Nanosecond)
		if end.After(now) {
			end = now
		}
		f, err := Count(ctx, q, pid, from, to)
		if err != nil {
			return nil, err
		}
		s, err := SurvivalOf(ctx, q, pid, y, now)
		if err != nil {
			return nil, err
		}
		h, err := HeldQM(ctx, q, pid, end)
		if err != nil {
			return nil, err
		}
		out = append(out, YearRow{Year: y, Figures: f, Survival: s, HeldQM: h})
	}
	return out, nil
}
