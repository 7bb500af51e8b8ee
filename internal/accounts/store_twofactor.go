package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/secretkey"
)

// Two-factor sign-in (RFC 6238 TOTP: 6 digits, 30-second steps, SHA-1, as
// every authenticator app reads from an otpauth:// QR code). The secret is
// kept in user_totp; a code is accepted for the step before, the current
// step and the step after (clocks drift), and never for a step at or before
// the last one used, so a code cannot be used twice.
const (
	totpPeriod = 30
	totpSkew   = 1
	// RecoveryCodeCount is how many one-time recovery codes a person gets.
	RecoveryCodeCount = 10
	// rememberFor is how long a remembered device skips the code.
	rememberFor = 30 * 24 * time.Hour
	// recentAuth is how long a re-authentication (or a sign-in) lets a
	// person change their email, password or two-factor settings.
	recentAuth = 10 * time.Minute
)

// TOTP is a person's authenticator secret.
type TOTP struct {
	UserID      int64
	Secret      string
	ConfirmedAt *time.Time // nil while enrolment waits for its first code
	LastStep    int64
	CreatedAt   time.Time
}

// Enrolled reports whether two-factor sign-in is switched on.
func (t *TOTP) Enrolled() bool { return t != nil && t.ConfirmedAt != nil }

// The secret is stored sealed with the server's key (internal/secretkey,
// AES-GCM, the user id as additional data, "v1:" prefix); a plain one from
// before sealing still reads, and SealTOTPSecrets seals it at start-up.

// totpAD binds a sealed secret to its user.
func totpAD(userID int64) []byte { return []byte("user_totp:" + strconv.FormatInt(userID, 10)) }

// sealTOTP is what user_totp.secret stores for secret. Without a key (the
// demo generator given none) it stays plain until the next start-up's
// SealTOTPSecrets.
func sealTOTP(key *secretkey.Key, userID int64, secret string) string {
	if key == nil {
		return secret
	}
	return key.Seal(secret, totpAD(userID))
}

// OpenTOTPSecret is the secret a user_totp.secret value holds (sealed or,
// from before sealing, plain), for tools that read the database itself.
func OpenTOTPSecret(key *secretkey.Key, userID int64, stored string) (string, error) {
	return key.Open(stored, totpAD(userID))
}

