package partnerships

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
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
	u := db.Day(t).Unix()
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

// limits are the earliest start, latest start, earliest end and latest
// end of the periods, and the shortest period in days: the ranges that can
// matter to any of them.
func limits(ps []span) (minS, maxS, minE, maxE, minLen int64) {
	minS, maxS, minE, maxE, minLen = ps[0].s, ps[0].s, ps[0].e, ps[0].e, ps[0].e-ps[0].s
	for _, p := range ps {
		minS, maxS, minE, maxE, minLen = min(minS, p.s), max(maxS, p.s), min(minE, p.e), max(maxE, p.e), min(minLen, p.e-p.s)
	}
	return
}

// hist is a day histogram: how many rows have each day, in day order, as
// running totals.
type hist struct {
	days []int64
	cum  []int64
}

func (h *hist) add(day, n int64) {
	if k := len(h.cum); k > 0 {
		n += h.cum[k-1]
	}
	h.days, h.cum = append(h.days, day), append(h.cum, n)
}

// before is the number of rows whose day is before d.
func (h *hist) before(d int64) int64 {
	i := sort.Search(len(h.days), func(i int) bool { return h.days[i] >= d })
	if i == 0 {
		return 0
	}
	return h.cum[i-1]
}

// hists reads "SELECT key, day, COUNT(*) ... GROUP BY key, day ORDER BY
// key, day" into one histogram per key.
func hists(ctx context.Context, q db.Querier, query string) (map[string]*hist, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*hist{}
	var key string
	var day, n int64
	for rows.Next() {
		if err := rows.Scan(&key, &day, &n); err != nil {
			return nil, err
		}
		h := out[key]
		if h == nil {
			h = &hist{}
			out[key] = h
		}
		h.add(day, n)
	}
	return out, rows.Err()
}

// below is, for each boundary day of the periods (their first days and
// the days after their last days), how many rows have a day before it.
type below map[int64]int64

// before is the number of rows whose day is before d, a boundary.
func (c below) before(d int64) int64 { return c[d] }

// between is the number of rows whose day is in [s, e), two boundaries.
func (c below) between(s, e int64) int64 { return c[e] - c[s] }

