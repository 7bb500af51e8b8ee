package testkit

import (
	"context"
	"fmt"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/opportunities"
)

// opportunitiesDemo: Blackpool Council's and NHS Blackpool's commissioning
// since 2010 (advocacy, community wellbeing, drug and alcohol recovery,
// grant programmes, pipeline notices), the current year's open
// opportunities with deadlines after today, and expressions of interest
// from third-sector organisations.
func opportunitiesDemo(ctx context.Context, t *Town) error {
	council, nhs := t.ByName["Blackpool Council"], t.ByName["NHS Blackpool"]
	if council == nil || nhs == nil {
		return nil
	}
	var vcs []int64
	for _, o := range t.Orgs {
		if o.Sector == "vcs" || o.Sector == "social_enterprise" || o.Sector == "faith" {
			vcs = append(vcs, o.ID)
		}
	}
	lon, err := time.LoadLocation("Europe/London")
	if err != nil {
		return err
	}
	noon := func(d time.Time) *time.Time {
		x := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, lon).UTC()
		return &x
	}
	day := func(d time.Time) *time.Time {
		x := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		return &x
	}
	p := func(pounds int64) *int64 { v := pounds * 100; return &v }
	req := func(kind, code string, mandatory bool) opportunities.Requirement {
		return opportunities.Requirement{Kind: kind, Code: code, Mandatory: mandatory}
	}
	type series struct {
		buyer   int64
		kind    string
		title   string
		desc    string
		min     int64
		max     int64
		years   int // contract length
		every   int // re-let every N years
		from    int
		cpv     string
		vcse    bool
		reqs    []opportunities.Requirement
		lots    []opportunities.Lot
		proc    string
		contact string
	}
	all := []series{
		{buyer: council.ID, kind: opportunities.KindTender, title: "Independent advocacy service", from: 2010, every: 3, years: 3,
			desc: "Statutory advocacy (Care Act, IMCA, IMHA) and community advocacy for adults in Blackpool. Bids from consortia of local organisations are welcome.",
			min:  240_000, max: 330_000, cpv: "85311000-2", vcse: true, proc: "open", contact: "Commissioning Team",
			lots: []opportunities.Lot{{Title: "Care Act and IMCA advocacy"}, {Title: "Community and self-advocacy"}},
			reqs: []opportunities.Requirement{req("service", "advice-advocacy", true), req("client_group", "disabled-people", false), req("policy", "safeguarding", true), req("local_authority", "BPL", true)}},
		{buyer: council.ID, kind: opportunities.KindGrant, title: "Community wellbeing grants", from: 2011, every: 1, years: 1,
			desc: "Small grants for community groups running activities that reduce isolation and improve wellbeing in their neighbourhood.",
			min:  2_000, max: 25_000, vcse: true, proc: "open_call", contact: "Grants Officer",
			reqs: []opportunities.Requirement{req("theme", "health-wellbeing", true), req("service", "befriending", false), req("policy", "safeguarding", true)}},
		{buyer: nhs.ID, kind: opportunities.KindTender, title: "Drug and alcohol recovery community service", from: 2012, every: 4, years: 4,
			desc: "Peer-led recovery support, mutual aid and a recovery community hub, working alongside the treatment provider.",
			min:  600_000, max: 900_000, cpv: "85323000-9", vcse: true, proc: "competitive_flexible", contact: "Public Health Commissioning",
			lots: []opportunities.Lot{{Title: "Recovery community hub"}, {Title: "Peer mentoring and mutual aid"}},
			reqs: []opportunities.Requirement{req("service", "recovery-support", true), req("service", "peer-support", false), req("theme", "drugs-alcohol", true), req("readiness", "commissioning_ready", true)}},
		{buyer: nhs.ID, kind: opportunities.KindTender, title: "Social prescribing link workers", from: 2019, every: 3, years: 3,
			desc: "Link workers in primary care networks connecting people to community activities and support.",
			min:  180_000, max: 260_000, cpv: "85312000-9", vcse: true, proc: "open", contact: "Primary Care Team",
			reqs: []opportunities.Requirement{req("theme", "mental-health", true), req("service", "befriending", false), req("ward", "Talbot", false), req("ward", "Bloomfield", false)}},
		{buyer: council.ID, kind: opportunities.KindTender, title: "Carers' support service", from: 2013, every: 5, years: 5,
			desc: "Information, advice, breaks and emotional support for unpaid carers of all ages.",
			min:  350_000, max: 420_000, cpv: "85312000-9", vcse: true, proc: "open", contact: "Adult Social Care Commissioning",
			reqs: []opportunities.Requirement{req("service", "carers-support", true), req("theme", "carers", true), req("quality_mark", "Carers Trust Network Partner", false)}},
	}
	now := time.Now().UTC()
	store := &opportunities.Store{}
	count, interests := 0, 0
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		for _, s := range all {
			// The last round due by this year is open now; the one after it
			// is a pipeline notice; the rounds before were awarded.
			last := s.from
			for y := s.from; y <= now.Year(); y += s.every {
				last = y
			}
			for y := s.from; y <= last+s.every; y += s.every {
				published := time.Date(y, time.Month(2+t.Rand.IntN(6)), 1+t.Rand.IntN(26), 10, 0, 0, 0, lon)
				o := &opportunities.Opportunity{
					Kind: s.kind, Title: fmt.Sprintf("%s %d", s.title, y), BuyerID: s.buyer, Description: s.desc,
					ContactName: s.contact, ContactEmail: "commissioning@demo.partnerhub.test",
					ValueMin: p(s.min * int64(s.years)), ValueMax: p(s.max * int64(s.years)), Procedure: s.proc,
					SuitableVCSE: s.vcse, SuitableSME: true, Lots: append([]opportunities.Lot(nil), s.lots...),
					Requirements:               append([]opportunities.Requirement(nil), s.reqs...),
					CommissioningReadyRequired: s.kind == opportunities.KindTender && y >= 2018,
				}
				if s.cpv != "" {
					o.CPVCodes = []string{s.cpv}
				}
				status := opportunities.StatusAwarded
				switch {
				case y > last:
					o.Kind, published, status = opportunities.KindPipeline, now.AddDate(0, 0, -20-t.Rand.IntN(30)), opportunities.StatusPlanned
					o.Title = fmt.Sprintf("%s %d (planned)", s.title, max(y, now.Year()+1))
				case y == last:
					published = now.AddDate(0, 0, -10-t.Rand.IntN(20))
					status = opportunities.StatusOpen
					o.Title = fmt.Sprintf("%s %d", s.title, now.Year())
				}
				pub := published.UTC()
				o.PublishedAt = &pub
				closes := published.AddDate(0, 0, 42)
				if status == opportunities.StatusOpen && !closes.After(now) {
					closes = now.AddDate(0, 0, 14+t.Rand.IntN(40))
				}
				if o.Kind != opportunities.KindPipeline {
					o.QuestionsCloseAt = noon(closes.AddDate(0, 0, -10))
					o.SubmissionDeadline = noon(closes)
					o.AwardExpected = day(closes.AddDate(0, 1, 0))
				}
				o.ContractStart = day(time.Date(closes.Year(), closes.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 4, 0))
				o.ContractEnd = day(o.ContractStart.AddDate(s.years, 0, -1))
				o.Status = status
				if err := store.Create(ctx, tx, o, 0); err != nil {
					return fmt.Errorf("%s: %w", o.Title, err)
				}
				count++
				// Expressions of interest from third-sector organisations.
				if len(vcs) > 0 && o.Kind != opportunities.KindPipeline {
					n := 2 + t.Rand.IntN(5)
					seen := map[int64]bool{}
					for i := 0; i < n; i++ {
						org := Pick(t, vcs)
						if seen[org] {
							continue
						}
						seen[org] = true
						at := pub.AddDate(0, 0, 1+t.Rand.IntN(30))
						if at.After(now) {
							at = now
						}
						if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_interests (opportunity_id, organisation_id, looking_for_partners, note, created_at, updated_at)
							VALUES ($1,$2,$3,'',$4,$4)`, o.ID, org, t.Rand.IntN(3) == 0, at); err != nil {
							return err
						}
						interests++
					}
				}
			}
		}
		t.Result.Counts["opportunities"] = count
		t.Result.Counts["expressions of interest"] = interests
		return nil
	})
}
