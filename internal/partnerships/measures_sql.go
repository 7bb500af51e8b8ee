package partnerships

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/db"
)

// The SQL computation of the measures reads the measures' read model
// (migrations 0220 and 0221), which triggers keep in step with every write:
// every counted partnership with its model and first and last day; per
// third-sector organisation the first and last day it was in a partnership
// and the gaps between; per partnership the span over which it had both
// third-sector and public (or private) members and that span's gaps. Days
// are whole days since 1970-01-01. A year costs a few narrow index range
// scans whatever the number of memberships, and a series of years one scan
// per table (one SUM column per year).
//
// Why cover and gaps give the same answer as the memberships: an
// organisation was in a partnership during a year when its first day is
// before the year's end and its last day is not before the year's start,
// unless the whole year falls in a gap between its memberships. Its gaps
// never overlap, so at most one of them holds a given year, and such a gap
// lies between its first and last days, so subtracting the gaps that hold
// the year is exact. The same holds, sector by sector, for a partnership's
// mix of sectors (a partnership is subtracted once even when gaps of both
// sectors hold the year).

const thirdIn = `('vcs','social_enterprise','faith')`

// countedP is the condition for a partnership to count at all (the
// network map filters on it; the read model applies the same rule).
const countedP = `p.status <> 'proposed' AND p.start_date IS NOT NULL AND (p.end_date IS NULL OR p.end_date >= p.start_date)`

// effS and effE are a membership's span within its partnership (the
// network map filters on them).
const effS = `(CASE WHEN m.joined_on IS NOT NULL AND m.joined_on > p.start_date THEN m.joined_on ELSE p.start_date END)`
const effE = `(CASE WHEN m.left_on IS NULL THEN p.end_date WHEN p.end_date IS NULL OR m.left_on < p.end_date THEN m.left_on ELSE p.end_date END)`

// foreverDay is the read model's last day for "still going" (9999-12-31).
const foreverDay = 2932896

// dayNum is t's calendar day as whole days since 1970-01-01.
func dayNum(t time.Time) int64 {
	u := dayOf(t).Unix()
	if u < 0 {
		return -((-u + 86399) / 86400)
	}
	return u / 86400
}

// span is a period as day numbers: [s, e).
type span struct{ s, e int64 }

func spansOf(periods []Period) []span {
	out := make([]span, len(periods))
	for i, p := range periods {
		out[i] = span{dayNum(p.Start), dayNum(p.End)}
	}
	return out
}

// The periods' bounds go into the SQL as integer literals (they are
// computed here, never user text): the planner then sees the ranges.
func lit(n int64) string { return strconv.FormatInt(n, 10) }

// overlapCols is one SUM column per period counting the rows whose
// [first, last] days overlap the period.
func overlapCols(ps []span, first, last string) []string {
	cols := make([]string, len(ps))
	for i, p := range ps {
		cols[i] = "COALESCE(SUM(CASE WHEN " + first + " < " + lit(p.e) + " AND " + last + " >= " + lit(p.s) + " THEN 1 ELSE 0 END), 0)"
	}
	return cols
}

// inCols is one SUM column per period counting the rows whose day falls in it.
func inCols(ps []span, day string) []string {
	cols := make([]string, len(ps))
	for i, p := range ps {
		cols[i] = "COALESCE(SUM(CASE WHEN " + day + " >= " + lit(p.s) + " AND " + day + " < " + lit(p.e) + " THEN 1 ELSE 0 END), 0)"
	}
	return cols
}

// holdCond is the condition for gap g to hold the whole of period p.
func holdCond(p span) string {
	return "g.after_day < " + lit(p.s) + " AND g.before_day >= " + lit(p.e)
}

// limits are the earliest start, latest start, earliest end and latest
// end of the periods: the ranges that can matter to any of them.
func limits(ps []span) (minS, maxS, minE, maxE int64) {
	minS, maxS, minE, maxE = ps[0].s, ps[0].s, ps[0].e, ps[0].e
	for _, p := range ps {
		minS, maxS, minE, maxE = min(minS, p.s), max(maxS, p.s), min(minE, p.e), max(maxE, p.e)
	}
	return
}