// UserWithTwoFactor reads a user and whether they have confirmed
// two-factor sign-in, in one query (the account page shows On or Off and
// needs no secret).
func UserWithTwoFactor(ctx context.Context, q db.Querier, id int64) (*User, bool, error) {
	var u User
	var enrolled bool
	err := q.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.password_hash, u.email_verified_at, u.is_admin, u.disabled_at, u.created_at, u.updated_at,
		t.confirmed_at IS NOT NULL FROM users u LEFT JOIN user_totp t ON t.user_id = u.id WHERE u.id = $1`, id).
		Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.EmailVerifiedAt, &u.IsAdmin, &u.DisabledAt, &u.CreatedAt, &u.UpdatedAt, &enrolled)
	if err != nil {
		return nil, false, db.Err(err, "user")
	}
	return &u, enrolled, nil
}

// TOTPFor reads a user's secret; nil (and no error) when they have none.
func TOTPFor(ctx context.Context, q db.Querier, key *secretkey.Key, userID int64) (*TOTP, error) {
	var t TOTP
	err := q.QueryRowContext(ctx, `SELECT user_id, secret, confirmed_at, last_step, created_at FROM user_totp WHERE user_id = $1`, userID).
		Scan(&t.UserID, &t.Secret, &t.ConfirmedAt, &t.LastStep, &t.CreatedAt)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, db.Err(err, "")
	}
	if t.Secret, err = OpenTOTPSecret(key, userID, t.Secret); err != nil {
		return nil, apperr.Wrap(apperr.EUNAVAILABLE, "Two-factor sign-in cannot read its secrets: the server's secret key is not the one they were stored with.", err)
	}
	return &t, nil
}

// SealTOTPSecrets seals the secrets stored in plain text before sealing
// existed (run at start-up); it returns how many it sealed.
func SealTOTPSecrets(ctx context.Context, d *db.DB, key *secretkey.Key) (int, error) {
	n := 0
	err := d.Write(ctx, func(tx *db.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `SELECT user_id, secret FROM user_totp WHERE secret NOT LIKE 'v1:%'`)
		if err != nil {
			return err
		}
		type plain struct {
			id     int64
			secret string
		}
		var todo []plain
		for rows.Next() {
			var p plain
			if err := rows.Scan(&p.id, &p.secret); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range todo {
			if _, err := tx.ExecContext(ctx, `UPDATE user_totp SET secret = $1 WHERE user_id = $2 AND secret = $3`, sealTOTP(key, p.id, p.secret), p.id, p.secret); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// NewTOTPSecret returns a random 160-bit secret in base32 (RFC 4226's
// recommended length).
func NewTOTPSecret() string {
	b := make([]byte, 20)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// PendingTOTP returns the secret waiting to be confirmed, making one when
// there is none. It fails with ECONFLICT when two-factor sign-in is on.
func PendingTOTP(ctx context.Context, q db.Querier, key *secretkey.Key, userID int64) (*TOTP, error) {
	t, err := TOTPFor(ctx, q, key, userID)
	if err != nil || t != nil {
		if t.Enrolled() {
			return nil, apperr.Errorf(apperr.ECONFLICT, "Two-factor sign-in is already on.")
		}
		return t, err
	}
	now := db.Now()
	t = &TOTP{UserID: userID, Secret: NewTOTPSecret(), CreatedAt: now}
	_, err = q.ExecContext(ctx, `INSERT INTO user_totp (user_id, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING`, userID, sealTOTP(key, userID, t.Secret), now)
	if err != nil {
		return nil, db.Err(err, "")
	}
	return TOTPFor(ctx, q, key, userID)
}

// EnrolTOTP switches two-factor sign-in on with a known secret (the demo's
// fixed secret, tests); it replaces any secret the user had.
func EnrolTOTP(ctx context.Context, q db.Querier, key *secretkey.Key, userID int64, secret string) error {
	now := db.Now()
	if _, err := q.ExecContext(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID); err != nil {
		return db.Err(err, "")
	}
	_, err := q.ExecContext(ctx, `INSERT INTO user_totp (user_id, secret, confirmed_at, created_at) VALUES ($1, $2, $3, $3)`, userID, sealTOTP(key, userID, secret), now)
	return db.Err(err, "")
}

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPStep is the 30-second step t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// TOTPCode is the code of secret for the step t falls in.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// matchStep finds the step (within the skew of now) whose code is code.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := TOTPStep(now) + d
		want, err := TOTPCode(secret, time.Unix(step*totpPeriod, 0))
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// useStep records step as used, unless it (or a later one) already was:
// one conditional update, so two requests cannot both use it.
func useStep(ctx context.Context, q db.Querier, userID, step int64, confirm bool) (bool, error) {
	query := `UPDATE user_totp SET last_step = $1 WHERE user_id = $2 AND last_step < $1`
	args := []any{step, userID}
	if confirm {
		query = `UPDATE user_totp SET last_step = $1, confirmed_at = $3 WHERE user_id = $2 AND last_step < $1`
		args = append(args, db.Now())
	}
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return false, db.Err(err, "")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CurrentTOTPCode is the code a user's authenticator shows now (the
// `partnerhub user totp-code` command, for the demo and operators).
func CurrentTOTPCode(ctx context.Context, q db.Querier, key *secretkey.Key, email string, now time.Time) (string, error) {
	u, err := UserByEmail(ctx, q, email)
	if err != nil {
		return "", err
	}
	t, err := TOTPFor(ctx, q, key, u.ID)
	if err != nil {
		return "", err
	}
	if !t.Enrolled() {
		return "", apperr.Errorf(apperr.ENOTFOUND, "%s has not set up two-factor sign-in", u.Email)
	}
	return TOTPCode(t.Secret, now)
}

// recoveryAlphabet leaves out letters and digits that look alike.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCode is ten random characters as "xxxxx-xxxxx" (49 bits).
func newRecoveryCode() string {
	b := make([]byte, 10)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i == 5 {
			sb.WriteByte('-')
		}
		sb.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
	}
	return sb.String()
}

// normaliseRecoveryCode lower-cases a typed code and drops spaces and
// dashes, so "ABCDE FGHIJ" matches "abcde-fghij".
func normaliseRecoveryCode(s string) string {
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

func recoveryHash(userID int64, code string) string {
	return HashToken(strconv.FormatInt(userID, 10) + ":recovery:" + normaliseRecoveryCode(code))
}

// NewRecoveryCodes replaces a user's recovery codes with RecoveryCodeCount
// new ones and returns them: they are shown once, only hashes are kept.
// The old codes are marked replaced, so typing one says so.
func NewRecoveryCodes(ctx context.Context, q db.Querier, userID int64) ([]string, error) {
	now := db.Now()
	if _, err := q.ExecContext(ctx, `UPDATE user_recovery_codes SET replaced_at = $1 WHERE user_id = $2 AND replaced_at IS NULL`, now, userID); err != nil {
		return nil, db.Err(err, "")
	}
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		if _, err := q.ExecContext(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`, userID, recoveryHash(userID, codes[i]), now); err != nil {
			return nil, db.Err(err, "")
		}
	}
	return codes, nil
}

