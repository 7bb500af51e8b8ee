package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Throttles. Failed sign-ins and emails that anyone can cause are recorded
// in auth_failures under a key ("email:ADDR", "ip:ADDR", "mail:to:ADDR",
// "mail:ip:ADDR", "mail:unlock:ADDR"). A key is counted and its new record
// written in one transaction that holds the key's lock (db.Tx.LockKey), so
// concurrent requests queue and each one sees those before it.
//
// Sign-in: failures within throttleWindow count. After freeFailsAccount
// failures for one email address the next attempt waits firstDelay after
// the latest failure, and each further failure doubles the wait up to
// maxDelay: growing delays, not a fixed lockout, and the account holder is
// emailed a link that unlocks sign-in at once. One client address gets
// freeFailsAddress failures (many people may share it) before it waits.
const (
	throttleWindow   = time.Hour
	freeFailsAccount = 5
	freeFailsAddress = 100
	firstDelay       = time.Minute
	maxDelay         = 15 * time.Minute
)

// Emails anyone can ask for (password reset, the confirmation link, the
// notice that an address already has an account) go at most mailsPerAddress
// times an hour to one address and mailsPerSender times an hour from one
// client address; the unlock link at most once an hour.
const (
	mailWindow      = time.Hour
	mailsPerAddress = 3
	mailsPerSender  = 20
)

// limit is one throttled key and how many records it may have in a window.
type limit struct {
	key  string
	free int
}

// waitAfter is how long after its latest failure a key with n failures in
// the window waits before its next attempt is checked.
func waitAfter(n, free int) time.Duration {
	if n < free {
		return 0
	}
	return min(firstDelay<<min(n-free, 10), maxDelay)
}

// recent counts key's records since since and returns the latest time.
func recent(ctx context.Context, tx *db.Tx, key string, since time.Time) (n int, latest time.Time, err error) {
	if err := tx.LockKey(ctx, key); err != nil {
		return 0, latest, err
	}
	ats, err := db.Column[time.Time](ctx, tx, `SELECT at FROM auth_failures WHERE key = $1 AND at > $2 ORDER BY at DESC`, key, since)
	if err != nil || len(ats) == 0 {
		return 0, latest, err
	}
	return len(ats), ats[0], nil
}

