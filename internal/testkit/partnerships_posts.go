package testkit

import (
	"context"
	"fmt"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
)

// postsRef is the demo's "today" for "looking for partners" posts (the
// clock is never read: open posts close in 2027).
var postsRef = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type demoPost struct {
	org, title, desc, opportunity, url string
	services, themes, groups           []string // taxonomy codes
	areas                              []string
	posted, closes, needed             time.Time
	responses                          []demoResponse
}

type demoResponse struct {
	org, user, message string
}

func postDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The demo's open posts: one from Blackpool Advocacy with two responses.
var demoPosts = []demoPost{
	{org: "Blackpool Advocacy", title: "Partners for a joined-up advice and advocacy hub in Claremont and Park",
		desc:        "We want to bring advice, debt help and advocacy under one roof in the east of the town, with warm referrals between partners.\n\nWe bring independent advocacy and a building; we are looking for partners who can offer debt and money advice, housing support and peer support.",
		opportunity: "Blackpool Council community advice contract 2027-2030", url: "https://www.blackpool.gov.uk/",
		services: []string{"debt-money", "housing-support", "peer-support"}, themes: []string{"financial-inclusion"}, groups: []string{"people-mental-health"},
		areas: []string{"Claremont", "Park"}, posted: postDay(2026, 10, 20), closes: postDay(2027, 1, 15), needed: postDay(2027, 3, 31),
		responses: []demoResponse{
			{"Enterprise Solutions", "linda@demo.partnerhub.test", "We run money and employment coaching as a social enterprise and could host a weekly debt surgery at the hub."},
			{"Alcohol Peer Support Group", "brian@demo.partnerhub.test", "Our peer mentors already meet people at the Claremont community centre; we would offer peer support sessions and referrals both ways."},
		}},
	{org: "Fylde Coast Youth Trust", title: "Youth work partners for summer holiday activities",
		desc:     "Holiday activities and food for young people aged 11 to 16 across the south of the town. We need partners for sport, arts and food.",
		services: []string{"youth-work", "arts-activities", "food"}, themes: []string{"children-young-people"}, groups: []string{"young-people"},
		areas: []string{"Squires Gate", "Stanley", "Hawes Side"}, posted: postDay(2026, 10, 28), closes: postDay(2027, 2, 12), needed: postDay(2027, 5, 1),
		opportunity: "Holiday Activities and Food programme 2027"},
	{org: "St John's Church Community Project", title: "Befriending and lunch club partners for older people",
		desc:     "Our lunch club is full and lonely older people are waiting. We are looking for befriending groups and community transport to grow it.",
		services: []string{"befriending", "community-transport"}, themes: []string{"older-people"}, groups: []string{"older-people", "carers"},
		areas: []string{"Talbot", "Brunswick"}, posted: postDay(2026, 10, 30), closes: postDay(2027, 1, 29)},
}

// demoFormedPost closed and formed a partnership.
var demoFormedPost = demoPost{org: "Third Sector Strategic Partnership", title: "Partners for a wellbeing referral network",
	desc:     "A referral network between wellbeing, recovery and carers' services so that no one is turned away without a warm referral.",
	services: []string{"peer-support", "recovery-support", "carers-support"}, themes: []string{"health-wellbeing", "mental-health"},
	areas: []string{"Bloomfield", "Victoria"}, posted: postDay(2026, 6, 8), closes: postDay(2026, 7, 31), needed: postDay(2026, 9, 1),
	opportunity: "NHS Blackpool social prescribing pathway",
	responses: []demoResponse{
		{"Alcohol Peer Support Group", "brian@demo.partnerhub.test", "Our peer mentors would take referrals from the network and refer into it."},
		{"Enterprise Solutions", "linda@demo.partnerhub.test", "We can offer employment support to people referred through the network."},
	}}

