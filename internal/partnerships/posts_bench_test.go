package partnerships

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
)

// seedPosts stores n posts from 1,000 organisations, each with three needs
// and two wards; about half are open on day today.
func seedPosts(b testing.TB, d *db.DB, n int, today time.Time) []int64 {
	ctx := context.Background()
	var terms []int64
	rows, err := d.Q().QueryContext(ctx, `SELECT id FROM taxonomy_terms ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		terms = append(terms, id)
	}
	rows.Close()
	wards := directory.Wards()
	var orgs []int64
	err = d.Write(ctx, func(tx *db.Tx) error {
		now := db.Now()
		insO, err := tx.PrepareContext(ctx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ($1, $1, $2, 'vcs', 'charity', $3, $3) RETURNING id`)
		if err != nil {
			return err
		}
		defer insO.Close()
		for i := 0; i < 1000; i++ {
			var id int64
			if err := insO.QueryRowContext(ctx, "bench-post-org-"+strconv.Itoa(i), fmt.Sprintf("Posting organisation %d", i), now).Scan(&id); err != nil {
				return err
			}
			orgs = append(orgs, id)
		}
		insP, err := tx.PrepareContext(ctx, `INSERT INTO partner_posts (organisation_id, title, description, closes_on, status, created_at, updated_at) VALUES ($1, $2, '', $3, $4, $5, $5) RETURNING id`)
		if err != nil {
			return err
		}
		defer insP.Close()
		insT, err := tx.PrepareContext(ctx, `INSERT INTO partner_post_terms (post_id, term_id) VALUES ($1, $2)`)
		if err != nil {
			return err
		}
		defer insT.Close()
		insA, err := tx.PrepareContext(ctx, `INSERT INTO partner_post_areas (post_id, area) VALUES ($1, $2)`)
		if err != nil {
			return err
		}
		defer insA.Close()
		for i := 0; i < n; i++ {
			closes := today.AddDate(0, 0, (i*37)%200-100)
			status := "open"
			if i%7 == 0 {
				status = "closed"
			}
			var id int64
			if err := insP.QueryRowContext(ctx, orgs[i%len(orgs)], fmt.Sprintf("Looking for partners %d", i), closes, status, now).Scan(&id); err != nil {
				return err
			}
			for k := 0; k < 3; k++ {
				if _, err := insT.ExecContext(ctx, id, terms[(i*7+k*(len(terms)/3+1))%len(terms)]); err != nil {
					return err
				}
			}
			if _, err := insA.ExecContext(ctx, id, wards[i%len(wards)]); err != nil {
				return err
			}
			if _, err := insA.ExecContext(ctx, id, wards[(i+1+(i/3)%(len(wards)-1))%len(wards)]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Statistics as a live database has them (autovacuum on PostgreSQL).
	if _, err := d.W().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return terms
}

// BenchmarkPostsList: one page of the public listing (open posts, needs
// and areas loaded) unfiltered and filtered by a need and a ward, over
// 20,000 posts (PARTNERHUB_BENCH_LARGE=1: 200,000), on both databases.
func BenchmarkPostsList(b *testing.B) {
	n := 20000
	if os.Getenv("PARTNERHUB_BENCH_LARGE") != "" {
		n = 200000
	}
	dbs := map[string]*db.DB{"sqlite": dbtest.SQLite(b)}
	if u := dbtest.PostgresURL(b); u != "" {
		dbs["postgres"] = dbtest.Postgres(b, u)
	}
	for _, name := range []string{"sqlite", "postgres"} {
		d := dbs[name]
		if d == nil {
			continue
		}
		today := Date(2026, 11, 25)
		terms := seedPosts(b, d, n, today)
		ctx := context.Background()
		for _, c := range []struct {
			name string
			f    PostFilter
		}{
			{"open", PostFilter{Today: today, OpenOnly: true, Limit: 20, WithDetail: true}},
			{"open_need_ward", PostFilter{Today: today, OpenOnly: true, Term: []int64{terms[len(terms)/2]}, Area: "Bloomfield", Limit: 20, WithDetail: true}},
			{"open_words_page5", PostFilter{Today: today, OpenOnly: true, Q: "partners 12", Limit: 20, Offset: 80, WithDetail: true}},
		} {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				var total int
				for b.Loop() {
					ps, t, err := ListPosts(ctx, d.Q(), c.f)
					if err != nil {
						b.Fatal(err)
					}
					if len(ps) == 0 {
						b.Fatal("empty page")
					}
					total = t
				}
				b.ReportMetric(float64(total), "matches")
			})
		}
	}
}
