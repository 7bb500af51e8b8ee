package mail_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	pmail "partnerhub/internal/mail"
)

// An organiser's message with a paragraph far over SMTP's 998-octet line
// limit used to be sent as it was typed, and real servers refused it
// ("500 Line too long"). Every line of the message is now short, and the
// text (and HTML) decode back to exactly what was written.
func TestLongParagraphHasNoLineOverSMTPLimitAndDecodesBack(t *testing.T) {
	para := strings.Repeat("Bring your own lunch; the café (Raikes Parade) opens at 9 — ", 60) + "end."
	body := "Hello,\n\n" + para + "\n\nSee you there.\n"
	html := "<p>" + para + "</p>"
	for _, o := range []pmail.Outgoing{
		{ID: 1, To: "a@example.org", Subject: strings.Repeat("A long subject about the Raikes Parade café ", 5), Body: body, CreatedAt: time.Now()},
		{ID: 2, To: "a@example.org", Subject: "Reminder", Body: body, HTML: html, Unsubscribe: "https://ph.example/unsubscribe/tok", CreatedAt: time.Now()},
	} {
		raw := pmail.Compose("Partnerhub <noreply@example.org>", o, time.Now())
		for i, line := range bytes.Split(raw, []byte("\r\n")) {
			if len(line) > 998 {
				t.Fatalf("message %d line %d is %d octets", o.ID, i+1, len(line))
			}
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); subj != strings.TrimSpace(o.Subject) {
			t.Errorf("subject decodes to %q", subj)
		}
		ct, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		got := map[string]string{}
		if ct == "multipart/alternative" {
			mr := multipart.NewReader(m.Body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					break
				}
				pct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
				got[pct] = decodeQP(t, p.Header, p)
			}
		} else {
			got[ct] = decodeQP(t, textproto.MIMEHeader(m.Header), m.Body)
		}
		if got["text/plain"] != body {
			t.Errorf("message %d text decodes to %q", o.ID, got["text/plain"])
		}
		if o.HTML != "" {
			if got["text/html"] != html {
				t.Errorf("message %d HTML decodes to %q", o.ID, got["text/html"])
			}
			if m.Header.Get("List-Unsubscribe") != "<"+o.Unsubscribe+">" || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("unsubscribe headers %v", m.Header)
			}
		}
	}
}

func decodeQP(t *testing.T, h textproto.MIMEHeader, r io.Reader) string {
	t.Helper()
	if h.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("transfer encoding %q", h.Get("Content-Transfer-Encoding"))
	}
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// A permanent refusal (5xx) is not retried; a message failing for other
// reasons is tried MaxAttempts times, then marked failed.
func TestPermanentSMTPFailureIsNotRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, to := range []string{"refused@example.org", "flaky@example.org"} {
			if err := pmail.Enqueue(ctx, d.W(), pmail.Message{To: to, Subject: "Hello", Body: "Hi", Kind: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		tries := map[string]int{}
		s := &pmail.Sender{DB: d, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Send: func(ctx context.Context, o pmail.Outgoing) error {
			tries[o.To]++
			if o.To == "refused@example.org" {
				return &textproto.Error{Code: 500, Msg: "Line too long"}
			}
			return &textproto.Error{Code: 421, Msg: "Try again later"}
		}}
		for range pmail.MaxAttempts + 3 {
			s.RunOnce(ctx)
			// Let every retry fall due at once.
			if _, err := d.W().ExecContext(ctx, `UPDATE outbox SET claimed_until = NULL`); err != nil {
				t.Fatal(err)
			}
		}
		if tries["refused@example.org"] != 1 || tries["flaky@example.org"] != pmail.MaxAttempts {
			t.Fatalf("tries %v, want 1 for the refused message and %d for the flaky one", tries, pmail.MaxAttempts)
		}
		msgs, _, err := pmail.Recent(ctx, d.Q(), "", 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.FailedAt == nil || m.SentAt != nil || m.LastError == "" {
				t.Errorf("%s: failed %v sent %v error %q", m.To, m.FailedAt, m.SentAt, m.LastError)
			}
		}
	})
}

// A relayed message's replies go to its sender: Compose writes Reply-To,
// and never one that is not a single address (no header injection).
func TestComposeReplyTo(t *testing.T) {
	o := pmail.Outgoing{ID: 3, To: "editor@example.org", Subject: "Hello", Body: "Hi", ReplyTo: "sender@example.org", CreatedAt: time.Now()}
	m, err := mail.ReadMessage(bytes.NewReader(pmail.Compose("Partnerhub <no-reply@ph.example>", o, time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Header.Get("Reply-To"); got != "sender@example.org" {
		t.Fatalf("Reply-To = %q", got)
	}
	o.ReplyTo = "x@example.org\r\nBcc: y@example.org"
	m, err = mail.ReadMessage(bytes.NewReader(pmail.Compose("Partnerhub <no-reply@ph.example>", o, time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Reply-To") != "" || m.Header.Get("Bcc") != "" {
		t.Fatalf("bad Reply-To written: %v", m.Header)
	}
}
