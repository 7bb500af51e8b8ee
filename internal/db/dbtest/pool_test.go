package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

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

// privatePool names a pool of the test's own (a random prefix), whose
// schemas are dropped when the test ends.
func privatePool(t *testing.T, base string) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	prefix := "tpt" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if err := dropPool(context.Background(), base, prefix); err != nil {
			t.Errorf("drop the test's pool: %v", err)
		}
	})
	return prefix
}

// TestPoolSchemaIsResetForTheNextTest: a schema of the pool is handed to
// the next test exactly as a fresh migration leaves it, whatever the test
// before did: rows added, rows the migrations wrote deleted, sequences
// advanced (round 2); a table added and a trigger disabled (round 3); a
// trigger disabled and enabled again (rounds 4 and 5: reset, the
// fingerprint checked once and the new catalog version recorded). The
// pool is private to this test (its own prefix), so every round gets the
// same schema back, which the test checks.
func TestPoolSchemaIsResetForTheNextTest(t *testing.T) {
	base := RequirePostgres(t)
	ctx := context.Background()
	prefix := privatePool(t, base)

	// The reference: a schema migrated from nothing.
	want := pgState(t, PostgresFresh(t, base))
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
	// again takes the pool's schema once more and checks that it is the
	// same one, that it holds what a fresh schema holds, and how the pool
	// prepared it.
	again := func(t *testing.T, after, how string) *db.DB {
		t.Helper()
		d := postgresFrom(t, base, prefix)
		if s := currentSchema(t, d); s != schema {
			t.Fatalf("got schema %s, not %s again", s, schema)
		}
		sameState(t, "the pool schema after "+after, pgState(t, d), want)
		if got := lastPrepared.Load(); got != how {
			t.Fatalf("the schema was prepared as %v, not %s", got, how)
		}
		return d
	}
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
		d := again(t, "a test changed rows", "reset")
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
		d := again(t, "a test changed the schema", "migrated (the last test changed the schema)")
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
		// A change undone: the catalog's rows are new, its fingerprint
		// is the migrated one.
		for _, q := range []string{
			`ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_no_truncate`,
			`ALTER TABLE audit_chain ENABLE TRIGGER audit_chain_no_truncate`,
		} {
			if _, err := d.W().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		insertUser(t, d)
	})
	t.Run("round 4: a change undone is reset, not built again", func(t *testing.T) {
		insertUser(t, again(t, "a test changed the schema back", "reset (catalog rows rewritten, same fingerprint)"))
	})
	t.Run("round 5: the catalog version recorded again", func(t *testing.T) {
		again(t, "its catalog version was recorded again", "reset")
	})
}

