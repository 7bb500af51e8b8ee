package retention_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/config"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/jobs"
	"partnerhub/internal/retention"
)

const day = config.Day

// fixture is a database, an uploads folder and a retention service whose
// clock the test sets.
type fixture struct {
	t   *testing.T
	ctx context.Context
	d   *db.DB
	s   *retention.Service
	now time.Time
	dir string
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	f := &fixture{t: t, ctx: context.Background(), d: d, now: db.Now(), dir: cfg.UploadDir()}
	f.s = retention.New(d, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.s.Now = func() time.Time { return f.now }
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.d.W().ExecContext(f.ctx, q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.Q().QueryRowContext(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// ago is the fixture's now minus d.
func (f *fixture) ago(d time.Duration) time.Time { return f.now.Add(-d) }

// run applies every rule and returns the counts by rule.
func (f *fixture) run() map[string]int64 {
	f.t.Helper()
	counts, err := f.s.Run(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, c := range counts {
		out[c.Rule] = c.Removed
	}
	return out
}

func (f *fixture) user(email string, created time.Time, verified bool) int64 {
	f.t.Helper()
	var v any
	if verified {
		v = created
	}
	var id int64
	if err := f.d.W().QueryRowContext(f.ctx, `INSERT INTO users (email, name, password_hash, email_verified_at, created_at, updated_at) VALUES ($1, $1, '!', $2, $3, $3) RETURNING id`,
		email, v, created).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) org(slug string) int64 {
	f.t.Helper()
	var id int64
	if err := f.d.W().QueryRowContext(f.ctx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ($1, $1, $1, 'vcs', 'charity', $2, $2) RETURNING id`,
		slug, f.now).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) file(folder, name string, mod time.Time) string {
	f.t.Helper()
	p := filepath.Join(f.dir, folder, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("file "+name), 0o640); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Chtimes(p, mod, mod); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestOutboxBodiesAreBlankedAndOldMessagesDeleted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		msg := func(subject string, created time.Time, sent bool) {
			var at any
			if sent {
				at = created
			}
			f.exec(`INSERT INTO outbox (to_addr, subject, body, html_body, unsubscribe_url, kind, created_at, sent_at) VALUES ('a@example.org', $1, 'Dear Ann, your link', '<p>Dear Ann</p>', 'https://x/u/tok', 'k', $2, $3)`, subject, created, at)
		}
		msg("old-sent", f.ago(31*day), true)
		msg("recent-sent", f.ago(29*day), true)
		msg("old-unsent", f.ago(60*day), false)
		msg("ancient-sent", f.ago(366*day), true)
		msg("ancient-unsent", f.ago(400*day), false)
		msg("old-failed", f.ago(31*day), false)
		f.exec(`UPDATE outbox SET failed_at = created_at, attempts = 10 WHERE subject = 'old-failed'`)
		got := f.run()
		if got["outbox"] != 1 || f.count(`SELECT COUNT(*) FROM outbox WHERE subject = 'ancient-sent'`) != 0 {
			t.Errorf("outbox removed %d; the finished message past a year must go", got["outbox"])
		}
		if got["outbox-bodies"] != 3 {
			t.Errorf("outbox-bodies blanked %d, want 3 (sent, failed, and the year-old one before it went)", got["outbox-bodies"])
		}
		blank := func(subject string) bool {
			return f.count(`SELECT COUNT(*) FROM outbox WHERE subject = $1 AND body = '' AND html_body = '' AND unsubscribe_url = ''`, subject) == 1
		}
		for _, gone := range []string{"old-sent", "old-failed"} {
			if !blank(gone) {
				t.Errorf("%s: the body of a message finished 31 days ago was kept", gone)
			}
		}
		for _, kept := range []string{"recent-sent", "old-unsent", "ancient-unsent"} {
			if f.count(`SELECT COUNT(*) FROM outbox WHERE subject = $1 AND body <> ''`, kept) != 1 {
				t.Errorf("%s: body or message removed", kept)
			}
		}
	})
}

func TestSessionsThrottleInvitationsAndTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		uid := f.user("ann@example.org", f.ago(400*day), true)
		org := f.org("org-a")
		for i, exp := range []time.Time{f.ago(8 * day), f.ago(6 * day), f.now.Add(day)} {
			f.exec(`INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip) VALUES ($1, $2, $3, $3, $4, '192.0.2.1')`, string(rune('a'+i)), uid, exp.Add(-14*day), exp)
			f.exec(`INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, 'reset', $3, $3)`, string(rune('a'+i)), uid, exp)
			f.exec(`INSERT INTO auth_unlocks (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $3)`, string(rune('a'+i)), uid, exp)
			f.exec(`INSERT INTO api_tokens (user_id, name, token_hash, created_at, revoked_at) VALUES ($1, 'tok', $2, $3, $3)`, uid, string(rune('a'+i)), exp)
			f.exec(`INSERT INTO remembered_devices (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`, string(rune('a'+i)), uid, exp.Add(-30*day), exp)
		}
		// Closed subject-access requests go a period after completion.
		for i, done := range []any{f.ago(400 * day), f.ago(300 * day), nil} {
			received := f.ago(500 * day).UTC().Truncate(24 * time.Hour)
			f.exec(`INSERT INTO privacy_requests (kind, email, received_on, due_on, created_at, completed_at) VALUES ('access', $1, $2, $3, $4, $5)`,
				fmt.Sprintf("req%d@x", i), received, received, f.ago(500*day), done)
		}
		f.exec(`INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, 'live', 'live', $2)`, uid, f.ago(900*day))
		f.exec(`INSERT INTO auth_failures (key, at) VALUES ('email:ann@example.org', $1), ('ip:192.0.2.1', $2)`, f.ago(25*time.Hour), f.ago(23*time.Hour))
		inv := func(email string, expires time.Time, accepted any) {
			f.exec(`INSERT INTO invitations (organisation_id, email, role, token_hash, created_at, expires_at, accepted_at) VALUES ($1, $2, 'viewer', $2, $3, $4, $5)`, org, email, expires.Add(-14*day), expires, accepted)
		}
		inv("expired-long-ago@x", f.ago(31*day), nil)
		inv("expired-lately@x", f.ago(29*day), nil)
		inv("open@x", f.now.Add(5*day), nil)
		inv("accepted-long-ago@x", f.ago(20*day), f.ago(31*day))
		inv("accepted-lately@x", f.now.Add(day), f.ago(10*day))

		got := f.run()
		want := map[string]int64{"sessions": 1, "throttle": 1, "invitations": 2, "tokens": 4, "subject-access-requests": 1}
		for rule, n := range want {
			if got[rule] != n {
				t.Errorf("%s removed %d, want %d", rule, got[rule], n)
			}
		}
		if n := f.count(`SELECT COUNT(*) FROM sessions WHERE expires_at < $1`, f.ago(7*day)); n != 0 {
			t.Errorf("%d sessions expired over 7 days ago kept", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM sessions`); n != 2 {
			t.Errorf("%d sessions left, want the live one and the one expired 6 days ago", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM auth_failures WHERE key = 'ip:192.0.2.1'`); n != 1 {
			t.Error("a throttling record 23 hours old was removed")
		}
		if n := f.count(`SELECT COUNT(*) FROM user_tokens`) + f.count(`SELECT COUNT(*) FROM auth_unlocks`); n != 4 {
			t.Errorf("%d emailed tokens left, want 2 of each", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM remembered_devices`); n != 2 {
			t.Errorf("%d remembered devices left, want the live one and the one expired 6 days ago", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM privacy_requests`); n != 2 {
			t.Errorf("%d subject-access requests left, want the open one and the one closed 300 days ago", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM api_tokens`); n != 3 {
			t.Errorf("%d API tokens left, want the live one and the two revoked lately", n)
		}
		left, err := db.Column[string](f.ctx, d.Q(), `SELECT email FROM invitations ORDER BY email`)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(left, " ") != "accepted-lately@x expired-lately@x open@x" {
			t.Errorf("invitations left: %v", left)
		}
	})
}

func TestUnverifiedAccountsAreDeletedAfterThePeriod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		old := f.user("old-unverified@x", f.ago(31*day), false)
		f.exec(`INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('s', $1, $2, $2, $3)`, old, f.ago(31*day), f.now.Add(day))
		f.user("new-unverified@x", f.ago(29*day), false)
		f.user("old-verified@x", f.ago(300*day), true)
		member := f.user("member-unverified@x", f.ago(300*day), false)
		f.exec(`INSERT INTO memberships (organisation_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)`, f.org("org-m"), member, f.now)
		admin := f.user("admin-unverified@x", f.ago(300*day), false)
		f.exec(`UPDATE users SET is_admin = TRUE WHERE id = $1`, admin)

		if got := f.run()["unverified-accounts"]; got != 1 {
			t.Errorf("removed %d accounts, want 1", got)
		}
		left, err := db.Column[string](f.ctx, d.Q(), `SELECT email FROM users ORDER BY email`)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(left, " ") != "admin-unverified@x member-unverified@x new-unverified@x old-verified@x" {
			t.Errorf("accounts left: %v", left)
		}
		if f.count(`SELECT COUNT(*) FROM sessions WHERE user_id = $1`, old) != 0 {
			t.Error("the deleted account's session stayed")
		}
	})
}

