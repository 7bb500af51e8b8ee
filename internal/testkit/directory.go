package testkit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
)

// focus is what an organisation named after a cause does.
type focus struct {
	services, groups, themes []string
	does                     []string
}

var focuses = map[string]focus{
	"Youth":          {[]string{"youth-work", "arts-activities"}, []string{"young-people"}, []string{"children-young-people"}, []string{"runs youth clubs and detached youth work", "offers mentoring for young people leaving school"}},
	"Carers":         {[]string{"carers-support", "advice-advocacy"}, []string{"carers"}, []string{"carers"}, []string{"supports unpaid carers with breaks and advice", "runs carers' cafés and a carers' emergency card"}},
	"Mental Health":  {[]string{"counselling", "peer-support"}, []string{"people-mental-health"}, []string{"mental-health"}, []string{"offers low-cost counselling and drop-in support", "runs peer support groups for people with anxiety and depression"}},
	"Homeless":       {[]string{"housing-support", "food"}, []string{"homeless-people"}, []string{"housing-homelessness"}, []string{"runs a night shelter and tenancy sustainment service", "helps rough sleepers into accommodation"}},
	"Food Bank":      {[]string{"food", "debt-money"}, []string{"families", "everyone"}, []string{"financial-inclusion"}, []string{"provides emergency food parcels on referral", "runs a community pantry and holiday hunger scheme"}},
	"Older People's": {[]string{"befriending", "community-transport"}, []string{"older-people"}, []string{"older-people"}, []string{"runs lunch clubs and befriending for isolated older people", "offers a telephone befriending service"}},
	"Disability":     {[]string{"advice-advocacy", "health-promotion"}, []string{"disabled-people"}, []string{"disability"}, []string{"supports disabled people to live independently", "runs accessible sport and leisure sessions"}},
	"Recovery":       {[]string{"recovery-support", "peer-support"}, []string{"people-in-recovery"}, []string{"drugs-alcohol"}, []string{"runs recovery cafés and mutual aid meetings", "supports people in recovery from drugs and alcohol"}},
	"Families":       {[]string{"advice-advocacy", "befriending"}, []string{"families", "children"}, []string{"families"}, []string{"offers early help to families under pressure", "runs parenting courses and stay-and-play sessions"}},
	"Arts":           {[]string{"arts-activities"}, []string{"everyone"}, []string{"arts-culture-sport"}, []string{"runs community arts projects and workshops", "brings theatre to neighbourhoods"}},
	"Sports":         {[]string{"health-promotion"}, []string{"young-people", "everyone"}, []string{"arts-culture-sport", "health-wellbeing"}, []string{"runs community football and walking sports", "gets inactive people moving"}},
	"Refugee":        {[]string{"advice-advocacy", "befriending"}, []string{"refugees-asylum"}, []string{"cohesion-equality"}, []string{"welcomes refugees and people seeking asylum", "runs English conversation clubs"}},
	"Credit Union":   {[]string{"debt-money"}, []string{"everyone"}, []string{"financial-inclusion"}, []string{"offers savings accounts and fair loans", "helps people avoid doorstep lenders"}},
	"Domestic Abuse": {[]string{"domestic-abuse-support", "counselling"}, []string{"victims-survivors"}, []string{"domestic-abuse"}, []string{"supports survivors of domestic abuse", "runs a refuge and outreach service"}},
	"Employment":     {[]string{"employment-support", "training-capacity"}, []string{"unemployed-people"}, []string{"employment-skills"}, []string{"helps people back into work with training and job clubs", "offers CV help and work placements"}},
	"Heritage":       {[]string{"arts-activities", "volunteering-brokerage"}, []string{"everyone"}, []string{"arts-culture-sport"}, []string{"looks after local heritage with volunteers", "runs history walks and an archive"}},
	"Environment":    {[]string{"environmental-action"}, []string{"everyone"}, []string{"environment"}, []string{"organises beach cleans and tree planting", "runs a community garden and repair café"}},
	"Advice":         {[]string{"advice-advocacy", "debt-money"}, []string{"everyone"}, []string{"financial-inclusion"}, []string{"gives free, independent advice on benefits, debt and housing", "helps people challenge benefit decisions"}},
	"Tenants":        {[]string{"housing-support", "advice-advocacy"}, []string{"everyone"}, []string{"housing-homelessness", "volunteering"}, []string{"represents tenants and residents", "runs estate improvement projects"}},
	"Dementia":       {[]string{"befriending", "carers-support"}, []string{"older-people", "carers"}, []string{"older-people", "carers"}, []string{"runs memory cafés and dementia-friendly activities"}},
	"Autism":         {[]string{"peer-support", "advice-advocacy"}, []string{"disabled-people", "families"}, []string{"disability"}, []string{"supports autistic people and their families", "runs social groups and parent support"}},
	"Veterans":       {[]string{"peer-support", "advice-advocacy"}, []string{"veterans"}, []string{"mental-health"}, []string{"supports armed forces veterans and their families"}},
	"Women's":        {[]string{"peer-support", "employment-support"}, []string{"everyone"}, []string{"cohesion-equality"}, []string{"runs a women's centre with courses and drop-ins"}},
	"Men's Shed":     {[]string{"peer-support", "befriending"}, []string{"older-people"}, []string{"mental-health", "health-wellbeing"}, []string{"gives men a place to make, mend and talk"}},
	"Literacy":       {[]string{"training-capacity"}, []string{"everyone"}, []string{"employment-skills"}, []string{"helps adults with reading, writing and digital skills"}},
	"social_ent":     {[]string{"employment-support", "training-capacity"}, []string{"unemployed-people"}, []string{"employment-skills"}, []string{"trades to create jobs and training for local people", "reinvests its profits in the community"}},
	"faith":          {[]string{"food", "befriending"}, []string{"everyone", "families"}, []string{"cohesion-equality", "financial-inclusion"}, []string{"opens its hall for community groups and a weekly food club", "runs a toddler group and lunch club"}},
	"public":         {[]string{"health-promotion", "advice-advocacy"}, []string{"everyone"}, []string{"health-wellbeing", "community-safety"}, []string{"commissions and delivers public services across Blackpool"}},
	"private":        {[]string{"training-capacity"}, []string{"everyone"}, []string{"employment-skills"}, []string{"supports local good causes through its social value commitments"}},
}

