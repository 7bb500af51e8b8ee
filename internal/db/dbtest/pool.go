package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerhub/internal/db"
)

// The PostgreSQL fixtures come from a pool of migrated schemas. Migrating
// a new schema (65 migrations, each its own transaction) took 1-10 s of
// wall time per test, nearly all of it waiting on PostgreSQL; emptying a
// schema that is already migrated takes one statement.
//
// A pool schema is named <prefix>_<digest>_<n>, where digest identifies
// the migrations (db.MigrationsDigest), so a checkout with other
// migrations has a pool of its own. A test takes the first schema whose
// session advisory lock it gets (pg_try_advisory_lock: the lock keeps
// every other test, in this process or another, out of it until the test
// ends and the lock's connection lets it go; a test binary that dies
// loses its connections and so its locks), and makes it the migrated
// state again before handing it out:
//
//   - The schema's catalog (tables, columns, defaults, constraints,
//     indexes, triggers and whether they are enabled, functions, types and
//     enum labels, rules, policies, grants) is compared with the fingerprint recorded when it was
//     migrated. A test that changed the schema (several drop a trigger,
//     rename a table or add one) leaves a different fingerprint, and the
//     schema is dropped and migrated again. The fingerprint deparses every
//     object (20-40 ms of the server's CPU, about 400 ms on a backend whose
//     caches are cold), so it is only computed when the schema's catalog
//     version (catalogVersion: which rows of those catalogs exist and which
//     transaction last wrote each) differs from the one recorded; a test
//     leaves the version as it found it unless it ran DDL.
//   - Otherwise one transaction, with triggers off (session_replication_role
//     = replica: the append-only and audit-chain triggers would refuse it,
//     and the rows restored already include what triggers derived), empties
//     every table, copies back the rows the migrations wrote (taxonomy
//     terms, settings, schema_migrations...; kept in the companion schema
//     <name>_seed when the schema was migrated) and sets every sequence
//     back to where the migrations left it, so ids start where they start
//     on a fresh schema.
//
// Resetting when a schema is taken rather than when it is given back
// covers a test binary that died holding it. TestPoolSchemaIsResetForTheNextTest
// shows that a test does not see the rows, schema changes or sequence
// positions of the one before.
const poolLockClass = 727275 // the first key of the pool's advisory locks (migrations use 727274)

// poolMark starts a pool schema's comment; a new reset script (or
// snapshot) format gets a new mark, so older pool schemas are built again.
const poolMark = "partnerhub-dbtest-pool-3"

// poolPrefix names the shared pool; tests of the pool itself use their own.
const poolPrefix = "tp"

var adminDBs struct {
	mu sync.Mutex
	m  map[string]*sql.DB
}

// adminDB is one connection pool per server URL for the pool's
// bookkeeping (each test holds one of its connections, with its lock).
func adminDB(base string) (*sql.DB, error) {
	adminDBs.mu.Lock()
	defer adminDBs.mu.Unlock()
	if d := adminDBs.m[base]; d != nil {
		return d, nil
	}
	d, err := sql.Open("pgx", base)
	if err != nil {
		return nil, err
	}
	if adminDBs.m == nil {
		adminDBs.m = map[string]*sql.DB{}
	}
	adminDBs.m[base] = d
	return d, nil
}

// adminConn is one connection of base's admin pool (see adminDB); the
// caller closes it.
func adminConn(ctx context.Context, base string) (*sql.Conn, error) {
	admin, err := adminDB(base)
	if err != nil {
		return nil, err
	}
	conn, err := admin.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("dbtest: connect to %s: %w", base, err)
	}
	return conn, nil
}

// poolSchema takes a schema of the pool named by prefix, in the migrated
// state, and returns a URL whose search_path selects it; the schema goes
// back to the pool when the test ends.
func poolSchema(t testing.TB, base, prefix string) (string, string) {
	t.Helper()
	ctx := context.Background()
	h, err := takeSchema(ctx, base, prefix, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := closeStrays(ctx, h.conn, h.schema, true); err != nil {
			t.Errorf("dbtest: %v", err)
		}
		release(h.conn, h.schema)
	})
	if h.err != nil {
		t.Fatal(h.err)
	}
	if testing.Verbose() {
		t.Logf("dbtest: pool schema %s: %s in %v", h.schema, h.how, h.took.Round(time.Millisecond))
	}
	return h.url, h.schema
}