func TestOrphanUploadsGoAfterThePeriodFromWhenFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.exec(`INSERT INTO news_articles (slug, title, body, category, image_name, image_type, published_at, updated_at) VALUES ('n', 'N', 'b', 'general', 'held.png', 'image/png', $1, $1)`, f.now)
		long := f.now.Add(-400 * day)
		held := f.file("news", "held.png", long)
		orphan := f.file("news", "orphan.png", long)
		fresh := f.file("news", "fresh.png", f.now) // saved, its record not yet committed
		returns := f.file("library", "back.pdf", long)
		unknown := f.file("somebody-elses", "keep.bin", long)

		if got := f.run()["uploads"]; got != 0 {
			t.Fatalf("the first run removed %d files: an orphan must first be kept for the period", got)
		}
		if f.count(`SELECT COUNT(*) FROM retention_orphans`) != 2 {
			t.Errorf("orphans noted: %d, want orphan.png and back.pdf", f.count(`SELECT COUNT(*) FROM retention_orphans`))
		}
		// back.pdf gets a record again (a restored attachment).
		f.exec(`INSERT INTO library_documents (slug, title, kind, summary, status, created_at, updated_at) VALUES ('d', 'D', 'guidance', '', 'adopted', $1, $1)`, f.now)
		f.exec(`INSERT INTO library_attachments (document_id, title, filename, content_type, size, stored_name, uploaded_at) SELECT id, 'A', 'a.pdf', 'application/pdf', 1, 'back.pdf', $1 FROM library_documents`, f.now)

		f.now = f.now.Add(29 * day)
		if got := f.run()["uploads"]; got != 0 || !exists(orphan) {
			t.Fatalf("29 days after it was found: removed %d, orphan kept %v", got, exists(orphan))
		}
		f.now = f.now.Add(2 * day)
		if got := f.run()["uploads"]; got != 1 || exists(orphan) || !exists(fresh) {
			t.Errorf("31 days after orphan.png was found: removed %d files (want 1), orphan kept %v, fresh.png (found 2 days ago) kept %v", got, exists(orphan), exists(fresh))
		}
		f.now = f.now.Add(29 * day)
		if got := f.run()["uploads"]; got != 1 || exists(fresh) {
			t.Errorf("31 days after fresh.png was found: removed %d files, kept %v", got, exists(fresh))
		}
		for _, p := range []string{held, returns, unknown} {
			if !exists(p) {
				t.Errorf("%s removed", p)
			}
		}
		if n := f.count(`SELECT COUNT(*) FROM retention_orphans`); n != 0 {
			t.Errorf("%d orphan notes left", n)
		}
	})
}