// TestPoolSchemasAreHeldApart: two fixtures held at once are two schemas.
func TestPoolSchemasAreHeldApart(t *testing.T) {
	base := RequirePostgres(t)
	prefix := privatePool(t, base)
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

// recordingTB is a test whose failures and clean-ups are kept, so that a
// test can run the pool's end-of-test check of another and see it fail.
type recordingTB struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// TestPoolCatchesConnectionsThatOutliveTheTest: a connection to a pool
// schema still open when its test ends (here a *sql.DB the test forgot)
// fails that test and is closed; when the forgotten *sql.DB connects again
// later and writes into the schema, now the next test's, the next test
// fails naming it. A test that closed everything passes.
func TestPoolCatchesConnectionsThatOutliveTheTest(t *testing.T) {
	base := RequirePostgres(t)
	ctx := context.Background()
	prefix := privatePool(t, base)

	first := &recordingTB{TB: t}
	u, schema := poolSchema(first, base, prefix)
	leak, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer leak.Close()
	if _, err := leak.Exec(`SELECT 1`); err != nil {
		t.Fatal(err)
	}
	first.end()
	if len(first.errs) != 1 || !strings.Contains(first.errs[0], "still open when the test ended") || !strings.Contains(first.errs[0], schema) {
		t.Fatalf("a test that left a connection open: failures %q, want one naming %s", first.errs, schema)
	}
	var left int
	if err := poolAdmin(t, base).QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE position($1 in application_name) > 0`, "dbtest:"+schema+":").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d connections to %s left open after the test's end", left, schema)
	}

	second := &recordingTB{TB: t}
	u2, schema2 := poolSchema(second, base, prefix)
	if schema2 != schema {
		t.Fatalf("the private pool gave %s, not %s again", schema2, schema)
	}
	// The forgotten *sql.DB connects again and writes.
	if _, err := leak.Exec(`INSERT INTO site_settings (key, value) VALUES ('stray', 'x')`); err != nil {
		// The first attempt may meet the closed connection; database/sql
		// retries on a new one for a bad connection only.
		if _, err := leak.Exec(`INSERT INTO site_settings (key, value) VALUES ('stray', 'x')`); err != nil {
			t.Fatal(err)
		}
	}
	d, err := sql.Open("pgx", u2)
	if err != nil {
		t.Fatal(err)
	}
	d.Exec(`SELECT 1`)
	d.Close()
	second.end()
	if len(second.errs) != 1 || !strings.Contains(second.errs[0], "still open when the test ended") {
		t.Fatalf("a test whose schema a stray connection wrote into: failures %q, want one", second.errs)
	}
	lease1 := strings.TrimPrefix(u[strings.Index(u, "application_name=")+len("application_name="):], "")
	lease1, _, _ = strings.Cut(lease1, "&")
	if lease1 = strings.ReplaceAll(lease1, "%3A", ":"); !strings.Contains(second.errs[0], lease1) {
		t.Errorf("the failure does not name the first test's connection %s: %s", lease1, second.errs[0])
	}

	third := &recordingTB{TB: t}
	u3, _ := poolSchema(third, base, prefix)
	d, err = sql.Open("pgx", u3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`SELECT 1`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	third.end()
	if len(third.errs) != 0 {
		t.Fatalf("a test that closed its connections: failures %q", third.errs)
	}
}

func poolAdmin(t *testing.T, base string) *sql.DB {
	a, err := adminDB(base)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestFingerprintSeesTypesPoliciesAndGrants: a test that adds an enum
// label, a row-level security policy, a grant or changes a sequence's
// options leaves a schema whose
// fingerprint differs, so the pool builds it again instead of resetting
// its rows only.
func TestFingerprintSeesTypesPoliciesAndGrants(t *testing.T) {
	base := RequirePostgres(t)
	ctx := context.Background()
	_, schema := NewSchema(t, base)
	admin := poolAdmin(t, base)
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := quoteIdent(schema)
	if _, err := conn.ExecContext(ctx, `CREATE TYPE `+s+`.mood AS ENUM ('calm'); CREATE TABLE `+s+`.t (n BIGINT, m `+s+`.mood)`); err != nil {
		t.Fatal(err)
	}
	prev, err := fingerprint(ctx, conn, schema)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`ALTER TYPE ` + s + `.mood ADD VALUE 'cross'`,
		`ALTER TABLE ` + s + `.t ENABLE ROW LEVEL SECURITY`,
		`CREATE POLICY only_small ON ` + s + `.t USING (n < 10)`,
		`GRANT SELECT ON ` + s + `.t TO PUBLIC`,
		`GRANT UPDATE (n) ON ` + s + `.t TO PUBLIC`,
		`GRANT USAGE ON SCHEMA ` + s + ` TO PUBLIC`,
		`CREATE SEQUENCE ` + s + `.q`,
		`ALTER SEQUENCE ` + s + `.q INCREMENT BY 5`,
		// Found by the session-11 review: changes the catalog version saw
		// and the fingerprint did not, so a reset would have passed them on.
		`ALTER TABLE ` + s + `.t ADD COLUMN name TEXT`,
		`ALTER TABLE ` + s + `.t ALTER COLUMN name TYPE TEXT COLLATE "C"`,
		`ALTER TABLE ` + s + `.t ALTER COLUMN name SET STORAGE EXTERNAL`,
		`ALTER TABLE ` + s + `.t SET (fillfactor = 70)`,
		`ALTER TABLE ` + s + `.t SET UNLOGGED`,
		`ALTER TABLE ` + s + `.t REPLICA IDENTITY FULL`,
		`CREATE FUNCTION ` + s + `.f(n INT) RETURNS INT LANGUAGE sql AS 'SELECT n'`,
		`ALTER FUNCTION ` + s + `.f(INT) SET search_path = pg_catalog`,
		`ALTER FUNCTION ` + s + `.f(INT) STRICT`,
		`ALTER FUNCTION ` + s + `.f(INT) IMMUTABLE`,
		`ALTER FUNCTION ` + s + `.f(INT) SECURITY DEFINER`,
		`CREATE FUNCTION ` + s + `.g() RETURNS INT LANGUAGE sql BEGIN ATOMIC SELECT 1; END`,
		`CREATE OR REPLACE FUNCTION ` + s + `.g() RETURNS INT LANGUAGE sql BEGIN ATOMIC SELECT 2; END`,
		`CREATE DOMAIN ` + s + `.d AS INT`,
		`ALTER DOMAIN ` + s + `.d SET DEFAULT 5`,
		`ALTER DOMAIN ` + s + `.d SET NOT NULL`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fp, err := fingerprint(ctx, conn, schema)
		if err != nil {
			t.Fatal(err)
		}
		if fp == prev {
			t.Errorf("%s: the fingerprint did not change", q)
		}
		prev = fp
	}
}

// TestStalePoolSchemasAreDropped: a pool schema of other migrations built
// before the cutoff is dropped with its _seed; one built after, one of
// these migrations, and one a test holds (its lock) are kept.
func TestStalePoolSchemasAreDropped(t *testing.T) {
	base := RequirePostgres(t)
	ctx := context.Background()
	prefix := privatePool(t, base)
	digest := strings.Repeat("a", 64)
	other := strings.Repeat("b", 16)
	admin := poolAdmin(t, base)
	mk := func(name, built string) {
		t.Helper()
		for _, q := range []string{`CREATE SCHEMA ` + quoteIdent(name), `CREATE SCHEMA ` + quoteIdent(name+"_seed"),
			fmt.Sprintf(`COMMENT ON SCHEMA %s IS '%s %s fp %s'`, quoteIdent(name), poolMark, other, built)} {
			if _, err := admin.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	oldS, newS, curS, heldS := prefix+"_"+other+"_0", prefix+"_"+other+"_1", prefix+"_"+digest[:16]+"_0", prefix+"_"+other+"_2"
	mk(oldS, "2000-01-01T00:00:00Z")
	mk(newS, "2999-01-01T00:00:00Z")
	mk(curS, "2000-01-01T00:00:00Z")
	mk(heldS, "2000-01-01T00:00:00Z")
	holder, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, poolLockClass, heldS); err != nil {
		t.Fatal(err)
	}
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := dropStale(ctx, conn, prefix, digest, time.Now().Add(-staleAfter)); err != nil {
		t.Fatal(err)
	}
	holder.ExecContext(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, poolLockClass, heldS)
	for name, want := range map[string]bool{oldS: false, oldS + "_seed": false, newS: true, curS: true, heldS: true, heldS + "_seed": true} {
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if (n == 1) != want {
			t.Errorf("schema %s: exists %v, want %v", name, n == 1, want)
		}
	}
}

// TestCatalogVersionSeesSchemaChanges: every kind of schema change a test
// can make (each of the fingerprint's parts) gives the schema a new
// catalog version, so the pool looks at the fingerprint and builds the
// schema again; what a test does to rows and sequence positions, and
// VACUUM and ANALYZE, leave the version as it was, so the next test gets
// the schema without the fingerprint being computed.
func TestCatalogVersionSeesSchemaChanges(t *testing.T) {
	base := RequirePostgres(t)
	ctx := context.Background()
	_, schema := NewSchema(t, base)
	conn, err := poolAdmin(t, base).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := quoteIdent(schema)
	exec := func(q string) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	version := func() string {
		t.Helper()
		v, err := catalogVersion(ctx, conn, schema)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	exec(`CREATE TYPE ` + s + `.mood AS ENUM ('calm');
		CREATE DOMAIN ` + s + `.small AS INT CHECK (VALUE < 100);
		CREATE TABLE ` + s + `.t (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n BIGINT NOT NULL DEFAULT 1, m ` + s + `.mood, note TEXT);
		CREATE TABLE ` + s + `.u (id BIGINT PRIMARY KEY, t_id BIGINT REFERENCES ` + s + `.t (id));
		CREATE FUNCTION ` + s + `.f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
		CREATE TRIGGER t_f BEFORE INSERT ON ` + s + `.t FOR EACH ROW EXECUTE FUNCTION ` + s + `.f();
		CREATE VIEW ` + s + `.v AS SELECT id FROM ` + s + `.t;
		CREATE SEQUENCE ` + s + `.q`)

	unchanged := version()
	for _, q := range []string{
		`INSERT INTO ` + s + `.t (n, m) VALUES (2, 'calm'), (3, NULL)`,
		`UPDATE ` + s + `.t SET note = 'x'`,
		`INSERT INTO ` + s + `.u SELECT id, id FROM ` + s + `.t`,
		`SELECT nextval('` + schema + `.q')`,
		`SELECT setval('` + schema + `.q', 40)`,
		`DELETE FROM ` + s + `.u`,
		`ANALYZE ` + s + `.t`,
		`VACUUM ` + s + `.t`,
		`SET session_replication_role = replica; DELETE FROM ` + s + `.t; RESET session_replication_role`,
	} {
		exec(q)
		if v := version(); v != unchanged {
			t.Errorf("%s: the catalog version changed: the pool would compute the fingerprint after every test", q)
			unchanged = v
		}
	}

	prevV := version()
	prevF, err := fingerprint(ctx, conn, schema)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE ` + s + `.extra (n BIGINT)`,
		`ALTER TABLE ` + s + `.extra RENAME TO extra2`,
		`ALTER TABLE ` + s + `.t ADD COLUMN k TEXT`,
		`ALTER TABLE ` + s + `.t DROP COLUMN k`,
		`ALTER TABLE ` + s + `.t ALTER COLUMN note TYPE VARCHAR(20)`,
		`ALTER TABLE ` + s + `.t ALTER COLUMN n SET DEFAULT 7`,
		`ALTER TABLE ` + s + `.t ALTER COLUMN n DROP NOT NULL`,
		`ALTER TABLE ` + s + `.t ADD CONSTRAINT n_pos CHECK (n > 0)`,
		`ALTER TABLE ` + s + `.u DROP CONSTRAINT u_t_id_fkey`,
		`CREATE INDEX t_n ON ` + s + `.t (n)`,
		`DROP INDEX ` + s + `.t_n`,
		`ALTER TABLE ` + s + `.t DISABLE TRIGGER t_f`,
		`DROP TRIGGER t_f ON ` + s + `.t`,
		`CREATE OR REPLACE FUNCTION ` + s + `.f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$`,
		`CREATE OR REPLACE VIEW ` + s + `.v AS SELECT id, n FROM ` + s + `.t`,
		`CREATE RULE no_delete AS ON DELETE TO ` + s + `.u DO INSTEAD NOTHING`,
		`ALTER TYPE ` + s + `.mood ADD VALUE 'cross'`,
		`ALTER DOMAIN ` + s + `.small DROP CONSTRAINT small_check`,
		`ALTER TABLE ` + s + `.t ENABLE ROW LEVEL SECURITY`,
		`CREATE POLICY only_small ON ` + s + `.t USING (n < 10)`,
		`GRANT SELECT ON ` + s + `.t TO PUBLIC`,
		`GRANT UPDATE (n) ON ` + s + `.t TO PUBLIC`,
		`GRANT USAGE ON SCHEMA ` + s + ` TO PUBLIC`,
		`REVOKE EXECUTE ON FUNCTION ` + s + `.f() FROM PUBLIC`,
		`ALTER SEQUENCE ` + s + `.q INCREMENT BY 5`,
		`DROP VIEW ` + s + `.v`,
	} {
		exec(q)
		v := version()
		if v == prevV {
			t.Errorf("%s: the catalog version did not change", q)
		}
		fp, err := fingerprint(ctx, conn, schema)
		if err != nil {
			t.Fatal(err)
		}
		if fp == prevF {
			t.Errorf("%s: the fingerprint did not change", q)
		}
		prevV, prevF = v, fp
	}
}

