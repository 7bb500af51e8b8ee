// Package notify is the one way Partnerhub tells people about things by
// email: who to tell (the owners and editors of an organisation), whether
// they were already told (a de-duplication key), whether they asked not to
// be told (per person, per kind, optionally per organisation), a one-click
// unsubscribe link in every notice (and the List-Unsubscribe headers), and
// bodies from templates (a text part and an HTML part). Messages go through
// the mail outbox, in the caller's transaction.
package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	htmltemplate "html/template"
	"regexp"
	"strings"
	texttemplate "text/template"

	"partnerhub/internal/db"
	"partnerhub/internal/mail"
)

//go:embed mail/*
var mailFS embed.FS

var (
	textTmpl = texttemplate.Must(texttemplate.ParseFS(mailFS, "mail/notice.txt"))
	htmlTmpl = htmltemplate.Must(htmltemplate.New("notice.html").Funcs(htmltemplate.FuncMap{"linkify": linkify}).ParseFS(mailFS, "mail/notice.html"))
)

// Recipient is a person to tell.
type Recipient struct {
	UserID int64
	Email  string
	OrgID  int64 // the organisation they are told as a member of
}

// OrgEditors lists the active owners and editors of each organisation,
// by organisation, ordered by email.
func OrgEditors(ctx context.Context, q db.Querier, orgs ...int64) (map[int64][]Recipient, error) {
	return orgPeople(ctx, q, "m.role IN ('owner','editor') AND ", orgs)
}

// OrgPeople lists every active member of each organisation (any role), by
// organisation, ordered by email.
func OrgPeople(ctx context.Context, q db.Querier, orgs ...int64) (map[int64][]Recipient, error) {
	return orgPeople(ctx, q, "", orgs)
}

func orgPeople(ctx context.Context, q db.Querier, role string, orgs []int64) (map[int64][]Recipient, error) {
	out := map[int64][]Recipient{}
	if len(orgs) == 0 {
		return out, nil
	}
	var args []any
	in := db.Placeholders(&args, orgs)
	rows, err := q.QueryContext(ctx, `SELECT m.organisation_id, u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE `+role+`u.disabled_at IS NULL AND m.organisation_id IN (`+in+`) ORDER BY u.email`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.OrgID, &r.UserID, &r.Email); err != nil {
			return nil, err
		}
		out[r.OrgID] = append(out[r.OrgID], r)
	}
	return out, rows.Err()
}

// Notice is one email to one person.
type Notice struct {
	To      string
	OrgID   int64  // the organisation it is sent about (0: none); preferences may be per organisation
	Kind    string // what it is about: the preference it obeys and the outbox kind
	Key     string // when set, a person is told once per (Kind, Key)
	Subject string
	Text    string // the message, plain text; paragraphs separated by blank lines
	// Why says why the person gets it ("You get these emails as an owner
	// of Fylde Trust."), above the unsubscribe link.
	Why string
	// ReplyTo, when set, is where replies go (a member's relayed message).
	ReplyTo string
}

