package opportunities

// "Tell our editors about opportunities that fit us": once a week, the
// owners and editors of each organisation that switched it on get the
// opportunities published since the last run that ask for a service or
// client group on its profile or one of its wards, leaving out those each
// person marked not relevant.

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/notify"
)

// OrgAlertKind is the notice kind of the organisation alert.
const OrgAlertKind = "opportunity_fit"

const orgAlertPeriod = 7*24*time.Hour - 10*time.Minute

// RunOrgAlerts sends the due organisation alerts at now. It returns how
// many emails were queued.
func RunOrgAlerts(ctx context.Context, d *db.DB, baseURL string, now time.Time) (int, error) {
	sent := 0
	err := d.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT a.organisation_id, a.last_run_at, o.name, o.slug FROM opportunity_org_alerts a JOIN organisations o ON o.id = a.organisation_id
			WHERE a.last_run_at <= $1 ORDER BY a.organisation_id`+d.SkipLocked("a"), now.Add(-orgAlertPeriod))
		if err != nil {
			return err
		}
		type due struct {
			org  int64
			last time.Time
			name string
			slug string
		}
		var ds []due
		for rows.Next() {
			var x due
			if err := rows.Scan(&x.org, &x.last, &x.name, &x.slug); err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, x := range ds {
			n, err := orgAlert(ctx, tx, baseURL, x.org, x.name, x.slug, x.last.UTC(), now)
			if err != nil {
				return err
			}
			sent += n
			if _, err := tx.ExecContext(ctx, `UPDATE opportunity_org_alerts SET last_run_at = $1 WHERE organisation_id = $2`, now, x.org); err != nil {
				return err
			}
		}
		return nil
	})
	return sent, err
}

// FittingSince lists the open or planned opportunities published in
// (since, now] that ask for one of orgID's services or client groups or
// one of its wards, by closing date.
func FittingSince(ctx context.Context, q db.Querier, orgID int64, since, now time.Time) ([]candidate, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.slug, p.title, p.kind, p.status, o.name, p.published_at, p.updated_at, p.closes_at FROM opportunities p JOIN organisations o ON o.id = p.buyer_org_id
		WHERE p.published_at > $1 AND p.published_at <= $2 AND p.status IN ('open','planned') AND p.buyer_org_id <> $3 AND (
			EXISTS (SELECT 1 FROM opportunity_requirements r JOIN org_terms t ON t.term_id = r.term_id WHERE r.opportunity_id = p.id AND r.kind IN ('service','client_group') AND t.organisation_id = $3)
			OR EXISTS (SELECT 1 FROM opportunity_requirements r JOIN org_areas a ON a.kind = 'ward' AND a.code = r.code WHERE r.opportunity_id = p.id AND r.kind = 'ward' AND a.organisation_id = $3))
		ORDER BY p.closes_at, p.id`, since, now, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		var closes sql.NullTime
		if err := rows.Scan(&c.ID, &c.Slug, &c.Title, &c.Kind, &c.Status, &c.BuyerName, &c.PublishedAt, &c.UpdatedAt, &closes); err != nil {
			return nil, err
		}
		c.ClosesAt = db.TimePtr(closes)
		out = append(out, c)
	}
	return out, rows.Err()
}

func orgAlert(ctx context.Context, tx *db.Tx, baseURL string, orgID int64, orgName, orgSlug string, since, now time.Time) (int, error) {
	fit, err := FittingSince(ctx, tx, orgID, since, now)
	if err != nil || len(fit) == 0 {
		return 0, err
	}
	people, err := notify.OrgEditors(ctx, tx, orgID)
	if err != nil {
		return 0, err
	}
	base := strings.TrimRight(baseURL, "/")
	sent := 0
	for _, p := range people[orgID] {
		hidden, err := Hidden(ctx, tx, p.UserID)
		if err != nil {
			return sent, err
		}
		var b strings.Builder
		n := 0
		for _, c := range fit {
			if hidden[c.ID] {
				continue
			}
			n++
			b.WriteString(c.Title + "\n" + Label(c.Kind) + " from " + c.BuyerName)
			if c.ClosesAt != nil {
				b.WriteString(", closes " + c.ClosesAt.In(london).Format("2 January 2006 at 3:04pm"))
			}
			b.WriteString("\n" + base + "/opportunities/" + c.Slug + "\n\n")
		}
		if n == 0 {
			continue
		}
		text := "New opportunities published this week that ask for services, client groups or areas on " + orgName + "'s profile:\n\n" + b.String() +
			"If one is not relevant to you, open it and choose \"Not relevant\".\n"
		ok, err := notify.Send(ctx, tx, baseURL, notify.Notice{To: p.Email, OrgID: orgID, Kind: OrgAlertKind,
			Subject: plural(n, "A new opportunity fits ", itoa(n)+" new opportunities fit ") + orgName, Text: text,
			Why: "You get this email as an owner or editor of " + orgName + ", which asked to tell its editors about opportunities that fit it. An owner can switch this off at " + base + "/orgs/" + orgSlug + "/opportunity-alerts"})
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}