// held is a pool schema taken by takeSchema: its lock is held on conn
// until release. err is set when the schema was locked but could not be
// made the migrated state (the lock is still to be released).
type held struct {
	conn        *sql.Conn
	schema, url string
	how         string
	took        time.Duration
	err         error
}

// takeSchema locks the first free schema of the pool named by prefix and
// makes it the migrated state; logf reports a failed sweep of stale
// schemas. An error is returned when no schema was locked.
func takeSchema(ctx context.Context, base, prefix string, logf func(string, ...any)) (*held, error) {
	digest, err := db.MigrationsDigest(db.Postgres)
	if err != nil {
		return nil, err
	}
	conn, err := adminConn(ctx, base)
	if err != nil {
		return nil, err
	}
	sweepOnce.Do(func() {
		if err := dropStale(ctx, conn, prefix, digest, time.Now().Add(-staleAfter)); err != nil {
			logf("dbtest: dropping stale pool schemas: %v", err)
		}
		if err := vacuumCatalogs(ctx, conn); err != nil {
			logf("dbtest: vacuuming the system catalogs: %v", err)
		}
	})
	for n := 0; ; n++ {
		schema := fmt.Sprintf("%s_%s_%d", prefix, digest[:16], n)
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, poolLockClass, schema).Scan(&got); err != nil {
			conn.Close()
			return nil, fmt.Errorf("dbtest: lock %s: %w", schema, err)
		}
		if !got {
			continue
		}
		h := &held{conn: conn, schema: schema}
		h.url, h.err = leaseURL(base, schema, newLease())
		if h.err != nil {
			return h, nil
		}
		start := time.Now()
		// Connections of an earlier holder that are still open (a test
		// binary that died mid-query; one its holder's check at the end
		// did not see) are closed before the reset.
		if err := closeStrays(ctx, conn, schema, false); err != nil {
			h.err = fmt.Errorf("dbtest: %w", err)
			return h, nil
		}
		h.how, err = prepare(ctx, conn, h.url, schema, digest)
		if err != nil {
			h.err = fmt.Errorf("dbtest: prepare pool schema %s: %w", schema, err)
			return h, nil
		}
		h.took = time.Since(start)
		lastPrepared.Store(h.how)
		return h, nil
	}
}

