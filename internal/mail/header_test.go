package mail

import (
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// A subject with accents, quotes and signs must reach the reader as typed
// (it used to be double-encoded: "café" arrived as "caf=C3=A9"), and a
// line break in it must never start a new header.
func TestBuildMessageSubject(t *testing.T) {
	for _, tc := range []struct{ subject, want string }{
		{"Booked: Café = 5? yes_no", "Booked: Café = 5? yes_no"},
		{"Plain ASCII subject", "Plain ASCII subject"},
		{"Evil\r\nBcc: victim@example.org", "Evil Bcc: victim@example.org"},
		{"Wrapped\nname\tand  spaces", "Wrapped name and spaces"},
		{strings.Repeat("Ünïcødé ", 20), strings.TrimSpace(strings.Repeat("Ünïcødé ", 20))},
	} {
		raw := Compose("Partnerhub <noreply@example.org>", Outgoing{ID: 1, To: "a@example.org", Subject: tc.subject, Body: "Hi", CreatedAt: time.Now()}, time.Now())
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatalf("%q: %v", tc.subject, err)
		}
		if len(m.Header["Bcc"]) != 0 {
			t.Fatalf("%q: injected a Bcc header", tc.subject)
		}
		got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil || got != tc.want {
			t.Fatalf("subject %q: got %q (%v), want %q", tc.subject, got, err, tc.want)
		}
	}
}
