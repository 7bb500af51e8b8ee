package testkit

import (
	"context"
	"fmt"
	"time"

	"partnerhub/internal/db"
)

// The library's demo: the Compact (2010) with its commitments, 40
// signatories and three disputes at different stages; the Good Practice
// Guide in two versions; the development policy overdue for review; eight
// policy templates with adoptions; two years of news.

const demoCompact = `The Blackpool Compact sets out how the town's public bodies and its voluntary, community and faith sector work together.

## 1 Shared principles
- 1.1 [both] We respect each other's independence, including the right of third-sector organisations to campaign.
- 1.2 [both] We are open about decisions and the reasons for them.
- 1.3 [both] We value the diversity of Blackpool's communities and the organisations that serve them.

## 2 Consultation and policy
- 2.1 [public] Public bodies consult the third sector early on policies and services that affect it.
- 2.2 [public] Formal consultations run for at least 12 weeks unless there is a good reason to run shorter, which is explained.
- 2.3 [public] Public bodies publish what they heard and what they changed.
- 2.4 [third] Third-sector organisations say whose views they represent and how they gathered them.

## 3 Funding and commissioning
- 3.1 [public] Funding opportunities are published at least six weeks before the closing date.
- 3.2 [public] Grants and contracts cover the full cost of delivery, including a fair share of overheads.
- 3.3 [public] Payments are made on time and in advance where that is needed to deliver.
- 3.4 [third] Third-sector organisations account openly for public money and the outcomes it bought.
- 3.5 [both] Funding decisions are explained, and unsuccessful applicants are given feedback.

## 4 Ending funding
- 4.1 [public] At least three months' notice is given of a change to or end of funding.
- 4.2 [both] Both sides plan together for the effect on people who use the service.

## 5 Equality
- 5.1 [both] We work to remove barriers that stop people taking part.
- 5.2 [third] Third-sector organisations hold an equality and diversity policy and review it.

## 6 Resolving disagreements
- 6.1 [both] We first try to resolve a concern informally, within 28 days.
- 6.2 [both] If that fails, either side may ask for mediation by an independent person.
- 6.3 [public] The council reports each year on how the Compact was kept.
- 6.4 [third] Infrastructure bodies help small groups use the Compact.
- 6.5 [both] The Compact is reviewed every three years with all signatories.
`

const demoGuide1 = `## Why form a consortium
Consortia let small organisations bid for contracts they could not deliver alone.

## Forming a consortium
Agree a lead organisation and a written memorandum of understanding.

## Governance
Meet at least twice a year and keep minutes.
`

const demoGuide2 = `## Why form a consortium
Consortia let small organisations bid together for contracts and grants they could not deliver alone, and share back-office costs.

## Forming a consortium
Agree a lead organisation and a written consortium agreement, signed by every member.
Check the town's definition of a consortium.

## Governance
Meet at least four times a year and keep minutes.
Review membership each year.

## Managing risk
Keep a shared risk register and agree who carries which liability.
`

var demoTemplates = []struct{ kind, title string }{
	{"safeguarding", "Safeguarding policy"}, {"equality_diversity", "Equality and diversity policy"}, {"health_safety", "Health and safety policy"},
	{"data_protection", "Data protection policy"}, {"complaints", "Complaints policy"}, {"whistleblowing", "Whistleblowing policy"},
	{"environmental", "Environmental policy"}, {"volunteers", "Volunteers policy"},
}

var demoNews = []struct{ cat, title, body string }{
	{"consortia", "Carers' consortium wins three-year contract", "The Fylde Coast carers' consortium will deliver respite across the town."},
	{"commissioning", "Council publishes its commissioning plan", "The plan lists every contract due for renewal in the next two years."},
	{"events", "Trade fair returns to the Winter Gardens", "Buyers and providers meet again this spring."},
	{"funding", "Community fund opens for small groups", "Grants of up to £5,000 for groups with an income under £100,000."},
	{"consortia", "Youth consortium celebrates its first year", "Eight youth organisations now share one referral route."},
	{"general", "Compact review: have your say", "Tell us how the Compact has worked for your organisation."},
}