// release gives the schema back: the lock is let go and the connection
// returns to the admin pool (or is discarded when unlocking failed, which
// also ends its session and with it the lock).
func release(conn *sql.Conn, schema string) {
	var ok bool
	err := conn.QueryRowContext(context.Background(), `SELECT pg_advisory_unlock($1, hashtext($2))`, poolLockClass, schema).Scan(&ok)
	if err != nil || !ok {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	conn.Close()
}

// A test's connections to its pool schema are named, in their
// application_name, dbtest:<schema>:<lease> (after the name the base URL
// gives, if any), lease being new each time the schema is taken. So the
// pool sees in pg_stat_activity every connection to a schema and whether
// it belongs to the present holder:
//
//   - when a test ends (its own *db.DB closed by then), any connection to
//     the schema still open, its own or an earlier holder's that came back
//     (a goroutine, a server or a *sql.DB that outlived its test, which
//     could otherwise write into the schema after it is reset and handed
//     to the next test), fails the test and is closed (closeStrays);
//   - before a schema is reset, any connection to it is closed.
//
// A straggler that connects again after that is caught at the end of the
// next holder's test (its lease is not the holder's, and is named in the
// failure). TestPoolCatchesConnectionsThatOutliveTheTest shows both.
func leaseURL(base, schema, lease string) (string, error) {
	pu, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := pu.Query()
	q.Set("search_path", schema)
	tag := leaseTag(schema, lease)
	if app := q.Get("application_name"); app != "" && len(app)+1+len(tag) <= 63 {
		tag = app + " " + tag // kept for tests that find their backends by it
	}
	q.Set("application_name", tag)
	// Encode writes a space as '+', which pgx (as libpq) does not decode
	// in a connection URI: the server would see "app+dbtest:...". A '+'
	// of the values themselves is written %2B, so every '+' left is a
	// space.
	pu.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return pu.String(), nil
}

func leaseTag(schema, lease string) string { return "dbtest:" + schema + ":" + lease }

func newLease() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// closeStrays closes every connection to schema's leases (see leaseURL).
// At the end of a test (ending true) it first gives the test's closed
// connections a moment to go (a server process ends after its client
// has gone), and reports any it had to close.
func closeStrays(ctx context.Context, conn *sql.Conn, schema string, ending bool) error {
	const q = `SELECT pid, application_name, state, left(query, 120) FROM pg_stat_activity
		WHERE pid <> pg_backend_pid() AND position($1 in application_name) > 0`
	type backend struct {
		pid              int
		app, state, last string
	}
	find := func() ([]backend, error) {
		rows, err := conn.QueryContext(ctx, q, "dbtest:"+schema+":")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []backend
		for rows.Next() {
			var b backend
			var state, last sql.NullString
			if err := rows.Scan(&b.pid, &b.app, &state, &last); err != nil {
				return nil, err
			}
			b.state, b.last = state.String, last.String
			out = append(out, b)
		}
		return out, rows.Err()
	}
	strays, err := find()
	for wait := 10 * time.Millisecond; err == nil && len(strays) > 0 && ending && wait < 2*time.Second; wait *= 2 {
		time.Sleep(wait)
		strays, err = find()
	}
	if err != nil || len(strays) == 0 {
		return err
	}
	var names []string
	for _, b := range strays {
		// Waits up to 5 s for the backend to end.
		if _, err := conn.ExecContext(ctx, `SELECT pg_terminate_backend($1, 5000)`, b.pid); err != nil {
			return fmt.Errorf("close connection %d to %s: %w", b.pid, schema, err)
		}
		names = append(names, fmt.Sprintf("%s (%s, last query %q)", b.app, b.state, b.last))
	}
	if !ending {
		return nil
	}
	return fmt.Errorf("%d connection(s) to pool schema %s still open when the test ended, now closed: a goroutine, server or *sql.DB outlived the test and could have written into the schema after it was handed to the next one: %s",
		len(strays), schema, strings.Join(names, "; "))
}

// skipReset is for TestPoolSchemaIsResetForTheNextTest's own check that it
// can fail: with it set, a pool schema is handed out as the last test left it.
var skipReset bool

// lastPrepared is what prepare last did (for the pool's tests).
var lastPrepared atomic.Value

// prepare makes the locked schema the migrated state: reset when its
// catalog is still the one recorded after migrating, built anew
// otherwise; it says which, and why it built.
func prepare(ctx context.Context, conn *sql.Conn, u, schema, digest string) (string, error) {
	var comment sql.NullString
	err := conn.QueryRowContext(ctx, `SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1`, schema).Scan(&comment)
	if err != nil && err != sql.ErrNoRows {
		return "", err
	}
	why := "new schema"
	if comment.Valid {
		why = "not a complete pool schema of these migrations"
		if f := strings.Fields(comment.String); len(f) == 5 && f[0] == poolMark && f[1] == digest {
			version, err := catalogVersion(ctx, conn, schema)
			if err != nil {
				return "", err
			}
			how, same := "reset", version == f[3]
			if !same {
				// Catalog rows were written: the schema changed, or a
				// test changed it back (a trigger disabled and enabled
				// again), or a command rewrote a row to the same values.
				fp, err := fingerprint(ctx, conn, schema)
				if err != nil {
					return "", err
				}
				if same = fp == f[2]; same {
					how = "reset (catalog rows rewritten, same fingerprint)"
					if err := recordPool(ctx, conn, schema, digest, fp, version); err != nil {
						return "", err
					}
				}
			}
			why = "the last test changed the schema"
			if same {
				if skipReset {
					return "handed out as left (skipReset)", nil
				}
				var script string
				err := conn.QueryRowContext(ctx, `SELECT script FROM `+quoteIdent(schema+"_seed")+`.dbtest_reset`).Scan(&script)
				var grown []string
				if err == nil {
					grown, err = grownTables(ctx, conn, schema)
				}
				if err == nil {
					if _, err = conn.ExecContext(ctx, script); err == nil {
						if err := vacuum(ctx, conn, schema, grown); err != nil {
							return "", err
						}
						return how, nil
					}
					conn.ExecContext(ctx, "ROLLBACK")
				}
				// For example without the privilege to set
				// session_replication_role: build anew.
				why = fmt.Sprintf("reset failed: %v", err)
			}
		}
	}
	if err := build(ctx, conn, u, schema, digest); err != nil {
		return "", err
	}
	return "migrated (" + why + ")", nil
}

// grownRows is the number of rows (live and dead, as the server's
// statistics count them) over which a pool schema's table is vacuumed
// after the reset has emptied it.
const grownRows = 1000

// grownTables lists the tables of schema that hold more than grownRows
// rows, live or dead, by the server's statistics (no table is read):
// the reset is about to delete them, and vacuum gives their space back
// after it. The reset DELETEs, and a deleted row stays in its table and
// its indexes until VACUUM: on a server without autovacuum (this
// project's test machine runs with it off) every test's rows, and a
// benchmark's hundreds of thousands, stayed in the pool's tables for
// good, and every later reset read them all again: after benchmarks had
// imported 200,000 organisations into a pool schema, taking it cost 303 ms
// of the server's CPU, against 14-16 ms on the same server when it was new
// (the README, issue 20 target 9). The statistics lag
// (a backend reports them at most once a second, and when it ends), so a
// table may be vacuumed one reset late; none is left to grow.
func grownTables(ctx context.Context, conn *sql.Conn, schema string) ([]string, error) {
	return strings1(ctx, conn, `SELECT quote_ident(c.relname) FROM pg_class c
		WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'
		AND pg_stat_get_live_tuples(c.oid) + pg_stat_get_dead_tuples(c.oid) > $2
		ORDER BY c.relname`, quoteIdent(schema), grownRows)
}

// deadCatalogRows is the number of dead rows in a system catalog over
// which vacuumCatalogs vacuums it.
const deadCatalogRows = 20000

// vacuumCatalogs vacuums the system catalogs that hold more than
// deadCatalogRows dead rows. Every schema the tests create and drop (the
// pool's builds, NewSchema's, the benchmarks' towns) leaves its catalog
// rows dead, about a thousand in pg_attribute alone; without autovacuum
// (off on this project's test machine) they stayed, and the pool's
// catalogVersion reads pg_class, pg_attribute and the others for every
// test: after a day of runs pg_attribute held 493,000 dead rows and
// pg_class 95,000, and taking a freshly built pool schema cost 41-47 ms
// of wall time, 36-39 ms once they were vacuumed (the pages stay
// allocated), against 14-16 ms when the server was new (the README,
// issue 20 target 9). Each test binary looks once; another
// binary vacuuming the same catalog at that moment makes this one wait
// for it. Vacuuming a catalog needs a superuser or the database's owner;
// without that PostgreSQL skips it with a warning, and nothing fails.
func vacuumCatalogs(ctx context.Context, conn *sql.Conn) error {
	dead, err := strings1(ctx, conn, `SELECT c.oid::regclass::text FROM pg_class c
		WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r' AND NOT c.relisshared
		AND pg_stat_get_dead_tuples(c.oid) > $1 ORDER BY 1`, deadCatalogRows)
	if err != nil || len(dead) == 0 {
		return err
	}
	_, err = conn.ExecContext(ctx, `VACUUM `+strings.Join(dead, ", "))
	return err
}

// vacuum vacuums tables of schema (see grownTables). VACUUM cannot run
// inside the reset's transaction, so it runs after it, while the test's
// lock still keeps every other test out of the schema.
func vacuum(ctx context.Context, conn *sql.Conn, schema string, tables []string) error {
	if len(tables) == 0 {
		return nil
	}
	names := make([]string, len(tables))
	for i, tb := range tables {
		names[i] = quoteIdent(schema) + "." + tb
	}
	if _, err := conn.ExecContext(ctx, `VACUUM `+strings.Join(names, ", ")); err != nil {
		return fmt.Errorf("vacuum the grown tables of %s: %w", schema, err)
	}
	return nil
}

// build drops the schema, migrates it from nothing, keeps the rows the
// migrations wrote and the sequences' positions in <schema>_seed with the
// script that restores them, and records the digest and the catalog's
// fingerprint and version in the schema's comment (last, so a schema
// whose build was interrupted is built again).
func build(ctx context.Context, conn *sql.Conn, u, schema, digest string) error {
	s, seed := quoteIdent(schema), quoteIdent(schema+"_seed")
	for _, q := range []string{
		`DROP SCHEMA IF EXISTS ` + s + ` CASCADE`,
		`DROP SCHEMA IF EXISTS ` + seed + ` CASCADE`,
		`CREATE SCHEMA ` + s,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	d, err := db.Open(ctx, db.Options{URL: u})
	if err != nil {
		return err
	}
	_, err = d.Migrate(ctx)
	d.Close()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	script, err := snapshot(ctx, conn, schema)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	fp, err := fingerprint(ctx, conn, schema)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO `+seed+`.dbtest_reset (script) VALUES ($1)`, script); err != nil {
		return err
	}
	version, err := catalogVersion(ctx, conn, schema)
	if err != nil {
		return err
	}
	return recordPool(ctx, conn, schema, digest, fp, version)
}

// recordPool writes a pool schema's comment: the mark, the migrations'
// digest, the catalog's fingerprint and version, and when it was written
// (the comment is in pg_description, which catalogVersion does not read).
func recordPool(ctx context.Context, conn *sql.Conn, schema, digest, fp, version string) error {
	_, err := conn.ExecContext(ctx, fmt.Sprintf(`COMMENT ON SCHEMA %s IS '%s %s %s %s %s'`, quoteIdent(schema), poolMark, digest, fp, version, time.Now().UTC().Format("2006-01-02T15:04:05Z")))
	return err
}

// snapshot copies the non-empty tables of schema into <schema>_seed and
// returns the script that brings schema back to this state.
func snapshot(ctx context.Context, conn *sql.Conn, schema string) (string, error) {
	s, seed := quoteIdent(schema), quoteIdent(schema+"_seed")
	if _, err := conn.ExecContext(ctx, `CREATE SCHEMA `+seed+`; CREATE TABLE `+seed+`.dbtest_reset (script TEXT NOT NULL)`); err != nil {
		return "", err
	}
	return fillScript(ctx, conn, schema, schema, func(tb, list string) (string, error) {
		_, err := conn.ExecContext(ctx, `CREATE TABLE `+seed+`.`+quoteIdent(tb)+` AS SELECT `+list+` FROM `+s+`.`+quoteIdent(tb))
		return seed, err
	})
}

// fillScript returns the transaction that empties every table of schema
// to and fills it with the rows of from's non-empty tables, read from the
// schema that source names (quoted) for each table and its copied
// columns, and sets to's sequences where from's are.
func fillScript(ctx context.Context, conn *sql.Conn, from, to string, source func(table, cols string) (string, error)) (string, error) {
	f, s := quoteIdent(from), quoteIdent(to)
	tables, err := strings1(ctx, conn, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`, from)
	if err != nil {
		return "", err
	}
	if len(tables) == 0 {
		return "", fmt.Errorf("no tables in %s", from)
	}
	var b strings.Builder
	// DELETE, not TRUNCATE: a test leaves a few rows in a few tables,
	// and TRUNCATE gives each of the ~100 tables and their indexes new
	// files, synced to disk at commit (1-5 s a reset on the loaded test
	// machine, against milliseconds). With triggers off, foreign keys are
	// not checked, so the order does not matter.
	b.WriteString("BEGIN;\nSET LOCAL session_replication_role = replica;\n")
	for _, tb := range tables {
		b.WriteString("DELETE FROM " + s + "." + quoteIdent(tb) + ";\n")
	}
	for _, tb := range tables {
		var rows bool
		if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+f+`.`+quoteIdent(tb)+`)`).Scan(&rows); err != nil {
			return "", err
		}
		if !rows {
			continue
		}
		list, err := copiedColumns(ctx, conn, from, tb)
		if err != nil {
			return "", err
		}
		src, err := source(tb, list)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "INSERT INTO %s.%s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s.%s;\n", s, quoteIdent(tb), list, list, src, quoteIdent(tb))
	}
	if err := setSequences(ctx, conn, &b, from, to); err != nil {
		return "", err
	}
	b.WriteString("COMMIT;\n")
	return b.String(), nil
}

