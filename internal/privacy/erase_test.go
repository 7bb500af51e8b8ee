package privacy_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"partnerhub/internal/apperr"
	"partnerhub/internal/apptest"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/privacy"
)

const (
	canaryEmail = "zq.canary@example.org"
	canaryName  = "Zebulon Quixotecanary"
)

// hits returns "table.column" for every text column of every table whose
// value contains needle (case-insensitively).
func hits(t *testing.T, d *db.DB, needle string) []string {
	t.Helper()
	ctx := context.Background()
	cols, _, err := privacy.Schema(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cols {
		if !c.Text || strings.HasPrefix(c.Table, "org_fts") {
			continue
		}
		var n int
		q := `SELECT COUNT(*) FROM ` + c.Table + ` WHERE lower(CAST(` + c.Column + ` AS TEXT)) LIKE $1`
		if err := d.Q().QueryRowContext(ctx, q, "%"+strings.ToLower(needle)+"%").Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n > 0 {
			out = append(out, c.Table+"."+c.Column)
		}
	}
	return out
}

// seedCanary makes a person with an account, an organisation they alone
// own, a session, audit entries as actor and subject, mail to them, a
// mention of them in mail to somebody else, a contact entry and a news
// subscription.
func seedCanary(t *testing.T, env *apptest.Env) (privacy.Subject, int64) {
	t.Helper()
	ctx, d := env.Ctx, env.DB
	admin := env.User("admin@example.org", true)
	u := env.User(canaryEmail, false)
	env.User("colleague@example.org", false)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.W().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE users SET name = $1 WHERE id = $2`, canaryName, u.ID)
	org := env.Org("Canary Trust", "vcs", map[string]string{canaryEmail: "owner", "colleague@example.org": "editor"})
	env.As(canaryEmail).Get("/account").Status(t, 200) // a session with IP and browser
	actx := audit.WithActor(ctx, audit.Actor{UserID: u.ID, Name: canaryEmail, RequestID: "r1"})
	if err := audit.Record(actx, d.W(), org.ID, "directory.profile_update", "organisation", org.ID, "contact "+canaryName+" <"+canaryEmail+">"); err != nil {
		t.Fatal(err)
	}
	bctx := audit.WithActor(ctx, audit.Actor{UserID: admin.ID, Name: "admin@example.org"})
	if err := audit.Record(bctx, d.W(), 0, "user.disable", "user", u.ID, canaryEmail); err != nil {
		t.Fatal(err)
	}
	now := db.Now()
	exec(`INSERT INTO outbox (to_addr, subject, body, created_at) VALUES ($1, 'Welcome', $2, $3)`, canaryEmail, "Hello "+canaryName, now)
	exec(`INSERT INTO outbox (to_addr, subject, body, created_at) VALUES ('colleague@example.org', 'News', $1, $2)`, canaryName+" joined Canary Trust", now)
	exec(`INSERT INTO org_contacts (organisation_id, name, email, phone, created_at) VALUES ($1, $2, $3, '01632 960001', $4)`, org.ID, canaryName, canaryEmail, now)
	exec(`INSERT INTO news_subscribers (email, confirm_hash, created_at) VALUES ($1, 'h1', $2)`, canaryEmail, now)
	s, err := privacy.Lookup(ctx, d.Q(), canaryEmail)
	if err != nil || s.UserID != u.ID || s.Name != canaryName {
		t.Fatalf("lookup: %+v %v", s, err)
	}
	return s, org.ID
}

// Erasure leaves no trace of the person: no row of any table names them,
// and on SQLite neither the database file nor its WAL holds their name or
// email; the audit log keeps its rows (and stays append-only) and shows
// "erased person"; the organisation they alone owned gets an admin owner.
func TestErasureLeavesNoTrace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := env.Ctx
		s, orgID := seedCanary(t, env)
		if h := hits(t, d, "quixotecanary"); len(h) < 4 {
			t.Fatalf("the seed should name the canary in many places, found %v", h)
		}
		var auditRows int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&auditRows)

		rep, err := privacy.Erase(ctx, d, s)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(strings.Join(rep.Lines(), "\n"))
		for _, needle := range []string{"quixotecanary", "zq.canary"} {
			if h := hits(t, d, needle); len(h) > 0 {
				t.Errorf("%q still in %v", needle, h)
			}
		}
		if d.Dialect == db.SQLite {
			for _, f := range []string{d.SQLitePath(), d.SQLitePath() + "-wal"} {
				b, err := os.ReadFile(f)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				b = bytes.ToLower(b)
				for _, needle := range []string{"quixotecanary", "zq.canary"} {
					if bytes.Contains(b, []byte(needle)) {
						t.Errorf("%s (%d bytes) still holds %q", f, len(b), needle)
					}
				}
			}
		}
		// The audit log: same rows, still append-only, the person erased.
		var after int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&after)
		if after <= auditRows {
			t.Errorf("audit rows %d -> %d: the erasure itself should be recorded and nothing removed", auditRows, after)
		}
		if _, err := d.W().ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
			t.Error("the audit log is no longer append-only")
		}
		got, _, err := audit.List(ctx, d.Q(), audit.Filter{Action: "directory.profile_update", Limit: 5})
		if err != nil || len(got) != 1 || got[0].Actor != "erased person" || got[0].Detail != "" {
			t.Errorf("audit entry after erasure: %+v %v", got, err)
		}
		got, _, _ = audit.List(ctx, d.Q(), audit.Filter{Action: "user.disable", Limit: 5})
		if len(got) != 1 || got[0].Actor != "admin@example.org" || got[0].Subject != "erased person" {
			t.Errorf("admin's entry about the erased person: %+v", got)
		}
		// The hash chain covers no erased part: it still verifies, every
		// row, and the admin's page says so beside "erased person".
		if v, err := audit.Verify(ctx, d); err != nil || !v.OK() || v.Entries != after {
			t.Errorf("audit chain after erasure (%d rows): %s %v", after, v, err)
		}
		env.As("admin@example.org").Get("/admin/audit").Status(t, 200).
			Contains(t, fmt.Sprintf("Chain verified: %d entries", after), "erased person")
		// The organisation keeps working, owned by the admin.
		var owner string
		if err := d.Q().QueryRowContext(ctx, `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organisation_id = $1 AND m.role = 'owner'`, orgID).Scan(&owner); err != nil || owner != "admin@example.org" {
			t.Errorf("owner after erasure: %q %v", owner, err)
		}
		if len(rep.HandedOver) != 1 {
			t.Errorf("handed over: %v", rep.HandedOver)
		}
		// The mention in somebody else's mail is replaced, the mail kept.
		if out := env.Outbox("colleague@example.org"); len(out) != 1 || !strings.Contains(out[0].Body, "[erased person] joined") {
			t.Errorf("colleague's mail: %+v", out)
		}
		// The account cannot sign in.
		env.Anon().PostForm("/signin", map[string][]string{"email": {canaryEmail}, "password": {apptest.Password}}).NotContains(t, "Sign out")
	})
}

// Erasing the last platform administrator, or a person under a legal
// hold, is refused with a message, and changes nothing.
func TestErasureRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := env.Ctx
		admin := env.User("only-admin@example.org", true)
		s, err := privacy.SubjectOf(ctx, d.Q(), admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := privacy.Erase(ctx, d, s); !apperr.Is(err, apperr.ECONFLICT) || !strings.Contains(apperr.Message(err), "last platform administrator") {
			t.Fatalf("erase last admin: %v", err)
		}
		u := env.User("held@example.org", false)
		if _, err := d.W().ExecContext(ctx, `INSERT INTO legal_holds (email, reason, created_at) VALUES ('held@example.org', 'Tribunal claim 2026/17', $1)`, db.Now()); err != nil {
			t.Fatal(err)
		}
		hs, _ := privacy.SubjectOf(ctx, d.Q(), u.ID)
		if _, err := privacy.Erase(ctx, d, hs); !apperr.Is(err, apperr.ECONFLICT) || !strings.Contains(apperr.Message(err), "Tribunal claim 2026/17") {
			t.Fatalf("erase under hold: %v", err)
		}
		var emails int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email IN ('only-admin@example.org', 'held@example.org') AND erased_at IS NULL`).Scan(&emails)
		if emails != 2 {
			t.Errorf("a refused erasure changed %d accounts", 2-emails)
		}
	})
}

// An erased person's session, just used (so its identity is cached), is
// nobody on the next request.
func TestEraseEndsCachedSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		u := env.User("gone@example.org", false)
		c := env.As("gone@example.org")
		c.Get("/account").Status(t, 200)
		s, err := privacy.SubjectOf(env.Ctx, d.Q(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := privacy.Erase(env.Ctx, d, s); err != nil {
			t.Fatal(err)
		}
		c.Get("/account").Status(t, 303)
	})
}
