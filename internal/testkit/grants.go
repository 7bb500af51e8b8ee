package testkit

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/grants"
)

// Two real funders' 360Giving files (see data/360giving/README.md).
var (
	//go:embed data/360giving/alwf.json
	alwfJSON []byte
	//go:embed data/360giving/abct.json
	abctJSON []byte
)

// localFunders give the generated local grants (made up for the demo).
var localFunders = []struct{ id, name, prog string }{
	{"GB-LAE-BPL", "Blackpool Council", "Community Chest"},
	{"GB-CHC-9900101", "Fylde Coast Community Foundation (demo)", "Neighbourhood Grants"},
	{"GB-CHC-9900102", "Promenade Trust (demo)", "Small Grants"},
}

var localPurposes = []struct{ title, programme string }{
	{"Lunch club for older people", "Older people"},
	{"Holiday activities for young people", "Children and young people"},
	{"Debt and benefits advice sessions", "Financial inclusion"},
	{"Volunteer drivers scheme", "Volunteering"},
	{"Support group for carers", "Carers"},
	{"Peer support for mental health", "Mental health"},
	{"Recovery cafe", "Drug and alcohol recovery"},
	{"Food bank running costs", "Food poverty"},
	{"Community garden", "Environment"},
	{"Employment skills workshops", "Employment and skills"},
}

// grantsDemo adds the two real funders' grants (matched where the town
// has the recipients: two fixed organisations, by their real org-ids) and local grants since 2010, some to recipients
// named only as the funder knows them, left for an admin to confirm.
func grantsDemo(ctx context.Context, t *Town) error {
	now := db.Now()
	for _, f := range [][]byte{alwfJSON, abctJSON} {
		res, err := grants.Import(ctx, t.DB, f, grants.Options{Now: now, Origin: "demo"})
		if err != nil {
			return fmt.Errorf("demo grants: %w", err)
		}
		t.Result.Counts["grants (real funders)"] += res.Created
	}
	// Local recipients: third-sector organisations with an identifier
	// and a postcode.
	type rec struct{ name, ident, postcode, ward string }
	var recs []rec
	rows, err := t.DB.Q().QueryContext(ctx, `SELECT o.name, MIN(i.identifier), COALESCE(MIN(p.postcode), ''), COALESCE(MIN(a.code), '')
		FROM organisations o JOIN org_identifiers i ON i.organisation_id = o.id
		LEFT JOIN org_profiles p ON p.organisation_id = o.id LEFT JOIN org_areas a ON a.organisation_id = o.id AND a.kind = 'ward'
		WHERE o.sector IN ('vcs','social_enterprise','faith') GROUP BY o.id, o.name ORDER BY o.id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.name, &r.ident, &r.postcode, &r.ward); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	var list []map[string]any
	n := 0
	for y := 2010; y <= now.Year(); y++ {
		for i := 0; i < 14+t.Rand.IntN(10); i++ {
			n++
			f := Pick(t, localFunders)
			p := Pick(t, localPurposes)
			r := Pick(t, recs)
			day := time.Date(y, time.Month(1+t.Rand.IntN(12)), 1+t.Rand.IntN(28), 0, 0, 0, 0, time.UTC)
			if !day.Before(now) {
				continue
			}
			recipient := map[string]any{"id": r.ident, "name": r.name}
			if r.postcode != "" {
				recipient["postalCode"] = r.postcode
			}
			// One grant in nine names its recipient as the funder knows
			// it (its own 360G- identifier, "Ltd" added): an admin is
			// asked to confirm the match by name and postcode.
			if t.Rand.IntN(9) == 0 && r.postcode != "" {
				recipient["id"] = fmt.Sprintf("360G-DEMO-ORG-%s", strings.ToUpper(clean.Slug(r.name)))
				recipient["name"] = r.name + " Ltd"
			}
			amount := []int{500, 750, 1000, 1500, 2000, 2500, 5000, 7500, 10000, 15000}[t.Rand.IntN(10)]
			g := map[string]any{
				"id": fmt.Sprintf("360G-DEMO-%d-%04d", y, n), "title": p.title, "description": p.title + " in Blackpool",
				"currency": "GBP", "amountAwarded": amount, "awardDate": day.Format(time.DateOnly),
				"recipientOrganization": []any{recipient},
				"fundingOrganization":   []any{map[string]any{"id": f.id, "name": f.name}},
				"grantProgramme":        []any{map[string]any{"title": f.prog + ": " + p.programme}},
			}
			if r.ward != "" && t.Rand.IntN(2) == 0 {
				g["beneficiaryLocation"] = []any{map[string]any{"name": r.ward, "countryCode": "GB"}}
			}
			list = append(list, g)
		}
	}
	data, err := json.Marshal(map[string]any{"grants": list})
	if err != nil {
		return err
	}
	res, err := grants.Import(ctx, t.DB, data, grants.Options{Now: now, Origin: "demo"})
	if err != nil {
		return fmt.Errorf("demo local grants: %w", err)
	}
	t.Result.Counts["grants (local, generated)"] = res.Created
	t.Result.Counts["grant matches to confirm"] = res.Proposed
	return nil
}