// copiedColumns lists table's columns in schema that a copy of its rows
// carries: generated columns are computed again on insert; the others,
// identity columns included, are copied as they are.
func copiedColumns(ctx context.Context, conn *sql.Conn, schema, table string) (string, error) {
	cols, err := strings1(ctx, conn, `SELECT quote_ident(a.attname) FROM pg_attribute a
			JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
			ORDER BY a.attnum`, schema, table)
	return strings.Join(cols, ", "), err
}

// setSequences writes to b the statements that set every sequence of
// schema to where the same sequence of from is now.
func setSequences(ctx context.Context, conn *sql.Conn, b *strings.Builder, from, schema string) error {
	seqs, err := strings1(ctx, conn, `SELECT format('SELECT setval(%L, %s, %s);', quote_ident($2) || '.' || quote_ident(sequencename),
			COALESCE(last_value, start_value), CASE WHEN last_value IS NULL THEN 'false' ELSE 'true' END)
		FROM pg_sequences WHERE schemaname = $1 ORDER BY sequencename`, from, schema)
	if err != nil {
		return err
	}
	for _, q := range seqs {
		b.WriteString(q + "\n")
	}
	return nil
}

// fingerprint is a digest of schema's catalog: what a test could change
// besides rows and sequence positions (tables, columns, constraints,
// indexes, triggers, rules, functions, types with their enum labels and
// domains' base types, row-level security policies, sequences' options,
// and the privileges granted on the schema, its tables, columns and
// functions: TestFingerprintSeesTypesPoliciesAndGrants).
func fingerprint(ctx context.Context, conn *sql.Conn, schema string) (string, error) {
	var fp string
	err := conn.QueryRowContext(ctx, `
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = $1)
SELECT md5(COALESCE(string_agg(x, E'\n' ORDER BY x), '')) FROM (
  SELECT 'rel ' || c.relname || ' ' || c.relkind::text || ' ' || c.relrowsecurity::text
         || ' ' || c.relpersistence::text || ' ' || c.relreplident::text || ' ' || COALESCE(c.reloptions::text, '')
         || CASE WHEN c.relkind IN ('v', 'm') THEN ' ' || pg_get_viewdef(c.oid) ELSE '' END AS x
    FROM pg_class c JOIN ns ON c.relnamespace = ns.oid
  UNION ALL
  SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text
         || ' ' || a.attidentity::text || a.attgenerated::text || ' ' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '')
         || ' ' || a.attcollation::regcollation::text || ' ' || a.attstorage::text || ' ' || COALESCE(a.attoptions::text, '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON c.relnamespace = ns.oid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(pc.oid)
    FROM pg_constraint pc JOIN ns ON pc.connamespace = ns.oid
  UNION ALL
  SELECT 'idx ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON c.relnamespace = ns.oid
  UNION ALL
  SELECT 'trg ' || pg_get_triggerdef(tg.oid) || ' ' || tg.tgenabled::text
    FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN ns ON c.relnamespace = ns.oid
   WHERE NOT tg.tgisinternal
  UNION ALL
  SELECT 'rule ' || c.relname || ' ' || r.rulename || ' ' || r.ev_enabled::text || ' ' || pg_get_ruledef(r.oid)
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN ns ON c.relnamespace = ns.oid
  UNION ALL
  SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(COALESCE(p.prosrc, '') || COALESCE(p.prosqlbody::text, ''))
         || ' ' || p.prosecdef::text || p.proisstrict::text || p.proleakproof::text || p.provolatile::text || p.proparallel::text
         || ' ' || p.prorettype::regtype::text || ' ' || COALESCE(p.proconfig::text, '')
    FROM pg_proc p JOIN ns ON p.pronamespace = ns.oid
  UNION ALL
  SELECT 'type ' || t.typname || ' ' || t.typtype::text || ' ' || COALESCE(pg_catalog.format_type(t.typbasetype, t.typtypmod), '')
         || ' ' || t.typnotnull::text || ' ' || COALESCE(t.typdefault, '')
    FROM pg_type t JOIN ns ON t.typnamespace = ns.oid
  UNION ALL
  SELECT 'enum ' || t.typname || ' ' || e.enumsortorder::text || ' ' || e.enumlabel
    FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN ns ON t.typnamespace = ns.oid
  UNION ALL
  SELECT 'pol ' || c.relname || ' ' || p.polname || ' ' || p.polcmd::text || ' ' || p.polpermissive::text || ' ' || p.polroles::text
         || ' ' || COALESCE(pg_get_expr(p.polqual, p.polrelid), '') || ' ' || COALESCE(pg_get_expr(p.polwithcheck, p.polrelid), '')
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN ns ON c.relnamespace = ns.oid
  UNION ALL
  SELECT 'acl ' || c.relname || ' ' || c.relacl::text || ' ' || c.relforcerowsecurity::text
    FROM pg_class c JOIN ns ON c.relnamespace = ns.oid WHERE c.relacl IS NOT NULL OR c.relforcerowsecurity
  UNION ALL
  SELECT 'acl ' || a.attrelid::regclass::text || '.' || a.attname || ' ' || a.attacl::text
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON c.relnamespace = ns.oid WHERE a.attacl IS NOT NULL
  UNION ALL
  SELECT 'acl fn ' || p.oid::regprocedure::text || ' ' || p.proacl::text
    FROM pg_proc p JOIN ns ON p.pronamespace = ns.oid WHERE p.proacl IS NOT NULL
  UNION ALL
  SELECT 'acl schema ' || COALESCE(n.nspacl::text, '') FROM pg_namespace n JOIN ns ON n.oid = ns.oid
  UNION ALL
  SELECT 'seq ' || c.relname || ' ' || concat_ws(' ', sq.seqtypid::regtype::text, sq.seqstart, sq.seqincrement, sq.seqmax, sq.seqmin, sq.seqcache, sq.seqcycle)
    FROM pg_sequence sq JOIN pg_class c ON c.oid = sq.seqrelid JOIN ns ON c.relnamespace = ns.oid
) parts`, schema).Scan(&fp)
	return fp, err
}