func libraryDemo(ctx context.Context, t *Town) error {
	admin := t.Users["admin@demo.partnerhub.test"]
	editor := t.Users["editor@demo.partnerhub.test"]
	if admin == nil || len(t.Orgs) == 0 {
		return nil
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	now := db.Now()
	today := day(now.Year(), now.Month(), now.Day())
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		doc := func(slug, kind, title, summary, policy string, owner int64, months int, next time.Time, versions ...struct {
			body  string
			on    time.Time
			notes string
		}) (int64, error) {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO library_documents (slug, kind, title, summary, policy_kind, owner_id, verifier_id, status, review_months, next_review_on, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, 'adopted', $8, $9, $10, $10) RETURNING id`, slug, kind, title, summary, policy, owner, editor.ID, months, next, now).Scan(&id); err != nil {
				return 0, err
			}
			for i, v := range versions {
				if _, err := tx.ExecContext(ctx, `INSERT INTO library_versions (document_id, version, body, notes, adopted_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
					id, i+1, v.body, v.notes, v.on, owner, v.on); err != nil {
					return 0, err
				}
			}
			return id, nil
		}
		type ver = struct {
			body  string
			on    time.Time
			notes string
		}
		if _, err := doc("compact", "code", "The Blackpool Compact", "The agreement between Blackpool's public bodies and its voluntary, community and faith sector.", "", admin.ID, 36,
			today.AddDate(1, 2, 0), ver{demoCompact, day(2010, 6, 1), "Adopted by the Local Strategic Partnership."}); err != nil {
			return err
		}
		if _, err := doc("good-practice-guide-to-consortia", "guide", "Good Practice Guide to Consortia", "How to form, run and end a consortium in Blackpool.", "", editor.ID, 24,
			today.AddDate(0, 0, 20), ver{demoGuide1, day(2022, 3, 1), "First edition."}, ver{demoGuide2, today.AddDate(-1, -10, 0), "Written agreements, risk and more frequent meetings."}); err != nil {
			return err
		}
		if _, err := doc("consortia-development-policy", "policy", "Consortia development policy", "How the council and infrastructure bodies support consortia to develop.", "", editor.ID, 12,
			today.AddDate(0, -2, 0), ver{"## Purpose\nSupport consortia to grow.\n\n## Support offered\nBid writing, legal templates and a development fund.\n", today.AddDate(-1, -2, 0), ""}); err != nil {
			return err
		}
		n := len(t.Orgs)
		for i, tp := range demoTemplates {
			id, err := doc(tp.kind+"-policy-template", "template", tp.title, "The town's standard "+tp.title+" for small organisations to adopt and adapt.", tp.kind, admin.ID, 12,
				today.AddDate(0, 6, 0), ver{"## Purpose\nThis " + tp.title + " sets out what the organisation does.\n\n## Responsibilities\nThe trustees review it every year.\n", day(2023, 4, 1), ""})
			if err != nil {
				return err
			}
			for k := 0; k < 12 && k < n; k++ {
				o := t.Orgs[(i*7+k*3)%n]
				if o.Sector == "public" || o.Sector == "private" {
					continue
				}
				adopted := today.AddDate(0, -t.Rand.IntN(20), -t.Rand.IntN(28))
				if _, err := tx.ExecContext(ctx, `INSERT INTO library_adoptions (organisation_id, document_id, version, adopted_on, next_review_on, adopted_by, created_at) VALUES ($1, $2, 1, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
					o.ID, id, adopted, adopted.AddDate(1, 0, 0), admin.ID, now); err != nil {
					return err
				}
				t.Result.Counts["library adoptions"]++
			}
		}
		// 40 signatories, signing from 2010 onwards; the council and NHS Blackpool among them.
		var signers []int64
		for _, name := range []string{"Blackpool Council", "NHS Blackpool", "Blackpool Advocacy"} {
			if o := t.ByName[name]; o != nil {
				signers = append(signers, o.ID)
			}
		}
		for i := 0; len(signers) < 40 && i < n; i++ {
			if o := t.Orgs[i]; o.Sector != "private" && !containsID(signers, o.ID) {
				signers = append(signers, o.ID)
			}
		}
		for i, id := range signers {
			on := day(2010, 6, 1).AddDate(0, i*3, i%27)
			if on.After(today) {
				on = today
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO compact_signatures (organisation_id, version, signed_on, signed_by, signatory, created_at) VALUES ($1, 1, $2, $3, 'Chair of trustees', $4)`, id, on, admin.ID, now); err != nil {
				return err
			}
		}
		t.Result.Counts["compact signatories"] = len(signers)
		if len(signers) >= 6 {
			stages := []struct {
				stage, subject, about string
				raised                time.Time
				steps                 []string
			}{
				{"resolved", "A consultation on day services ran for four weeks.", "Day services consultation 2024", today.AddDate(-1, -3, 0), []string{"informal", "resolved"}},
				{"mediation", "Funding for the advice contract ended with two weeks' notice.", "Advice services contract", today.AddDate(0, -4, 0), []string{"informal", "mediation"}},
				{"raised", "The grant round closed three weeks after it was published.", "Community chest 2026", today.AddDate(0, 0, -40), nil},
			}
			for i, s := range stages {
				by, against := signers[3+i], signers[i%2]
				stageSince := s.raised
				var resolved any
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO compact_disputes (raised_by, against, commitments, subject, about, stage, raised_on, stage_since, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) RETURNING id`,
					by, against, []string{"2.2", "4.1", "3.1"}[i], s.subject, s.about, s.stage, s.raised, admin.ID, now).Scan(&id); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO compact_dispute_steps (dispute_id, stage, on_date, note, user_id, created_at) VALUES ($1, 'raised', $2, $3, $4, $5)`, id, s.raised, s.subject, admin.ID, now); err != nil {
					return err
				}
				for k, st := range s.steps {
					stageSince = s.raised.AddDate(0, 0, 14*(k+1))
					if st == "resolved" {
						resolved = stageSince
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO compact_dispute_steps (dispute_id, stage, on_date, note, user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
						id, st, stageSince, map[string]string{"informal": "The two organisations met.", "mediation": "An independent mediator was appointed.", "resolved": "The consultation was reopened for eight more weeks."}[st], admin.ID, now); err != nil {
						return err
					}
				}
				if _, err := tx.ExecContext(ctx, `UPDATE compact_disputes SET stage_since = $1, resolved_on = $2, informal = $3 WHERE id = $4`, stageSince, resolved, s.stage == "resolved", id); err != nil {
					return err
				}
			}
			t.Result.Counts["compact disputes"] = len(stages)
		}
		// Two years of news, about two a month, some about consortia.
		cons, err := db.Column[int64](ctx, tx, `SELECT id FROM partnerships WHERE model LIKE '%consortium%' ORDER BY id LIMIT 5`)
		if err != nil {
			return err
		}
		for m := 0; m < 48; m++ {
			item := demoNews[m%len(demoNews)]
			pub := now.AddDate(0, 0, -15*m-1)
			var pid any
			if item.cat == "consortia" && len(cons) > 0 {
				pid = cons[m%len(cons)]
			}
			title := fmt.Sprintf("%s (%s)", item.title, pub.Format("January 2006"))
			slug := fmt.Sprintf("news-%d-%s", m+1, pub.Format("2006-01"))
			if _, err := tx.ExecContext(ctx, `INSERT INTO news_articles (slug, title, summary, body, category, partnership_id, published_at, author_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)`,
				slug, title, item.body, "## "+item.title+"\n\n"+item.body+"\n\nRead more on Partnerhub.", item.cat, pid, pub, admin.ID); err != nil {
				return err
			}
		}
		t.Result.Counts["news articles"] = 48
		return nil
	})
}

func containsID(xs []int64, id int64) bool {
	for _, x := range xs {
		if x == id {
			return true
		}
	}
	return false
}
