package testkit

import (
	"context"
	"fmt"
	"partnerhub/internal/clean"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/accounts"
	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/partnerships/models"
)

// assessDemo adds the assess feature's part of the demo town: consortia
// with and without the Quality Mark (one expired, one with conditions, one
// awaiting review), organisations at each commissioning readiness level
// (the ready ones carry the marker), and partnerships with two rounds of
// health checks of at least five respondents each.
func assessDemo(ctx context.Context, t *Town) error {
	if err := assess.EnsureInstruments(ctx, t.DB); err != nil {
		return err
	}
	qm, err := assess.CurrentFramework(ctx, t.DB.Q(), assess.KeyQualityMark)
	if err != nil {
		return err
	}
	rd, err := assess.CurrentFramework(ctx, t.DB.Q(), assess.KeyReadiness)
	if err != nil {
		return err
	}
	hc, err := assess.CurrentFramework(ctx, t.DB.Q(), assess.KeyHealthCheck)
	if err != nil {
		return err
	}
	consortia, err := demoConsortia(ctx, t)
	if err != nil {
		return err
	}
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		var assessor int64
		if u := t.Users["assessor@demo.partnerhub.test"]; u != nil {
			assessor = u.ID
			if _, err := tx.ExecContext(ctx, `INSERT INTO assess_assessors (user_id, appointed_at) VALUES ($1, $2)`, u.ID, demoRef.AddDate(-1, 0, 0)); err != nil {
				return err
			}
		}
		// Quality Mark: (result, status, decided months before the reference date).
		plan := []struct {
			result, status string
			monthsAgo      int
			conditions     string
		}{
			{"awarded", "decided", 16, ""},
			{"awarded_with_conditions", "decided", 5, "Publish the members' conflicts of interest register and review it at every board meeting."},
			{"awarded", "decided", 42, ""}, // expired
			{"not_yet", "decided", 3, ""},
			{"", "submitted", 0, ""},
			{"", "draft", 0, ""},
		}
		for i, p := range plan {
			if i >= len(consortia) {
				break
			}
			c := consortia[i]
			when := demoRef.AddDate(0, -p.monthsAgo, -t.Rand.IntN(20))
			target := p.result
			if target == "" {
				target = "awarded_with_conditions"
			}
			ratings := demoRatings(t, qm.F, target)
			a, err := demoAssessment(ctx, tx, t, qm, "partnership", c.id, c.name, c.leadOrg, p.status, when, ratings)
			if err != nil {
				return err
			}
			if p.status == "submitted" && assessor != 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET reviewer_id = $1 WHERE id = $2`, assessor, a); err != nil {
					return err
				}
			}
			if p.status != "decided" {
				continue
			}
			res := assess.Score(qm.F, ratings)
			if err := demoReview(ctx, tx, a, ratings, when); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET score = $1, result = $2, conditions = $3, decided_at = $4, updated_at = $4 WHERE id = $5`,
				res.Overall, p.result, p.conditions, when, a); err != nil {
				return err
			}
			o, _ := qm.F.Outcome(p.result)
			if o.Counts {
				on := time.Date(when.Year(), when.Month(), when.Day(), 0, 0, 0, 0, time.UTC)
				until := on.AddDate(0, qm.F.ValidityMonths, 0)
				rem := ""
				switch {
				case until.Before(demoRef):
					rem = "checkin_12,checkin_24,renewal,expired"
				case p.monthsAgo >= 12:
					rem = "checkin_12"
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO assess_awards (assessment_id, kind, subject_type, subject_id, result, label, conditions, awarded_on, valid_until, reminders)
					VALUES ($1, 'quality_mark', 'partnership', $2, $3, $4, $5, $6, $7, $8)`, a, c.id, p.result, o.Label, p.conditions, on, until, rem); err != nil {
					return err
				}
				t.Result.Counts["quality mark awards"]++
			}
		}
		// Commissioning readiness at each level.
		levels := []string{"ready", "nearly_ready", "not_yet"}
		var orgs []*accounts.Organisation
		for _, name := range []string{"Blackpool Advocacy", "Enterprise Solutions", "Alcohol Peer Support Group"} {
			if o := t.ByName[name]; o != nil {
				orgs = append(orgs, o)
			}
		}
		for i := range t.Orgs {
			if len(orgs) >= 15 {
				break
			}
			o := &t.Orgs[i]
			if accounts.IsThirdSector(o.Sector) && i%7 == 2 {
				orgs = append(orgs, o)
			}
		}
		for i, o := range orgs {
			level := levels[i%3]
			when := demoRef.AddDate(0, -1-t.Rand.IntN(10), -t.Rand.IntN(25))
			ratings := demoRatings(t, rd.F, level)
			a, err := demoAssessment(ctx, tx, t, rd, "organisation", o.ID, o.Name, o.ID, "decided", when, ratings)
			if err != nil {
				return err
			}
			res := assess.Score(rd.F, ratings)
			if _, err := tx.ExecContext(ctx, `UPDATE assess_assessments SET score = $1, result = $2, decided_at = $3 WHERE id = $4`, res.Overall, res.Outcome.Code, when, a); err != nil {
				return err
			}
			if res.Outcome.Code == "ready" {
				on := time.Date(when.Year(), when.Month(), when.Day(), 0, 0, 0, 0, time.UTC)
				until := on.AddDate(1, 0, 0)
				if _, err := tx.ExecContext(ctx, `INSERT INTO assess_awards (assessment_id, kind, subject_type, subject_id, result, label, awarded_on, valid_until)
					VALUES ($1, 'readiness', 'organisation', $2, 'ready', 'Ready', $3, $4)`, a, o.ID, on, until); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO org_badges (organisation_id, kind, label, awarded_on, valid_until, source_type, source_id)
					VALUES ($1, 'commissioning_ready', 'Commissioning ready', $2, $3, 'assessment', $4)`, o.ID, on, until, a); err != nil {
					return err
				}
			}
			t.Result.Counts["readiness "+res.Outcome.Code]++
		}
		return demoHealthChecks(ctx, tx, t, hc, consortia)
	})
}