// catalogVersion is a digest of which rows of the catalogs the
// fingerprint reads belong to schema's objects, and of the transaction
// that wrote each (its xmin): DDL inserts, updates or deletes rows there,
// and an updated row carries the xmin of the transaction that updated it,
// so any change the fingerprint could see changes the version (the
// converse need not hold: a trigger disabled and enabled again leaves the
// fingerprint as it was and a new version). Rows, sequence positions,
// VACUUM and ANALYZE (which update pg_class in place) leave it as it is.
// Nothing is deparsed, so it costs a third of the fingerprint.
// TestCatalogVersionSeesSchemaChanges.
func catalogVersion(ctx context.Context, conn *sql.Conn, schema string) (string, error) {
	var v string
	err := conn.QueryRowContext(ctx, `
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = $1),
rel AS (SELECT c.oid, c.xmin FROM pg_class c JOIN ns ON c.relnamespace = ns.oid)
SELECT md5(COALESCE(string_agg(x, ',' ORDER BY x), '')) FROM (
  SELECT 'n' || n.xmin::text FROM pg_namespace n JOIN ns ON n.oid = ns.oid
  UNION ALL SELECT 'c' || rel.oid::text || ':' || rel.xmin::text FROM rel
  UNION ALL SELECT 'a' || a.attrelid::text || ':' || a.attnum::text || ':' || a.xmin::text FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid
  UNION ALL SELECT 'd' || d.oid::text || ':' || d.xmin::text FROM pg_attrdef d JOIN rel ON rel.oid = d.adrelid
  UNION ALL SELECT 'k' || k.oid::text || ':' || k.xmin::text FROM pg_constraint k JOIN ns ON k.connamespace = ns.oid
  UNION ALL SELECT 'i' || i.indexrelid::text || ':' || i.xmin::text FROM pg_index i JOIN rel ON rel.oid = i.indexrelid
  UNION ALL SELECT 't' || g.oid::text || ':' || g.xmin::text FROM pg_trigger g JOIN rel ON rel.oid = g.tgrelid
  UNION ALL SELECT 'r' || r.oid::text || ':' || r.xmin::text FROM pg_rewrite r JOIN rel ON rel.oid = r.ev_class
  UNION ALL SELECT 'p' || p.oid::text || ':' || p.xmin::text FROM pg_proc p JOIN ns ON p.pronamespace = ns.oid
  UNION ALL SELECT 'y' || y.oid::text || ':' || y.xmin::text FROM pg_type y JOIN ns ON y.typnamespace = ns.oid
  UNION ALL SELECT 'e' || e.oid::text || ':' || e.xmin::text FROM pg_enum e JOIN pg_type y ON y.oid = e.enumtypid JOIN ns ON y.typnamespace = ns.oid
  UNION ALL SELECT 'o' || o.oid::text || ':' || o.xmin::text FROM pg_policy o JOIN rel ON rel.oid = o.polrelid
  UNION ALL SELECT 's' || s.seqrelid::text || ':' || s.xmin::text FROM pg_sequence s JOIN rel ON rel.oid = s.seqrelid
) parts(x)`, schema).Scan(&v)
	return v, err
}

