package app_test

// The matrix's objects of organisation A (for the routes with object-level
// policies) and the check that they look missing to other organisations.

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/outcomes"
	"partnerhub/internal/partnerships"
)

// userID is the id of the user with email.
func userID(t *testing.T, env *apptest.Env, email string) int64 {
	t.Helper()
	var id int64
	if err := env.DB.Q().QueryRowContext(env.Ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// objectFixtures makes objects of organisation A, visible to its members
// only: a partnership led by A (with its membership record) and a
// health-check round of it, an assessment of A that its owner, editor and
// viewer work on, and A's response to another organisation's post.
func objectFixtures(t *testing.T, env *apptest.Env, orgA *accounts.Organisation) []pathValue {
	t.Helper()
	p := &partnerships.Partnership{Name: "Alpha Consortium", Model: "lead_contractor_consortium", Status: "forming", Visibility: "members",
		Origin: "other", Members: []partnerships.Member{{OrgID: orgA.ID, Role: "lead"}}}
	if err := env.DB.Write(env.Ctx, func(tx *db.Tx) error { return partnerships.Insert(env.Ctx, tx, p, 0) }); err != nil {
		t.Fatal(err)
	}
	// An assessment of A: its owner leads it, its editor and viewer
	// contribute (an assessment's roles are personal, not A's).
	var a *assess.Assessment
	var round *assess.Round
	var postID, responseID, disputeID, shortlistID, invitationID int64
	err := env.DB.Write(env.Ctx, func(tx *db.Tx) error {
		// A library document owned by A-owner, and a Compact dispute A
		// raised against an organisation none of the actors belongs to.
		made := db.Now()
		if _, err := tx.ExecContext(env.Ctx, `INSERT INTO library_documents (slug, kind, title, owner_id, status, created_at, updated_at) VALUES ('matrix-guide', 'guide', 'Matrix guide', $1, 'adopted', $2, $2)`,
			userID(t, env, "owner-a@authz.test"), made); err != nil {
			return err
		}
		gamma := &accounts.Organisation{Name: "Gamma Compact Trust", Sector: "vcs", LegalForm: "charity"}
		if err := accounts.InsertOrg(env.Ctx, tx, gamma, 0); err != nil {
			return err
		}
		if err := tx.QueryRowContext(env.Ctx, `INSERT INTO compact_disputes (raised_by, against, commitments, subject, stage, raised_on, stage_since, created_at) VALUES ($1, $2, '1.1', 'x', 'raised', $3, $3, $4) RETURNING id`,
			orgA.ID, gamma.ID, made.Truncate(24*time.Hour), made).Scan(&disputeID); err != nil {
			return err
		}
		fw, err := assess.CurrentFramework(env.Ctx, tx, assess.KeyReadiness)
		if err != nil {
			return err
		}
		if a, err = assess.Start(env.Ctx, tx, fw, "organisation", orgA.ID, userID(t, env, "owner-a@authz.test")); err != nil {
			return err
		}
		for _, email := range []string{"editor-a@authz.test", "viewer-a@authz.test"} {
			if _, err := tx.ExecContext(env.Ctx, `INSERT INTO assess_contributors (assessment_id, user_id, role, created_at) VALUES ($1, $2, 'contributor', $3)`,
				a.ID, userID(t, env, email), db.Now()); err != nil {
				return err
			}
		}
		// A health-check round of the partnership A leads.
		if round, err = assess.OpenRound(env.Ctx, tx, p.ID, "Spring check", nil); err != nil {
			return err
		}
		// A's response to a "looking for partners" post of Beta.
		now := db.Now()
		if err := tx.QueryRowContext(env.Ctx, `INSERT INTO partner_posts (organisation_id, title, closes_on, created_at, updated_at)
			SELECT id, 'A youth worker partner', $1, $2, $2 FROM organisations WHERE name = 'Beta Befriending' RETURNING id`, now.AddDate(0, 1, 0), now).Scan(&postID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(env.Ctx, `INSERT INTO partner_post_responses (post_id, organisation_id, message, created_at, updated_at) VALUES ($1, $2, 'We can help', $3, $3) RETURNING id`,
			postID, orgA.ID, now).Scan(&responseID); err != nil {
			return err
		}
		// An invitation for A waiting for its answer (object-level cells
		// stop before the handler, so the partnership it names is moot).
		if err := tx.QueryRowContext(env.Ctx, `INSERT INTO partnership_invitations (partnership_id, organisation_id, role, created_at) VALUES ($1, $2, 'member', $3) RETURNING id`,
			p.ID, orgA.ID, now).Scan(&invitationID); err != nil {
			return err
		}
		// Beta on A's shortlist.
		return tx.QueryRowContext(env.Ctx, `INSERT INTO org_shortlist (organisation_id, candidate_id, note, created_at, updated_at)
			SELECT $1, id, 'Ask about befriending', $2, $2 FROM organisations WHERE name = 'Beta Befriending' RETURNING id`, orgA.ID, now).Scan(&shortlistID)
	})
	if err != nil {
		t.Fatal(err)
	}
	// An outcomes plan of A (private to A's members).
	plan := &outcomes.Plan{OwnerType: outcomes.OwnerOrg, OwnerID: orgA.ID, Title: "Alpha outcomes", Aim: "Change",
		Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2029, 3, 31, 0, 0, 0, 0, time.UTC), Review: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)}
	if err := env.DB.Write(env.Ctx, func(tx *db.Tx) error { return outcomes.CreatePlan(env.Ctx, tx, plan, 0) }); err != nil {
		t.Fatal(err)
	}
	return []pathValue{
		{"/outcomes/plans/{plan}", "{plan}", strconv.FormatInt(plan.ID, 10)},
		{"/outcomes/plans/{plan}/", "{ind}", "1"},
		{"/outcomes/plans/{plan}/", "{version}", "1"},
		{"/outcomes/plans/{plan}/", "{m}", "1"},
		// Object-level cells stop before the handler, so only {id} of an
		// assessment must name a real one.
		{"/assessments/{id}", "{id}", strconv.FormatInt(a.ID, 10)},
		{"/health-checks/{rid}", "{rid}", strconv.FormatInt(round.ID, 10)},
		{"/looking-for-partners/{id}/responses/{rid}", "{id}", strconv.FormatInt(postID, 10)},
		{"/looking-for-partners/{id}/responses/{rid}", "{rid}", strconv.FormatInt(responseID, 10)},
		{"/assessments/{id}/", "{area}", "governance"},
		{"/assessments/{id}/", "{eid}", "1"},
		{"/assessments/{id}/", "{aid}", "1"},
		{"/partnerships/{slug}/members/{id}", "{id}", strconv.FormatInt(p.Members[0].ID, 10)},
		{"/partnerships/{slug}", "{slug}", p.Slug},
		{"/library/{slug}", "{slug}", "matrix-guide"},
		{"/library/{slug}/comments/", "{id}", "1"},
		{"/compact/disputes/{id}", "{id}", strconv.FormatInt(disputeID, 10)},
		{"/api/v1/organizations/{id}", "{id}", orgA.Slug},
		{"/orgs/{org}/shortlist/", "{id}", strconv.FormatInt(shortlistID, 10)},
		{"/orgs/{org}/partnership-invitations/", "{id}", strconv.FormatInt(invitationID, 10)},
	}
}

// TestOtherOrganisationsObjectsLookMissing: an object-level policy answers
// another organisation's member exactly as for a missing object (a
// partnership, an assessment), in HTML and JSON, and a denied write changes
// nothing.
func TestOtherOrganisationsObjectsLookMissing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		m := setupMatrix(t, d)
		b := m.env.As("owner-b@authz.test")
		var slug, assessment string
		for _, o := range m.objects {
			switch o.prefix + " " + o.param {
			case "/partnerships/{slug} {slug}":
				slug = o.value
			case "/assessments/{id} {id}":
				assessment = o.value
			}
		}
		before := snapshot(t, m.env)
		for _, tc := range []struct{ method, suffix, accept string }{
			{"GET", "/edit", ""},
			{"GET", "/edit", "application/json"},
			{"POST", "/edit", ""},
			{"POST", "/delete", ""},
			{"GET", "/members/1/edit", ""},
		} {
			req := func(slug string) *apptest.Response {
				h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
				if tc.accept != "" {
					h.Set("Accept", tc.accept)
				}
				return b.Do(tc.method, "/partnerships/"+slug+tc.suffix, strings.NewReader("name=Taken"), h)
			}
			looksMissing(t, tc.method+" "+tc.suffix+" (Accept "+tc.accept+")", req(slug), req("no-such-partnership"), "Alpha")
		}
		for _, suffix := range []string{"", "/results", "/submit", "/history"} {
			looksMissing(t, "assessment"+suffix, b.Get("/assessments/"+assessment+suffix), b.Get("/assessments/999999"+suffix), "Alpha")
		}
		unchanged(t, before, snapshot(t, m.env))
	})
}
