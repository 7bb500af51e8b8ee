// Package mail is the outbox: features enqueue messages inside their own
// transaction, and the sender job delivers them by SMTP or, without SMTP,
// writes them to the log and keeps them for the demo, tests and admins.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
	"unicode"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Message is one email to send.
type Message struct {
	To      string
	Subject string
	Body    string // plain text
	Kind    string // verify, reset, invite, reminder...
	// HTML, when set, is sent as an HTML part beside the text.
	HTML string
	// Unsubscribe, when set, is the one-click unsubscribe address sent in
	// the List-Unsubscribe header (see internal/notify).
	Unsubscribe string
	// ReplyTo, when set, is the address replies go to (the Reply-To
	// header): a member's message relayed to an organisation's editors is
	// answered straight to its sender, whose address is never shown on the
	// site.
	ReplyTo string
}

// Outgoing is a stored message.
type Outgoing struct {
	ID          int64
	To          string
	Subject     string
	Body        string
	Kind        string
	CreatedAt   time.Time
	SentAt      *time.Time
	Delivery    string // smtp or log
	Attempts    int
	LastError   string
	HTML        string
	Unsubscribe string
	FailedAt    *time.Time
	ReplyTo     string
}

// MaxAttempts is how many times a message is tried before it is marked
// failed; a permanent SMTP refusal (5xx) marks it failed at once.
const MaxAttempts = 10

// ValidAddress reports whether s is a plausible single email address.
func ValidAddress(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndex(s, "@")
	return at > 0 && strings.Contains(s[at:], ".")
}

// Enqueue stores m in the outbox within the caller's transaction.
func Enqueue(ctx context.Context, q db.Querier, m Message) error {
	if !ValidAddress(m.To) {
		return apperr.Errorf(apperr.EINVALID, "%q is not an email address", m.To)
	}
	if m.ReplyTo != "" && !ValidAddress(m.ReplyTo) {
		return apperr.Errorf(apperr.EINVALID, "reply-to %q is not an email address", m.ReplyTo)
	}
	// A subject is one header line. Subjects are built from names and
	// titles people typed, which may hold line breaks: those become spaces
	// (refusing them made a booking on an event whose title had a line
	// break fail), so no header can ever be injected.
	_, err := q.ExecContext(ctx, `INSERT INTO outbox (to_addr, subject, body, kind, created_at, html_body, unsubscribe_url, reply_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		m.To, OneLine(m.Subject), m.Body, m.Kind, db.Now(), m.HTML, m.Unsubscribe, m.ReplyTo)
	return err
}

// OneLine turns s into a single header line: control characters (line
// breaks included) and runs of white space become one space.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Recent lists outbox messages newest first, optionally for one address.
func Recent(ctx context.Context, q db.Querier, to string, limit, offset int) ([]Outgoing, int, error) {
	where, args := "", []any{}
	if to != "" {
		where = " WHERE to_addr = $1"
		args = append(args, strings.ToLower(to))
	}
	var total int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox"+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit, offset)
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT id, to_addr, subject, body, kind, created_at, sent_at, delivery, attempts, last_error, html_body, unsubscribe_url, failed_at, reply_to
		FROM outbox%s ORDER BY id DESC LIMIT $%d OFFSET $%d`, where, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		var o Outgoing
		if err := rows.Scan(&o.ID, &o.To, &o.Subject, &o.Body, &o.Kind, &o.CreatedAt, &o.SentAt, &o.Delivery, &o.Attempts, &o.LastError, &o.HTML, &o.Unsubscribe, &o.FailedAt, &o.ReplyTo); err != nil {
			return nil, 0, err
		}
		out = append(out, o)
	}
	return out, total, rows.Err()
}

// Sender delivers the outbox.
type Sender struct {
	DB      *db.DB
	SMTPURL string
	From    string
	Logger  *slog.Logger
	// Send, when set, replaces SMTP delivery (tests).
	Send func(ctx context.Context, o Outgoing) error
}

// RunOnce claims up to 50 unsent messages and delivers them. Safe with
// several processes on PostgreSQL (SKIP LOCKED) and on SQLite (one writer).
// A message refused permanently (an SMTP 5xx) or tried MaxAttempts times
// is marked failed and not tried again.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	now := db.Now()
	var batch []Outgoing
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND attempts < $3 AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT 50`+s.DB.SkipLocked()+`)
			RETURNING id, to_addr, subject, body, kind, created_at, attempts, html_body, unsubscribe_url, reply_to`, now.Add(5*time.Minute), now, MaxAttempts)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o Outgoing
			if err := rows.Scan(&o.ID, &o.To, &o.Subject, &o.Body, &o.Kind, &o.CreatedAt, &o.Attempts, &o.HTML, &o.Unsubscribe, &o.ReplyTo); err != nil {
				return err
			}
			batch = append(batch, o)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, o := range batch {
		delivery := "log"
		var derr error
		switch {
		case s.Send != nil:
			delivery, derr = "test", s.Send(ctx, o)
		case s.SMTPURL != "":
			delivery, derr = "smtp", s.smtp(o)
		default:
			s.Logger.Info("mail (no SMTP configured; kept in the outbox)", "to", o.To, "subject", o.Subject, "kind", o.Kind, "body", o.Body)
		}
		switch {
		case derr != nil && (Permanent(derr) || o.Attempts >= MaxAttempts):
			s.Logger.Warn("mail delivery failed; not trying again", "to", o.To, "attempt", o.Attempts, "err", derr)
			_, err = s.DB.W().ExecContext(ctx, `UPDATE outbox SET last_error = $1, failed_at = $2, claimed_until = NULL WHERE id = $3`, derr.Error(), db.Now(), o.ID)
		case derr != nil:
			s.Logger.Warn("mail delivery failed", "to", o.To, "attempt", o.Attempts, "err", derr)
			_, err = s.DB.W().ExecContext(ctx, `UPDATE outbox SET last_error = $1, claimed_until = $2 WHERE id = $3`, derr.Error(), db.Now().Add(time.Duration(o.Attempts)*time.Minute), o.ID)
		default:
			sent++
			_, err = s.DB.W().ExecContext(ctx, `UPDATE outbox SET sent_at = $1, delivery = $2, last_error = '' WHERE id = $3`, db.Now(), delivery, o.ID)
		}
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// Permanent reports an SMTP reply that will not change on a retry: a 5xx
// ("500 Line too long", "550 No such user").
func Permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500 && te.Code < 600
}

func (s *Sender) smtp(o Outgoing) error {
	u, err := url.Parse(s.SMTPURL)
	if err != nil {
		return err
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = "587"
		if u.Scheme == "smtps" {
			port = "465"
		}
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("mail-from: %w", err)
	}
	msg := Compose(s.From, o, time.Now())
	var auth smtp.Auth
	if u.User != nil {
		pw, _ := u.User.Password()
		auth = smtp.PlainAuth("", u.User.Username(), pw, host)
	}
	addr := net.JoinHostPort(host, port)
	if u.Scheme == "smtps" {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 20 * time.Second}, "tcp", addr, &tls.Config{ServerName: host})
		if err != nil {
			return err
		}
		c, err := smtp.NewClient(conn, host)
		if err != nil {
			return err
		}
		defer c.Close()
		if auth != nil {
			if err := c.Auth(auth); err != nil {
				return err
			}
		}
		if err := c.Mail(from.Address); err != nil {
			return err
		}
		if err := c.Rcpt(o.To); err != nil {
			return err
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write(msg); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		return c.Quit()
	}
	return smtp.SendMail(addr, auth, from.Address, []string{o.To}, msg)
}