func strings1(ctx context.Context, conn *sql.Conn, q string, args ...any) ([]string, error) {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// dropPool drops every schema of the pool named by prefix (and their
// _seed companions) that no test holds: the pool's own test cleans up
// after itself with it.
func dropPool(ctx context.Context, base, prefix string) error {
	conn, err := adminConn(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close()
	names, err := strings1(ctx, conn, `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 AND nspname NOT LIKE '%\_seed' ORDER BY nspname`, prefix+`\_%`)
	if err != nil {
		return err
	}
	for _, n := range names {
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, poolLockClass, n).Scan(&got); err != nil || !got {
			continue
		}
		_, err := conn.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+quoteIdent(n)+` CASCADE; DROP SCHEMA IF EXISTS `+quoteIdent(n+"_seed")+` CASCADE`)
		conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, poolLockClass, n)
		if err != nil {
			return err
		}
	}
	return nil
}

// staleAfter is how long ago a pool schema of other migrations (another
// checkout's, or this one's before its migrations changed) must have been
// built before dropStale drops it.
const staleAfter = 24 * time.Hour

var sweepOnce sync.Once

// dropStale drops, with their _seed companions, the schemas of the pool
// named by prefix that belong to migrations other than digest's and were
// built before cutoff (the time in their comment; a schema with no
// readable comment is an interrupted build and counts as old), each only
// while holding its advisory lock: a schema a test holds is never dropped,
// and one taken after is built again. Each test binary sweeps once.
func dropStale(ctx context.Context, conn *sql.Conn, prefix, digest string, cutoff time.Time) error {
	rows, err := conn.QueryContext(ctx, `SELECT nspname, COALESCE(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace
		WHERE nspname LIKE $1 AND nspname NOT LIKE '%\_seed'`, prefix+`\_%`)
	if err != nil {
		return err
	}
	type cand struct{ name, comment string }
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.name, &c.comment); err != nil {
			rows.Close()
			return err
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	current := prefix + "_" + digest[:16] + "_"
	for _, c := range cands {
		if strings.HasPrefix(c.name, current) {
			continue
		}
		if f := strings.Fields(c.comment); len(f) >= 4 {
			// The time is last (four fields before pool-3, five since).
			if built, err := time.Parse("2006-01-02T15:04:05Z", f[len(f)-1]); err == nil && built.After(cutoff) {
				continue
			}
		}
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, poolLockClass, c.name).Scan(&got); err != nil {
			return err
		}
		if !got {
			continue // in use
		}
		_, err := conn.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+quoteIdent(c.name)+` CASCADE; DROP SCHEMA IF EXISTS `+quoteIdent(c.name+"_seed")+` CASCADE`)
		conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, poolLockClass, c.name)
		if err != nil {
			return err
		}
	}
	return nil
}