// scanInts runs a one-row query of n integer columns.
func scanInts(ctx context.Context, q db.Querier, n int, query string) ([]int64, error) {
	vals := make([]int64, n)
	dst := make([]any, n)
	for i := range vals {
		dst[i] = &vals[i]
	}
	err := q.QueryRowContext(ctx, query).Scan(dst...)
	return vals, err
}

// ComputeSQL computes the measures for the periods live from the database.
func ComputeSQL(ctx context.Context, q db.Querier, periods []Period) ([]Raw, error) {
	out := make([]Raw, len(periods))
	for i, per := range periods {
		out[i] = Raw{Period: per, Models: map[string]int{}}
	}
	if len(periods) == 0 {
		return out, nil
	}
	n := len(periods)
	ps := spansOf(periods)
	minS, maxS, minE, maxE := limits(ps)

	// 1. Organisations in partnership during the year (cover minus the
	// gaps that hold the whole year) and first-time partners.
	cols := append(overlapCols(ps, "c.first_day", "c.last_day"), inCols(ps, "c.first_day")...)
	orgs, err := scanInts(ctx, q, 2*n, `SELECT `+strings.Join(cols, ", ")+` FROM partnership_org_cover c
		WHERE c.first_day < `+lit(maxE)+` AND c.last_day >= `+lit(minS))
	if err != nil {
		return nil, fmt.Errorf("measures (organisations): %w", err)
	}
	cols = make([]string, n)
	for i, p := range ps {
		cols[i] = "COALESCE(SUM(CASE WHEN " + holdCond(p) + " THEN 1 ELSE 0 END), 0)"
	}
	gaps, err := scanInts(ctx, q, n, `SELECT `+strings.Join(cols, ", ")+` FROM partnership_org_gaps g
		WHERE g.after_day < `+lit(maxS)+` AND g.before_day >= `+lit(minE))
	if err != nil {
		return nil, fmt.Errorf("measures (organisations' gaps): %w", err)
	}
	for i := range periods {
		out[i].OrganisationsInPartnership = int(orgs[i] - gaps[i])
		out[i].FirstTimePartners = int(orgs[n+i])
	}

	// 2. Partnerships with third-sector and public (private) members
	// during the year: the pair's span minus the partnerships where a gap
	// of either sector holds the whole year.
	for _, pair := range []string{"u", "v"} {
		cnt, err := scanInts(ctx, q, n, `SELECT `+strings.Join(overlapCols(ps, "x.first_day", "x.last_day"), ", ")+
			` FROM partnership_sector_pairs x WHERE x.pair = '`+pair+`' AND x.first_day < `+lit(maxE)+` AND x.last_day >= `+lit(minS))
		if err != nil {
			return nil, fmt.Errorf("measures (sector mix): %w", err)
		}
		// The gaps are few: they drive the join (CROSS JOIN keeps SQLite's
		// planner from walking every pair instead).
		var inner, outer []string
		for i, p := range ps {
			inner = append(inner, fmt.Sprintf("MAX(CASE WHEN %s AND x.first_day < %d AND x.last_day >= %d THEN 1 ELSE 0 END) AS h%d", holdCond(p), p.e, p.s, i))
			outer = append(outer, fmt.Sprintf("COALESCE(SUM(h%d), 0)", i))
		}
		held, err := scanInts(ctx, q, n, `SELECT `+strings.Join(outer, ", ")+` FROM (SELECT g.partnership_id, `+strings.Join(inner, ", ")+`
			FROM partnership_sector_gaps g CROSS JOIN partnership_sector_pairs x
			WHERE x.partnership_id = g.partnership_id AND x.pair = '`+pair+`' AND g.kind IN ('t', '`+pair+`')
				AND g.after_day < `+lit(maxS)+` AND g.before_day >= `+lit(minE)+` GROUP BY g.partnership_id) y`)
		if err != nil {
			return nil, fmt.Errorf("measures (sector mix gaps): %w", err)
		}
		for i := range periods {
			if pair == "u" {
				out[i].PublicThird = int(cnt[i] - held[i])
			} else {
				out[i].PrivateThird = int(cnt[i] - held[i])
			}
		}
	}

	// 3. Partnerships per model: active, started, ended.
	cols = nil
	for i := range ps {
		cols = append(cols, overlapCols(ps[i:i+1], "c.start_day", "c.end_day")[0], inCols(ps[i:i+1], "c.start_day")[0], inCols(ps[i:i+1], "c.end_day")[0])
	}
	rows, err := q.QueryContext(ctx, `SELECT c.model, `+strings.Join(cols, ", ")+` FROM partnership_counted c
		WHERE c.start_day < `+lit(maxE)+` AND c.end_day >= `+lit(minS)+` GROUP BY c.model`)
	if err != nil {
		return nil, fmt.Errorf("measures (models): %w", err)
	}
	mv := make([]int64, 3*n)
	mdst := make([]any, 1+len(mv))
	var model string
	mdst[0] = &model
	for i := range mv {
		mdst[i+1] = &mv[i]
	}
	for rows.Next() {
		if err := rows.Scan(mdst...); err != nil {
			rows.Close()
			return nil, err
		}
		cons := IsConsortium(model)
		for i := range periods {
			r := &out[i]
			a, st, en := int(mv[3*i]), int(mv[3*i+1]), int(mv[3*i+2])
			if a > 0 {
				r.Models[model] += a
			}
			r.PartnershipsActive += a
			r.PartnershipsStarted += st
			r.PartnershipsEnded += en
			if cons {
				r.ConsortiaActive += a
				r.ConsortiaFormed += st
				r.ConsortiaDissolved += en
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// 4. Life spans of the consortia dissolved by the end of each period.
	rows, err = q.QueryContext(ctx, `SELECT c.end_day, c.end_day - c.start_day FROM partnership_counted c
		WHERE c.consortium = 1 AND c.end_day < `+lit(maxE))
	if err != nil {
		return nil, fmt.Errorf("measures (life spans): %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var end, life int64
		if err := rows.Scan(&end, &life); err != nil {
			return nil, err
		}
		for i, p := range ps {
			if end < p.e {
				out[i].Lifespans = append(out[i].Lifespans, int(life))
			}
		}
	}
	return out, rows.Err()
}

// Load reads every partnership and membership as measure records (for the
// reference computation in tests and checks).
func Load(ctx context.Context, q db.Querier) ([]PartnershipRec, []MemberRec, error) {
	var ps []PartnershipRec
	rows, err := q.QueryContext(ctx, `SELECT id, model, status, start_date, end_date FROM partnerships ORDER BY id`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var p PartnershipRec
		var s, e sql.NullTime
		if err := rows.Scan(&p.ID, &p.Model, &p.Status, &s, &e); err != nil {
			rows.Close()
			return nil, nil, err
		}
		p.Start, p.End = nullDate(s), nullDate(e)
		ps = append(ps, p)
	}
	rows.Close()
	var ms []MemberRec
	rows, err = q.QueryContext(ctx, `SELECT m.partnership_id, m.organisation_id, o.sector, m.joined_on, m.left_on FROM partnership_members m JOIN organisations o ON o.id = m.organisation_id ORDER BY m.id`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m MemberRec
		var s, e sql.NullTime
		if err := rows.Scan(&m.PartnershipID, &m.OrgID, &m.Sector, &s, &e); err != nil {
			return nil, nil, err
		}
		m.Joined, m.Left = nullDate(s), nullDate(e)
		ms = append(ms, m)
	}
	return ps, ms, rows.Err()
}

func nullDate(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	d := dayOf(t.Time)
	return &d
}

func dateArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dayOf(*t)
}
