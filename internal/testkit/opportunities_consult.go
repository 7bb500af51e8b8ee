package testkit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/opportunities"
)

// opportunitiesConsultDemo: two service-design consultations (the
// council's community wellbeing consultation, closed, with responses and
// a published "you said, we did"; NHS Blackpool's drug and alcohol
// recovery co-design consultation, open and shorter than the Compact
// minimum, with a reason), clarification questions and answers on the
// open tenders, saved alerts for owner@ and linda@, and Blackpool
// Advocacy's "tell our editors about opportunities that fit us".
func opportunitiesConsultDemo(ctx context.Context, t *Town) error {
	council, nhs := t.ByName["Blackpool Council"], t.ByName["NHS Blackpool"]
	if council == nil || nhs == nil {
		return nil
	}
	var third []int64
	for _, o := range t.Orgs {
		if o.Sector == "vcs" || o.Sector == "social_enterprise" || o.Sector == "faith" {
			third = append(third, o.ID)
		}
	}
	if adv := t.ByName["Blackpool Advocacy"]; adv != nil {
		third = append([]int64{adv.ID}, third...)
	}
	lon, err := time.LoadLocation("Europe/London")
	if err != nil {
		return err
	}
	now := db.Now()
	noon := func(d time.Time) *time.Time {
		x := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, lon).UTC()
		return &x
	}
	userID := func(email string) int64 {
		if u := t.Users[email]; u != nil {
			return u.ID
		}
		return 0
	}
	type cq struct {
		kind, prompt string
		options      []string
	}
	type consultation struct {
		buyer      int64
		title      string
		desc       string
		opened     time.Time
		weeks      int
		reason     string
		questions  []cq
		responses  int
		youSaid    string
		services   []string
		themes     []string
		commission string
	}
	cs := []consultation{
		{buyer: council.ID, commission: "council@demo.partnerhub.test", title: "Community wellbeing services: shaping the next contract",
			desc:   "Blackpool Council is redesigning its community wellbeing services before the current contracts end. We want to hear from voluntary, community and faith organisations about what works now, what is missing, and how the new service should be organised.\n\nYour answers will shape the specification we publish next year.",
			opened: now.AddDate(0, 0, -7*14), weeks: 12, responses: 16, services: []string{"befriending"}, themes: []string{"health-wellbeing"},
			questions: []cq{
				{opportunities.QText, "What works well in community wellbeing support in Blackpool today?", nil},
				{opportunities.QSingle, "How should the new service be organised?", []string{"One lead provider with subcontracts", "A consortium of local organisations", "Separate contracts by area", "Grants to many small organisations"}},
				{opportunities.QMultiple, "Which groups are least well served now?", []string{"Older people living alone", "Young carers", "People with long-term conditions", "Refugees and asylum seekers", "Men over 50"}},
				{opportunities.QScale, "The current referral routes are easy for residents to use.", nil},
				{opportunities.QText, "What would help your organisation take part in delivering the new service?", nil},
			},
			youSaid: "## You said\n\n- Neighbourhood drop-ins and befriending work because people know and trust them.\n- Many of you asked for local organisations to deliver the service together, as a consortium or through grants, rather than one large provider alone.\n- Older people living alone and men over 50 are least well served.\n- Referral routes are hard for residents to use, and every service has its own form.\n\n## We did\n\n- The new specification funds neighbourhood hubs in every ward, and lots sized so local consortia can bid.\n- We will run a commissioning workshop on consortium bids before the tender opens.\n- We are building one referral form shared by GPs, social care and the voluntary sector.\n"},
		{buyer: nhs.ID, commission: "commissioner@demo.partnerhub.test", title: "Drug and alcohol recovery: co-designing community support",
			desc:   "NHS Blackpool and its partners are co-designing community recovery support for people leaving treatment. Tell us how peer support, mutual aid and recovery cafés should fit together.",
			opened: now.AddDate(0, 0, -21), weeks: 8, responses: 8, services: []string{"recovery-support", "peer-support"}, themes: []string{"drugs-alcohol"},
			reason: "The recovery contract ends in the spring and the new service has to be commissioned before then; we are also holding two co-design workshops during the consultation.",
			questions: []cq{
				{opportunities.QText, "What helps people stay in recovery after treatment ends?", nil},
				{opportunities.QMultiple, "Which kinds of support should the service fund?", []string{"Peer mentors", "Recovery cafés", "Mutual aid groups", "Family support", "Employment and training"}},
				{opportunities.QScale, "People in recovery should help design and run the service.", nil},
				{opportunities.QSingle, "Would your organisation consider bidding as part of a partnership?", []string{"Yes", "Maybe", "No"}},
			},
		},
	}
	texts := []string{
		"Our befriending volunteers visit people at home; they trust us and tell us when things are going wrong.",
		"Drop-ins at the community centre on Talbot Road reach people nobody else sees.",
		"Small grants let us respond quickly when needs change.",
		"Joint training with the council's teams has made referrals smoother.",
		"Peer mentors who have been through it themselves make the difference.",
		"A place to go in the evening and at weekends, when services are shut.",
	}
	store := &opportunities.Store{}
	count, responses, questions := 0, 0, 0
	err = t.DB.Write(ctx, func(tx *db.Tx) error {
		for ci, c := range cs {
			closes := c.opened.AddDate(0, 0, 7*c.weeks)
			o := &opportunities.Opportunity{Kind: opportunities.KindConsultation, Title: c.title, BuyerID: c.buyer, Description: c.desc,
				ContactName: "Commissioning team", ContactEmail: "commissioning@demo.partnerhub.test", SuitableVCSE: true,
				QuestionsCloseAt: noon(closes.AddDate(0, 0, -7)), SubmissionDeadline: noon(closes)}
			for _, code := range c.services {
				o.Requirements = append(o.Requirements, opportunities.Requirement{Kind: opportunities.ReqService, Code: code, Mandatory: false})
			}
			for _, code := range c.themes {
				o.Requirements = append(o.Requirements, opportunities.Requirement{Kind: opportunities.ReqTheme, Code: code, Mandatory: false})
			}
			pub := c.opened.UTC()
			o.PublishedAt = &pub
			o.Status = opportunities.StatusOpen
			if closes.Before(now) {
				o.Status = opportunities.StatusClosed
			}
			if err := store.Create(ctx, tx, o, userID(c.commission)); err != nil {
				return fmt.Errorf("%s: %w", c.title, err)
			}
			count++
			var qs []opportunities.CQuestion
			for _, x := range c.questions {
				q := opportunities.CQuestion{OpportunityID: o.ID, Kind: x.kind, Prompt: x.prompt, Options: x.options, Required: x.kind != opportunities.QText}
				if err := opportunities.SaveConsultationQuestion(ctx, tx, &q); err != nil {
					return err
				}
				qs = append(qs, q)
			}
			if c.reason != "" {
				if err := opportunities.SaveShortReason(ctx, tx, o.ID, c.reason); err != nil {
					return err
				}
			}
			seen := map[int64]bool{}
			for i := 0; i < c.responses && i < len(third); i++ {
				org := third[i]
				if i > 0 {
					org = Pick(t, third)
				}
				if seen[org] {
					continue
				}
				seen[org] = true
				a := opportunities.Answers{}
				for qi, q := range qs {
					switch q.Kind {
					case opportunities.QText:
						if t.Rand.IntN(4) > 0 {
							a[q.ID] = []string{texts[(i+qi+ci)%len(texts)]}
						}
					case opportunities.QSingle:
						// Weighted towards the first two options.
						k := t.Rand.IntN(len(q.Options) + 2)
						if k >= len(q.Options) {
							k = k - len(q.Options)
						}
						a[q.ID] = []string{q.Options[k]}
					case opportunities.QMultiple:
						var pick []string
						for _, opt := range q.Options {
							if t.Rand.IntN(2) == 0 {
								pick = append(pick, opt)
							}
						}
						if len(pick) == 0 {
							pick = q.Options[:1]
						}
						a[q.ID] = pick
					case opportunities.QScale:
						a[q.ID] = []string{fmt.Sprint(1 + t.Rand.IntN(5))}
					}
				}
				at := pub.Add(time.Duration(1+t.Rand.IntN(24*7*c.weeks-2)) * time.Hour)
				if at.After(now) {
					at = now.Add(-time.Hour)
				}
				if _, err := opportunities.SaveResponse(ctx, tx, o.ID, org, 0, a, at); err != nil {
					return err
				}
				responses++
			}
			if c.youSaid != "" {
				if err := opportunities.PublishYouSaid(ctx, tx, o.ID, userID(c.commission), c.youSaid, closes.AddDate(0, 0, 10)); err != nil {
					return err
				}
			}
		}

		// Clarification questions on the open tenders and grants.
		rows, err := tx.QueryContext(ctx, `SELECT id, title, buyer_org_id FROM opportunities WHERE status = 'open' AND kind IN ('tender','grant','consultation') ORDER BY id`)
		if err != nil {
			return err
		}
		type open struct {
			id    int64
			title string
			buyer int64
		}
		var opens []open
		for rows.Next() {
			var x open
			if err := rows.Scan(&x.id, &x.title, &x.buyer); err != nil {
				rows.Close()
				return err
			}
			opens = append(opens, x)
		}
		rows.Close()
		qa := [][2]string{
			{"Will TUPE apply to staff of the current provider?", "Yes. TUPE information will be shared with shortlisted bidders under a confidentiality agreement."},
			{"Can a consortium bid, with one member as the lead?", "Yes. Consortium bids are welcome; the lead member signs the contract and each member completes the selection questions."},
			{"Is there a minimum turnover for bidders?", "No minimum turnover is set. We will look at your financial standing in proportion to the value of the lot you bid for."},
			{"Can we bid for one lot only?", ""},
			{"How will social value be scored?", "Social value is 10% of the quality score, using the council's social value framework."},
		}
		for i, x := range opens {
			for j := 0; j < 2+i%2 && len(third) > 0; j++ {
				k := (i*2 + j) % len(qa)
				org := third[(i*3+j)%len(third)]
				c := &opportunities.Clarification{OpportunityID: x.id, OrgID: org, Question: qa[k][0]}
				if err := opportunities.AddClarification(ctx, tx, c); err != nil {
					return err
				}
				questions++
				if qa[k][1] != "" {
					if err := opportunities.AnswerClarification(ctx, tx, x.id, c.ID, 0, qa[k][1], j != 1); err != nil {
						return err
					}
				}
			}
		}

		// Saved alerts, a follow, and an organisation alert.
		alerts := []struct {
			email, name, query, freq string
		}{
			{"owner@demo.partnerhub.test", "Advocacy tenders", "q=advocacy&kind=tender", opportunities.AlertDaily},
			{"owner@demo.partnerhub.test", "Anything suitable for VCSE organisations", "vcse=yes", opportunities.AlertWeekly},
			{"linda@demo.partnerhub.test", "Community wellbeing", "q=wellbeing", opportunities.AlertImmediately},
			{"linda@demo.partnerhub.test", "Consultations", "kind=consultation&status=all", opportunities.AlertWeekly},
		}
		for _, a := range alerts {
			u := userID(a.email)
			if u == 0 {
				continue
			}
			al := &opportunities.Alert{UserID: u, Name: a.name, Query: a.query, Frequency: a.freq}
			if err := opportunities.SaveAlert(ctx, tx, al); err != nil {
				return fmt.Errorf("alert %s: %w", a.name, err)
			}
		}
		if adv := t.ByName["Blackpool Advocacy"]; adv != nil {
			if err := opportunities.SetOrgAlert(ctx, tx, adv.ID, userID("owner@demo.partnerhub.test"), true); err != nil {
				return err
			}
			for _, x := range opens {
				if strings.Contains(strings.ToLower(x.title), "advocacy") && userID("owner@demo.partnerhub.test") != 0 {
					if err := opportunities.Follow(ctx, tx, x.id, userID("owner@demo.partnerhub.test")); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.Result.Counts["consultations"] = count
	t.Result.Counts["consultation responses"] = responses
	t.Result.Counts["clarification questions"] = questions
	return nil
}
