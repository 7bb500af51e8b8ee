// Package mail is the outbox: features enqueue messages inside their own
// transaction, and the sender job delivers them by SMTP or, without SMTP,
// writes them to the log and keeps them for the demo, tests and admins.
package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
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
}

// Outgoing is a stored message.
type Outgoing struct {
	ID        int64
	To        string
	Subject   string
	Body      string
	Kind      string
	CreatedAt time.Time
	SentAt    *time.Time
	Delivery  string // smtp or log
	Attempts  int
	LastError string
}

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
	// A subject is one header line. Subjects are built from names and
	// titles people typed, which may hold line breaks: those become spaces
	// (refusing them made a booking on an event whose title had a line
	// break fail), so no header can ever be injected.
	_, err := q.ExecContext(ctx, `INSERT INTO outbox (to_addr, subject, body, kind, created_at) VALUES ($1, $2, $3, $4, $5)`,
		m.To, OneLine(m.Subject), m.Body, m.Kind, db.Now())
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
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT id, to_addr, subject, body, kind, created_at, sent_at, delivery, attempts, last_error
		FROM outbox%s ORDER BY id DESC LIMIT $%d OFFSET $%d`, where, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		var o Outgoing
		if err := rows.Scan(&o.ID, &o.To, &o.Subject, &o.Body, &o.Kind, &o.CreatedAt, &o.SentAt, &o.Delivery, &o.Attempts, &o.LastError); err != nil {
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
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	lock := ""
	if s.DB.IsPostgres() {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	now := db.Now()
	var batch []Outgoing
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < 10 AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT 50`+lock+`)
			RETURNING id, to_addr, subject, body, kind, created_at, attempts`, now.Add(5*time.Minute), now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o Outgoing
			if err := rows.Scan(&o.ID, &o.To, &o.Subject, &o.Body, &o.Kind, &o.CreatedAt, &o.Attempts); err != nil {
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
		if derr != nil {
			s.Logger.Warn("mail delivery failed", "to", o.To, "attempt", o.Attempts, "err", derr)
			_, err = s.DB.W().ExecContext(ctx, `UPDATE outbox SET last_error = $1, claimed_until = $2 WHERE id = $3`, derr.Error(), db.Now().Add(time.Duration(o.Attempts)*time.Minute), o.ID)
		} else {
			sent++
			_, err = s.DB.W().ExecContext(ctx, `UPDATE outbox SET sent_at = $1, delivery = $2, last_error = '' WHERE id = $3`, db.Now(), delivery, o.ID)
		}
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
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
	msg := buildMessage(s.From, o)
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

func buildMessage(from string, o Outgoing) []byte {
	var b strings.Builder
	b.WriteString("From: " + from + "\r\n")
	b.WriteString("To: " + o.To + "\r\n")
	b.WriteString("Subject: " + mime.QEncoding.Encode("utf-8", OneLine(o.Subject)) + "\r\n")
	b.WriteString("Date: " + time.Now().Format(time.RFC1123Z) + "\r\n")
	b.WriteString(fmt.Sprintf("Message-ID: <outbox-%d-%d@partnerhub>\r\n", o.ID, o.CreatedAt.Unix()))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(o.Body, "\r\n", "\n"), "\n", "\r\n"))
	return []byte(b.String())
}
