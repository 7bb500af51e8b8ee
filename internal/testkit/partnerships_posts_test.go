package testkit

import (
	"context"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestPostsDemo checks the "looking for partners" demo: open posts closing
// after the demo's today (Blackpool Advocacy's with two responses) and a
// closed post that formed a partnership led by its poster.
func TestPostsDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		res, err := Generate(ctx, d, Options{Seed: 7, Orgs: 80})
		if err != nil {
			t.Fatal(err)
		}
		if res.Counts["partner_posts"] < 4 || res.Counts["partner_post_responses"] < 4 {
			t.Fatalf("counts %v", res.Counts)
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
			JOIN partnership_members m ON m.partnership_id = s.id AND m.role = 'lead' AND m.organisation_id = p.organisation_id
			WHERE p.status = 'formed' AND s.origin = 'looking_for_partners' AND (SELECT COUNT(*) FROM partnership_members x WHERE x.partnership_id = s.id) = 3`).Scan(&formed); err != nil {
			t.Fatal(err)
		}
		if open < 3 || advocacyResponses != 2 || formed != 1 {
			t.Fatalf("open posts %d, Blackpool Advocacy's responses %d, formed %d", open, advocacyResponses, formed)
		}
	})
}
