package library

import (
	"context"
	"slices"
	"sort"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/web"
)

// MeasureSource is the library's part of the strategy's measures.
func MeasureSource() partnerships.MeasureSource {
	defs := []partnerships.MeasureDef{
		{Key: "library_disputes_raised", Label: "Compact disputes raised", Definition: "Concerns under the Compact raised in the year."},
		{Key: "library_disputes_resolved", Label: "Compact disputes resolved", Definition: "Concerns under the Compact resolved in the year."},
		{Key: "library_disputes_median_days", Label: "Median days to resolve a Compact dispute", Definition: "The median number of days from raising to resolving, over the disputes resolved in the year."},
		{Key: "library_disputes_informal_share", Label: "Share of Compact disputes resolved informally", Definition: "Of the disputes resolved in the year, the share resolved without mediation."},
		{Key: "library_templates_used_share", Label: "Share of third-sector organisations using the town's policy templates", Definition: "Third-sector organisations (voluntary and community, social enterprise, faith) that at the end of the year hold at least one policy adopted from a library template, as a share of all third-sector organisations."},
	}
	for _, k := range TemplatePolicies {
		defs = append(defs, partnerships.MeasureDef{Key: "library_policy_in_date_" + k, Label: "Share of third-sector organisations holding a " + codeLabelOr(k) + " policy in date",
			Definition: "Third-sector organisations whose " + codeLabelOr(k) + " policy's next review date is on or after the last day of the year (from their profile or a library template), as a share of all third-sector organisations."})
	}
	return partnerships.MeasureSource{Definitions: defs, Count: countMeasures}
}

func codeLabelOr(k string) string {
	if l, ok := codeLabels[k]; ok {
		return l
	}
	return labelOf(k)
}

func labelOf(k string) string {
	m := map[string]string{"safeguarding": "safeguarding", "equality_diversity": "equality and diversity", "health_safety": "health and safety", "data_protection": "data protection", "complaints": "complaints", "whistleblowing": "whistleblowing", "environmental": "environmental"}
	return m[k]
}

const thirdSector = `o.sector IN ('vcs','social_enterprise','faith')`

func countMeasures(ctx context.Context, q db.Querier, from, to time.Time) (map[string]float64, error) {
	out := map[string]float64{}
	var raised, resolved int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM compact_disputes WHERE raised_on >= $1 AND raised_on < $2`, from, to).Scan(&raised); err != nil {
		return nil, err
	}
	out["library_disputes_raised"] = float64(raised)
	rows, err := q.QueryContext(ctx, `SELECT raised_on, resolved_on, informal FROM compact_disputes WHERE resolved_on >= $1 AND resolved_on < $2`, from, to)
	if err != nil {
		return nil, err
	}
	var days []float64
	informal := 0
	for rows.Next() {
		var r, s time.Time
		var inf bool
		if err := rows.Scan(&r, &s, &inf); err != nil {
			rows.Close()
			return nil, err
		}
		resolved++
		days = append(days, s.Sub(r).Hours()/24)
		if inf {
			informal++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out["library_disputes_resolved"] = float64(resolved)
	if resolved > 0 {
		sort.Float64s(days)
		m := days[len(days)/2]
		if len(days)%2 == 0 {
			m = (days[len(days)/2-1] + days[len(days)/2]) / 2
		}
		out["library_disputes_median_days"] = m
		out["library_disputes_informal_share"] = float64(informal) / float64(resolved)
	}
	var orgs int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations o WHERE `+thirdSector+` AND o.created_at < $1`, to).Scan(&orgs); err != nil {
		return nil, err
	}
	if orgs == 0 {
		return out, nil
	}
	var using int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT a.organisation_id) FROM library_adoptions a JOIN organisations o ON o.id = a.organisation_id WHERE `+thirdSector+` AND a.adopted_on < $1`, to).Scan(&using); err != nil {
		return nil, err
	}
	out["library_templates_used_share"] = float64(using) / float64(orgs)
	last := to.AddDate(0, 0, -1)
	held := map[string]int{}
	prow, err := q.QueryContext(ctx, `SELECT x.kind, COUNT(DISTINCT x.org) FROM (
		SELECT p.organisation_id AS org, p.kind AS kind FROM org_policies p JOIN organisations o ON o.id = p.organisation_id WHERE `+thirdSector+` AND p.review_date >= $1
		UNION SELECT a.organisation_id, d.policy_kind FROM library_adoptions a JOIN library_documents d ON d.id = a.document_id JOIN organisations o ON o.id = a.organisation_id
		WHERE `+thirdSector+` AND a.adopted_on < $2 AND a.next_review_on >= $1) x GROUP BY x.kind`, last, to)
	if err != nil {
		return nil, err
	}
	defer prow.Close()
	for prow.Next() {
		var k string
		var n int
		if err := prow.Scan(&k, &n); err != nil {
			return nil, err
		}
		held[k] = n
	}
	for _, k := range TemplatePolicies {
		if slices.Contains(TemplatePolicies, k) {
			out["library_policy_in_date_"+k] = float64(held[k]) / float64(orgs)
		}
	}
	return out, prow.Err()
}

// RelatedNews lists the news about a record of kind (partnership, event or
// opportunity) on its page: register it with web.Server.AddRelated.
func RelatedNews(kind string) web.RelatedSource {
	return web.RelatedSource{Heading: "News", Links: func(ctx context.Context, q db.Querier, id int64) ([]web.RelatedLink, error) {
		var f NewsFilter
		switch kind {
		case "partnership":
			f.PartnershipID = id
		case "event":
			f.EventID = id
		case "opportunity":
			f.OpportunityID = id
		default:
			return nil, nil
		}
		arts, _, err := ListArticles(ctx, q, f, 5, 0)
		if err != nil {
			return nil, err
		}
		var out []web.RelatedLink
		for _, a := range arts {
			out = append(out, web.RelatedLink{Title: a.Title, Href: "/news/" + a.Slug, Meta: a.PublishedAt.In(london).Format("2 January 2006")})
		}
		return out, nil
	}}
}
