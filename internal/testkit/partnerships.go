package testkit

import (
	"context"
	"fmt"
	"partnerhub/internal/clean"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/partnerships/models"
)

// demoRef is the demo's "today": generated history never uses the clock.
var demoRef = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type demoModel struct {
	code       string
	from       int // first year the model appears
	weight     int
	minM, maxM int // members
	minY, maxY int // life in years
	openPct    int // chance of no end date
}

// The town's partnership story: informal networks and referral
// arrangements from 2009; joint projects grow; consortia arrive with
// commissioning from 2013 and the strategy from 2016; joint ventures and
// mergers are rare and late.
var demoModels = []demoModel{
	{"informal_network", 2009, 6, 3, 8, 2, 12, 45},
	{"referral_partnership", 2009, 5, 2, 5, 2, 9, 35},
	{"joint_project", 2010, 6, 2, 5, 1, 4, 10},
	{"lead_contractor_consortium", 2013, 3, 4, 9, 2, 7, 25},
	{"hub_and_spoke_consortium", 2015, 2, 5, 10, 3, 8, 35},
	{"consortium_legal_body", 2016, 1, 5, 12, 4, 10, 60},
	{"joint_venture", 2018, 1, 2, 3, 2, 6, 40},
	{"merger", 2019, 1, 2, 2, 1, 1, 0},
}

var demoNames = map[string][]string{
	"informal_network":           {"%s %s Network", "%s %s Forum", "%s %s Circle"},
	"referral_partnership":       {"%s %s Referral Pathway", "%s %s Referral Partnership"},
	"joint_project":              {"%s %s Together Project", "%s %s Joint Project", "%s %s Pilot"},
	"lead_contractor_consortium": {"%s %s Consortium", "%s %s Delivery Consortium"},
	"hub_and_spoke_consortium":   {"%s %s Hub", "%s %s Hub and Spokes"},
	"consortium_legal_body":      {"%s %s Consortium CIC", "%s %s Alliance CIO"},
	"joint_venture":              {"%s %s Joint Venture"},
	"merger":                     {"%s %s Merger"},
}