func TestImportPreviewFilesGoAfterThePeriod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		old := f.file("imports", "0123.upload", f.ago(8*day))
		recent := f.file("ocds-imports", "4567.upload", f.ago(6*day))
		if got := f.run()["import-uploads"]; got != 1 {
			t.Errorf("removed %d, want 1", got)
		}
		if exists(old) || !exists(recent) {
			t.Errorf("8 days old kept: %v; 6 days old kept: %v", exists(old), exists(recent))
		}
	})
}

func TestJobLogsAndRecordsTheCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var logs bytes.Buffer
		f.s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		uid := f.user("ann@example.org", f.ago(400*day), true)
		f.exec(`INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('old', $1, $2, $2, $2)`, uid, f.ago(30*day))
		sched := jobs.New(d, f.s.Logger)
		sched.Register(f.s.Job())
		if err := sched.RunOnce(f.ctx, retention.JobName); err != nil {
			t.Fatal(err)
		}
		res, err := sched.LastResult(f.ctx, retention.JobName)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res, "sessions=1") || !strings.Contains(res, "tokens=0") {
			t.Errorf("job run recorded %q", res)
		}
		if !strings.Contains(logs.String(), "rule=sessions period=7d removed=1") {
			t.Errorf("log lacks the sessions count:\n%s", logs.String())
		}
	})
}