var qualityMarks = []struct{ Name, Level string }{{"Trusted Charity", "Level 1"}, {"Trusted Charity", "Level 2"}, {"Investors in Volunteers", ""}, {"Matrix Standard", ""}, {"Investors in People", "Standard"}, {"Cyber Essentials", ""}, {"Living Wage Employer", ""}}

func focusFor(name, sector string) focus {
	switch sector {
	case "social_enterprise":
		return focuses["social_ent"]
	case "faith":
		return focuses["faith"]
	case "public":
		return focuses["public"]
	case "private":
		return focuses["private"]
	}
	for k, f := range focuses {
		if strings.Contains(name, k) {
			return f
		}
	}
	return focuses["Advice"]
}

// directoryDemo adds the directory feature's part of the demo town: rich
// profiles (identifiers, areas, terms, policies with some due for review,
// quality marks, contacts) and a few networks.
func directoryDemo(ctx context.Context, t *Town) error {
	ref := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	idx := map[string]map[string]int64{}
	for _, v := range []string{taxonomy.Services, taxonomy.ClientGroups, taxonomy.Themes} {
		m, err := taxonomy.Index(ctx, t.DB.Q(), v)
		if err != nil {
			return err
		}
		idx[v] = map[string]int64{}
		for c, term := range m {
			idx[v][c] = term.ID
		}
	}
	svcName := map[string]string{}
	ts, _ := taxonomy.List(ctx, t.DB.Q(), taxonomy.Services, true)
	for _, x := range ts {
		svcName[x.Code] = x.Name
	}
	counts := map[string]int{}
	err := t.DB.Write(ctx, func(tx *db.Tx) error {
		defer bigCache(ctx, tx)()
		// Multi-row INSERTs (directory.BatchInsert): a large town writes
		// millions of rows here.
		var batches []*directory.BatchInsert
		batch := func(head string, ncol int) func(args ...any) error {
			b := directory.NewBatchInsert(ctx, tx, head, "", ncol, nil)
			batches = append(batches, b)
			return b.Add
		}
		defer func() {
			for _, b := range batches {
				b.Close()
			}
		}()
		insProfileRow := batch(`INSERT INTO org_profiles (organisation_id, description, mission, address, postcode, income_band, staff, volunteers, outcomes_method, website, updated_at, published) VALUES`, 12)
		insProfile := func(args ...any) error { return insProfileRow(append(args, true)...) }
		insID := batch(`INSERT INTO org_identifiers (identifier, organisation_id, scheme) VALUES`, 3)
		insArea := batch(`INSERT INTO org_areas (organisation_id, kind, code) VALUES`, 3)
		insTermRow := directory.NewBatchInsert(ctx, tx, `INSERT INTO org_terms (organisation_id, term_id) VALUES`, ` ON CONFLICT DO NOTHING`, 2, nil)
		batches = append(batches, insTermRow)
		insTerm := insTermRow.Add
		insPol := batch(`INSERT INTO org_policies (organisation_id, kind, review_date) VALUES`, 3)
		insQM := batch(`INSERT INTO org_quality_marks (organisation_id, name, level, awarded_on, expires_on) VALUES`, 5)
		insContactRow := batch(`INSERT INTO org_contacts (organisation_id, name, role, email, phone, publish_name, publish_email, publish_phone, consent_at, created_at) VALUES`, 10)
		insContact := func(args ...any) error { return insContactRow(append(args, args[len(args)-1])...) }
		// Every organisation's whole search document, in bulk: the
		// organisations step wrote none (see organisations).
		docs := directory.NewSearchDocWriter(ctx, tx)
		first := []string{"Sue", "Dave", "Aisha", "Tom", "Grace", "Imran", "Karen", "Liam", "Joan", "Raj", "Beth", "Gary"}
		last := []string{"Hughes", "Patel", "Walsh", "Ashworth", "Kaur", "Bamber", "Singleton", "Rigby", "Cookson", "Nuttall"}
		for i, o := range t.Orgs {
			f := focusFor(o.Name, o.Sector)
			var wards []string
			nw := 1 + t.Rand.IntN(3)
			for len(wards) < nw {
				w := Pick(t, t.Wards)
				if !containsStr(wards, w) {
					wards = append(wards, w)
				}
			}
			desc := fmt.Sprintf("%s %s in %s.", o.Name, Pick(t, f.does), strings.Join(wards, ", "))
			if t.Rand.IntN(2) == 0 {
				desc += " " + Pick(t, []string{"Volunteers are at the heart of everything we do.", "We work closely with local GPs, schools and housing providers.", "Most of our team live locally.", "We have been part of the community since the 1990s.", "Referrals are welcome from any agency, and people can refer themselves."})
			}
			mission := Pick(t, []string{"A fairer, healthier Blackpool where nobody is left behind.", "Everyone in our community has someone to turn to.", "Local people leading local change.", "Helping people take control of their lives."})
			band := Pick(t, directory.IncomeBands[:4])
			if o.Sector == "public" {
				band = "over_5m"
			}
			staff, vols := t.Rand.IntN(40), t.Rand.IntN(120)
			pc := fmt.Sprintf("FY%d %d%c%c", 1+t.Rand.IntN(8), t.Rand.IntN(10), 'A'+rune(t.Rand.IntN(26)), 'A'+rune(t.Rand.IntN(26)))
			method := Pick(t, directory.OutcomeMethods)
			upd := ref.AddDate(0, 0, -t.Rand.IntN(700))
			if err := insProfile(o.ID, desc, mission, fmt.Sprintf("%d %s Road, Blackpool", 1+t.Rand.IntN(200), Pick(t, []string{"Church", "Park", "Talbot", "Whitegate", "Central", "Waterloo", "Preston New", "Lytham"})), pc, band, staff, vols, method,
				fmt.Sprintf("https://%s.example.org", o.Slug), upd); err != nil {
				return err
			}
			counts["profiles"]++
			// Identifiers.
			var err error
			switch {
			case o.Name == "Blackpool Council":
				err = insID("GB-LAE-BPL", o.ID, "GB-LAE")
			case realIDs[o.Name] != "":
				err = insID(realIDs[o.Name], o.ID, realIDs[o.Name][:6])
			case o.Sector == "private" || o.LegalForm == "cic":
				err = insID(fmt.Sprintf("GB-COH-%08d", 10000000+i), o.ID, "GB-COH")
			case o.LegalForm == "cbs":
				err = insID(fmt.Sprintf("GB-MPR-%d", 30000+i), o.ID, "GB-MPR")
			case o.LegalForm == "charity" || o.LegalForm == "cio" || o.LegalForm == "charitable_company":
				id := fmt.Sprintf("GB-CHC-%d", 1100000+i)
				if id == realIDs["Fylde Coast Advice & Legal Centre"] { // a real charity's number
					id = fmt.Sprintf("GB-CHC-%d", 1000000+i)
				}
				err = insID(id, o.ID, "GB-CHC")
			}
			if err != nil {
				return err
			}
			doc := &directory.Profile{Organisation: o, IncomeBand: band, Published: true, Wards: wards, LocalAuths: []string{"BPL"}}
			for _, w := range wards {
				if err := insArea(o.ID, "ward", w); err != nil {
					return err
				}
			}
			if err := insArea(o.ID, "la", "BPL"); err != nil {
				return err
			}
			if t.Rand.IntN(5) == 0 {
				la := Pick(t, []string{"FYL", "WYR", "LAN"})
				if err := insArea(o.ID, "la", la); err != nil {
					return err
				}
				doc.LocalAuths = append(doc.LocalAuths, la)
			}
			term := func(id int64) error {
				doc.TermIDs = append(doc.TermIDs, id)
				return insTerm(o.ID, id)
			}
			var svcs []string
			for _, c := range f.services {
				if t.Rand.IntN(4) != 0 || len(svcs) == 0 {
					svcs = append(svcs, c)
					if err := term(idx[taxonomy.Services][c]); err != nil {
						return err
					}
				}
			}
			if t.Rand.IntN(3) == 0 { // a second string to their bow
				c := Pick(t, []string{"volunteering-brokerage", "befriending", "health-promotion", "advice-advocacy", "food", "training-capacity"})
				if !containsStr(svcs, c) {
					svcs = append(svcs, c)
					if err := term(idx[taxonomy.Services][c]); err != nil {
						return err
					}
				}
			}
			for _, c := range f.groups {
				if err := term(idx[taxonomy.ClientGroups][c]); err != nil {
					return err
				}
			}
			for _, c := range f.themes {
				if err := term(idx[taxonomy.Themes][c]); err != nil {
					return err
				}
			}
			var svcNames []string
			for _, c := range svcs {
				svcNames = append(svcNames, svcName[c])
			}
			if err := docs.Add(doc, desc+"\n"+mission, strings.Join(svcNames, "; ")); err != nil {
				return err
			}
			// Policies: most hold several; some reviews are overdue.
			for _, k := range directory.PolicyKinds {
				if t.Rand.IntN(10) < 7 {
					rd := ref.AddDate(0, t.Rand.IntN(24)-4, 0)
					if err := insPol(o.ID, k, rd); err != nil {
						return err
					}
					counts["policies"]++
				}
			}
			if t.Rand.IntN(3) == 0 {
				qm := Pick(t, qualityMarks)
				aw := ref.AddDate(-t.Rand.IntN(4), -t.Rand.IntN(12), 0)
				if err := insQM(o.ID, qm.Name, qm.Level, aw, aw.AddDate(3, 0, 0)); err != nil {
					return err
				}
				counts["quality marks"]++
			}
			if t.Rand.IntN(2) == 0 {
				fn, ln := Pick(t, first), Pick(t, last)
				pub := t.Rand.IntN(3) != 0
				if err := insContact(o.ID, fn+" "+ln, Pick(t, []string{"Chief Officer", "Volunteer Coordinator", "Chair", "Manager"}), strings.ToLower(fn)+"@"+o.Slug+".example.org",
					fmt.Sprintf("01253 %06d", t.Rand.IntN(1000000)), pub, pub && t.Rand.IntN(2) == 0, false, ref); err != nil {
					return err
				}
			}
		}
		for _, b := range batches {
			if err := b.Flush(); err != nil {
				return err
			}
		}
		if err := docs.Close(); err != nil {
			return err
		}
		return demoNetworks(ctx, tx, t, idx, ref, counts)
	})
	for k, v := range counts {
		t.Result.Counts[k] = v
	}
	return err
}