// Send queues n in the caller's transaction unless the person turned this
// kind off (for this organisation or all) or was already told about
// n.Key. It reports whether a message was queued. A mandatory kind (see
// kinds) is sent whatever the preferences and has no unsubscribe link.
func Send(ctx context.Context, q db.Querier, baseURL string, n Notice) (bool, error) {
	email := strings.ToLower(strings.TrimSpace(n.To))
	mandatory := kinds[n.Kind].Mandatory
	if !mandatory {
		off, err := TurnedOff(ctx, q, email, n.Kind, n.OrgID)
		if err != nil || off {
			return false, err
		}
	}
	if n.Key != "" {
		res, err := q.ExecContext(ctx, `INSERT INTO notify_sent (email, kind, dedupe_key, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, email, n.Kind, n.Key, db.Now())
		if err != nil {
			return false, err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return false, err
		}
	}
	unsub := ""
	if !mandatory {
		token, err := newToken(ctx, q, email, n.Kind, n.OrgID)
		if err != nil {
			return false, err
		}
		unsub = strings.TrimRight(baseURL, "/") + "/unsubscribe/" + token
	}
	text, html, err := Render(n, unsub)
	if err != nil {
		return false, err
	}
	return true, mail.Enqueue(ctx, q, mail.Message{To: email, Subject: n.Subject, Body: text, HTML: html, Kind: n.Kind, Unsubscribe: unsub, ReplyTo: n.ReplyTo})
}

// TellOrgEditors sends n to each active owner and editor of orgID (n.To
// is set per person, n.OrgID to orgID), each subject to their own choices
// and told once per n.Key. It returns how many were queued.
func TellOrgEditors(ctx context.Context, q db.Querier, baseURL string, orgID int64, n Notice) (int, error) {
	who, err := OrgEditors(ctx, q, orgID)
	if err != nil {
		return 0, err
	}
	return TellEach(ctx, q, baseURL, who[orgID], n)
}

// TellEach sends n to each recipient (n.To and n.OrgID set per person),
// once per person: someone listed for several organisations is told once
// (as a member of the first), and with n.Key set never again about it. It
// returns how many were queued.
func TellEach(ctx context.Context, q db.Querier, baseURL string, who []Recipient, n Notice) (int, error) {
	sent, seen := 0, map[string]bool{}
	for _, r := range who {
		email := strings.ToLower(r.Email)
		if seen[email] {
			continue
		}
		seen[email] = true
		n.To, n.OrgID = email, r.OrgID
		ok, err := Send(ctx, q, baseURL, n)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// Render makes the text and HTML bodies of n from the notice templates
// (without an unsubscribe link when unsubscribe is "").
func Render(n Notice, unsubscribe string) (string, string, error) {
	data := noticeMail{Paragraphs: paragraphs(n.Text), Text: strings.TrimSpace(n.Text), Why: n.Why, Unsubscribe: unsubscribe}
	var t, h strings.Builder
	if err := textTmpl.Execute(&t, data); err != nil {
		return "", "", err
	}
	if err := htmlTmpl.Execute(&h, data); err != nil {
		return "", "", err
	}
	return t.String(), h.String(), nil
}

// noticeMail is what the notice templates read.
type noticeMail struct {
	Paragraphs  [][]string
	Text        string
	Why         string
	Unsubscribe string
}

func paragraphs(s string) [][]string {
	var out [][]string
	for _, p := range blankRE.Split(strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n"), -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, strings.Split(p, "\n"))
		}
	}
	return out
}

var (
	urlRE   = regexp.MustCompile(`https?://[^\s<>"]+`)
	blankRE = regexp.MustCompile(`\n\s*\n`)
)

// linkify escapes a line of text and makes its web addresses links.
func linkify(line string) htmltemplate.HTML {
	var b strings.Builder
	last := 0
	for _, m := range urlRE.FindAllStringIndex(line, -1) {
		b.WriteString(htmltemplate.HTMLEscapeString(line[last:m[0]]))
		u := htmltemplate.HTMLEscapeString(line[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(htmltemplate.HTMLEscapeString(line[last:]))
	return htmltemplate.HTML(b.String())
}

// TurnedOff reports whether email asked not to get kind (about orgID, or
// about any organisation), or any notice at all ("all").
func TurnedOff(ctx context.Context, q db.Querier, email, kind string, orgID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_prefs WHERE email = $1 AND kind IN ($2, 'all') AND organisation_id IN (0, $3)`,
		strings.ToLower(email), kind, orgID).Scan(&n)
	return n > 0, err
}

// TurnOff records that email does not want kind (about orgID; 0 for all
// organisations).
func TurnOff(ctx context.Context, q db.Querier, email, kind string, orgID int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO notify_prefs (email, kind, organisation_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		strings.ToLower(email), kind, orgID, db.Now())
	return err
}

// TurnOn removes that choice again.
func TurnOn(ctx context.Context, q db.Querier, email, kind string, orgID int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM notify_prefs WHERE email = $1 AND kind = $2 AND organisation_id = $3`, strings.ToLower(email), kind, orgID)
	return err
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// newToken stores (hashed) and returns a token that turns kind off for
// email without signing in.
func newToken(ctx context.Context, q db.Querier, email, kind string, orgID int64) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	_, err := q.ExecContext(ctx, `INSERT INTO notify_tokens (token_hash, email, kind, organisation_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
		hashToken(token), email, kind, orgID, db.Now())
	return token, err
}

// Kind is a kind of notice: its name for people (on the unsubscribe
// page) and whether it is mandatory.
type Kind struct {
	What string
	// Mandatory kinds answer something the person asked for themselves
	// (their booking, its cancellation, the place they waited for, the
	// reply to their claim): they are sent whatever the preferences, with
	// the why-you-got-this line but no unsubscribe link.
	Mandatory bool
}

// kinds are the kinds of notice Partnerhub sends. A kind not listed is
// optional and named from its code.
var kinds = map[string]Kind{
	"partner_request":              {What: "“looking for partners” requests"},
	"partner_post_response":        {What: "responses to your posts"},
	"partner_post_closed":          {What: "posts closing"},
	"partner_post_formed":          {What: "partnerships formed from posts"},
	"event_stand":                  {What: "trade fair stand"},
	"event_meetings":               {What: "trade fair meeting schedule"},
	"event_message":                {What: "messages from event organisers"},
	"event_reminder":               {What: "event reminders"},
	"event_followup":               {What: "event feedback requests"},
	"event_cancelled":              {What: "event cancellation notices"},
	"assess_invite":                {What: "invitations to contribute to assessments"},
	"assess_review":                {What: "assessment review requests and decisions"},
	"assess_reminder":              {What: "assessment reminders and check-ins"},
	"healthcheck_round":            {What: "health-check rounds"},
	"directory_message":            {What: "messages from other members through Partnerhub"},
	"partnership_invitation":       {What: "invitations to join partnerships or respond to posts, and their answers"},
	"network_join":                 {What: "network join requests and replies"},
	"consortium_definition_review": {What: "consortium definition review reminders"},
	"event_booking":                {What: "booking confirmations", Mandatory: true},
	"event_booking_cancelled":      {What: "booking cancellations", Mandatory: true},
	"event_promoted":               {What: "places from the waiting list", Mandatory: true},
	"directory_claim":              {What: "replies to organisation claims", Mandatory: true},
	"opportunity_alert":            {What: "opportunity alerts (your saved searches)"},
	"opportunity_fit":              {What: "opportunities that fit your organisation"},
	"opportunity_question":         {What: "clarification questions to you as a buyer"},
	"opportunity_update":           {What: "answers and “you said, we did” from opportunities you follow"},
	"outcomes_review":              {What: "reminders to review an outcomes plan"},
	"bid_key_dates":                {What: "reminders of bids' key dates"},
}

// Mandatory reports whether kind is sent whatever the preferences.
func Mandatory(kind string) bool { return kinds[kind].Mandatory }

// Subscription is what an unsubscribe token stands for.
type Subscription struct {
	Email   string
	Kind    string
	What    string // the kind for people
	OrgID   int64
	OrgName string
	Off     bool
}

// ByToken finds the subscription of an unsubscribe token (ENOTFOUND when
// it is unknown).
func ByToken(ctx context.Context, q db.Querier, token string) (*Subscription, error) {
	var s Subscription
	err := q.QueryRowContext(ctx, `SELECT t.email, t.kind, t.organisation_id, COALESCE(o.name, '') FROM notify_tokens t LEFT JOIN organisations o ON o.id = t.organisation_id WHERE t.token_hash = $1`,
		hashToken(token)).Scan(&s.Email, &s.Kind, &s.OrgID, &s.OrgName)
	if err != nil {
		return nil, db.Err(err, "unsubscribe link")
	}
	s.What = kinds[s.Kind].What
	if s.What == "" {
		s.What = strings.ReplaceAll(s.Kind, "_", " ")
	}
	s.Off, err = TurnedOff(ctx, q, s.Email, s.Kind, s.OrgID)
	return &s, err
}