// TestLeaseKeepsTheBaseApplicationName: the application name the base URL
// gives comes before the lease's tag, separated by a space, in what the
// server sees (pg_stat_activity), so that a benchmark finds its own
// backends by it (BenchmarkImport's server CPU in internal/directory).
func TestLeaseKeepsTheBaseApplicationName(t *testing.T) {
	base := RequirePostgres(t)
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set("application_name", "lease_app")
	pu.RawQuery = q.Encode()
	d := Postgres(t, pu.String())
	var app string
	if err := d.Q().QueryRowContext(context.Background(), `SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()`).Scan(&app); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(app, "lease_app dbtest:") {
		t.Errorf("application_name %q, want it to begin with %q", app, "lease_app dbtest:")
	}
}

// TestPoolVacuumsWhatTheResetEmptied: a table a test filled past
// grownRows is vacuumed after the next reset, so its space can be given
// back rather than read again by every later reset (the server's
// autovacuum may be off, as on this project's test machine), and a table
// with a row is not. The check is that VACUUM ran on the table, not
// that the table shrank: a transaction open elsewhere on the server keeps
// the deleted rows until it ends.
func TestPoolVacuumsWhatTheResetEmptied(t *testing.T) {
	base := RequirePostgres(t)
	ctx := context.Background()
	prefix := privatePool(t, base)
	vacuums := func(t *testing.T, d *db.DB, table string) int64 {
		t.Helper()
		var n int64
		if err := d.Q().QueryRowContext(ctx, `SELECT pg_stat_get_vacuum_count(to_regclass($1))`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var before, beforeOrgs int64
	t.Run("fill", func(t *testing.T) {
		d := postgresFrom(t, base, prefix)
		for _, q := range []string{
			`INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at)
			SELECT gen_random_uuid()::text, 's' || i, 'S', 'vcs', 'charity', now(), now() FROM generate_series(1, 1) i`,
			`INSERT INTO users (email, name, password_hash, created_at, updated_at)
			SELECT 'u' || i || '@example.org', 'U', 'x', now(), now() FROM generate_series(1, ` + fmt.Sprint(3*grownRows) + `) i`,
			// The statistics the pool reads are sent when the next
			// transaction ends.
			`SELECT pg_stat_force_next_flush()`,
			`SELECT 1`,
		} {
			if _, err := d.W().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		before, beforeOrgs = vacuums(t, d, "users"), vacuums(t, d, "organisations")
	})
	t.Run("taken again", func(t *testing.T) {
		d := postgresFrom(t, base, prefix)
		if got := lastPrepared.Load(); got != "reset" {
			t.Fatalf("the schema was prepared as %v, not reset", got)
		}
		if n := vacuums(t, d, "users"); n != before+1 {
			t.Errorf("users, emptied of %d rows by the reset, was vacuumed %d times since, want once", 3*grownRows, n-before)
		}
		if n := vacuums(t, d, "organisations"); n != beforeOrgs {
			t.Errorf("organisations, one row, was vacuumed %d times, want none", n-beforeOrgs)
		}
	})
}

// TestCatalogsVacuumedWhenDeadRowsPileUp: vacuumCatalogs vacuums a system
// catalog holding more than deadCatalogRows dead rows (pg_attribute,
// after tables of many columns are created and dropped).
func TestCatalogsVacuumedWhenDeadRowsPileUp(t *testing.T) {
	base := RequirePostgres(t)
	ctx := context.Background()
	conn, err := adminConn(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cols := make([]string, 1000)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d int", i)
	}
	b := make([]byte, 4)
	rand.Read(b)
	table := "dbtest_wide_" + hex.EncodeToString(b)
	for i := 0; i*len(cols) <= deadCatalogRows; i++ {
		if _, err := conn.ExecContext(ctx, `CREATE TABLE `+table+` (`+strings.Join(cols, ", ")+`); DROP TABLE `+table); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (vacuums, dead int64) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, `SELECT pg_stat_get_vacuum_count('pg_attribute'::regclass), pg_stat_get_dead_tuples('pg_attribute'::regclass)`).Scan(&vacuums, &dead); err != nil {
			t.Fatal(err)
		}
		return vacuums, dead
	}
	before, dead := count()
	if dead <= deadCatalogRows {
		t.Fatalf("pg_attribute has %d dead rows after dropping %d columns", dead, deadCatalogRows)
	}
	if err := vacuumCatalogs(ctx, conn); err != nil {
		t.Fatal(err)
	}
	// At least once: another test binary may vacuum it at the same time.
	if after, _ := count(); after <= before {
		t.Fatalf("pg_attribute, with %d dead rows, was not vacuumed", dead)
	}
}
