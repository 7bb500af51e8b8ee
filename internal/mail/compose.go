package mail

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"
)

// maxSubject bounds a subject (in characters) so that no word of it,
// encoded or not, can make a header line longer than SMTP allows.
const maxSubject = 250

// Compose builds the message sent for o: headers with the subject
// encoded (RFC 2047) and folded, List-Unsubscribe and
// List-Unsubscribe-Post (RFC 8058) when o has an unsubscribe address,
// Reply-To when o has one, and
// the body quoted-printable (a text part, and an HTML part beside it when
// o has one), so no line is longer than 76 octets whatever people typed:
// SMTP servers refuse lines over 998 ("500 Line too long").
func Compose(from string, o Outgoing, now time.Time) []byte {
	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(fold(name + ": " + value)) }
	header("From", from)
	header("To", o.To)
	if o.ReplyTo != "" && ValidAddress(o.ReplyTo) {
		header("Reply-To", o.ReplyTo)
	}
	header("Subject", mime.QEncoding.Encode("utf-8", subjectLine(o.Subject)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<outbox-%d-%d@partnerhub>", o.ID, o.CreatedAt.Unix()))
	if o.Unsubscribe != "" {
		header("List-Unsubscribe", "<"+o.Unsubscribe+">")
		header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	if o.HTML == "" {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		writeQP(&b, o.Body)
		return b.Bytes()
	}
	mw := multipart.NewWriter(&b)
	b.WriteString("Content-Type: multipart/alternative; boundary=" + mw.Boundary() + "\r\n\r\n")
	for _, p := range []struct{ ct, body string }{{"text/plain; charset=utf-8", o.Body}, {"text/html; charset=utf-8", o.HTML}} {
		w, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {p.ct}, "Content-Transfer-Encoding": {"quoted-printable"}})
		var part bytes.Buffer
		writeQP(&part, p.body)
		w.Write(part.Bytes())
	}
	mw.Close()
	return b.Bytes()
}

func writeQP(b *bytes.Buffer, body string) {
	qp := quotedprintable.NewWriter(b)
	qp.Write([]byte(strings.ReplaceAll(body, "\r\n", "\n")))
	qp.Close()
}

// subjectLine is the subject as one line of at most maxSubject characters.
func subjectLine(s string) string {
	s = OneLine(s)
	if r := []rune(s); len(r) > maxSubject {
		s = string(r[:maxSubject-1]) + "…"
	}
	return s
}

// fold writes a header line, folded at spaces (RFC 5322 2.2.3) so lines
// stay near 78 octets; encoded words are separated by spaces too.
func fold(line string) string {
	var out strings.Builder
	n := 0
	for i, w := range strings.Split(line, " ") {
		if i > 0 {
			if n+1+len(w) > 76 {
				out.WriteString("\r\n ")
				n = 1
			} else {
				out.WriteByte(' ')
				n++
			}
		}
		out.WriteString(w)
		n += len(w)
	}
	out.WriteString("\r\n")
	return out.String()
}