func TestConfiguredPeriodsApply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.s.Config.Retention["sessions"] = 2 * day
		uid := f.user("ann@example.org", f.ago(400*day), true)
		f.exec(`INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('three-days', $1, $2, $2, $2)`, uid, f.ago(3*day))
		if got := f.run()["sessions"]; got != 1 {
			t.Errorf("with --retain-sessions 2d a session expired 3 days ago: removed %d", got)
		}
	})
}

func TestEverySettingHasARule(t *testing.T) {
	s := retention.New(nil, config.Default(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	have := map[string]bool{}
	for _, r := range s.Rules() {
		have[r] = true
	}
	for _, set := range config.RetentionSettings {
		if !have[set.Name] {
			t.Errorf("setting %s has no rule", set.Name)
		}
	}
	mustPanic := func(what string, r retention.Rule) {
		defer func() {
			if recover() == nil {
				t.Errorf("%s accepted", what)
			}
		}()
		s.Register(r)
	}
	mustPanic("a rule without a setting", retention.Rule{Name: "whatever"})
	mustPanic("a second sessions rule", retention.Rule{Name: "sessions"})
}

// The folders a restore leaves (pre-restore-TIMESTAMP, the data it
// replaced) go once the restore is older than the period; other folders
// and names that do not parse stay.
func TestPreRestoreFoldersGoAfterThePeriod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		data := f.s.Config.DataDir
		mk := func(name string) string {
			p := filepath.Join(data, name)
			if err := os.MkdirAll(filepath.Join(p, "uploads"), 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(p, "partnerhub.db"), []byte("old data"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		old := mk("pre-restore-" + f.ago(31*day).UTC().Format("20060102T150405Z"))
		recent := mk("pre-restore-" + f.ago(29*day).UTC().Format("20060102T150405Z"))
		odd := mk("pre-restore-by-hand")
		other := mk("keep-me")
		if got := f.run()["pre-restore"]; got != 1 {
			t.Errorf("removed %d, want 1", got)
		}
		if exists(old) || !exists(recent) || !exists(odd) || !exists(other) {
			t.Errorf("31 days old kept: %v; 29 days old kept: %v; unparsed name kept: %v; other folder kept: %v", exists(old), exists(recent), exists(odd), exists(other))
		}
	})
}