// postsDemo adds "looking for partners" posts: open posts from demo
// organisations (Blackpool Advocacy's with two responses), one closed
// post that formed a partnership, and a few posts from other organisations.
func postsDemo(ctx context.Context, t *Town) error {
	terms := map[string]int64{}
	rows, err := t.DB.Q().QueryContext(ctx, `SELECT id, vocabulary, code FROM taxonomy_terms`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var voc, code string
		if err := rows.Scan(&id, &voc, &code); err != nil {
			rows.Close()
			return err
		}
		terms[voc+":"+code] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	posts := append([]demoPost{}, demoPosts...)
	// A few more open posts from the town's other organisations.
	svcs := []string{"advice-advocacy", "counselling", "employment-support", "volunteering-brokerage", "health-promotion", "environmental-action"}
	themes := []string{"employment-skills", "volunteering", "environment", "health-wellbeing", "cohesion-equality"}
	for i := 0; i < 3 && len(t.Orgs) > 20; i++ {
		o := t.Orgs[10+t.Rand.IntN(len(t.Orgs)-10)]
		if !accounts.IsThirdSector(o.Sector) {
			continue
		}
		s1, th := Pick(t, svcs), Pick(t, themes)
		posts = append(posts, demoPost{org: o.Name, title: fmt.Sprintf("Looking for partners in %s", Pick(t, t.Wards)),
			desc:     "We are preparing a joint bid and want partners who share our aims.",
			services: []string{s1}, themes: []string{th}, areas: []string{Pick(t, t.Wards)},
			posted: postsRef.AddDate(0, 0, -t.Rand.IntN(20)), closes: postsRef.AddDate(0, 0, 70+t.Rand.IntN(90))})
	}
	count, responses := 0, 0
	err = t.DB.Write(ctx, func(tx *db.Tx) error {
		insPost, err := tx.PrepareContext(ctx, `INSERT INTO partner_posts (organisation_id, title, description, opportunity, opportunity_url, needed_by, closes_on, status, created_by, created_at, updated_at, closed_at, close_notified_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $11) RETURNING id`)
		if err != nil {
			return err
		}
		defer insPost.Close()
		insTerm, err := tx.PrepareContext(ctx, `INSERT INTO partner_post_terms (post_id, term_id) VALUES ($1, $2)`)
		if err != nil {
			return err
		}
		defer insTerm.Close()
		insArea, err := tx.PrepareContext(ctx, `INSERT INTO partner_post_areas (post_id, area) VALUES ($1, $2)`)
		if err != nil {
			return err
		}
		defer insArea.Close()
		insResp, err := tx.PrepareContext(ctx, `INSERT INTO partner_post_responses (post_id, organisation_id, user_id, message, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`)
		if err != nil {
			return err
		}
		defer insResp.Close()

		add := func(p demoPost, status string) (int64, []int64, error) {
			o := t.ByName[p.org]
			if o == nil {
				return 0, nil, nil
			}
			var needed, closedAt any
			if !p.needed.IsZero() {
				needed = p.needed
			}
			if status != "open" {
				closedAt = p.closes.Add(24 * time.Hour)
			}
			var by any
			if u := t.Users["owner@demo.partnerhub.test"]; u != nil && p.org == "Blackpool Advocacy" {
				by = u.ID
			}
			var id int64
			if err := insPost.QueryRowContext(ctx, o.ID, p.title, p.desc, p.opportunity, p.url, needed, p.closes, status, by, p.posted.Add(10*time.Hour), closedAt).Scan(&id); err != nil {
				return 0, nil, err
			}
			seen := map[int64]bool{}
			for voc, codes := range map[string][]string{"service": p.services, "theme": p.themes, "client_group": p.groups} {
				for _, c := range codes {
					if tid := terms[voc+":"+c]; tid != 0 && !seen[tid] {
						seen[tid] = true
						if _, err := insTerm.ExecContext(ctx, id, tid); err != nil {
							return 0, nil, err
						}
					}
				}
			}
			areas := map[string]bool{}
			for _, a := range p.areas {
				if !areas[a] {
					areas[a] = true
					if _, err := insArea.ExecContext(ctx, id, a); err != nil {
						return 0, nil, err
					}
				}
			}
			var orgs []int64
			for i, r := range p.responses {
				ro := t.ByName[r.org]
				if ro == nil || ro.ID == o.ID {
					continue
				}
				var uid any
				if u := t.Users[r.user]; u != nil {
					uid = u.ID
				}
				rstatus := "active"
				if status == "formed" {
					rstatus = "accepted"
				}
				var rid int64
				if err := insResp.QueryRowContext(ctx, id, ro.ID, uid, r.message, rstatus, p.posted.AddDate(0, 0, 2+3*i).Add(14*time.Hour)).Scan(&rid); err != nil {
					return 0, nil, err
				}
				orgs = append(orgs, ro.ID)
				responses++
			}
			count++
			return id, orgs, nil
		}
		for _, p := range posts {
			if _, _, err := add(p, "open"); err != nil {
				return err
			}
		}
		// The closed post that formed a partnership (lead: the poster).
		fp := demoFormedPost
		postID, members, err := add(fp, "formed")
		if err != nil || postID == 0 {
			return err
		}
		lead := t.ByName[fp.org]
		name, slug := "Wellbeing Referral Network", "wellbeing-referral-network"
		for i := 2; ; i++ {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM partnerships WHERE slug = $1`, slug).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				break
			}
			slug = fmt.Sprintf("wellbeing-referral-network-%d", i)
		}
		formed := postDay(2026, 8, 12)
		start := fp.needed
		var pid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO partnerships (uuid, slug, name, purpose, model, status, start_date, visibility, origin, origin_post_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'referral_partnership', 'active', $5, 'public', 'looking_for_partners', $6, $7, $7) RETURNING id`,
			NewUUID(t), slug, name, fp.desc, start, postID, formed.Add(11*time.Hour)).Scan(&pid); err != nil {
			return err
		}
		var rows [][]any
		for i, org := range append([]int64{lead.ID}, members...) {
			role := "member"
			if i == 0 {
				role = "lead"
			}
			rows = append(rows, []any{pid, org, role, start, nil, formed})
		}
		if err := insertMembers(ctx, tx, rows); err != nil {
			return err
		}
		for _, h := range []struct {
			status, note string
			at           time.Time
		}{{"forming", "Formed from a looking for partners post", formed.Add(11 * time.Hour)}, {"active", "Referrals started", start.Add(9 * time.Hour)}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO partnership_status_history (partnership_id, status, changed_at, note) VALUES ($1, $2, $3, $4)`, pid, h.status, h.at, h.note); err != nil {
				return err
			}
		}
		for voc, codes := range map[string][]string{"partnership_terms": fp.themes, "partnership_services": fp.services} {
			prefix := "theme:"
			if voc == "partnership_services" {
				prefix = "service:"
			}
			for _, c := range codes {
				if tid := terms[prefix+c]; tid != 0 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO `+voc+` (partnership_id, term_id) VALUES ($1, $2)`, pid, tid); err != nil {
						return err
					}
				}
			}
		}
		for _, a := range fp.areas {
			if _, err := tx.ExecContext(ctx, `INSERT INTO partnership_areas (partnership_id, area) VALUES ($1, $2)`, pid, a); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE partner_posts SET partnership_id = $1 WHERE id = $2`, pid, postID)
		return err
	})
	if err != nil {
		return err
	}
	t.Result.Counts["partner_posts"] = count
	t.Result.Counts["partner_post_responses"] = responses
	return nil
}