// boundaries are the periods' first days and the days after their last
// days, each once.
func boundaries(ps []span) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, p := range ps {
		for _, d := range []int64{p.s, p.e} {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// dayCounts are the read model's rows counted against the boundaries:
// organisations' first and last days, sector pairs' first and last days
// per pair (u, v), and counted partnerships' start and end days per model.
type dayCounts struct {
	orgFirst, orgLast    below
	pairFirst, pairLast  map[string]below
	modelStart, modelEnd map[string]below
}

// histCounts reads the counts from day histograms of the read model: one
// index scan per table, whatever the number of periods.
func histCounts(ctx context.Context, q db.Querier, ps []span, bs []int64) (dayCounts, error) {
	_, maxS, _, maxE, _ := limits(ps)
	c := dayCounts{pairFirst: map[string]below{}, pairLast: map[string]below{}, modelStart: map[string]below{}, modelEnd: map[string]below{}}
	at := func(h *hist) below {
		out := below{}
		for _, d := range bs {
			if h != nil {
				out[d] = h.before(d)
			}
		}
		return out
	}
	into := func(dst map[string]below, hs map[string]*hist) {
		for k, h := range hs {
			dst[k] = at(h)
		}
	}
	first, err := hists(ctx, q, `SELECT '', first_day, COUNT(*) FROM partnership_org_cover WHERE first_day < `+lit(maxE)+` GROUP BY first_day ORDER BY first_day`)
	if err != nil {
		return c, fmt.Errorf("measures (organisations): %w", err)
	}
	last, err := hists(ctx, q, `SELECT '', last_day, COUNT(*) FROM partnership_org_cover WHERE last_day < `+lit(maxS)+` GROUP BY last_day ORDER BY last_day`)
	if err != nil {
		return c, fmt.Errorf("measures (organisations): %w", err)
	}
	c.orgFirst, c.orgLast = at(first[""]), at(last[""])
	first, err = hists(ctx, q, `SELECT pair, first_day, COUNT(*) FROM partnership_sector_pairs WHERE pair IN ('u', 'v') AND first_day < `+lit(maxE)+` GROUP BY pair, first_day ORDER BY pair, first_day`)
	if err != nil {
		return c, fmt.Errorf("measures (sector mix): %w", err)
	}
	last, err = hists(ctx, q, `SELECT pair, last_day, COUNT(*) FROM partnership_sector_pairs WHERE pair IN ('u', 'v') AND last_day < `+lit(maxS)+` GROUP BY pair, last_day ORDER BY pair, last_day`)
	if err != nil {
		return c, fmt.Errorf("measures (sector mix): %w", err)
	}
	into(c.pairFirst, first)
	into(c.pairLast, last)
	starts, err := hists(ctx, q, `SELECT model, start_day, COUNT(*) FROM partnership_counted WHERE start_day < `+lit(maxE)+` GROUP BY model, start_day ORDER BY model, start_day`)
	if err != nil {
		return c, fmt.Errorf("measures (models): %w", err)
	}
	ends, err := hists(ctx, q, `SELECT model, end_day, COUNT(*) FROM partnership_counted WHERE end_day < `+lit(maxE)+` GROUP BY model, end_day ORDER BY model, end_day`)
	if err != nil {
		return c, fmt.Errorf("measures (models): %w", err)
	}
	into(c.modelStart, starts)
	into(c.modelEnd, ends)
	return c, nil
}

// monthOf is day d's month as year * 12 + month - 1, and whether d is the
// first of its month.
func monthOf(d int64) (int64, bool) {
	t := time.Unix(d*86400, 0).UTC()
	return int64(t.Year())*12 + int64(t.Month()) - 1, t.Day() == 1
}

// monthCounts reads the counts from the month counts (migration 0233 on
// SQLite, 0234 on PostgreSQL): sums over the months before each boundary,
// a few thousand rows whatever the number of rows in the read model. ok is
// false when a boundary is not the first of a month (the months cannot
// tell then).
func monthCounts(ctx context.Context, q db.Querier, bs []int64) (c dayCounts, ok bool, err error) {
	var last int64
	var cols strings.Builder
	for _, d := range bs {
		m, first := monthOf(d)
		if !first {
			return c, false, nil
		}
		last = max(last, m)
		cols.WriteString(", CAST(SUM(CASE WHEN month < " + lit(m) + " THEN n ELSE 0 END) AS BIGINT)")
	}
	c = dayCounts{orgFirst: below{}, orgLast: below{}, pairFirst: map[string]below{}, pairLast: map[string]below{}, modelStart: map[string]below{}, modelEnd: map[string]below{}}
	keyed := map[string]map[string]below{"pf": c.pairFirst, "pl": c.pairLast, "s": c.modelStart, "e": c.modelEnd}
	err = keyedSums(ctx, q, `SELECT series`+cols.String()+` FROM partnership_month_counts WHERE month < `+lit(last)+` GROUP BY series`, len(bs), func(series string, vals []int64) error {
		kind, key, _ := strings.Cut(series, ":")
		var dst below
		switch kind {
		case "of":
			dst = c.orgFirst
		case "ol":
			dst = c.orgLast
		case "pf", "pl", "s", "e":
			if keyed[kind][key] == nil {
				keyed[kind][key] = below{}
			}
			dst = keyed[kind][key]
		default:
			return fmt.Errorf("measures: unknown month count series %q", series)
		}
		for i, d := range bs {
			dst[d] = vals[i]
		}
		return nil
	})
	if err != nil {
		return c, false, fmt.Errorf("measures (month counts): %w", err)
	}
	return c, true, nil
}

// keyedSums reads "SELECT key, sum1, ..., sumN ..." (n sums) and calls fn
// with each row's key and sums (the slice is reused between rows).
func keyedSums(ctx context.Context, q db.Querier, query string, n int, fn func(key string, vals []int64) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]int64, n)
	dest := make([]any, n+1)
	var key string
	dest[0] = &key
	for i := range vals {
		dest[i+1] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := fn(key, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// dayPairs reads "SELECT a, b ..." rows of two days.
func dayPairs(ctx context.Context, q db.Querier, query string) ([][2]int64, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out = append(out, [2]int64{a, b})
	}
	return out, rows.Err()
}

// holding counts, per period, the [after, before] day pairs with no day
// of the period in them: after before the start, before not before the end.
func holding(ps []span, gaps [][2]int64) []int64 {
	out := make([]int64, len(ps))
	for _, g := range gaps {
		for i, p := range ps {
			if g[0] < p.s && g[1] >= p.e {
				out[i]++
			}
		}
	}
	return out
}

// ComputeSQL computes the measures for the periods live from the database.
//
// Rows with a first and a last day overlap a period [s, e) when first < e
// and last >= s, so their number is (rows with first < e) - (rows with
// last < s) + (rows with first >= e and last < s); the last term is zero
// when first <= last (an organisation's cover, a partnership) and is
// counted directly for the few sector pairs whose sectors never overlapped.
// The running totals come from the month counts when every period starts
// on the first of a month, otherwise from day histograms read in one index
// scan per table, whatever the number of periods.
func ComputeSQL(ctx context.Context, q db.Querier, periods []Period) ([]Raw, error) {
	out := make([]Raw, len(periods))
	for i, per := range periods {
		out[i] = Raw{Period: per, Models: map[string]int{}}
	}
	if len(periods) == 0 {
		return out, nil
	}
	ps := spansOf(periods)
	_, maxS, minE, maxE, minLen := limits(ps)
	// Only a gap longer than the shortest period can hold a whole period.
	gapWhere := func(g string) string {
		return g + ".after_day < " + lit(maxS) + " AND " + g + ".before_day >= " + lit(minE) + " AND " + g + ".before_day - " + g + ".after_day > " + lit(minLen)
	}

	bs := boundaries(ps)
	var c dayCounts
	ok := false
	var err error
	if c, ok, err = monthCounts(ctx, q, bs); err != nil {
		return nil, err
	}
	if !ok {
		if c, err = histCounts(ctx, q, ps, bs); err != nil {
			return nil, err
		}
	}

	// 1. Organisations in partnership during the year (cover minus the
	// gaps that hold the whole year) and first-time partners.
	gaps, err := dayPairs(ctx, q, `SELECT g.after_day, g.before_day FROM partnership_org_gaps g WHERE `+gapWhere("g"))
	if err != nil {
		return nil, fmt.Errorf("measures (organisations' gaps): %w", err)
	}
	held := holding(ps, gaps)
	for i, p := range ps {
		out[i].OrganisationsInPartnership = int(c.orgFirst.before(p.e) - c.orgLast.before(p.s) - held[i])
		out[i].FirstTimePartners = int(c.orgFirst.between(p.s, p.e))
	}

	// 2. Partnerships with third-sector and public (private) members
	// during the year: the pair's span minus the partnerships where a gap
	// of either sector holds the whole year.
	for _, pair := range []string{"u", "v"} {
		apart, err := dayPairs(ctx, q, `SELECT x.last_day, x.first_day FROM partnership_sector_pairs x
			WHERE x.pair = '`+pair+`' AND x.first_day > x.last_day AND x.last_day < `+lit(maxS)+` AND x.first_day >= `+lit(minE))
		if err != nil {
			return nil, fmt.Errorf("measures (sector mix): %w", err)
		}
		// A gap of either sector that holds the year, in a partnership
		// whose pair span overlaps it, takes the partnership out (once).
		// The gaps are few: they drive the join (CROSS JOIN keeps SQLite's
		// planner from walking every pair instead).
		rows, err := q.QueryContext(ctx, `SELECT g.partnership_id, x.first_day, x.last_day, g.after_day, g.before_day
			FROM partnership_sector_gaps g CROSS JOIN partnership_sector_pairs x
			WHERE x.partnership_id = g.partnership_id AND x.pair = '`+pair+`' AND g.kind IN ('t', '`+pair+`') AND `+gapWhere("g")+`
			ORDER BY g.partnership_id`)
		if err != nil {
			return nil, fmt.Errorf("measures (sector mix gaps): %w", err)
		}
		gone := make([]int64, len(ps))
		hit := make([]bool, len(ps))
		prev := int64(-1)
		for rows.Next() {
			var id, xf, xl, ga, gb int64
			if err := rows.Scan(&id, &xf, &xl, &ga, &gb); err != nil {
				rows.Close()
				return nil, err
			}
			if id != prev {
				clear(hit)
				prev = id
			}
			for i, p := range ps {
				if !hit[i] && ga < p.s && gb >= p.e && xf < p.e && xl >= p.s {
					hit[i] = true
					gone[i]++
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		f, l := c.pairFirst[pair], c.pairLast[pair]
		inv := holding(ps, apart)
		for i, p := range ps {
			n := int(f.before(p.e) - l.before(p.s) + inv[i] - gone[i])
			if pair == "u" {
				out[i].PublicThird = n
			} else {
				out[i].PrivateThird = n
			}
		}
	}

	// 3. Partnerships per model: active, started, ended.
	for model, st := range c.modelStart {
		en := c.modelEnd[model]
		cons := IsConsortium(model)
		for i, p := range ps {
			r := &out[i]
			a, s, e := int(st.before(p.e)-en.before(p.s)), int(st.between(p.s, p.e)), int(en.between(p.s, p.e))
			if a > 0 {
				r.Models[model] += a
			}
			r.PartnershipsActive += a
			r.PartnershipsStarted += s
			r.PartnershipsEnded += e
			if cons {
				r.ConsortiaActive += a
				r.ConsortiaFormed += s
				r.ConsortiaDissolved += e
			}
		}
	}

	// 4. Life spans of the consortia dissolved by the end of each period.
	rows, err := q.QueryContext(ctx, `SELECT c.end_day, c.end_day - c.start_day FROM partnership_counted c
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
		p.Start, p.End = db.DayPtr(s), db.DayPtr(e)
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
		m.Joined, m.Left = db.DayPtr(s), db.DayPtr(e)
		ms = append(ms, m)
	}
	return ps, ms, rows.Err()
}
