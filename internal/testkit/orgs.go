package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"partnerhub/internal/clean"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
)

// Named organisations the demo always has (several from the strategy's
// own workgroup).
var fixedOrgs = []struct{ Name, Sector, Legal string }{
	{"Blackpool Advocacy", "vcs", "charitable_company"},
	{"Enterprise Solutions", "social_enterprise", "cic"},
	{"Alcohol Peer Support Group", "vcs", "unincorporated"},
	{"Blackpool Council", "public", "public_body"},
	{"NHS Blackpool", "public", "public_body"},
	{"Lancashire Constabulary", "public", "public_body"},
	{"Third Sector Strategic Partnership", "vcs", "cio"},
	{"Promenade Print Ltd", "private", "company"},
	{"Fylde Coast Youth Trust", "vcs", "charity"},
	{"St John's Church Community Project", "faith", "charity"},
}

// realRecipients are Blackpool recipients in two real funders' 360Giving
// files (the grants demo imports them; their org-ids are in realIDs).
// They take the last places of the town, so every organisation before
// them is generated as it was before they were added.
var realRecipients = []struct{ Name, Sector, Legal string }{
	{"Fylde Coast Advice & Legal Centre", "vcs", "charitable_company"},
	{"Phil Winston's Theatreworks", "vcs", "charitable_company"},
}

// realIDs are the real org-ids of the fixed organisations that funders'
// 360Giving files name; no generated organisation is given one of them.
var realIDs = map[string]string{
	"Fylde Coast Advice & Legal Centre": "GB-CHC-1172655",
	"Phil Winston's Theatreworks":       "GB-COH-03395998",
}

var (
	causes   = []string{"Youth", "Carers", "Mental Health", "Homeless", "Food Bank", "Older People's", "Disability", "Recovery", "Families", "Arts", "Sports", "Refugee", "Credit Union", "Domestic Abuse", "Employment", "Heritage", "Environment", "Advice", "Tenants", "Dementia", "Autism", "Veterans", "Women's", "Men's Shed", "Literacy"}
	suffixes = []string{"Trust", "Project", "Network", "Association", "Centre", "Foundation", "Group", "Forum", "Alliance", "Partnership", "Hub", "Collective"}
	seNames  = []string{"Works", "Kitchen", "Bikes", "Makers", "Gardens", "Care", "Print", "Training", "Cleaning", "Café", "Furniture", "Transport"}
	faithOrg = []string{"Methodist Church", "Mosque Community Centre", "Parish Church", "Gurdwara", "Salvation Army Corps", "Baptist Church", "Quaker Meeting", "Catholic Parish"}
	firms    = []string{"Building Services", "Solicitors LLP", "Accountants", "Energy Ltd", "Digital", "Construction", "Hotels Group", "Recruitment", "Pleasure Beach Trading", "Housing Ltd"}
	prefixes = []string{"Blackpool", "Fylde Coast", "Lancashire", "North Shore", "South Shore", "Promenade", "Seaside", "Tower", "Illuminations", "Coastal"}
)

var thirdForms = []string{"charity", "cio", "charitable_company", "unincorporated", "charity", "cio"}

func organisations(ctx context.Context, t *Town) error {
	now := db.Now()
	seen := map[string]bool{}
	type row = orgRow
	var rows []row
	for _, f := range fixedOrgs {
		rows = append(rows, row{f.Name, f.Sector, f.Legal})
		seen[f.Name] = true
	}
	for len(rows) < t.Opts.Orgs {
		var r row
		p := t.Rand.IntN(100)
		switch {
		case p < 60:
			base := Pick(t, prefixes)
			if t.Rand.IntN(3) == 0 {
				base = Pick(t, t.Wards)
			}
			r = row{fmt.Sprintf("%s %s %s", base, Pick(t, causes), Pick(t, suffixes)), "vcs", Pick(t, thirdForms)}
		case p < 72:
			legal := "cic"
			if t.Rand.IntN(4) == 0 {
				legal = "cbs"
			}
			r = row{fmt.Sprintf("%s %s", Pick(t, prefixes), Pick(t, seNames)), "social_enterprise", legal}
		case p < 82:
			r = row{fmt.Sprintf("%s %s", Pick(t, t.Wards), Pick(t, faithOrg)), "faith", Pick(t, []string{"charity", "cio", "unincorporated"})}
		case p < 88:
			r = row{fmt.Sprintf("%s %s", Pick(t, []string{"Blackpool", "Fylde", "Wyre", "Lancashire"}), Pick(t, []string{"Primary Care Network", "Fire and Rescue Service", "Library Service", "Adult Social Care", "Public Health Team", "Housing Service", "Teaching Hospitals Trust", "Probation Service"})), "public", "public_body"}
		default:
			r = row{fmt.Sprintf("%s %s", Pick(t, prefixes), Pick(t, firms)), "private", "company"}
		}
		if seen[r.name] {
			r.name = fmt.Sprintf("%s (%s)", r.name, Pick(t, t.Wards))
			if seen[r.name] {
				r.name = fmt.Sprintf("%s %d", r.name, len(rows))
			}
		}
		seen[r.name] = true
		rows = append(rows, r)
	}
	if n := len(rows) - len(realRecipients); n >= len(fixedOrgs) {
		for i, f := range realRecipients {
			rows[n+i] = row{f.Name, f.Sector, f.Legal}
		}
	}
	slugs := map[string]bool{}
	// Without the organisations trigger's name-only search documents:
	// directoryDemo writes every organisation's whole document in bulk
	// (rewriting each one cost a third of a large town's generation).
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		defer bigCache(ctx, tx)()
		return directory.BulkSearchDocs(ctx, tx, func() error { return insertOrgs(ctx, tx, t, rows, slugs, now) })
	})
}