// bigCache gives a large town's transaction on SQLite a page cache big
// enough for its random index inserts (uuid, slug, name: with the
// default 2 MB cache half the organisations step was page reads and
// spills); the returned function puts the default back.
func bigCache(ctx context.Context, tx *db.Tx) func() {
	if tx.Dialect != db.SQLite {
		return func() {}
	}
	tx.ExecContext(ctx, `PRAGMA cache_size = -262144`)
	return func() { tx.ExecContext(ctx, `PRAGMA cache_size = -2000`) }
}

func containsStr(xs []string, v string) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func demoNetworks(ctx context.Context, tx *db.Tx, t *Town, idx map[string]map[string]int64, ref time.Time, counts map[string]int) error {
	nets := []struct{ Name, Owner, Purpose, Who, Meets, Theme string }{
		{"Children's Services Forum", "Fylde Coast Youth Trust", "Brings together everyone working with children, young people and families in Blackpool to share news, spot gaps and plan joint bids.", "Any organisation working with children, young people or families in Blackpool", "Every other month, Tuesday mornings, at the Solaris Centre", "children-young-people"},
		{"Blackpool Recovery Network", "Alcohol Peer Support Group", "Peer-led network of recovery groups, treatment services and mutual aid.", "Recovery groups and services, and people in recovery", "Monthly, first Thursday evening", "drugs-alcohol"},
		{"Older People's Partnership", "Third Sector Strategic Partnership", "Makes Blackpool a great place to grow old: befriending, transport and lunch clubs working together.", "Groups working with older people", "Quarterly", "older-people"},
		{"Advice Blackpool", "Blackpool Advocacy", "Free advice agencies coordinating referrals and training.", "Advice and advocacy services with a quality mark", "Monthly, online", "financial-inclusion"},
	}
	now := ref
	for _, n := range nets {
		owner := t.ByName[n.Owner]
		if owner == nil {
			continue
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO networks (uuid, slug, name, purpose, who_can_join, meeting_pattern, contact, owner_org_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			NewUUID(t), strings.ReplaceAll(strings.ToLower(strings.NewReplacer("'", "", " ", "-").Replace(n.Name)), "--", "-"), n.Name, n.Purpose, n.Who, n.Meets, "Contact through "+n.Owner, owner.ID, now).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO network_terms (network_id, term_id) VALUES ($1, $2)`, id, idx[taxonomy.Themes][n.Theme]); err != nil {
			return err
		}
		members := 0
		for i := 0; i < len(t.Orgs) && members < 12; i++ {
			o := t.Orgs[t.Rand.IntN(len(t.Orgs))]
			if o.ID == owner.ID {
				continue
			}
			status := "member"
			if members%5 == 4 {
				status = "requested"
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO network_members (network_id, organisation_id, status, requested_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, id, o.ID, status, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				members++
			}
		}
		counts["networks"]++
	}
	return nil
}