// RecoveryCodesLeft counts a user's unused, current recovery codes.
func RecoveryCodesLeft(ctx context.Context, q db.Querier, userID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL AND replaced_at IS NULL`, userID).Scan(&n)
	return n, db.Err(err, "")
}

var (
	msgCodeWrong    = "The code is not correct. Enter the 6-digit code your authenticator app shows now, or one of your recovery codes"
	msgCodeReused   = "That code has already been used. Wait for your authenticator app to show a new code and enter that"
	msgRecoveryUsed = "That recovery code has already been used. Each recovery code works once: use another one"
	msgRecoveryOld  = "That recovery code has expired: it was replaced when new recovery codes were made. Use one of the new codes"
)

// useRecoveryCode spends one of the user's recovery codes in one
// conditional update, or says why it cannot be used.
func useRecoveryCode(ctx context.Context, q db.Querier, userID int64, code string) error {
	hash := recoveryHash(userID, code)
	res, err := q.ExecContext(ctx, `UPDATE user_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL AND replaced_at IS NULL`, db.Now(), userID, hash)
	if err != nil {
		return db.Err(err, "")
	}
	if n, _ := res.RowsAffected(); n >= 1 {
		return nil
	}
	var used, replaced int
	err = q.QueryRowContext(ctx, `SELECT COUNT(used_at), COUNT(replaced_at) FROM user_recovery_codes WHERE user_id = $1 AND code_hash = $2`, userID, hash).Scan(&used, &replaced)
	if err != nil {
		return db.Err(err, "")
	}
	switch {
	case used > 0:
		return fieldErr(apperr.EUNAUTHORIZED, "code", msgRecoveryUsed)
	case replaced > 0:
		return fieldErr(apperr.EUNAUTHORIZED, "code", msgRecoveryOld)
	}
	return fieldErr(apperr.EUNAUTHORIZED, "code", msgCodeWrong)
}

// ResetTwoFactor switches a user's two-factor sign-in off: the secret,
// recovery codes and remembered devices go, and no session of theirs
// counts as having proved a second factor any more.
func ResetTwoFactor(ctx context.Context, q db.Querier, userID int64) error {
	for _, query := range []string{
		`DELETE FROM user_totp WHERE user_id = $1`,
		`DELETE FROM user_recovery_codes WHERE user_id = $1`,
		`DELETE FROM remembered_devices WHERE user_id = $1`,
		`UPDATE sessions SET second_factor_at = NULL WHERE user_id = $1`,
	} {
		if _, err := q.ExecContext(ctx, query, userID); err != nil {
			return db.Err(err, "")
		}
	}
	IdentityChanged(q)
	return nil
}

// ForgetDevices ends a user's remembered devices (password changes and
// resets, and two-factor resets).
func ForgetDevices(ctx context.Context, q db.Querier, userID int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM remembered_devices WHERE user_id = $1`, userID)
	return db.Err(err, "")
}

// rememberDevice stores a remembered device and returns its token.
func rememberDevice(ctx context.Context, q db.Querier, userID int64, ua string) (string, error) {
	tok, hash := NewToken()
	now := db.Now()
	if len(ua) > 300 {
		ua = ua[:300]
	}
	_, err := q.ExecContext(ctx, `INSERT INTO remembered_devices (token_hash, user_id, created_at, expires_at, user_agent) VALUES ($1, $2, $3, $4, $5)`,
		hash, userID, now, now.Add(rememberFor), ua)
	return tok, db.Err(err, "")
}

// deviceRemembered reports whether token is a live remembered device of
// the user.
func deviceRemembered(ctx context.Context, q db.Querier, userID int64, token string) (bool, error) {
	if token == "" {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM remembered_devices WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3`, HashToken(token), userID, db.Now()).Scan(&n)
	return n > 0, db.Err(err, "")
}

// MarkSession records on a session (by its token) that it proved a second
// factor and re-authenticated now: the state a complete sign-in leaves.
func MarkSession(ctx context.Context, q db.Querier, token string) error {
	now := db.Now()
	_, err := q.ExecContext(ctx, `UPDATE sessions SET second_factor_at = $1, reauth_at = $1, mfa_pending = FALSE WHERE id_hash = $2`, now, HashToken(token))
	IdentityChanged(q)
	return db.Err(err, "")
}

// TwoFactorAmong says which of the users have two-factor sign-in on.
func TwoFactorAmong(ctx context.Context, d *db.DB, ids []int64) (map[int64]bool, error) {
	on := map[int64]bool{}
	err := db.QueryEach(ctx, d.Q(), d.Dialect, `SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL AND user_id IN (IDS)`, nil, ids, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		on[id] = true
		return nil
	})
	return on, db.Err(err, "")
}
