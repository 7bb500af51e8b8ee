package retention

import (
	"context"
	"time"

	"partnerhub/internal/db"
)

// builtin are the rules for the data every Partnerhub holds.
func builtin() []Rule {
	return []Rule{
		{Name: "outbox-bodies", Apply: outboxBodies},
		{Name: "outbox", Apply: outboxMessages},
		{Name: "sessions", Apply: stmts(`DELETE FROM sessions WHERE expires_at < $1`)},
		{Name: "throttle", Apply: stmts(`DELETE FROM auth_failures WHERE at < $1`)},
		{Name: "unverified-accounts", Apply: unverifiedAccounts},
		{Name: "invitations", Apply: stmts(`DELETE FROM invitations WHERE (accepted_at IS NULL AND expires_at < $1) OR accepted_at < $1`)},
		{Name: "tokens", Apply: stmts(
			`DELETE FROM user_tokens WHERE expires_at < $1`,
			`DELETE FROM auth_unlocks WHERE expires_at < $1`,
			`DELETE FROM api_tokens WHERE revoked_at < $1`,
			`DELETE FROM remembered_devices WHERE expires_at < $1`)},
		// Closed subject-access and erasure requests (internal/privacy's
		// register), a period after they were completed.
		{Name: "subject-access-requests", Apply: stmts(
			`DELETE FROM privacy_requests WHERE completed_at IS NOT NULL AND completed_at < $1`)},
		{Name: "uploads", Apply: orphanUploads},
		{Name: "import-uploads", Apply: importUploads},
		{Name: "pre-restore", Apply: preRestore},
	}
}

// stmts is a rule of DELETE statements, each taking the cutoff as $1, run
// in one transaction; it counts the rows they removed.
func stmts(queries ...string) func(context.Context, Env, time.Time) (int64, error) {
	return func(ctx context.Context, e Env, cutoff time.Time) (int64, error) {
		var total int64
		err := e.DB.Write(ctx, func(tx *db.Tx) error {
			total = 0
			for _, q := range queries {
				res, err := tx.ExecContext(ctx, q, cutoff)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				total += n
			}
			return nil
		})
		return total, err
	}
}

// finished is an outbox message that will not be sent again.
const finished = `(sent_at IS NOT NULL OR failed_at IS NOT NULL)`

// outboxBodies blanks the bodies (text, HTML and the unsubscribe link) of
// finished messages queued before cutoff; the row stays as the record
// that a message of that kind went to that address.
func outboxBodies(ctx context.Context, e Env, cutoff time.Time) (int64, error) {
	return Exec(ctx, e.DB, `UPDATE outbox SET body = '', html_body = '', unsubscribe_url = ''
		WHERE created_at < $1 AND `+finished+` AND (body <> '' OR html_body <> '' OR unsubscribe_url <> '')`, cutoff)
}

// outboxMessages deletes finished messages queued before cutoff.
func outboxMessages(ctx context.Context, e Env, cutoff time.Time) (int64, error) {
	return Exec(ctx, e.DB, `DELETE FROM outbox WHERE created_at < $1 AND `+finished, cutoff)
}

// unverifiedAccounts deletes accounts never confirmed, made before cutoff,
// that are not administrators and belong to no organisation (their
// sessions, tokens and personal settings go with them by cascade). Each
// goes in its own transaction: one that something still holds on to is
// left for the next run and does not stop the others.
func unverifiedAccounts(ctx context.Context, e Env, cutoff time.Time) (int64, error) {
	ids, err := db.Column[int64](ctx, e.DB.Q(), `SELECT id FROM users u WHERE email_verified_at IS NULL AND is_admin = FALSE AND created_at < $1
		AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id) ORDER BY id`, cutoff)
	if err != nil {
		return 0, err
	}
	var n int64
	var firstErr error
	for _, id := range ids {
		// Checked again in the delete: the account may have been
		// confirmed since it was listed.
		got, err := Exec(ctx, e.DB, `DELETE FROM users WHERE id = $1 AND email_verified_at IS NULL AND is_admin = FALSE
			AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id)`, id)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		n += got
	}
	return n, firstErr
}