// partnershipsDemo adds about eighteen years of partnership history.
func partnershipsDemo(ctx context.Context, t *Town) error {
	var themes []int64
	rows, err := t.DB.Q().QueryContext(ctx, `SELECT id FROM taxonomy_terms WHERE vocabulary = 'theme' AND NOT retired ORDER BY position, id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		themes = append(themes, id)
	}
	rows.Close()

	var third, public, private []*accounts.Organisation
	for i := range t.Orgs {
		o := &t.Orgs[i]
		// About a fifth of the town never works in partnership: the
		// organisations the strategy most wants to reach.
		if _, fixed := fixedOrgIndex[o.Name]; !fixed && i%5 == 3 {
			continue
		}
		switch {
		case accounts.IsThirdSector(o.Sector):
			third = append(third, o)
		case o.Sector == "public":
			public = append(public, o)
		default:
			private = append(private, o)
		}
	}
	if len(third) < 3 {
		return nil
	}
	total := 0
	for _, m := range demoModels {
		total += m.weight
	}
	pickModel := func(year int) demoModel {
		for {
			n := t.Rand.IntN(total)
			for _, m := range demoModels {
				if n < m.weight {
					if m.from <= year {
						return m
					}
					break
				}
				n -= m.weight
			}
		}
	}
	day := func(from, to time.Time) time.Time {
		span := int(to.Sub(from).Hours() / 24)
		if span <= 0 {
			return from
		}
		return from.AddDate(0, 0, t.Rand.IntN(span))
	}
	names := map[string]bool{}
	now := db.Now()
	nParts, nMembers := 0, 0
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		insP, err := tx.PrepareContext(ctx, `INSERT INTO partnerships (uuid, slug, name, purpose, model, status, start_date, end_date, visibility, origin, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`)
		if err != nil {
			return err
		}
		defer insP.Close()
		// The memberships go in at the end, a few hundred rows a statement:
		// on PostgreSQL each statement refreshes the measures' read model
		// once (0236), where one row a statement refreshed it per row.
		// Nothing below reads them, and their ids come in the same order.
		var members [][]any
		insH, err := tx.PrepareContext(ctx, `INSERT INTO partnership_status_history (partnership_id, status, changed_at, note) VALUES ($1, $2, $3, $4)`)
		if err != nil {
			return err
		}
		defer insH.Close()
		insT, err := tx.PrepareContext(ctx, `INSERT INTO partnership_terms (partnership_id, term_id) VALUES ($1, $2)`)
		if err != nil {
			return err
		}
		defer insT.Close()
		insA, err := tx.PrepareContext(ctx, `INSERT INTO partnership_areas (partnership_id, area) VALUES ($1, $2)`)
		if err != nil {
			return err
		}
		defer insA.Close()

		type plan struct {
			name, model, status, purpose string
			start, end                   *time.Time
			members                      []*accounts.Organisation
			origin, visibility           string
		}
		var plans []plan
		// Fixed stories the demo logins can see and manage.
		fixed := func(name, model, leadName string, start time.Time, end *time.Time, others ...string) {
			p := plan{name: name, model: model, status: "active", start: &start, end: end, origin: "other", visibility: "public",
				purpose: "Working together so that people in Blackpool get joined-up support."}
			if end != nil {
				p.status = "ended"
			}
			for _, n := range append([]string{leadName}, others...) {
				if o := t.ByName[n]; o != nil {
					p.members = append(p.members, o)
				}
			}
			if len(p.members) >= 2 {
				plans = append(plans, p)
			}
		}
		e := func(y int, m time.Month, d int) *time.Time { x := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); return &x }
		fixed("Blackpool Advocacy and Advice Network", "informal_network", "Blackpool Advocacy", *e(2011, 5, 1), nil, "Alcohol Peer Support Group", "Fylde Coast Youth Trust", "St John's Church Community Project")
		fixed("Third Sector Strategic Partnership Consortium", "consortium_legal_body", "Third Sector Strategic Partnership", *e(2017, 4, 1), nil, "Blackpool Advocacy", "Enterprise Solutions", "Fylde Coast Youth Trust", "Blackpool Council")
		fixed("Healthy Minds Blackpool", "lead_contractor_consortium", "Blackpool Advocacy", *e(2014, 10, 1), e(2019, 3, 31), "Alcohol Peer Support Group", "NHS Blackpool", "Enterprise Solutions")
		fixed("Promenade Skills Project", "joint_project", "Enterprise Solutions", *e(2022, 9, 1), nil, "Promenade Print Ltd", "Blackpool Council")
		fixed("Recovery Community Referral Pathway", "referral_partnership", "Alcohol Peer Support Group", *e(2019, 1, 15), nil, "NHS Blackpool", "Lancashire Constabulary", "Blackpool Advocacy")

		for year := 2009; year <= demoRef.Year(); year++ {
			n := 2 + (year-2009)*6/5 + t.Rand.IntN(3)
			if year >= 2016 { // the strategy's push
				n += 2
			}
			if year == 2020 { // the pandemic year: fewer new partnerships
				n = n * 2 / 3
			}
			if year == demoRef.Year() {
				n = n * 10 / 12
			}
			for i := 0; i < n; i++ {
				m := pickModel(year)
				yStart := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
				yEnd := yStart.AddDate(1, 0, 0)
				if yEnd.After(demoRef) {
					yEnd = demoRef
				}
				start := day(yStart, yEnd)
				p := plan{model: m.code, start: &start, origin: "other", visibility: "public", status: "active"}
				if t.Rand.IntN(100) >= m.openPct {
					end := start.AddDate(m.minY+t.Rand.IntN(m.maxY-m.minY+1), t.Rand.IntN(12), 0).AddDate(0, 0, -1)
					if m.code == "merger" {
						end = start.AddDate(0, 3+t.Rand.IntN(9), 0)
					}
					if !end.After(demoRef) {
						p.end = &end
						p.status = "ended"
					}
				}
				if p.status == "active" && t.Rand.IntN(12) == 0 && year < 2024 {
					p.status = "dormant"
				}
				if t.Rand.IntN(10) == 0 {
					p.visibility = "members"
				}
				switch {
				case year >= 2016 && t.Rand.IntN(4) == 0:
					p.origin = "event"
				case year >= 2024 && t.Rand.IntN(3) == 0:
					p.origin = "partner_finder"
				}
				size := m.minM + t.Rand.IntN(m.maxM-m.minM+1)
				seen := map[int64]bool{}
				add := func(o *accounts.Organisation) {
					if o != nil && !seen[o.ID] {
						seen[o.ID] = true
						p.members = append(p.members, o)
					}
				}
				// Organisations come into partnership working over the years.
				pool := third[:max(3, len(third)*(30+(year-2009)*4)/100)]
				if len(pool) > len(third) {
					pool = third
				}
				add(Pick(t, pool))
				// Public partners grow with the strategy; private ones stay few.
				pubPct := 15 + (year-2009)*3
				for len(p.members) < size {
					r := t.Rand.IntN(100)
					switch {
					case r < pubPct/2 && len(public) > 0:
						add(Pick(t, public))
					case r >= 95 && len(private) > 0:
						add(Pick(t, private))
					default:
						add(Pick(t, pool))
					}
					if len(seen) >= len(pool) {
						break
					}
				}
				cause := Pick(t, causes)
				for {
					tmpl := Pick(t, demoNames[m.code])
					p.name = fmt.Sprintf(tmpl, Pick(t, prefixes), cause)
					if t.Rand.IntN(3) == 0 {
						p.name = fmt.Sprintf(tmpl, Pick(t, t.Wards), cause)
					}
					if !names[p.name] {
						break
					}
					cause = Pick(t, causes)
				}
				p.purpose = fmt.Sprintf("%s organisations in Blackpool working together on %s support.", p.members[0].Name, cause)
				plans = append(plans, p)
			}
		}
		// Ideas in the making: no start date yet.
		for i := 0; i < 4; i++ {
			cause := Pick(t, causes)
			p := plan{name: fmt.Sprintf("Proposed %s %s Partnership", Pick(t, prefixes), cause), model: Pick(t, []string{"joint_project", "lead_contractor_consortium", "referral_partnership"}),
				status: Pick(t, []string{"proposed", "forming"}), origin: "other", visibility: "public", purpose: "Being explored by its members."}
			p.members = []*accounts.Organisation{Pick(t, third), Pick(t, third)}
			if p.members[0].ID == p.members[1].ID {
				p.members = p.members[:1]
			}
			plans = append(plans, p)
		}

		slugs := map[string]bool{}
		for _, p := range plans {
			names[p.name] = true
			slug := clean.Slug(p.name)
			for i := 2; slugs[slug]; i++ {
				slug = fmt.Sprintf("%s-%d", clean.Slug(p.name), i)
			}
			slugs[slug] = true
			var pid int64
			if err := insP.QueryRowContext(ctx, NewUUID(t), slug, p.name, p.purpose, p.model, p.status, db.NullPtr(p.start), db.NullPtr(p.end), p.visibility, p.origin, now).Scan(&pid); err != nil {
				return fmt.Errorf("demo partnership %s: %w", p.name, err)
			}
			nParts++
			at := now
			if p.start != nil {
				at = *p.start
			}
			if _, err := insH.ExecContext(ctx, pid, map[bool]string{true: "forming", false: p.status}[p.start != nil && p.status != "proposed" && p.status != "forming"], at, "Recorded"); err != nil {
				return err
			}
			if p.start != nil && p.status != "proposed" && p.status != "forming" {
				if _, err := insH.ExecContext(ctx, pid, "active", at, ""); err != nil {
					return err
				}
				if p.status != "active" {
					changed := demoRef.AddDate(0, -1-t.Rand.IntN(6), 0)
					if p.end != nil {
						changed = *p.end
					}
					if _, err := insH.ExecContext(ctx, pid, p.status, changed, ""); err != nil {
						return err
					}
				}
			}
			for _, tid := range pickThemes(t, themes) {
				if _, err := insT.ExecContext(ctx, pid, tid); err != nil {
					return err
				}
			}
			if _, err := insA.ExecContext(ctx, pid, Pick(t, t.Wards)); err != nil {
				return err
			}
			for k, o := range p.members {
				role := "member"
				switch {
				case k == 0:
					role = "lead"
				case t.Rand.IntN(8) == 0:
					role = "associate"
				case models.IsConsortium(p.model) && t.Rand.IntN(6) == 0:
					role = "subcontractor"
				}
				var joined, left *time.Time
				if k > 0 && p.start != nil && t.Rand.IntN(4) == 0 {
					j := p.start.AddDate(0, 1+t.Rand.IntN(24), 0)
					if j.Before(demoRef) && (p.end == nil || j.Before(*p.end)) {
						joined = &j
					}
				}
				if k > 0 && p.start != nil && t.Rand.IntN(6) == 0 {
					from := *p.start
					if joined != nil {
						from = *joined
					}
					l := from.AddDate(1+t.Rand.IntN(3), 0, 0)
					if l.Before(demoRef) && (p.end == nil || l.Before(*p.end)) {
						left = &l
					}
				}
				members = append(members, []any{pid, o.ID, role, db.NullPtr(joined), db.NullPtr(left), now})
				nMembers++
				// Some come back.
				if left != nil && t.Rand.IntN(4) == 0 {
					back := left.AddDate(1, 0, 0)
					if back.Before(demoRef) && (p.end == nil || back.Before(*p.end)) {
						members = append(members, []any{pid, o.ID, role, back, nil, now})
						nMembers++
					}
				}
			}
		}
		if err := insertMembers(ctx, tx, members); err != nil {
			return err
		}
		t.Result.Counts["partnerships"] = nParts
		t.Result.Counts["partnership memberships"] = nMembers
		return nil
	})
}

// insertMembers inserts membership rows (partnership_id, organisation_id,
// role, joined_on, left_on, created_at) in order, a few hundred a statement.
func insertMembers(ctx context.Context, tx *db.Tx, rows [][]any) error {
	return insertRows(ctx, tx, `partnership_members (partnership_id, organisation_id, role, joined_on, left_on, created_at)`, rows)
}

// insertRows inserts rows into into ("table (col, ...)") in order, a few
// hundred a statement, with db.InList's placeholders ("?" on SQLite,
// whose driver looks each "$n" up in the argument list).
func insertRows(ctx context.Context, tx *db.Tx, into string, rows [][]any) error {
	return db.Chunks(rows, 200, func(part [][]any) error {
		var args []any
		vals := make([]string, len(part))
		for i, r := range part {
			vals[i] = "(" + db.InList(tx.Dialect, &args, r) + ")"
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO `+into+` VALUES `+strings.Join(vals, ", "), args...)
		return err
	})
}

// fixedOrgIndex names the fixed organisations (always partners).
var fixedOrgIndex = func() map[string]int {
	m := map[string]int{}
	for i, f := range fixedOrgs {
		m[f.Name] = i
	}
	return m
}()

func pickThemes(t *Town, themes []int64) []int64 {
	if len(themes) == 0 {
		return nil
	}
	a := Pick(t, themes)
	b := Pick(t, themes)
	if a == b || t.Rand.IntN(2) == 0 {
		return []int64{a}
	}
	return []int64{a, b}
}
