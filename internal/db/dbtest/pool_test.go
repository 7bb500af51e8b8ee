package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	"partnerhub/internal/db"
)

// pgState is what a test could observe of a schema besides its catalog:
// every table's rows (a digest of them) and every sequence's position.
func pgState(t *testing.T, d *db.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	var tables []string
	rows, err := d.Q().QueryContext(ctx, `SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	sort.Strings(tables)
	for _, tb := range tables {
		var n int
		var digest string
		row := "r::text"
		if tb == "schema_migrations" {
			row = "r.name" // applied_at is when
		}
		q := fmt.Sprintf(`SELECT COUNT(*), COALESCE(md5(string_agg(%s, E'\n' ORDER BY %s)), '') FROM %s r`, row, row, quoteIdent(tb))
		if err := d.Q().QueryRowContext(ctx, q).Scan(&n, &digest); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out["table "+tb] = fmt.Sprintf("%d rows %s", n, digest)
	}
	rows, err = d.Q().QueryContext(ctx, `SELECT sequencename, COALESCE(last_value::text, 'unused') FROM pg_sequences WHERE schemaname = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, v string
		rows.Scan(&n, &v)
		out["sequence "+n] = v
	}
	rows.Close()
	return out
}

func sameState(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	var diff []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			diff = append(diff, k+": missing")
		} else if g != w {
			diff = append(diff, fmt.Sprintf("%s: %s, fresh schema %s", k, g, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, k+": not in a fresh schema")
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Fatalf("%s differs from a freshly migrated schema:\n%s", what, strings.Join(diff, "\n"))
	}
}

func currentSchema(t *testing.T, d *db.DB) string {
	t.Helper()
	var s string
	if err := d.Q().QueryRowContext(context.Background(), `SELECT current_schema()`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPoolSchemaIsResetForTheNextTest: a schema of the pool is handed to
// the next test exactly as a fresh migration leaves it, whatever the test
// before did: rows added, rows the migrations wrote deleted, sequences
// advanced (round 2); a table added and a trigger disabled (round 3). The
// pool is private to this test (its own prefix), so every round gets the
// same schema back, which the test checks.
func TestPoolSchemaIsResetForTheNextTest(t *testing.T) {
	base := RequirePostgres(t)
	ctx := context.Background()
	b := make([]byte, 4)
	rand.Read(b)
	prefix := "tpt" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if err := dropPool(ctx, base, prefix); err != nil {
			t.Errorf("drop the test's pool: %v", err)
		}
	})

	// The reference: a schema migrated from nothing.
	fu, _ := NewSchema(t, base)
	fresh, err := db.Open(ctx, db.Options{URL: fu})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	want := pgState(t, fresh)
	seeded := 0
	for k, v := range want {
		if strings.HasPrefix(k, "table ") && !strings.HasPrefix(v, "0 rows") {
			seeded++
		}
	}
	if seeded < 2 {
		t.Fatalf("the migrations seed %d tables: the test cannot check that seeded rows come back", seeded)
	}

	insertUser := func(t *testing.T, d *db.DB) int64 {
		var id int64
		err := d.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('pool@example.org', 'P', 'x', $1, $1) RETURNING id`, db.Now()).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	var schema string
	var firstID int64
	t.Run("round 1: a new schema, then rows changed", func(t *testing.T) {
		d := postgresFrom(t, base, prefix)
		schema = currentSchema(t, d)
		sameState(t, "a new pool schema", pgState(t, d), want)
		firstID = insertUser(t, d)
		// Delete every row the migrations wrote (triggers off, as some
		// tables are append-only), in every seeded table but the list
		// of migrations.
		err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				return err
			}
			for k, v := range want {
				if strings.HasPrefix(k, "table ") && !strings.HasPrefix(v, "0 rows") && k != "table schema_migrations" {
					if _, err := tx.ExecContext(ctx, `DELETE FROM `+quoteIdent(strings.TrimPrefix(k, "table "))); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("round 2: rows reset, then the schema changed", func(t *testing.T) {
		d := postgresFrom(t, base, prefix)
		if s := currentSchema(t, d); s != schema {
			t.Fatalf("got schema %s, not %s again", s, schema)
		}
		sameState(t, "the pool schema after a test changed rows", pgState(t, d), want)
		if how := lastPrepared.Load(); how != "reset" {
			t.Fatalf("the schema was not reset but %v", how)
		}
		if id := insertUser(t, d); id != firstID {
			t.Fatalf("the first user has id %d, on a fresh schema %d", id, firstID)
		}
		for _, q := range []string{
			`CREATE TABLE pool_extra (n BIGINT)`,
			`ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_no_truncate`,
		} {
			if _, err := d.W().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
	t.Run("round 3: schema built again", func(t *testing.T) {
		d := postgresFrom(t, base, prefix)
		if s := currentSchema(t, d); s != schema {
			t.Fatalf("got schema %s, not %s again", s, schema)
		}
		sameState(t, "the pool schema after a test changed the schema", pgState(t, d), want)
		if how := lastPrepared.Load(); how != "migrated (the last test changed the schema)" {
			t.Fatalf("the schema was not migrated again but %v", how)
		}
		var enabled string
		if err := d.Q().QueryRowContext(ctx, `SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_chain_no_truncate' AND tgrelid = 'audit_chain'::regclass`).Scan(&enabled); err != nil {
			t.Fatal(err)
		}
		if enabled != "O" {
			t.Fatalf("the trigger a test disabled is still disabled (%q)", enabled)
		}
		if err := d.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPoolSchemasAreHeldApart: two fixtures held at once are two schemas.
func TestPoolSchemasAreHeldApart(t *testing.T) {
	base := RequirePostgres(t)
	b := make([]byte, 4)
	rand.Read(b)
	prefix := "tpt" + hex.EncodeToString(b)
	t.Cleanup(func() { dropPool(context.Background(), base, prefix) })
	a := postgresFrom(t, base, prefix)
	c := postgresFrom(t, base, prefix)
	if sa, sc := currentSchema(t, a), currentSchema(t, c); sa == sc {
		t.Fatalf("two tests hold the same schema %s", sa)
	}
}

// TestPostgresFixturesCommitWithoutWaitingForTheDisk: every way a test
// reaches PostgreSQL (a pool schema, a schema of its own, a connection
// string in either form) has synchronous_commit off, and a URL that sets
// it keeps its own setting.
func TestPostgresFixturesCommitWithoutWaitingForTheDisk(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://u@h:5432/test?sslmode=disable", "postgres://u@h:5432/test?sslmode=disable&synchronous_commit=off"},
		{"postgresql://u@h/test", "postgresql://u@h/test?synchronous_commit=off"},
		{"host=h user=u dbname=test", "host=h user=u dbname=test synchronous_commit=off"},
		{"postgres://u@h/test?synchronous_commit=local", "postgres://u@h/test?synchronous_commit=local"},
	} {
		if got := asyncCommit(c.in); got != c.want {
			t.Errorf("asyncCommit(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	base := RequirePostgres(t)
	ctx := context.Background()
	show := func(what string, d *db.DB) {
		t.Helper()
		var v string
		if err := d.Q().QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != "off" {
			t.Errorf("%s: synchronous_commit is %q, want off", what, v)
		}
	}
	show("pool schema", Postgres(t, base))
	u, _ := NewSchema(t, base)
	d, err := db.Open(ctx, db.Options{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	show("a schema of its own", d)
}
