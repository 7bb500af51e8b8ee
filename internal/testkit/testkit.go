// Package testkit builds a believable demo town, shared by tests, the
// `partnerhub demo` command and the benchmarks: the same seed always gives
// the same town.
package testkit

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/secretkey"
)

//go:embed data/wards.txt
var wardsText string

// Wards are Blackpool's 21 electoral wards of 2003-2023.
func Wards() []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(wardsText))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// DemoPassword is every demo user's password.
const DemoPassword = "tangerine-tower-promenade"

// DemoTOTPSecret is the two-factor sign-in secret (RFC 6238, base32) of
// the demo's admin and assessor, who must use two-factor sign-in: add it
// to an authenticator app, or print a current code with
// `partnerhub user totp-code --email admin@demo.partnerhub.test`.
// It is public: never use it outside the demo.
const DemoTOTPSecret = "PARTNERHUBDEMOTWOFACTORSECRET234"

// DemoTwoFactor are the demo logins enrolled with DemoTOTPSecret.
var DemoTwoFactor = []string{"admin@demo.partnerhub.test", "assessor@demo.partnerhub.test"}

// Options controls the generated town.
type Options struct {
	Seed   int64
	Orgs   int
	Hasher accounts.Hasher
	// Key seals the demo's two-factor secrets: the server's key
	// (secretkey.Load); when nil they are stored plain and sealed by the
	// server's next start-up (accounts.SealTOTPSecrets).
	Key *secretkey.Key
	// Progress, when set, is told each step's name and time as it ends
	// (the benchmarks print it: a large town takes minutes).
	Progress func(step string, took time.Duration)
}

// Login is one demo user to print.
type Login struct {
	Email string
	Role  string
}

// Result describes what was generated.
type Result struct {
	Logins []Login
	Counts map[string]int
}

// Summary is a short human description of the town.
func (r *Result) Summary() string {
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-28s %d\n", k, r.Counts[k])
	}
	return strings.TrimRight(b.String(), "\n")
}

// Town is the generator's state, passed to each step.
type Town struct {
	DB     *db.DB
	Rand   *rand.Rand
	Opts   Options
	Wards  []string
	Orgs   []accounts.Organisation // in id order
	ByName map[string]*accounts.Organisation
	Users  map[string]*accounts.User // by email
	Result *Result
}

// Pick returns a random element.
func Pick[T any](t *Town, xs []T) T { return xs[t.Rand.IntN(len(xs))] }

// Extra are the demo steps of features testkit cannot import (their
// packages import partnerships, whose tests build the demo town): each
// registers its step in an init function (internal/bids does), and
// Generate runs them after its own, in registration order.
var Extra []func(context.Context, *Town) error

// Generate fills an empty, migrated database with the demo town.
func Generate(ctx context.Context, d *db.DB, o Options) (*Result, error) {
	if o.Orgs <= 0 {
		o.Orgs = 300
	}
	if o.Hasher.Memory == 0 {
		o.Hasher = accounts.FastHasher
	}
	t := &Town{
		DB:     d,
		Rand:   rand.New(rand.NewPCG(uint64(o.Seed), 0x9e3779b97f4a7c15)),
		Opts:   o,
		Wards:  Wards(),
		ByName: map[string]*accounts.Organisation{},
		Users:  map[string]*accounts.User{},
		Result: &Result{Counts: map[string]int{}},
	}
	steps := []step{
		{"organisations", organisations},
		{"users", users},
		{"directory", directoryDemo},
		{"partnerships", partnershipsDemo},
		{"posts", postsDemo},
		{"events", eventsDemo},
		{"assess", assessDemo},
		{"opportunities", opportunitiesDemo},
		{"opportunities consult", opportunitiesConsultDemo},
		{"ocds", ocdsDemo},
		{"outcomes", outcomesDemo},
		{"library", libraryDemo},
		{"definition", definitionDemo},
		{"grants", grantsDemo},
		{"shortlist", shortlistDemo},
		{"registers", registersDemo},
	}
	for i, f := range Extra {
		steps = append(steps, step{fmt.Sprintf("extra %d", i+1), f})
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.run(ctx, t); err != nil {
			return nil, fmt.Errorf("demo town, step %s: %w", s.name, err)
		}
		if err := analyzeGrown(ctx, d.Dialect, d.W()); err != nil {
			return nil, fmt.Errorf("demo town, after step %s: %w", s.name, err)
		}
		if o.Progress != nil {
			o.Progress(s.name, time.Since(t0))
		}
	}
	return t.Result, nil
}

// step is one step of Generate.
type step struct {
	name string
	run  func(context.Context, *Town) error
}

// ResetPostgres empties a PostgreSQL database for the demo. Without force
// it refuses a database that already has Partnerhub tables.
func ResetPostgres(ctx context.Context, d *db.DB, force bool) error {
	var n int
	if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if !force {
		return fmt.Errorf("the PostgreSQL database already holds Partnerhub data; run demo with --force to drop it")
	}
	var drops []string
	rows, err := d.Q().QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		drops = append(drops, `DROP TABLE IF EXISTS "`+s+`" CASCADE`)
	}
	rows.Close()
	// Trigger functions that migrations created (audit log, search index...).
	rows, err = d.Q().QueryContext(ctx, `SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		drops = append(drops, `DROP FUNCTION IF EXISTS `+s+` CASCADE`)
	}
	rows.Close()
	for _, q := range drops {
		if _, err := d.W().ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset PostgreSQL: %s: %w", q, err)
		}
	}
	return nil
}

// NewUUID is a UUID for generated records.
func NewUUID(t *Town) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(t.Rand.UintN(256))
	}
	u, _ := uuid.FromBytes(b[:])
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u.String()
}