type orgRow struct{ name, sector, legal string }

func insertOrgs(ctx context.Context, tx *db.Tx, t *Town, rows []orgRow, slugs map[string]bool, now time.Time) error {
	// Multi-row INSERTs; RETURNING gives each id back by its slug.
	bySlug := make(map[string]int, len(rows))
	ins := directory.NewBatchInsert(ctx, tx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES`, ` RETURNING id, slug`, 7,
		func(rs *sql.Rows) error {
			for rs.Next() {
				var id int64
				var slug string
				if err := rs.Scan(&id, &slug); err != nil {
					return err
				}
				t.Orgs[bySlug[slug]].ID = id
			}
			return rs.Err()
		})
	defer ins.Close()
	for _, r := range rows {
		slug := clean.Slug(r.name)
		for i := 2; slugs[slug]; i++ {
			slug = fmt.Sprintf("%s-%d", clean.Slug(r.name), i)
		}
		slugs[slug] = true
		o := accounts.Organisation{UUID: NewUUID(t), Slug: slug, Name: r.name, Sector: r.sector, LegalForm: r.legal, CreatedAt: now, UpdatedAt: now}
		t.Orgs = append(t.Orgs, o)
		bySlug[slug] = len(t.Orgs) - 1
		if err := ins.Add(o.UUID, o.Slug, o.Name, o.Sector, o.LegalForm, now, now); err != nil {
			return err
		}
	}
	if err := ins.Flush(); err != nil {
		return err
	}
	for i := range t.Orgs {
		if t.Orgs[i].ID == 0 {
			return fmt.Errorf("organisation %q has no id", t.Orgs[i].Name)
		}
		t.ByName[t.Orgs[i].Name] = &t.Orgs[i]
	}
	t.Result.Counts["organisations"] = len(t.Orgs)
	return nil
}

// demoUsers are the printed logins, one for every role.
var demoUsers = []struct{ Email, Name, Org, Role, Label string }{
	{"admin@demo.partnerhub.test", "Alex Admin", "", "", "platform admin (infrastructure body staff)"},
	{"owner@demo.partnerhub.test", "Mike Owner", "Blackpool Advocacy", "owner", "owner of Blackpool Advocacy"},
	{"editor@demo.partnerhub.test", "Erin Editor", "Blackpool Advocacy", "editor", "editor of Blackpool Advocacy"},
	{"viewer@demo.partnerhub.test", "Vic Viewer", "Blackpool Advocacy", "viewer", "viewer of Blackpool Advocacy"},
	{"linda@demo.partnerhub.test", "Linda Mackenzie", "Enterprise Solutions", "owner", "owner of Enterprise Solutions"},
	{"brian@demo.partnerhub.test", "Brian Morrison", "Alcohol Peer Support Group", "owner", "owner of Alcohol Peer Support Group"},
	{"commissioner@demo.partnerhub.test", "Clancy Mason", "NHS Blackpool", "editor", "commissioner (NHS Blackpool)"},
	{"council@demo.partnerhub.test", "Carol Council", "Blackpool Council", "owner", "commissioner (Blackpool Council)"},
	{"partner@demo.partnerhub.test", "Priya Partner", "Promenade Print Ltd", "owner", "private-sector partner (Promenade Print Ltd)"},
	{"assessor@demo.partnerhub.test", "Sam Assessor", "", "", "assessor (no organisation)"},
}

func users(ctx context.Context, t *Town) error {
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		for _, du := range demoUsers {
			u, err := accounts.InsertUser(ctx, tx, t.Opts.Hasher, du.Name, du.Email, DemoPassword, du.Role == "" && du.Email == "admin@demo.partnerhub.test", true)
			if err != nil {
				return fmt.Errorf("demo user %s: %w", du.Email, err)
			}
			t.Users[du.Email] = u
			for _, e := range DemoTwoFactor {
				if e == du.Email {
					if err := accounts.EnrolTOTP(ctx, tx, t.Opts.Key, u.ID, DemoTOTPSecret); err != nil {
						return err
					}
				}
			}
			if du.Org != "" {
				o := t.ByName[du.Org]
				if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (organisation_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`, o.ID, u.ID, du.Role, db.Now()); err != nil {
					return err
				}
			}
			t.Result.Logins = append(t.Result.Logins, Login{du.Email, du.Label})
		}
		t.Result.Counts["users"] = len(demoUsers)
		return nil
	})
}
