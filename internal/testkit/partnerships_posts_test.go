package testkit

import (
	"context"
	"math/rand/v2"
	"testing"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestPostsDemo checks the "looking for partners" demo: open posts closing
// after the demo's today (Blackpool Advocacy's with two responses) and a
// closed post that formed a partnership. It runs the step itself until the
// step is in Generate's list.
func TestPostsDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		res, err := Generate(ctx, d, Options{Seed: 7, Orgs: 80})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := res.Counts["partner_posts"]; !ok {
			town := &Town{DB: d, Rand: rand.New(rand.NewPCG(7, 1)), Wards: Wards(), ByName: map[string]*accounts.Organisation{}, Users: map[string]*accounts.User{}, Result: res}
			rows, err := d.Q().QueryContext(ctx, `SELECT id, slug, name, sector FROM organisations ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var o accounts.Organisation
				if err := rows.Scan(&o.ID, &o.Slug, &o.Name, &o.Sector); err != nil {
					t.Fatal(err)
				}
				town.Orgs = append(town.Orgs, o)
			}
			rows.Close()
			for i := range town.Orgs {
				town.ByName[town.Orgs[i].Name] = &town.Orgs[i]
			}
			for _, e := range []string{"owner@demo.partnerhub.test", "linda@demo.partnerhub.test", "brian@demo.partnerhub.test"} {
				u, err := accounts.UserByEmail(ctx, d.Q(), e)
				if err != nil {
					t.Fatal(err)
				}
				town.Users[e] = u
			}
			if err := postsDemo(ctx, town); err != nil {
				t.Fatal(err)
			}
		}
		var open, advocacyResponses, formed int
		q := d.Q()
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM partner_posts WHERE status = 'open' AND closes_on > $1`, postsRef).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM partner_post_responses r JOIN partner_posts p ON p.id = r.post_id JOIN organisations o ON o.id = p.organisation_id
			WHERE o.name = 'Blackpool Advocacy' AND r.status = 'active'`).Scan(&advocacyResponses); err != nil {
			t.Fatal(err)
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM partner_posts p JOIN partnerships s ON s.id = p.partnership_id AND s.origin_post_id = p.id
			WHERE p.status = 'formed' AND s.origin = 'looking_for_partners' AND (SELECT COUNT(*) FROM partnership_members m WHERE m.partnership_id = s.id) = 3`).Scan(&formed); err != nil {
			t.Fatal(err)
		}
		if open < 3 || advocacyResponses != 2 || formed != 1 {
			t.Fatalf("open posts %d, Blackpool Advocacy's responses %d, formed %d", open, advocacyResponses, formed)
		}
	})
}