type demoConsortium struct {
	id      int64
	name    string
	leadOrg int64
}

// demoConsortia returns active consortia with a lead, making a few when
// the partnerships step made too few.
func demoConsortia(ctx context.Context, t *Town) ([]demoConsortium, error) {
	load := func() ([]demoConsortium, error) {
		rows, err := t.DB.Q().QueryContext(ctx, `SELECT p.id, p.name, MIN(pm.organisation_id) FROM partnerships p JOIN partnership_members pm ON pm.partnership_id = p.id AND pm.role = 'lead'
			WHERE p.model IN `+models.ConsortiumSQL()+` AND p.status IN ('active','forming')
			GROUP BY p.id, p.name ORDER BY p.id LIMIT 8`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []demoConsortium
		for rows.Next() {
			var c demoConsortium
			if err := rows.Scan(&c.id, &c.name, &c.leadOrg); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, rows.Err()
	}
	cs, err := load()
	if err != nil || len(cs) >= 6 {
		return cs, err
	}
	var third []*accounts.Organisation
	for i := range t.Orgs {
		if accounts.IsThirdSector(t.Orgs[i].Sector) {
			third = append(third, &t.Orgs[i])
		}
	}
	err = t.DB.Write(ctx, func(tx *db.Tx) error {
		for i := len(cs); i < 6 && len(third) >= 6; i++ {
			name := fmt.Sprintf("%s %s Consortium", Pick(t, prefixes), Pick(t, causes))
			now := demoRef.AddDate(-2, 0, 0)
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO partnerships (uuid, slug, name, model, status, start_date, created_at, updated_at) VALUES ($1, $2, $3, 'lead_contractor_consortium', 'active', $4, $4, $4) RETURNING id`,
				uuid.NewString(), fmt.Sprintf("%s-%d", clean.Slug(name), i), name, now).Scan(&id); err != nil {
				return err
			}
			var members [][]any
			for j := 0; j < 5; j++ {
				role := "member"
				if j == 0 {
					role = "lead"
				}
				o := third[(i*5+j)%len(third)]
				members = append(members, []any{id, o.ID, role, now, nil, now})
			}
			if err := insertMembers(ctx, tx, members); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return load()
}

// demoRatings draws ratings until the scored outcome is the target (the
// chance of a top rating is tuned to the target).
func demoRatings(t *Town, f *assess.Framework, target string) map[string]int {
	bias := map[string]float64{"awarded": 0.9, "ready": 0.9, "awarded_with_conditions": 0.7, "nearly_ready": 0.6, "not_yet": 0.25}[target]
	var best map[string]int
	for try := 0; try < 60; try++ {
		r := map[string]int{}
		for _, a := range f.Areas {
			for _, in := range a.Indicators {
				opts := in.Options()
				k := len(opts) - 1
				if t.Rand.Float64() > bias {
					k = t.Rand.IntN(len(opts))
				}
				r[in.Code] = opts[k].Value
			}
		}
		best = r
		if assess.Score(f, r).Outcome.Code == target {
			return r
		}
	}
	return best
}

// demoAssessment writes an assessment with its answers, a lead contributor
// (an owner or editor of the lead organisation, when it has one) and history.
func demoAssessment(ctx context.Context, tx *db.Tx, t *Town, fw *assess.FrameworkRow, st string, sid int64, name string, leadOrg int64, status string, when time.Time, ratings map[string]int) (int64, error) {
	started := when.AddDate(0, -2, 0)
	var lead int64
	tx.QueryRowContext(ctx, `SELECT user_id FROM memberships WHERE organisation_id = $1 AND role IN ('owner','editor') ORDER BY role DESC, user_id LIMIT 1`, leadOrg).Scan(&lead)
	var submitted any
	if status != "draft" {
		submitted = when.AddDate(0, 0, -14)
	}
	res := assess.Score(fw.F, ratings)
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO assess_assessments (framework_id, kind, subject_type, subject_id, subject_name, status, created_by, created_at, updated_at, submitted_at, self_score)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, fw.ID, fw.Kind, st, sid, name, status, db.NullID(lead), started, when, submitted, res.Overall).Scan(&id); err != nil {
		return 0, err
	}
	if lead != 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO assess_contributors (assessment_id, user_id, role, invited_by, created_at) VALUES ($1, $2, 'lead', $2, $3)`, id, lead, started); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, a := range fw.F.Areas {
		for _, in := range a.Indicators {
			n++
			if status == "draft" && n%3 == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO assess_answers (assessment_id, indicator, rating, comment, updated_by, updated_at) VALUES ($1, $2, $3, '', $4, $5)`,
				id, in.Code, ratings[in.Code], db.NullID(lead), started.AddDate(0, 0, n%20)); err != nil {
				return 0, err
			}
		}
	}
	steps := [][2]string{{"start", fw.F.Name}}
	if status != "draft" {
		steps = append(steps, [2]string{"submit", fmt.Sprintf("Self-assessed score %.1f", res.Overall)})
	}
	if status == "decided" {
		steps = append(steps, [2]string{"decide", ""})
	}
	for i, s := range steps {
		at := started
		if i == 1 {
			at = when.AddDate(0, 0, -14)
		} else if i == 2 {
			at = when
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assess_history (assessment_id, at, actor, action, note) VALUES ($1, $2, 'demo', $3, $4)`, id, at, s[0], s[1]); err != nil {
			return 0, err
		}
	}
	t.Result.Counts["assessments"]++
	return id, nil
}

func demoReview(ctx context.Context, tx *db.Tx, id int64, ratings map[string]int, when time.Time) error {
	for code, r := range ratings {
		if _, err := tx.ExecContext(ctx, `INSERT INTO assess_reviews (assessment_id, indicator, rating, comment, updated_at) VALUES ($1, $2, $3, '', $4)`, id, code, r, when); err != nil {
			return err
		}
	}
	return nil
}

// demoHealthChecks runs two closed rounds for three partnerships, each
// answered by at least five representatives (made for the demo, without
// passwords that can sign in, when member organisations have too few).
func demoHealthChecks(ctx context.Context, tx *db.Tx, t *Town, hc *assess.FrameworkRow, consortia []demoConsortium) error {
	var pids []int64
	for i, c := range consortia {
		if i < 3 {
			pids = append(pids, c.id)
		}
	}
	hashStmt, err := tx.PrepareContext(ctx, `INSERT INTO users (email, name, password_hash, email_verified_at, created_at, updated_at) VALUES ($1, $2, '!', $3, $3, $3) RETURNING id`)
	if err != nil {
		return err
	}
	defer hashStmt.Close()
	for pi, pid := range pids {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT organisation_id FROM partnership_members WHERE partnership_id = $1 AND left_on IS NULL ORDER BY organisation_id`, pid)
		if err != nil {
			return err
		}
		var orgs []int64
		for rows.Next() {
			var o int64
			rows.Scan(&o)
			orgs = append(orgs, o)
		}
		rows.Close()
		if len(orgs) == 0 {
			continue
		}
		// Representatives: two per member organisation, at least six.
		type rep struct{ user, org int64 }
		var reps []rep
		for i := 0; len(reps) < max(6, 2*len(orgs)) && i < 20; i++ {
			org := orgs[i%len(orgs)]
			var uid int64
			email := fmt.Sprintf("hc-rep-%d-%d@demo.partnerhub.test", pi+1, i+1)
			if err := hashStmt.QueryRowContext(ctx, email, fmt.Sprintf("Partner representative %d.%d", pi+1, i+1), demoRef.AddDate(-1, 0, 0)).Scan(&uid); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (organisation_id, user_id, role, created_at) VALUES ($1, $2, 'viewer', $3) ON CONFLICT DO NOTHING`, org, uid, demoRef.AddDate(-1, 0, 0)); err != nil {
				return err
			}
			reps = append(reps, rep{uid, org})
		}
		for round := 0; round < 2; round++ {
			opened := demoRef.AddDate(0, -8+round*6, 0)
			var rid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO assess_hc_rounds (partnership_id, framework_id, title, opened_at, closes_on, closed_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
				pid, hc.ID, []string{"Spring 2026", "Autumn 2026"}[round], opened, opened.AddDate(0, 1, 0), opened.AddDate(0, 1, 0)).Scan(&rid); err != nil {
				return err
			}
			n := 5 + t.Rand.IntN(len(reps)-4)
			for i := 0; i < n; i++ {
				if _, err := tx.ExecContext(ctx, `INSERT INTO assess_hc_responded (round_id, user_id, organisation_id) VALUES ($1, $2, $3)`, rid, reps[i].user, reps[i].org); err != nil {
					return err
				}
				token := uuid.NewString()
				for ai, a := range hc.F.Areas {
					for _, in := range a.Indicators {
						base := 3 + round // things improve in the second round
						v := base + t.Rand.IntN(3) - 1
						if ai == 3 && round == 0 { // trust divides partners in the first round
							v = []int{1, 2, 5, 5, 4}[t.Rand.IntN(5)]
						}
						v = min(5, max(1, v))
						if _, err := tx.ExecContext(ctx, `INSERT INTO assess_hc_answers (round_id, token, statement, value) VALUES ($1, $2, $3, $4)`, rid, token, in.Code, v); err != nil {
							return err
						}
					}
				}
			}
			t.Result.Counts["health check rounds"]++
		}
	}
	return nil
}
