package accounts_test

import (
	"fmt"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// BenchmarkMembersPage is a signed-in, org-scoped page through the whole
// middleware: session lookup, membership load, OrgRole policy, render.
func BenchmarkMembersPage(b *testing.B) {
	d := dbtest.SQLite(b)
	env := apptest.New(b, d)
	members := map[string]string{"owner@example.org": "owner"}
	env.User("owner@example.org", false)
	for i := 0; i < 30; i++ {
		e := fmt.Sprintf("member%02d@example.org", i)
		env.User(e, false)
		members[e] = "viewer"
	}
	org := env.Org("Fylde Food Bank", "vcs", members)
	c := env.As("owner@example.org")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := c.Get("/orgs/" + org.Slug + "/members"); res.Code != 200 {
			b.Fatal(res.Code)
		}
	}
}

// BenchmarkAdminUserSearch searches 5,000 users by name or email.
func BenchmarkAdminUserSearch(b *testing.B) {
	d := dbtest.SQLite(b)
	env := apptest.New(b, d)
	env.User("admin@example.org", true)
	ctx := env.Ctx
	err := d.Write(ctx, func(tx *db.Tx) error {
		for i := 0; i < 5000; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, password_hash, is_admin, created_at, updated_at) VALUES ($1, $2, 'x', FALSE, $3, $3)`,
				fmt.Sprintf("person%04d@example.org", i), fmt.Sprintf("Person %04d", i), db.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	c := env.As("admin@example.org")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := c.Get("/admin/users?q=son12&page=2&per_page=5"); res.Code != 200 {
			b.Fatal(res.Code)
		}
	}
}
