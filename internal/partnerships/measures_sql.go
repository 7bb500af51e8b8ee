package partnerships

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/db"
)

// The SQL computation of the measures: every period in one pass over the
// memberships (per organisation), one over the memberships (per
// partnership) and one over the partnerships, so that a series of years
// costs about the same as one year.

const thirdIn = `('vcs','social_enterprise','faith')`

// countedP is the condition for a partnership to count at all.
const countedP = `p.status <> 'proposed' AND p.start_date IS NOT NULL AND (p.end_date IS NULL OR p.end_date >= p.start_date)`

// effS and effE are a membership's span within its partnership.
const effS = `(CASE WHEN m.joined_on IS NOT NULL AND m.joined_on > p.start_date THEN m.joined_on ELSE p.start_date END)`
const effE = `(CASE WHEN m.left_on IS NULL THEN p.end_date WHEN p.end_date IS NULL OR m.left_on < p.end_date THEN m.left_on ELSE p.end_date END)`

// spans selects the valid membership spans with the member's sector.
const spans = `SELECT m.organisation_id AS org, m.partnership_id AS pid, o.sector AS sector, ` + effS + ` AS s, ` + effE + ` AS e
	FROM partnership_members m
	JOIN partnerships p ON p.id = m.partnership_id
	JOIN organisations o ON o.id = m.organisation_id
	WHERE ` + countedP

func periodArgs(periods []Period) []any {
	args := make([]any, 0, 2*len(periods))
	for _, p := range periods {
		args = append(args, p.Start, p.End)
	}
	return args
}

// ph returns the placeholders of period i: start, end.
func ph(i int) (string, string) { return fmt.Sprintf("$%d", 2*i+1), fmt.Sprintf("$%d", 2*i+2) }

// ComputeSQL computes the measures for the periods live from the database.
func ComputeSQL(ctx context.Context, q db.Querier, periods []Period) ([]Raw, error) {
	out := make([]Raw, len(periods))
	for i, per := range periods {
		out[i] = Raw{Period: per, Models: map[string]int{}}
	}
	if len(periods) == 0 {
		return out, nil
	}
	args := periodArgs(periods)

	// 1. Organisations: in a partnership during the year; first time.
	var inner, outer []string
	for i := range periods {
		s, e := ph(i)
		inner = append(inner, fmt.Sprintf("MAX(CASE WHEN s < %s AND (e IS NULL OR e >= %s) THEN 1 ELSE 0 END) AS a%d", e, s, i))
		outer = append(outer, fmt.Sprintf("COALESCE(SUM(a%d), 0)", i), fmt.Sprintf("COALESCE(SUM(CASE WHEN f >= %s AND f < %s THEN 1 ELSE 0 END), 0)", s, e))
	}
	q1 := `SELECT ` + strings.Join(outer, ", ") + ` FROM (SELECT org, MIN(s) AS f, ` + strings.Join(inner, ", ") +
		` FROM (` + spans + ` AND o.sector IN ` + thirdIn + `) x WHERE e IS NULL OR e >= s GROUP BY org) y`
	vals := make([]int64, 2*len(periods))
	dst := make([]any, len(vals))
	for i := range vals {
		dst[i] = &vals[i]
	}
	if err := q.QueryRowContext(ctx, q1, args...).Scan(dst...); err != nil {
		return nil, fmt.Errorf("measures (organisations): %w", err)
	}
	for i := range periods {
		out[i].OrganisationsInPartnership = int(vals[2*i])
		out[i].FirstTimePartners = int(vals[2*i+1])
	}

	// 2. Partnerships with third-sector and public or private members during the year.
	inner, outer = nil, nil
	for i := range periods {
		s, e := ph(i)
		ov := fmt.Sprintf("s < %s AND (e IS NULL OR e >= %s)", e, s)
		inner = append(inner,
			fmt.Sprintf("MAX(CASE WHEN %s AND sector IN %s THEN 1 ELSE 0 END) AS t%d", ov, thirdIn, i),
			fmt.Sprintf("MAX(CASE WHEN %s AND sector = 'public' THEN 1 ELSE 0 END) AS u%d", ov, i),
			fmt.Sprintf("MAX(CASE WHEN %s AND sector = 'private' THEN 1 ELSE 0 END) AS v%d", ov, i))
		outer = append(outer,
			fmt.Sprintf("COALESCE(SUM(CASE WHEN t%d = 1 AND u%d = 1 THEN 1 ELSE 0 END), 0)", i, i),
			fmt.Sprintf("COALESCE(SUM(CASE WHEN t%d = 1 AND v%d = 1 THEN 1 ELSE 0 END), 0)", i, i))
	}
	q2 := `SELECT ` + strings.Join(outer, ", ") + ` FROM (SELECT pid, ` + strings.Join(inner, ", ") +
		` FROM (` + spans + ` AND o.sector IN ('vcs','social_enterprise','faith','public','private')) x WHERE e IS NULL OR e >= s GROUP BY pid) y`
	if err := q.QueryRowContext(ctx, q2, args...).Scan(dst...); err != nil {
		return nil, fmt.Errorf("measures (sector mix): %w", err)
	}
	for i := range periods {
		out[i].PublicThird = int(vals[2*i])
		out[i].PrivateThird = int(vals[2*i+1])
	}

	// 3. Partnerships per model: active, started, ended.
	var cols []string
	for i := range periods {
		s, e := ph(i)
		cols = append(cols,
			fmt.Sprintf("COALESCE(SUM(CASE WHEN p.start_date < %s AND (p.end_date IS NULL OR p.end_date >= %s) THEN 1 ELSE 0 END), 0)", e, s),
			fmt.Sprintf("COALESCE(SUM(CASE WHEN p.start_date >= %s AND p.start_date < %s THEN 1 ELSE 0 END), 0)", s, e),
			fmt.Sprintf("COALESCE(SUM(CASE WHEN p.end_date >= %s AND p.end_date < %s THEN 1 ELSE 0 END), 0)", s, e))
	}
	rows, err := q.QueryContext(ctx, `SELECT p.model, `+strings.Join(cols, ", ")+` FROM partnerships p WHERE `+countedP+` GROUP BY p.model`, args...)
	if err != nil {
		return nil, fmt.Errorf("measures (models): %w", err)
	}
	mv := make([]int64, 3*len(periods))
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

	// 4. Life spans of dissolved consortia.
	last := periods[0].End
	for _, p := range periods {
		if p.End.After(last) {
			last = p.End
		}
	}
	rows, err = q.QueryContext(ctx, `SELECT p.start_date, p.end_date FROM partnerships p
		WHERE `+countedP+` AND p.end_date IS NOT NULL AND p.end_date < $1 AND p.model IN ('lead_contractor_consortium','hub_and_spoke_consortium','consortium_legal_body')`, last)
	if err != nil {
		return nil, fmt.Errorf("measures (life spans): %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s, e sql.NullTime
		if err := rows.Scan(&s, &e); err != nil {
			return nil, err
		}
		for i, per := range periods {
			if e.Time.Before(per.End) {
				out[i].Lifespans = append(out[i].Lifespans, days(s.Time, e.Time))
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