// record writes one record per limit at now and returns their ids.
func record(ctx context.Context, tx *db.Tx, now time.Time, limits []limit) ([]int64, error) {
	ids := make([]int64, len(limits))
	for i, l := range limits {
		if err := tx.QueryRowContext(ctx, `INSERT INTO auth_failures (key, at) VALUES ($1, $2) RETURNING id`, l.key, now).Scan(&ids[i]); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// throttleWait is a throttled error's cause: how long to wait.
type throttleWait time.Duration

func (w throttleWait) Error() string { return "throttled for " + time.Duration(w).String() }

// RetryAfter is how long a throttled error asks the caller to wait (0 for
// any other error).
func RetryAfter(err error) time.Duration {
	var w throttleWait
	if errors.As(err, &w) {
		return time.Duration(w)
	}
	return 0
}

func minutes(d time.Duration) string {
	n := int((d + time.Minute - 1) / time.Minute)
	if n == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

func throttled(wait time.Duration, account bool) error {
	msg := "Too many failed sign-in attempts from your network. Wait " + minutes(wait) + " and try again."
	if account {
		msg = "Too many failed sign-in attempts. Wait " + minutes(wait) + " and try again, or reset your password. " +
			"If an account uses this email address, we have emailed it a link that unlocks sign-in straight away."
	}
	return &apperr.Error{Code: apperr.ETOOMANY, Message: msg, Err: throttleWait(wait)}
}

// reserveSignin records this sign-in attempt as a failure of the account
// and the client address, unless either must still wait, counting and
// recording in one step. It returns the records' ids, which a correct
// password deletes, and how many failures the account had before.
func (s *Service) reserveSignin(ctx context.Context, email, ip string) (ids []int64, before int, err error) {
	return s.reserve(ctx, []limit{{"email:" + email, freeFailsAccount}, {"ip:" + ip, freeFailsAddress}}, throttled)
}

// reserve records an attempt under every limit unless one of them must
// still wait (then it returns wait's error for that limit, first is
// whether it is the first, per-account, one), counting and recording in one
// transaction. It returns the records' ids and how many records the first
// limit had before.
func (s *Service) reserve(ctx context.Context, limits []limit, wait func(d time.Duration, first bool) error) (ids []int64, before int, err error) {
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		now := db.Now()
		for i, l := range limits {
			n, latest, err := recent(ctx, tx, l.key, now.Add(-throttleWindow))
			if err != nil {
				return err
			}
			if d := latest.Add(waitAfter(n, l.free)).Sub(now); d > 0 {
				return wait(d, i == 0)
			}
			if i == 0 {
				before = n
			}
		}
		if ids, err = record(ctx, tx, now, limits); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM auth_failures WHERE at < $1`, now.Add(-24*time.Hour))
		return err
	})
	return ids, before, err
}

// reserveCode records a second-factor attempt (a code or a recovery code)
// of a user from a client address, as reserveSignin does for passwords.
func (s *Service) reserveCode(ctx context.Context, userID int64, ip string) ([]int64, error) {
	ids, _, err := s.reserve(ctx, []limit{{fmt.Sprintf("code:%d", userID), freeFailsAccount}, {"ip:" + ip, freeFailsAddress}},
		func(d time.Duration, first bool) error {
			msg := "Too many wrong codes. Wait " + minutes(d) + " and try again."
			if !first {
				msg = "Too many failed sign-in attempts from your network. Wait " + minutes(d) + " and try again."
			}
			return &apperr.Error{Code: apperr.ETOOMANY, Message: msg, Err: throttleWait(d), Fields: []apperr.FieldError{{Field: "code", Message: msg}}}
		})
	return ids, err
}

// forgive deletes the records of an attempt that turned out to be right.
func (s *Service) forgive(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := s.DB.W().ExecContext(ctx, `DELETE FROM auth_failures WHERE id = $1`, id); err != nil {
			return err
		}
	}
	return nil
}

var (
	msgMailsToAddress = fmt.Sprintf("We have already sent %d emails to this address in the last hour. Check your inbox and spam folder, or wait an hour and ask again.", mailsPerAddress)
	msgMailsFromYou   = "Too many emails have been asked for from your network in the last hour. Wait an hour and try again."
)

// allowMail records, in tx, a request that emails to from the client
// address ip, unless to has had mailsPerAddress requests or ip
// mailsPerSender in the last hour; then it returns a field error on "email"
// (coded ETOOMANY) and records nothing. Every request counts, whether or not
// an account uses the address, so the answer tells nothing about accounts.
func allowMail(ctx context.Context, tx *db.Tx, to, ip string) error {
	now := db.Now()
	limits := []limit{{"mail:to:" + to, mailsPerAddress}, {"mail:ip:" + ip, mailsPerSender}}
	for i, l := range limits {
		n, _, err := recent(ctx, tx, l.key, now.Add(-mailWindow))
		if err != nil {
			return err
		}
		if n >= l.free {
			msg := msgMailsToAddress
			if i == 1 {
				msg = msgMailsFromYou
			}
			return fieldErr(apperr.ETOOMANY, "email", msg)
		}
	}
	_, err := record(ctx, tx, now, limits)
	return err
}

// Messages members send through Partnerhub to an organisation's editors
// (the directory's "Send a message") share the email throttle: one person
// sends at most relaysPerOrg an hour to one organisation and relaysPerSender
// an hour in all.
const (
	relaysPerOrg    = 3
	relaysPerSender = 20
)

// AllowRelay records, in tx, that user sends a message to organisation
// org, unless they already sent relaysPerOrg to it or relaysPerSender in
// all in the last hour; then it returns a field error on "message" (coded
// ETOOMANY) and records nothing.
func AllowRelay(ctx context.Context, tx *db.Tx, user, org int64) error {
	now := db.Now()
	limits := []limit{{fmt.Sprintf("relay:to:%d:%d", user, org), relaysPerOrg}, {fmt.Sprintf("relay:from:%d", user), relaysPerSender}}
	for i, l := range limits {
		n, _, err := recent(ctx, tx, l.key, now.Add(-mailWindow))
		if err != nil {
			return err
		}
		if n >= l.free {
			msg := fmt.Sprintf("You have already sent %d messages to this organisation in the last hour. Wait an hour before sending another.", relaysPerOrg)
			if i == 1 {
				msg = fmt.Sprintf("You have sent %d messages through Partnerhub in the last hour. Wait an hour before sending another.", relaysPerSender)
			}
			return fieldErr(apperr.ETOOMANY, "message", msg)
		}
	}
	_, err := record(ctx, tx, now, limits)
	return err
}

// AllowMail is the email throttle for another feature's email to an
// address a person typed (an assessment's invitation to someone without an
// account): at most mailsPerAddress an hour to one address and
// mailsPerSender from one client address ip; over it, a field error on
// "email" coded ETOOMANY, and nothing recorded.
func AllowMail(ctx context.Context, tx *db.Tx, to, ip string) error {
	return allowMail(ctx, tx, NormaliseEmail(to), ip)
}
